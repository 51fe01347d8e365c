/**
 * `strata rebase check`: for each selected component with overlays, its upstream move and every
 * overlay re-applied to the new upstream (classify.ts). The new upstream is either another
 * version of the distro table (its dist-git branch at a snapshot, read from the mirrors the
 * render uses) or a directory of `NAME.spec` files.
 */
import * as path from 'node:path';
import type { EventSink, FileHasher, FileSystem, Http, ProcessRunner } from '../adapters/types.js';
import { didYouMean, error, StrataError, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { decodeBytes } from '../overlay/index.js';
import { componentOutputDir } from '../render/output.js';
import {
  isAncestor,
  LookasideCache,
  lookasideUrl,
  listCommits,
  parseSourcesFile,
  loadLock,
  lockPathFor,
  MirrorCache,
  readCommitTree,
  readFileAt,
  resolveUpstreamCommit,
  type DistGitDeps,
} from '../sources/index.js';
import { evaluateNEVR, fedoraContext, parseSpec } from '../spec/index.js';
import { mapPool } from '../util/pool.js';
import { ARCHIVE_EXTENSIONS, runCompressionTool, sniffCompression } from '../util/compression.js';
import { readTar } from '../util/tar.js';
import { classifyOverlays, type NewUpstream } from './classify.js';
import type { SourceTree } from './patches.js';
import { REBASE_CLASSES, type ComponentRebase, type RebaseReport, type RebaseTarget, type UpstreamMove } from './types.js';

export interface RebaseDeps extends DistGitDeps {
  readonly fs: FileSystem;
  /** For unpacking compressed archives found among the new dist-git files. */
  readonly proc?: ProcessRunner;
  /** The upstream source archives of a new dist-git tree (e.g. from the lookaside cache), by file name. */
  readonly fetchArchives?: (c: ResolvedComponent, files: ReadonlyMap<string, Uint8Array>) => Promise<ReadonlyMap<string, Uint8Array>>;
}

export interface RebaseCheckOptions {
  /** `--to`: `VERSION` of the components' upstream distro, or `DISTRO/VERSION`. */
  readonly to?: string;
  /** `--snapshot`: the snapshot on the target branch. */
  readonly snapshot?: string;
  /**
   * The snapshot for components that have one when `snapshot` is not given (the CLI passes the
   * current time: the newest commit on the target branch, written by apply so that the move is
   * reproducible). Without either, the configured snapshot is kept.
   */
  readonly defaultSnapshot?: string;
  /** `--upstream-specs`: absolute directory of `NAME.spec` files. */
  readonly upstreamSpecs?: string;
  readonly refresh?: 'always' | 'if-needed' | 'never';
  readonly jobs?: number;
  readonly signal?: AbortSignal;
}

/** The distro version `--to` names, or a coded error with a did-you-mean. */
export function resolveTarget(project: ResolvedProject, components: readonly ResolvedComponent[], to: string, span?: SourceSpan): { distro: string; version: string; branch?: string } {
  const slash = to.indexOf('/');
  const fromComponents = [...new Set(components.flatMap((c) => (c.spec.type === 'upstream' ? [c.spec.upstreamDistro.name] : [])))];
  const distroName = slash >= 0 ? to.slice(0, slash) : fromComponents[0] ?? project.defaultDistro?.name ?? '';
  const version = slash >= 0 ? to.slice(slash + 1) : to;
  const distro = project.distros.get(distroName);
  if (!distro) {
    const guess = didYouMean(distroName, project.distros.keys());
    throw new StrataError(error('REBASE_UNKNOWN_VERSION', `no distro ${JSON.stringify(distroName)} in the project`, {
      ...(span ? { span } : {}),
      hint: guess ? `did you mean \`${guess}/${version}\`?` : `distros: ${[...project.distros.keys()].join(', ')}`,
    }));
  }
  if (slash < 0 && fromComponents.length > 1) {
    throw new StrataError(error('REBASE_UNKNOWN_VERSION', `the selected components follow several distros (${fromComponents.join(', ')}); --to ${to} is ambiguous`, { hint: `write --to DISTRO/${version}` }));
  }
  const v = distro.versions.get(version);
  if (!v) {
    const guess = didYouMean(version, distro.versions.keys());
    throw new StrataError(error('REBASE_UNKNOWN_VERSION', `distro ${distro.name} has no version ${JSON.stringify(version)}`, {
      span: distro.definedAt,
      hint: `${guess ? `did you mean \`${guess}\`? ` : ''}versions: ${[...distro.versions.keys()].join(', ')}`,
    }));
  }
  return { distro: distro.name, version, ...(v.distGitBranch ? { branch: v.distGitBranch } : {}) };
}

/** Version and Release of spec text (the Release as evaluated with an empty dist). */
function versionRelease(text: string, file: string): { version?: string; release?: string } {
  const ev = evaluateNEVR(text, fedoraContext({ overrides: { dist: '' } }), file);
  return { ...(ev.version ? { version: ev.version } : {}), ...(ev.release ? { release: ev.release } : {}) };
}

/** A spec that cannot be read as a spec: not text, or its conditionals do not parse. */
function specProblems(text: string, bytes: Uint8Array, file: string): Diagnostic | undefined {
  if (bytes.includes(0)) return error('REBASE_UPSTREAM_SPEC_INVALID', `the upstream spec ${file} is not a text file`, { span: { file, line: 1, col: 1 }, hint: 'the upstream spec must be an rpm spec file' });
  const doc = parseSpec(text, file);
  const bad = doc.diagnostics.find((d) => d.severity === 'error');
  if (bad) {
    return error('REBASE_UPSTREAM_SPEC_INVALID', `the upstream spec does not parse: ${bad.message}`, { ...(bad.span ? { span: bad.span } : {}), hint: 'the overlays cannot be placed on a spec whose conditionals or macros do not parse; fix the upstream spec' });
  }
  if (!doc.nodes.some((n) => n.kind === 'tag')) return error('REBASE_UPSTREAM_SPEC_INVALID', `the upstream spec ${file} has no preamble tags`, { span: { file, line: 1, col: 1 }, hint: 'an rpm spec starts with Name:, Version:, …' });
  return undefined;
}

const overlayDeps = (fs: FileSystem) => ({
  readSource: async (p: string) => ((await fs.stat(p))?.isFile ? fs.readFile(p) : undefined),
});

/** The old upstream as the project last rendered it (`rendered-specs-dir`), when it is there. */
async function renderedMove(fs: FileSystem, project: ResolvedProject, c: ResolvedComponent): Promise<UpstreamMove['from']> {
  const p = path.join(componentOutputDir(project.project.renderedSpecsDir, c.name), `${c.name}.spec`);
  if (!(await fs.stat(p))?.isFile) return undefined;
  const text = decodeBytes(await fs.readFile(p)).text;
  return { ...versionRelease(text, p), where: path.relative(project.dir, p) };
}

async function fromSpecsDir(deps: RebaseDeps, project: ResolvedProject, c: ResolvedComponent, dir: string): Promise<ComponentRebase> {
  const up = c.spec.type === 'upstream' ? c.spec.upstreamName : c.name;
  const file = path.join(dir, `${up}.spec`);
  if (!(await deps.fs.stat(file))?.isFile) {
    return { component: c.name, status: 'missing', overlays: [], diagnostics: [warning('REBASE_UPSTREAM_SPEC_MISSING', `component ${c.name}: no ${up}.spec in ${dir}`, { span: c.definedAt, hint: 'the component is not in the new upstream, or it has another name there (spec.upstream-name)' })] };
  }
  const bytes = await deps.fs.readFile(file);
  const text = decodeBytes(bytes).text;
  const bad = specProblems(text, bytes, file);
  if (bad) return { component: c.name, status: 'error', overlays: [], diagnostics: [bad] };
  const from = await renderedMove(deps.fs, project, c);
  const move: UpstreamMove = { ...(from ? { from } : {}), to: { ...versionRelease(text, file), where: file } };
  const overlays = await classifyOverlays(c.overlays, { spec: text, specFile: file }, overlayDeps(deps.fs));
  return { component: c.name, status: 'ok', move, overlays, diagnostics: [] };
}

/** Text files of the dist-git tree and the contents of its archives (top directory stripped). */
async function sourceTree(deps: RebaseDeps, files: ReadonlyMap<string, Uint8Array>): Promise<SourceTree> {
  const tree = new Map<string, string>();
  for (const [name, data] of files) {
    if (!ARCHIVE_EXTENSIONS.some(([ext]) => name.endsWith(ext))) continue;
    const comp = sniffCompression(data.subarray(0, 512), name);
    if (comp !== 'none' && !deps.proc) continue;
    const raw = comp === 'none' ? data : await runCompressionTool(deps.proc!, comp, 'decompress', data, name);
    const entries = await readTar(raw, name);
    const tops = new Set(entries.map((e) => e.path.replace(/^\.\//, '').split('/')[0]));
    const strip = tops.size === 1;
    for (const e of entries) {
      if (e.type !== 'file' || !e.data || e.data.includes(0)) continue;
      const rel = e.path.replace(/^\.\//, '');
      tree.set(strip ? rel.split('/').slice(1).join('/') : rel, decodeBytes(e.data).text);
    }
  }
  return tree;
}

async function fromDistGit(deps: RebaseDeps, project: ResolvedProject, c: ResolvedComponent, mirrors: MirrorCache, target: { branch: string; snapshot?: string }, opts: RebaseCheckOptions): Promise<ComponentRebase> {
  if (c.spec.type !== 'upstream' || !c.spec.distGitUri || !c.spec.branch) {
    return { component: c.name, status: 'error', overlays: [], diagnostics: [error('RENDER_NO_DIST_GIT', `component ${c.name} has no dist-git`, { span: c.definedAt })] };
  }
  const s = c.spec;
  const url = s.distGitUri!;
  const lockFile = await loadLock(deps.fs, lockPathFor(project.project.lockDir, c.name));
  const lock = lockFile?.lock.upstreamCommit;
  const mirror = await mirrors.ensure({ url, branch: target.branch, component: c.name, refresh: opts.refresh ?? 'if-needed', ...(lock ? { commits: [lock] } : {}), spans: { component: c.definedAt } });
  const diagnostics: Diagnostic[] = [...mirror.diagnostics];
  const spans = { component: c.definedAt, ...(c.origin('spec.upstream-distro.snapshot') ? { snapshot: c.origin('spec.upstream-distro.snapshot')! } : {}) };
  const old = await resolveUpstreamCommit(deps, mirror, {
    ...(lock ? { lock } : {}),
    ...(s.upstreamCommit ? { pin: s.upstreamCommit } : {}),
    branch: s.branch!,
    ...(s.upstreamDistro.snapshot ? { snapshot: s.upstreamDistro.snapshot } : {}),
    component: c.name,
    spans,
  }).catch((e: unknown) => (e instanceof StrataError && e.code === 'DISTGIT_BRANCH_NOT_FOUND' ? undefined : Promise.reject(e)));
  const snapshot = target.snapshot ?? (s.upstreamDistro.snapshot ? opts.defaultSnapshot ?? s.upstreamDistro.snapshot : undefined);
  const neu = await resolveUpstreamCommit(deps, mirror, { branch: target.branch, ...(snapshot ? { snapshot } : {}), component: c.name, spans });
  if (s.upstreamCommit) {
    diagnostics.push(warning('REBASE_PINNED', `component ${c.name} pins upstream-commit ${s.upstreamCommit}: the check uses ${target.branch} at ${neu.commit.slice(0, 12)}, but render keeps the pin until it is removed`, { span: c.origin('spec.upstream-commit') ?? c.definedAt, hint: 'remove spec.upstream-commit to follow the new branch' }));
  }
  const tree = await readCommitTree(deps, mirror.path, neu.commit);
  const specName = `${s.upstreamName}.spec`;
  const where = `${url}@${neu.commit.slice(0, 12)}:${specName}`;
  if (!tree.ok || !tree.files.has(specName)) {
    return { component: c.name, status: 'missing', overlays: [], diagnostics: [...diagnostics, warning('REBASE_UPSTREAM_SPEC_MISSING', `component ${c.name}: dist-git ${url} has no ${specName} on ${target.branch} at ${neu.commit.slice(0, 12)}`, { span: c.definedAt })] };
  }
  const bytes = tree.files.get(specName)!;
  const text = decodeBytes(bytes).text;
  const bad = specProblems(text, bytes, where);
  if (bad) return { component: c.name, status: 'error', overlays: [], diagnostics: [...diagnostics, bad] };
  const files = new Map<string, Uint8Array>();
  for (const [rel, f] of tree.files) if (rel !== specName) files.set(rel, f);
  const archives = deps.fetchArchives ? await deps.fetchArchives(c, files) : new Map<string, Uint8Array>();
  const src = await sourceTree(deps, new Map([...files, ...archives]));
  let from: UpstreamMove['from'];
  let commits: number | undefined;
  let diverged: boolean | undefined;
  if (old) {
    const oldText = await readFileAt(deps, mirror.path, old.commit, specName);
    from = { ...(oldText ? versionRelease(oldText, specName) : {}), commit: old.commit, where: `${s.branch} (${old.rule})` };
    commits = (await listCommits(deps, mirror.path, neu.commit, old.commit)).length;
    diverged = !(await isAncestor(deps, mirror.path, old.commit, neu.commit));
  }
  const up: NewUpstream = { spec: text, specFile: where, files, ...(src.size ? { tree: src } : {}) };
  const overlays = await classifyOverlays(c.overlays, up, overlayDeps(deps.fs));
  const move: UpstreamMove = {
    ...(from ? { from } : {}),
    to: { ...versionRelease(text, specName), commit: neu.commit, where: `${target.branch} (${neu.rule})` },
    ...(commits !== undefined ? { commits } : {}),
    ...(diverged !== undefined ? { diverged } : {}),
  };
  return { component: c.name, status: 'ok', move, overlays, diagnostics: [...diagnostics, ...neu.diagnostics] };
}

/**
 * The source archives a new dist-git tree's `sources` file names, from the distro's lookaside
 * (verified by hash through the lookaside cache under `<work-dir>/lookaside`): what the patch
 * check of `--with-sources` applies patches to.
 */
export function lookasideArchives(deps: { readonly fs: FileSystem; readonly http: Http; readonly hasher: FileHasher; readonly sink?: EventSink }, project: ResolvedProject): NonNullable<RebaseDeps['fetchArchives']> {
  const cache = new LookasideCache({ http: deps.http, fs: deps.fs, hasher: deps.hasher, ...(deps.sink ? { sink: deps.sink } : {}) }, { cacheDir: path.join(project.project.workDir, 'lookaside') });
  return async (c, files) => {
    const out = new Map<string, Uint8Array>();
    const sources = files.get('sources');
    if (c.spec.type !== 'upstream' || !c.spec.lookasideBaseUri || !sources) return out;
    const parsed = parseSourcesFile(decodeBytes(sources).text, `${c.name}/sources`);
    const wanted = parsed.entries.filter((e) => ARCHIVE_EXTENSIONS.some(([ext]) => e.filename.endsWith(ext)));
    if (!wanted.length) return out;
    const dir = await deps.fs.mkdtemp(`rebase-${c.name}-`);
    try {
      for (const e of wanted) {
        const url = lookasideUrl(c.spec.lookasideBaseUri, { pkg: c.spec.upstreamName, filename: e.filename, hashType: e.hashType, hash: e.hash }, c.definedAt);
        const r = await cache.fetch({ filename: e.filename, hashType: e.hashType, hash: e.hash, urls: [url], destDir: dir, component: c.name, span: e.span });
        out.set(e.filename, await deps.fs.readFile(r.path));
      }
    } finally {
      await deps.fs.remove(dir);
    }
    return out;
  };
}

/** Run the check over `components` (those with overlays and an upstream spec; the rest are `skipped`). */
export async function runRebaseCheck(deps: RebaseDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: RebaseCheckOptions): Promise<RebaseReport> {
  if (!opts.to === !opts.upstreamSpecs) {
    throw new StrataError(error('CLI_USAGE', 'rebase check needs exactly one of --to DISTRO-VERSION and --upstream-specs DIR', { hint: 'strata rebase check --to rawhide -a, or --upstream-specs ../specs -a' }));
  }
  const checked = components.filter((c) => c.spec.type === 'upstream' && c.overlays.length > 0);
  const skipped = components.filter((c) => !checked.includes(c)).map((c) => c.name);
  let target: RebaseTarget;
  let one: (c: ResolvedComponent) => Promise<ComponentRebase>;
  if (opts.upstreamSpecs) {
    const dir = opts.upstreamSpecs;
    if (!(await deps.fs.stat(dir))?.isDirectory) {
      throw new StrataError(error('REBASE_UPSTREAM_SPECS_NOT_FOUND', `--upstream-specs ${dir} is not a directory`, { hint: 'pass a directory holding NAME.spec files' }));
    }
    target = { upstreamSpecs: dir };
    one = (c) => fromSpecsDir(deps, project, c, dir);
  } else {
    const t = resolveTarget(project, components, opts.to!);
    if (!t.branch) {
      throw new StrataError(error('REBASE_UNKNOWN_VERSION', `distro ${t.distro} version ${t.version} has no dist-git-branch`, { span: project.distros.get(t.distro)!.versions.get(t.version)!.definedAt, hint: 'set dist-git-branch on the version, or use --upstream-specs' }));
    }
    target = { distro: t.distro, version: t.version, branch: t.branch, ...(opts.snapshot ? { snapshot: opts.snapshot } : {}) };
    const mirrors = new MirrorCache(deps, { workDir: project.project.workDir });
    one = (c) => fromDistGit(deps, project, c, mirrors, { branch: t.branch!, ...(opts.snapshot ? { snapshot: opts.snapshot } : {}) }, opts);
  }
  deps.sink?.({ kind: 'start', task: 'rebase-check', total: checked.length, label: 'rebase check' });
  let done = 0;
  const results = await mapPool(checked, opts.jobs ?? 4, async (c) => {
    if (opts.signal?.aborted) throw new StrataError(error('REBASE_INTERRUPTED', 'rebase check interrupted', { hint: 'run it again' }));
    const r = await one(c);
    deps.sink?.({ kind: 'progress', task: 'rebase-check', done: ++done, total: checked.length, item: c.name });
    return r;
  });
  deps.sink?.({ kind: 'end', task: 'rebase-check' });
  const counts = Object.fromEntries(REBASE_CLASSES.map((k) => [k, 0])) as Record<(typeof REBASE_CLASSES)[number], number>;
  let unverified = 0;
  for (const r of results) for (const v of r.overlays) {
    counts[v.class]++;
    if (v.unverified) unverified++;
  }
  return { target, components: results, skipped, counts, unverified };
}
