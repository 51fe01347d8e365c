/**
 * Use cases behind `component update` and `component history`: load the project, pick the
 * components, run, and shape a CommandResult-like value (structural: domain code does not import
 * cli).
 */
import * as path from 'node:path';
import { formatDiagnostic, error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import type { Git } from '../adapters/types.js';
import { MirrorCache, resolveUpstreamCommit, type DistGitDeps } from './distgit.js';
import { isAncestor, listCommits, type CommitInfo } from './git/index.js';
import { loadLock, lockPathFor, parseLockFile } from './lockfile.js';
import { updateLocks, type UpdateDeps } from './update.js';

export interface CommandValue {
  readonly json: unknown;
  readonly table?: { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
  readonly text?: string;
  readonly exitCode?: number;
}

// Moved to src/config (it needs nothing but config); re-exported for existing importers.
export { loadSelected, type ProjectSelection } from '../config/load-selected.js';
import { loadSelected, type ProjectSelection } from '../config/load-selected.js';
import { checkOutputDir } from '../util/paths.js';

export interface UpdateCommandOptions extends ProjectSelection {
  readonly checkOnly: boolean;
  readonly refresh?: 'always' | 'if-needed' | 'never';
  readonly force?: boolean;
}

const short = (s?: string) => (s ? s.slice(0, 12) : '');

export async function runUpdateCommand(deps: UpdateDeps, opts: UpdateCommandOptions): Promise<CommandValue> {
  const { project, components } = await loadSelected(deps, opts);
  if (!opts.checkOnly) await checkOutputDir(deps.fs, project.project.lockDir, 'lock-dir (in [project])', project.project.origins.get('lock-dir'));
  const r = await updateLocks(deps, project, components, {
    checkOnly: opts.checkOnly,
    pruneOrphans: opts.all,
    ...(opts.refresh ? { refresh: opts.refresh } : {}),
    ...(opts.force ? { force: true } : {}),
  });
  const changed = r.results.filter((x) => x.status !== 'unchanged');
  const lines: string[] = [];
  for (const d of r.diagnostics) lines.push(formatDiagnostic(d, { relativeTo: opts.cwd }).trimEnd());
  if (opts.checkOnly && r.changed) {
    lines.push(`locks are stale; ${changed.length} component(s) would change: ${changed.map((x) => x.component).join(', ')}`);
    for (const o of r.orphans) lines.push(`  orphan lock: ${path.relative(opts.cwd, o)}`);
    lines.push('hint: run `strata component update` to rewrite them');
  } else if (!opts.checkOnly) {
    lines.push(`${changed.length} lock(s) written, ${r.results.length - changed.length} unchanged${r.removed.length ? `, ${r.removed.length} orphan(s) removed` : ''}`);
  }
  return {
    json: {
      checkOnly: opts.checkOnly,
      changed: r.changed,
      results: r.results.map((x) => ({
        component: x.component,
        lock: path.relative(project.dir, x.lockPath),
        status: x.status,
        ...(x.upstreamCommit ? { upstreamCommit: x.upstreamCommit } : {}),
        ...(x.previousCommit ? { previousCommit: x.previousCommit } : {}),
        ...(x.rule ? { rule: x.rule } : {}),
        commitChanged: x.commitChanged,
        fingerprintChanged: x.fingerprintChanged,
        changedInputs: x.changedInputs,
        inputFingerprint: x.lock.inputFingerprint,
      })),
      orphans: r.orphans.map((o) => path.relative(project.dir, o)),
      removed: r.removed.map((o) => path.relative(project.dir, o)),
      diagnostics: r.diagnostics,
    },
    table: {
      columns: ['component', 'status', 'commit', 'rule', 'changed inputs'],
      rows: r.results.map((x) => [
        x.component,
        opts.checkOnly && x.status !== 'unchanged' ? `stale (${x.status === 'created' ? 'missing' : 'outdated'})` : x.status,
        x.commitChanged && x.previousCommit ? `${short(x.previousCommit)} → ${short(x.upstreamCommit)}` : short(x.upstreamCommit),
        x.rule ?? '',
        x.changedInputs.join(','),
      ]),
    },
    ...(lines.length ? { text: lines.join('\n') } : {}),
    exitCode: opts.checkOnly && r.changed ? 1 : 0,
  };
}

export interface UpstreamChanges {
  readonly component: string;
  readonly url: string;
  readonly branch: string;
  /** The commit in the lock (or the one render would resolve when there is no lock). */
  readonly from: string;
  readonly fromRule: string;
  /** Newest commit on the branch (after a fetch unless offline). */
  readonly to: string;
  /** Commits in (from, to], newest first, first-parent. */
  readonly commits: readonly CommitInfo[];
  /** `from` is not an ancestor of `to` (upstream force-push or a pin off the branch). */
  readonly diverged: boolean;
  readonly mirrorPath: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * What changed upstream for `c`: the locked (or currently resolved) commit against the newest one
 * on the branch.
 */
export async function findUpstreamChanges(deps: DistGitDeps, project: ResolvedProject, c: ResolvedComponent, opts: { refresh?: 'always' | 'if-needed' | 'never'; mirrors?: MirrorCache } = {}): Promise<UpstreamChanges> {
  if (c.spec.type !== 'upstream') {
    throw new StrataError(error('SOURCES_NOT_UPSTREAM', `component ${c.name} has a local spec; it has no upstream history`, { span: c.definedAt, hint: 'only components with an upstream (dist-git) spec have upstream commits; its changes are in this project\'s own git history' }));
  }
  const s = c.spec;
  if (!s.distGitUri || !s.branch) {
    throw new StrataError(error('SOURCES_NO_DIST_GIT', `component ${c.name}: distro ${s.upstreamDistro.name} ${s.upstreamDistro.version} has no dist-git URI or branch`, { span: c.definedAt }));
  }
  const mirrors = opts.mirrors ?? new MirrorCache(deps, { workDir: project.project.workDir });
  const lock = await loadLock(deps.fs, lockPathFor(project.project.lockDir, c.name));
  const lockCommit = lock?.lock.upstreamCommit;
  const mirror = await mirrors.ensure({
    url: s.distGitUri,
    branch: s.branch,
    component: c.name,
    refresh: opts.refresh ?? 'always',
    ...(lockCommit ? { commits: [lockCommit] } : {}),
    spans: { component: c.definedAt, ...(lock?.upstreamCommitSpan ? { lock: lock.upstreamCommitSpan } : {}) },
  });
  const current = await resolveUpstreamCommit(deps, mirror, {
    ...(lockCommit ? { lock: lockCommit } : {}),
    ...(s.upstreamCommit ? { pin: s.upstreamCommit } : {}),
    branch: s.branch,
    ...(s.upstreamDistro.snapshot ? { snapshot: s.upstreamDistro.snapshot } : {}),
    component: c.name,
    spans: { component: c.definedAt, ...(lock?.upstreamCommitSpan ? { lock: lock.upstreamCommitSpan } : {}) },
  });
  const to = current.branchHead;
  const diverged = !(await isAncestor(deps, mirror.path, current.commit, to));
  const commits = await listCommits(deps, mirror.path, to, current.commit);
  return {
    component: c.name,
    url: s.distGitUri,
    branch: s.branch,
    from: current.commit,
    fromRule: current.rule,
    to,
    commits,
    diverged,
    mirrorPath: mirror.path,
    diagnostics: [...mirror.diagnostics, ...current.diagnostics],
  };
}

export interface LockChange {
  /** Project commit that changed the lock. */
  readonly commit: string;
  readonly authorName: string;
  readonly authorDate: string;
  readonly subject: string;
  readonly upstreamCommit?: string;
  readonly inputFingerprint?: string;
  /** What moved compared with the previous version of the lock. */
  readonly change: 'created' | 'upstream' | 'inputs' | 'upstream+inputs';
}

/**
 * The project commits where a component's lock changed its upstream commit or fingerprint, oldest
 * first (what azldev's synthetic history and `component history` are built from). Empty outside
 * a git repository.
 */
export async function readLockHistory(git: Git, projectDir: string, lockPath: string): Promise<LockChange[]> {
  const top = await git.run(['rev-parse', '--show-toplevel'], { cwd: projectDir });
  if (top.code !== 0) return [];
  const root = top.stdout.trim();
  const rel = path.relative(root, lockPath).split(path.sep).join('/');
  const log = await git.run(['log', '--format=%H%x00%an%x00%aI%x00%s%x01', '--', rel], { cwd: root });
  if (log.code !== 0) return [];
  const entries = log.stdout
    .split('\x01')
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((r) => r.split('\0'))
    .reverse();
  const out: LockChange[] = [];
  let prev: { up?: string; fp?: string } | undefined;
  for (const [commit = '', authorName = '', authorDate = '', subject = ''] of entries) {
    const shown = await git.run(['show', `${commit}:${rel}`], { cwd: root });
    if (shown.code !== 0) {
      prev = undefined; // deleted in this commit
      continue;
    }
    let up: string | undefined;
    let fp: string | undefined;
    try {
      const l = parseLockFile(shown.stdout, `${rel}@${commit.slice(0, 12)}`);
      up = l.upstreamCommit;
      fp = l.inputFingerprint;
    } catch {
      continue;
    }
    const upMoved = prev !== undefined && prev.up !== up;
    const fpMoved = prev !== undefined && prev.fp !== fp;
    if (prev === undefined || upMoved || fpMoved) {
      const change = prev === undefined ? 'created' : upMoved && fpMoved ? 'upstream+inputs' : upMoved ? 'upstream' : 'inputs';
      out.push({ commit, authorName, authorDate, subject, ...(up ? { upstreamCommit: up } : {}), ...(fp ? { inputFingerprint: fp } : {}), change });
    }
    prev = { ...(up ? { up } : {}), ...(fp ? { fp } : {}) };
  }
  return out;
}

export interface HistoryCommandOptions extends ProjectSelection {
  readonly refresh?: 'always' | 'if-needed' | 'never';
}

export async function runHistoryCommand(deps: DistGitDeps, opts: HistoryCommandOptions): Promise<CommandValue> {
  const { project, components } = await loadSelected(deps, opts);
  const all: UpstreamChanges[] = [];
  const locks = new Map<string, LockChange[]>();
  const mirrors = new MirrorCache(deps, { workDir: project.project.workDir });
  for (const c of components) {
    locks.set(c.name, await readLockHistory(deps.git, project.dir, lockPathFor(project.project.lockDir, c.name)));
    if (c.spec.type === 'upstream') all.push(await findUpstreamChanges(deps, project, c, { mirrors, ...(opts.refresh ? { refresh: opts.refresh } : {}) }));
  }
  const lines: string[] = [];
  for (const [name, changes] of locks) {
    if (!changes.length) continue;
    lines.push(`${name}: lock history in the project:`);
    for (const l of changes) lines.push(`  ${l.commit.slice(0, 12)} ${l.authorDate.slice(0, 10)} ${l.change.padEnd(15)} ${short(l.upstreamCommit)}  ${l.subject}`);
  }
  for (const u of all) {
    for (const d of u.diagnostics) lines.push(formatDiagnostic(d, { relativeTo: opts.cwd }).trimEnd());
    if (u.diverged) lines.push(`${u.component}: warning: ${short(u.from)} (${u.fromRule}) is not on ${u.branch} any more (force-push?)`);
    else if (u.commits.length === 0) lines.push(`${u.component}: up to date at ${short(u.from)} (${u.fromRule}) on ${u.branch}`);
    else lines.push(`${u.component}: ${u.commits.length} new commit(s) on ${u.branch} since ${short(u.from)} (${u.fromRule})`);
  }
  return {
    json: components.map((c) => {
      const u = all.find((x) => x.component === c.name);
      return {
        component: c.name,
        ...(u ? { url: u.url, branch: u.branch, from: u.from, fromRule: u.fromRule, to: u.to, diverged: u.diverged, commits: u.commits, diagnostics: u.diagnostics } : {}),
        lockHistory: locks.get(c.name) ?? [],
      };
    }),
    table: {
      columns: ['component', 'commit', 'date', 'author', 'subject'],
      rows: all.flatMap((u) => u.commits.map((c) => [u.component, short(c.commit), c.committerDate.slice(0, 10), c.authorName, c.subject])),
    },
    text: lines.join('\n'),
    exitCode: 0,
  };
}
