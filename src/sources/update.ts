/**
 * `component update`: resolve each component's upstream commit and (re)write its lock file.
 *
 * Per component: the commit is re-resolved (pin → snapshot → branch HEAD; the lock itself is not
 * an input here), except that a component pinned by commit or snapshot whose resolution inputs
 * are unchanged keeps its locked commit without touching the network. The fingerprint is then
 * computed and the lock printed; a lock is written only when its bytes change. Any error cancels
 * the whole run before anything is written.
 */
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { MirrorCache, resolveUpstreamCommit, type DistGitDeps, type DistGitSpans } from './distgit.js';
import { computeFingerprint, resolutionHash } from './fingerprint.js';
import { mapPool } from '../util/pool.js';
import { findOrphanLocks, loadLock, lockPathFor, printLockFile, type LoadedLock, type LockFile } from './lockfile.js';

export interface UpdateOptions {
  /** Compute and compare only; write nothing. */
  readonly checkOnly?: boolean;
  /** Mirror refresh policy for components that must be resolved (default `always`). */
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** Re-resolve even pinned/snapshotted components whose resolution inputs did not change. */
  readonly force?: boolean;
  /** Also look for (and, unless checkOnly, remove) locks of components that no longer exist. */
  readonly pruneOrphans?: boolean;
  readonly jobs?: number;
  /** Share a mirror cache with other steps of the same run. */
  readonly mirrors?: MirrorCache;
}

export type LockStatus = 'unchanged' | 'created' | 'updated';

export interface ComponentLockResult {
  readonly component: string;
  readonly lockPath: string;
  readonly status: LockStatus;
  readonly previousCommit?: string;
  readonly upstreamCommit?: string;
  /** How the commit was chosen: pin, snapshot, head, or `locked` (reused without resolving). */
  readonly rule?: string;
  readonly commitChanged: boolean;
  readonly fingerprintChanged: boolean;
  /** Fingerprint parts whose digest changed (`source`, `overlays`, `build`, …). */
  readonly changedInputs: readonly string[];
  readonly lock: LockFile;
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface UpdateResult {
  readonly results: readonly ComponentLockResult[];
  readonly orphans: readonly string[];
  /** Lock files written (or removed orphans), empty with checkOnly. */
  readonly written: readonly string[];
  readonly removed: readonly string[];
  /** Something would change (checkOnly) or changed. */
  readonly changed: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

export interface UpdateDeps extends DistGitDeps {
  readonly fs: FileSystem;
}

/** The lock a component would get now: pure computation, no writes. */
export async function planComponentLock(deps: UpdateDeps, project: ResolvedProject, c: ResolvedComponent, mirrors: MirrorCache, opts: UpdateOptions = {}): Promise<ComponentLockResult> {
  const lockPath = lockPathFor(project.project.lockDir, c.name);
  const existing: LoadedLock | undefined = await loadLock(deps.fs, lockPath);
  const old = existing?.lock;
  const diagnostics: Diagnostic[] = [];
  let upstreamCommit: string | undefined;
  let rule: string | undefined;
  let resHash: string | undefined;
  if (c.spec.type === 'upstream') {
    const s = c.spec;
    if (!s.distGitUri || !s.branch) {
      throw new StrataError(
        error('SOURCES_NO_DIST_GIT', `component ${c.name}: distro ${s.upstreamDistro.name} ${s.upstreamDistro.version} has no ${!s.distGitUri ? 'dist-git-base-uri' : 'dist-git-branch'}`, {
          span: c.origin('spec.upstream-distro') ?? c.definedAt,
          hint: 'set dist-git-base-uri on the distro and dist-git-branch on the version',
        }),
      );
    }
    resHash = resolutionHash(c);
    const fixed = !!s.upstreamCommit || !!s.upstreamDistro.snapshot;
    if (!opts.force && fixed && old?.upstreamCommit && old.resolutionInputHash === resHash) {
      upstreamCommit = old.upstreamCommit;
      rule = 'locked';
    } else if (!opts.force && s.upstreamCommit && /^[0-9a-f]{40}$/i.test(s.upstreamCommit) && opts.refresh === 'never') {
      upstreamCommit = s.upstreamCommit.toLowerCase();
      rule = 'pin';
    } else {
      const spans: DistGitSpans = {
        component: c.definedAt,
        ...(c.origin('spec.upstream-commit') ? { pin: c.origin('spec.upstream-commit')! } : {}),
        ...(c.origin('spec.upstream-distro.snapshot') ? { snapshot: c.origin('spec.upstream-distro.snapshot')! } : {}),
      };
      const mirror = await mirrors.ensure({ url: s.distGitUri, branch: s.branch, component: c.name, refresh: opts.refresh ?? 'always', spans });
      diagnostics.push(...mirror.diagnostics);
      const r = await resolveUpstreamCommit(deps, mirror, {
        ...(s.upstreamCommit ? { pin: s.upstreamCommit } : {}),
        branch: s.branch,
        ...(s.upstreamDistro.snapshot ? { snapshot: s.upstreamDistro.snapshot } : {}),
        component: c.name,
        spans,
      });
      diagnostics.push(...r.diagnostics);
      upstreamCommit = r.commit;
      rule = r.rule;
    }
  }
  const fp = await computeFingerprint(deps.fs, c, {
    ...(upstreamCommit ? { upstreamCommit } : {}),
    ...(old?.manualBump ? { manualBump: old.manualBump } : {}),
    configFiles: new Set(project.files.map((f) => f.path)),
  });
  const importCommit = upstreamCommit ? (old?.importCommit ?? upstreamCommit) : undefined;
  const lock: LockFile = {
    version: 1,
    ...(importCommit ? { importCommit } : {}),
    ...(upstreamCommit ? { upstreamCommit } : {}),
    ...(old?.manualBump ? { manualBump: old.manualBump } : {}),
    inputFingerprint: fp.value,
    ...(resHash ? { resolutionInputHash: resHash } : {}),
    inputs: fp.parts,
  };
  const text = printLockFile(lock);
  const changedInputs = Object.keys({ ...fp.parts, ...(old?.inputs ?? {}) })
    .filter((k) => fp.parts[k] !== old?.inputs[k])
    .sort();
  const status: LockStatus = !existing ? 'created' : existing.text === text ? 'unchanged' : 'updated';
  return {
    component: c.name,
    lockPath,
    status,
    ...(old?.upstreamCommit ? { previousCommit: old.upstreamCommit } : {}),
    ...(upstreamCommit ? { upstreamCommit } : {}),
    ...(rule ? { rule } : {}),
    commitChanged: (old?.upstreamCommit ?? undefined) !== upstreamCommit,
    fingerprintChanged: old?.inputFingerprint !== fp.value,
    changedInputs: existing ? changedInputs : [],
    lock,
    text,
    diagnostics,
  };
}

/** Update (or check) the locks of `components`. */
export async function updateLocks(deps: UpdateDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: UpdateOptions = {}): Promise<UpdateResult> {
  const mirrors = opts.mirrors ?? new MirrorCache(deps, { workDir: project.project.workDir });
  deps.sink?.({ kind: 'start', task: 'update', total: components.length });
  let results: ComponentLockResult[];
  try {
    results = await mapPool(
      components,
      opts.jobs ?? 8,
      async (c) => {
        const r = await planComponentLock(deps, project, c, mirrors, opts);
        deps.sink?.({ kind: 'item', task: 'update', item: c.name, status: r.status === 'unchanged' ? 'unchanged' : 'changed' });
        return r;
      },
      (c, e) => deps.sink?.({ kind: 'item', task: 'update', item: c.name, status: 'failed', detail: e.message }),
    );
  } finally {
    deps.sink?.({ kind: 'end', task: 'update' });
  }
  const orphans = opts.pruneOrphans ? await findOrphanLocks(deps.fs, project.project.lockDir, new Set(project.components.keys())) : [];
  const written: string[] = [];
  const removed: string[] = [];
  if (!opts.checkOnly) {
    for (const r of results) {
      if (r.status === 'unchanged') continue;
      await deps.fs.writeFileAtomic(r.lockPath, r.text);
      written.push(r.lockPath);
    }
    for (const o of orphans) {
      await deps.fs.remove(o);
      removed.push(o);
    }
  }
  const changed = results.some((r) => r.status !== 'unchanged') || orphans.length > 0;
  return { results, orphans, written, removed, changed, diagnostics: results.flatMap((r) => r.diagnostics) };
}
