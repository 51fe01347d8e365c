/**
 * The overlay engine: overlays in order, each through its handler (handlers.ts). Spec edits are
 * planned purely on the line view of the spec CST and applied as splices on the text, which is
 * re-parsed after every overlay; file operations are planned from a listing and then applied
 * through the FileSystem.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { applySplices, lineEditSplices, parseSpec, viewSpecLines } from '../spec/index.js';
import { applyFileOps, listFiles, type FileOp } from './file-overlays.js';
import { overlaySource, overlayTouches, planOverlayFiles, planOverlaySpec } from './handlers.js';
import { overlayError, type AnyOverlay, type Splice } from './types.js';

/** What one overlay did: spec splices (on the spec text before it) and file operations. */
export interface OverlayResult {
  readonly overlay: AnyOverlay;
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
export async function applyOverlays(t: OverlayTarget, overlays: readonly AnyOverlay[], initialSpec?: string): Promise<{ spec: string; results: OverlayResult[] }> {
  const specPath = path.join(t.root, t.specFile);
  let spec = initialSpec ?? (await t.fs.readText(specPath));
  const results: OverlayResult[] = [];
  let files: Awaited<ReturnType<typeof listFiles>> | undefined;
  const removed = new Set<string>();
  const added = new Set<string>();
  for (const o of overlays) {
    const touches = overlayTouches(o);
    const before = spec;
    let splices: Splice[] = [];
    if (touches.spec) {
      const view = viewSpecLines(parseSpec(before, t.specFile));
      splices = lineEditSplices(view, planOverlaySpec(view, o, { specFile: t.specFile }));
    }
    let ops: FileOp[] = [];
    if (touches.files) {
      const source = overlaySource(o);
      if (source !== undefined && !(await t.fs.stat(source))?.isFile) {
        throw overlayError(o, 'OVERLAY_SOURCE_NOT_FOUND', `source file ${JSON.stringify(source)} does not exist`,
          '`source` is relative to the directory of the TOML file that declares the overlay');
      }
      if (!files) files = await listFiles(t.fs, t.root);
      const current = files.filter((f) => !removed.has(f.rel)).concat([...added].map((rel) => ({ rel, mode: 0o644 })));
      ops = await planOverlayFiles(
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
    const after = splices.length ? applySplices(before, splices, t.specFile) : before;
    if (after === before && ops.length === 0) {
      throw overlayError(o, 'OVERLAY_NO_CHANGE', `matched, but changes nothing: ${describeTarget(o)} is already in the requested state`,
        'the change may have landed upstream; remove the overlay (or update it)', t.specFile);
    }
    spec = after;
    results.push({ overlay: o, specBefore: before, specAfter: after, splices, fileOps: ops });
  }
  if (!t.dryRun && !t.keepSpecInMemory) await (t.write ?? t.fs.writeFileAtomic.bind(t.fs))(specPath, spec);
  return { spec, results };
}

function describeTarget(o: AnyOverlay): string {
  if ('tag' in o) return `tag ${o.tag}${o.value !== undefined ? ` = ${JSON.stringify(o.value)}` : ''}`;
  if ('regex' in o) return `regex ${JSON.stringify(o.regex)} → ${JSON.stringify(o.replacement)}`;
  if ('section' in o && o.section) return `section ${o.section}${o.package ? ` ${o.package}` : ''}`;
  return 'file' in o && o.file ? `file ${o.file}` : 'the spec';
}
