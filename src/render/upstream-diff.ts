/**
 * `component diff-sources`: what updating a component's lock would change. Renders the component
 * twice into temporary directories — at the locked commit and at the newest commit on the branch —
 * with the real render pipeline, and diffs the two rendered trees (the spec first). The raw
 * upstream spec diff is included too, and a render that fails at the new commit (an overlay that
 * no longer applies) is reported as a finding rather than an abort. Data only; the CLI prints it.
 */
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FileStat, FileSystem } from '../adapters/types.js';
import { isStrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { findUpstreamChanges, readFileAt, lockPathFor, printLockFile, MirrorCache, type CommitInfo } from '../sources/index.js';
import { Renderer, type RenderDeps } from './render.js';
import { diffSnapshots, snapshotDir } from './output.js';
import { withDefaultEngines } from './command.js';

export interface RenderedFileDiff {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'modified';
  /** Unified diff for text files. */
  readonly diff?: string;
}

export interface UpstreamDiff {
  readonly component: string;
  readonly branch: string;
  readonly from: string;
  readonly fromRule: string;
  readonly to: string;
  readonly diverged: boolean;
  readonly commits: readonly CommitInfo[];
  /** Unified diff of the pristine upstream spec between the two commits. */
  readonly upstreamSpecDiff: string;
  /** Rendered-tree changes (spec first); undefined when a render failed. */
  readonly rendered?: readonly RenderedFileDiff[];
  /** Render failures at either commit (e.g. an overlay that no longer matches). */
  readonly renderErrors: { readonly from: readonly Diagnostic[]; readonly to: readonly Diagnostic[] };
  readonly diagnostics: readonly Diagnostic[];
}

/** A FileSystem that shows `lockPath` as a lock pinning `commit` (nothing is written to disk). */
function withVirtualLock(fs: FileSystem, lockPath: string, commit: string): FileSystem {
  const text = printLockFile({ version: 1, upstreamCommit: commit, inputs: {} });
  const data = new TextEncoder().encode(text);
  const st: FileStat = { isFile: true, isDirectory: false, isSymbolicLink: false, size: data.length, mode: 0o644, mtimeMs: 0 };
  const same = (p: string) => path.resolve(p) === lockPath;
  return {
    readFile: (p) => (same(p) ? Promise.resolve(data) : fs.readFile(p)),
    readText: (p) => (same(p) ? Promise.resolve(text) : fs.readText(p)),
    stat: (p) => (same(p) ? Promise.resolve(st) : fs.stat(p)),
    writeFileAtomic: (p, d, m) => fs.writeFileAtomic(p, d, m),
    readdir: (p) => fs.readdir(p),
    mkdir: (p) => fs.mkdir(p),
    remove: (p) => fs.remove(p),
    rename: (a, b) => fs.rename(a, b),
    copyFile: (a, b) => fs.copyFile(a, b),
    chmod: (p, m) => fs.chmod(p, m),
    setTimes: (p, t) => fs.setTimes(p, t),
    realpath: (p) => fs.realpath(p),
    mkdtemp: (pre, parent) => fs.mkdtemp(pre, parent),
    glob: (pats, cwd) => fs.glob(pats, cwd),
  };
}

function unified(name: string, a: string | undefined, b: string | undefined, fromLabel: string, toLabel: string): string {
  return createTwoFilesPatch(a === undefined ? '/dev/null' : `a/${name}`, b === undefined ? '/dev/null' : `b/${name}`, a ?? '', b ?? '', fromLabel, toLabel);
}

function isText(s: string): boolean {
  return !s.includes('\u0000');
}

/** Render `c` at `commit` into a fresh temporary directory under `tmpRoot`; returns the tree or the failure. */
async function renderAt(deps: RenderDeps, project: ResolvedProject, c: ResolvedComponent, commit: string, tmpRoot: string): Promise<{ tree?: Map<string, string>; errors: Diagnostic[] }> {
  const lockPath = path.resolve(lockPathFor(project.project.lockDir, c.name));
  const fs = withVirtualLock(deps.fs, lockPath, commit);
  const stage = path.join(await deps.fs.mkdtemp('render-', tmpRoot), c.name);
  const renderer = new Renderer({ ...deps, fs }, project, { outDir: tmpRoot, refresh: 'if-needed' });
  try {
    const r = await renderer.renderInto(c, stage);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) return { errors };
    return { tree: await snapshotDir(deps.fs, stage), errors: [] };
  } catch (e) {
    if (!isStrataError(e)) throw e;
    return { errors: [...e.diagnostics] };
  }
}

export interface DiffUpstreamOptions {
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** Skip rendering; the commit list and the raw upstream spec diff only. */
  readonly raw?: boolean;
  readonly mirrors?: MirrorCache;
}

export async function diffUpstream(deps: RenderDeps, project: ResolvedProject, c: ResolvedComponent, opts: DiffUpstreamOptions = {}): Promise<UpstreamDiff> {
  const changes = await findUpstreamChanges(deps, project, c, opts);
  const spec = c.spec.type === 'upstream' ? `${c.spec.upstreamName}.spec` : `${c.name}.spec`;
  const a = await readFileAt(deps, changes.mirrorPath, changes.from, spec);
  const b = await readFileAt(deps, changes.mirrorPath, changes.to, spec);
  const upstreamSpecDiff = a === b ? '' : unified(spec, a, b, changes.from.slice(0, 12), changes.to.slice(0, 12));
  const base = {
    component: c.name,
    branch: changes.branch,
    from: changes.from,
    fromRule: changes.fromRule,
    to: changes.to,
    diverged: changes.diverged,
    commits: changes.commits,
    upstreamSpecDiff,
    diagnostics: changes.diagnostics,
  };
  if (opts.raw) return { ...base, renderErrors: { from: [], to: [] } };
  if (changes.from === changes.to) return { ...base, rendered: [], renderErrors: { from: [], to: [] } };
  await deps.fs.mkdir(project.project.workDir);
  const tmpRoot = await deps.fs.mkdtemp('diff-sources-', project.project.workDir);
  try {
    const [x, y] = [await renderAt(deps, project, c, changes.from, tmpRoot), await renderAt(deps, project, c, changes.to, tmpRoot)];
    if (!x.tree || !y.tree) return { ...base, renderErrors: { from: x.errors, to: y.errors } };
    const d = diffSnapshots(x.tree, y.tree);
    const fromL = `rendered at ${changes.from.slice(0, 12)}`;
    const toL = `rendered at ${changes.to.slice(0, 12)}`;
    const files: RenderedFileDiff[] = [];
    const add = (p: string, status: RenderedFileDiff['status']) => {
      const av = x.tree!.get(p);
      const bv = y.tree!.get(p);
      const text = (av === undefined || isText(av)) && (bv === undefined || isText(bv));
      files.push({ path: p, status, ...(text ? { diff: unified(p, av === undefined ? undefined : latin1ToUtf8(av), bv === undefined ? undefined : latin1ToUtf8(bv), fromL, toL) } : {}) });
    };
    for (const p of d.modified) add(p, 'modified');
    for (const p of d.added) add(p, 'added');
    for (const p of d.removed) add(p, 'removed');
    const specFile = `${c.name}.spec`;
    files.sort((p, q) => (p.path === specFile ? -1 : q.path === specFile ? 1 : p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
    return { ...base, rendered: files, renderErrors: { from: [], to: [] } };
  } finally {
    await deps.fs.remove(tmpRoot);
  }
}

/** snapshotDir keeps bytes as latin1; turn them back into text for diffs. */
function latin1ToUtf8(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(s, (ch) => ch.charCodeAt(0)));
}

export interface DiffSourcesOptions extends Omit<DiffUpstreamOptions, 'mirrors'> {
  /** `-a`: every upstream component (local ones are skipped, as in `history`). */
  readonly all: boolean;
}

/**
 * `component diff-sources`: `diffUpstream` for each selected component, sharing one mirror
 * cache. With `-a` or several components, local ones are skipped; a local one named alone is the
 * SOURCES_NOT_UPSTREAM error.
 */
export async function diffSources(deps: RenderDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: DiffSourcesOptions): Promise<UpstreamDiff[]> {
  const full = await withDefaultEngines(deps);
  const mirrors = new MirrorCache(full, { workDir: project.project.workDir });
  const out: UpstreamDiff[] = [];
  for (const c of components) {
    if (c.spec.type !== 'upstream' && (opts.all || components.length > 1)) continue;
    out.push(await diffUpstream(full, project, c, { ...(opts.refresh ? { refresh: opts.refresh } : {}), ...(opts.raw ? { raw: true } : {}), mirrors }));
  }
  return out;
}
