/**
 * `strata rebase apply`: the TOML edits that switch the selected components to the target
 * version (and snapshot) and drop the overlays a check classified `redundant` or
 * `already-upstream` (planRebaseApply: pure, returns each file's text before/after and a unified
 * diff), and writing them (writeRebaseEdits: every file atomically; a failure or an interrupt
 * puts back the files already written).
 */
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { Overlay, ResolvedComponent, ResolvedProject } from '../config/types.js';
import { overlayLabel } from '../overlay/index.js';
import { editToml, type TomlChange } from './toml-edit.js';
import type { RebaseReport } from './types.js';

export interface FileEdit {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  /** Unified diff, paths relative to the project. */
  readonly diff: string;
  readonly changes: readonly string[];
}

export interface ApplyPlan {
  readonly edits: readonly FileEdit[];
  /** Overlays dropped, per component. */
  readonly dropped: readonly { readonly component: string; readonly overlay: string; readonly at: SourceSpan; readonly class: string }[];
  /** Overlays not dropped although classified so (declared where other components share them), and other notes. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ApplyTarget {
  readonly distro: string;
  readonly version: string;
  /** `--snapshot`: written for every selected component (refused where none can be written). */
  readonly snapshot?: string;
  /** Written where the component already has a snapshot, when `snapshot` is not given. */
  readonly defaultSnapshot?: string;
}

function isOwnOverlay(c: ResolvedComponent, o: Overlay): boolean {
  if (o.overlayFile) return true;
  return o.declaredIn === c.file;
}

/**
 * The edits of a rebase: pure given the files' texts (read through `read`). Throws
 * REBASE_TOML_UNEDITABLE or REBASE_VERSION_SHARED; nothing is written.
 */
export async function planRebaseApply(read: (file: string) => Promise<string>, project: ResolvedProject, components: readonly ResolvedComponent[], report: RebaseReport | undefined, target: ApplyTarget): Promise<ApplyPlan> {
  const perFile = new Map<string, TomlChange[]>();
  const add = (file: string, ch: TomlChange) => perFile.set(file, [...(perFile.get(file) ?? []), ch]);
  const diagnostics: Diagnostic[] = [];
  const selected = new Set(components.map((c) => c.name));
  // 1. The version (and snapshot) switch, at the place each component's value comes from.
  const seen = new Set<string>();
  for (const c of components) {
    if (c.spec.type !== 'upstream' || c.spec.upstreamDistro.name !== target.distro) continue;
    const snap = target.snapshot ?? (c.spec.upstreamDistro.snapshot ? target.defaultSnapshot : undefined);
    const fields: [string, string | undefined][] = [['spec.upstream-distro.version', target.version], ['spec.upstream-distro.snapshot', snap]];
    for (const [field, value] of fields) {
      if (value === undefined) continue;
      const current = field.endsWith('version') ? c.spec.upstreamDistro.version : c.spec.upstreamDistro.snapshot;
      if (current === value) continue;
      const at = c.origin(field);
      if (!at) {
        if (field.endsWith('snapshot')) {
          throw new StrataError(error('REBASE_TOML_UNEDITABLE', `component ${c.name} has no snapshot to change; nothing was written`, { span: c.definedAt, hint: 'add snapshot = "…" to the upstream-distro of the distro version\'s default-component-config by hand, or rebase without --snapshot' }));
        }
        // The distro's default-version.
        const d = project.distros.get(target.distro)!;
        const key = `${d.definedAt.file}\u0000default-version`;
        if (!seen.has(key)) {
          seen.add(key);
          add(d.definedAt.file, { kind: 'set-string-path', path: ['distros', d.name, 'default-version'], value, label: `distros.${d.name}.default-version → ${value}` });
        }
        continue;
      }
      const key = `${at.file}:${at.offset ?? `${at.line}:${at.col}`}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sharers = [...project.components.values()].filter((o) => !selected.has(o.name) && o.origin(field)?.file === at.file && o.origin(field)?.offset === at.offset);
      if (sharers.length) {
        throw new StrataError(error('REBASE_VERSION_SHARED', `${field} of ${c.name} is set at ${path.relative(project.dir, at.file)}:${at.line} for ${sharers.length} other component(s) too (${sharers.slice(0, 3).map((s) => s.name).join(', ')}${sharers.length > 3 ? ', …' : ''}); nothing was written`, { span: at }));
      }
      add(at.file, { kind: 'set-string', at, value, label: `${field} → ${value}` });
    }
  }
  // 2. The overlays to drop.
  const dropped: { component: string; overlay: string; at: SourceSpan; class: string }[] = [];
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const r of report?.components ?? []) {
    const c = byName.get(r.component);
    if (!c || r.status !== 'ok') continue;
    for (const v of r.overlays) {
      if (v.class !== 'redundant' && v.class !== 'already-upstream') continue;
      const o = c.overlays[v.index]!;
      if (!isOwnOverlay(c, o)) {
        diagnostics.push(warning('REBASE_TOML_UNEDITABLE', `${overlayLabel(o)} is ${v.class} for ${c.name} but is declared in ${path.relative(project.dir, o.declaredIn)}, shared with other components: kept`, { span: o.definedAt, hint: 'drop it by hand when it is redundant for every component that inherits it' }));
        continue;
      }
      add(o.declaredIn, { kind: 'remove-table', at: o.definedAt, label: `drop ${overlayLabel(o)} (${v.class})` });
      dropped.push({ component: c.name, overlay: overlayLabel(o), at: o.definedAt, class: v.class });
    }
  }
  const edits: FileEdit[] = [];
  for (const [file, changes] of [...perFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const before = await read(file);
    const after = editToml(file, before, changes);
    if (after === before) continue;
    const rel = path.relative(project.dir, file);
    edits.push({ file, before, after, diff: createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, undefined, undefined, { context: 3 }), changes: changes.map((c) => c.label) });
  }
  return { edits, dropped, diagnostics };
}

/**
 * Write the edits: each file atomically (temporary file + rename). Before writing, every file
 * must still hold the text the plan was made from (REBASE_FILE_CHANGED). When a write fails or
 * `signal` aborts between files, the files already written get their previous text back
 * (REBASE_WRITE_FAILED / REBASE_INTERRUPTED): an interrupted apply leaves the previous files.
 */
export async function writeRebaseEdits(fs: FileSystem, edits: readonly FileEdit[], signal?: AbortSignal): Promise<void> {
  for (const e of edits) {
    const now = await fs.readText(e.file).catch(() => undefined);
    if (now !== e.before) {
      throw new StrataError(error('REBASE_FILE_CHANGED', `${e.file} changed since the rebase was planned; nothing was written`, { span: { file: e.file, line: 1, col: 1 } }));
    }
  }
  const written: FileEdit[] = [];
  const restore = async () => {
    for (const w of written.reverse()) await fs.writeFileAtomic(w.file, w.before);
  };
  for (const e of edits) {
    if (signal?.aborted) {
      await restore();
      throw new StrataError(error('REBASE_INTERRUPTED', `rebase apply interrupted; the ${written.length} file(s) already written were put back`, { hint: 'nothing changed; run it again' }));
    }
    try {
      await fs.writeFileAtomic(e.file, e.after);
      written.push(e);
    } catch (err) {
      await restore();
      throw new StrataError(error('REBASE_WRITE_FAILED', `writing ${e.file} failed (${(err as Error).message}); the ${written.length} file(s) already written were put back`, { span: { file: e.file, line: 1, col: 1 } }), { cause: err });
    }
  }
}
