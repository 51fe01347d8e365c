/**
 * The overlay engine: one handler per overlay type (a `Record<OverlayType, Handler>`, so a new
 * type is a compile error until handled). Spec edits are planned purely on the line view of the
 * spec CST (spec-lines.ts), re-parsed after every overlay; file operations are planned from a
 * listing and then applied through the FileSystem.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { applyFileOps, listFiles, planFileOverlay, type FileOp } from './file-overlays.js';
import { lineEditsToSplices, overlayError, planSpecEdits, applyLineEdits, type LineEdit } from './spec-overlays.js';
import { joinSpecLines, parseSpecLines, splitSpecText } from './spec-lines.js';
import type { Overlay, OverlayType, Splice } from './types.js';

export interface Handler {
  /** Edits to the spec, if the type touches the spec. */
  readonly spec?: boolean;
  /** File operations, if the type touches files. */
  readonly files?: boolean;
}

export const HANDLERS: Record<OverlayType, Handler> = {
  'spec-add-tag': { spec: true },
  'spec-insert-tag': { spec: true },
  'spec-set-tag': { spec: true },
  'spec-update-tag': { spec: true },
  'spec-remove-tag': { spec: true },
  'spec-prepend-lines': { spec: true },
  'spec-append-lines': { spec: true },
  'spec-search-replace': { spec: true },
  'spec-remove-section': { spec: true },
  'spec-remove-subpackage': { spec: true },
  'patch-add': { spec: true, files: true },
  'patch-remove': { spec: true, files: true },
  'file-prepend-lines': { files: true },
  'file-search-replace': { files: true },
  'file-add': { files: true },
  'file-remove': { files: true },
  'file-rename': { files: true },
};

/** What one overlay did: spec splices (on the spec text before it) and file operations. */
export interface OverlayResult {
  readonly overlay: Overlay;
  readonly specBefore: string;
  readonly specAfter: string;
  readonly splices: readonly Splice[];
  readonly fileOps: readonly FileOp[];
}

export interface OverlayTarget {
  readonly fs: FileSystem;
  /** The sources directory (spec + sidecar files). */
  readonly root: string;
  /** Spec file name inside root. */
  readonly specFile: string;
  /** Plan only: nothing is written (spec or files). */
  readonly dryRun?: boolean;
  /** Leave writing the resulting spec to the caller (it gets the text back). */
  readonly keepSpecInMemory?: boolean;
  /** Writer for file contents (default: the FileSystem's atomic write). */
  readonly write?: (path: string, data: string | Uint8Array, mode?: number) => Promise<void>;
}

/**
 * Apply overlays in order; the spec is read once, edited in memory and written at the end.
 * Throws the first overlay's StrataError (a failed render keeps no half-done output: callers work
 * in a staging directory).
 */
export async function applyOverlays(t: OverlayTarget, overlays: readonly Overlay[], initialSpec?: string): Promise<{ spec: string; results: OverlayResult[] }> {
  const specPath = path.join(t.root, t.specFile);
  let lines = splitSpecText(initialSpec ?? (await t.fs.readText(specPath)));
  const results: OverlayResult[] = [];
  let files: Awaited<ReturnType<typeof listFiles>> | undefined;
  const removed = new Set<string>();
  const added = new Set<string>();
  for (const o of overlays) {
    const h = HANDLERS[o.type];
    if (!h) throw overlayError(o, 'OVERLAY_UNKNOWN_TYPE', `unknown overlay type ${JSON.stringify(o.type)}`);
    const before = joinSpecLines(lines);
    let edits: LineEdit[] = [];
    if (h.spec) {
      edits = planSpecEdits(parseSpecLines(lines), o, { specFile: t.specFile });
    }
    let ops: FileOp[] = [];
    if (h.files) {
      if (o.type === 'patch-add' || o.type === 'file-add') {
        const st = o.source ? await t.fs.stat(o.source) : undefined;
        if (o.source && (!st || !st.isFile)) {
          throw overlayError(o, 'OVERLAY_SOURCE_MISSING', `source file ${JSON.stringify(o.source)} does not exist`,
            '`source` is relative to the directory of the TOML file that declares the overlay');
        }
      }
      if (!files) files = await listFiles(t.fs, t.root);
      const current = files.filter((f) => !removed.has(f.rel)).concat([...added].map((rel) => ({ rel, mode: 0o644 })));
      ops = await planFileOverlay(
        o,
        current,
        (rel) => t.fs.readFile(path.join(t.root, rel)),
        async (rel) => current.some((f) => f.rel === rel) || (await t.fs.stat(path.join(t.root, rel))) !== undefined,
      );
      if (!t.dryRun) await applyFileOps(t.fs, t.root, ops, t.write);
      for (const op of ops) {
        if (op.op === 'remove') removed.add(op.path);
        if (op.op === 'copy') added.add(op.path);
        if (op.op === 'rename') {
          removed.add(op.path);
          added.delete(op.path);
          added.add(op.to);
        }
      }
    }
    const splices = edits.length ? lineEditsToSplices(lines, edits) : [];
    const next = edits.length ? applyLineEdits(lines, edits) : lines;
    const after = edits.length ? joinSpecLines(next) : before;
    if (after === before && ops.length === 0) {
      throw overlayError(o, 'OVERLAY_NO_CHANGE', `matched, but changes nothing: ${describeTarget(o)} is already in the requested state`,
        'the change may have landed upstream; remove the overlay (or update it)', t.specFile);
    }
    lines = next;
    results.push({ overlay: o, specBefore: before, specAfter: after, splices, fileOps: ops });
  }
  const spec = joinSpecLines(lines);
  if (!t.dryRun && !t.keepSpecInMemory) await (t.write ?? t.fs.writeFileAtomic.bind(t.fs))(specPath, spec);
  return { spec, results };
}

function describeTarget(o: Overlay): string {
  if (o.tag) return `tag ${o.tag}${o.value !== undefined ? ` = ${JSON.stringify(o.value)}` : ''}`;
  if (o.regex) return `regex ${JSON.stringify(o.regex)} → ${JSON.stringify(o.replacement ?? '')}`;
  if (o.section) return `section ${o.section}${o.package ? ` ${o.package}` : ''}`;
  return o.file ? `file ${o.file}` : 'the spec';
}
