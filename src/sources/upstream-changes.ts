/**
 * What changed upstream and in the project for a component: the commits on its dist-git branch
 * since the locked commit (`findUpstreamChanges`), the project commits that moved its lock
 * (`readLockHistory`), and both for a selection (`findHistory`, behind `component history`).
 * Data only; the CLI prints it.
 */
import * as path from 'node:path';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import type { Git } from '../adapters/types.js';
import { MirrorCache, resolveUpstreamCommit, type DistGitDeps } from './distgit.js';
import { isAncestor, listCommits, type CommitInfo } from './git/index.js';
import { loadLock, lockPathFor, parseLockFile } from './lockfile.js';

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

export interface ComponentHistory {
  readonly component: string;
  /** Upstream commits since the lock; absent for a component with a local spec. */
  readonly upstream?: UpstreamChanges;
  /** Project commits that moved the component's lock, oldest first. */
  readonly lockHistory: readonly LockChange[];
}

/** The lock history and the upstream changes of every selected component, in selection order. */
export async function findHistory(deps: DistGitDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: { refresh?: 'always' | 'if-needed' | 'never' } = {}): Promise<ComponentHistory[]> {
  const mirrors = new MirrorCache(deps, { workDir: project.project.workDir });
  const out: ComponentHistory[] = [];
  for (const c of components) {
    const lockHistory = await readLockHistory(deps.git, project.dir, lockPathFor(project.project.lockDir, c.name));
    const upstream = c.spec.type === 'upstream' ? await findUpstreamChanges(deps, project, c, { mirrors, ...(opts.refresh ? { refresh: opts.refresh } : {}) }) : undefined;
    out.push({ component: c.name, ...(upstream ? { upstream } : {}), lockHistory });
  }
  return out;
}
