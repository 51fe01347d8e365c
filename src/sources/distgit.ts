/**
 * Dist-git: a local mirror cache of upstream dist-git repositories, the rule that picks the
 * upstream commit (lock → pin → snapshot → branch HEAD). Reading the mirrors is `./git/`.
 *
 * Mirrors are bare repositories under `<work-dir>/mirrors/<safe-name>.git`, keyed by the exact
 * URL, fetched incrementally (`+refs/heads/*:refs/heads/*`). One fetch per mirror at a time: an
 * in-process promise map (per `MirrorCache` instance) plus a cross-process lock (`<mirror>.lock`,
 * through the `ProcessLock` adapter). A fetch failure on a warm cache is a warning
 * (`DISTGIT_FETCH_FAILED`) unless something the caller needs (branch or commit) is missing.
 */
import * as path from 'node:path';
import { error, warning, StrataError, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { EventSink, FileSystem, Git, ProcessLock, RunResult } from '../adapters/types.js';
import { sha256Hex } from './fingerprint.js';
import { commitExists, hasAnyRef, isAncestor, isRepo, listBranches, refExists, revParse } from './git/index.js';

/** What the dist-git functions need. `sleep` (fetch retry backoff) is injectable for tests. */
export interface DistGitDeps {
  readonly git: Git;
  readonly fs: FileSystem;
  /** One fetch per mirror at a time across processes (without it, only within this process). */
  readonly lock?: ProcessLock;
  readonly sink?: EventSink;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where the values a request uses were written, so errors point at the right config line. */
export interface DistGitSpans {
  /** The component's definition (fallback for everything). */
  readonly component?: SourceSpan;
  readonly url?: SourceSpan;
  readonly branch?: SourceSpan;
  readonly pin?: SourceSpan;
  readonly snapshot?: SourceSpan;
  /** The lock file (line of `upstream-commit`). */
  readonly lock?: SourceSpan;
}

export interface MirrorRequest {
  /** Any URL or path the system git accepts. */
  readonly url: string;
  /** Component name, for messages. */
  readonly component?: string;
  /**
   * `always` (default): fetch, fall back to the warm cache on failure.
   * `if-needed`: fetch only when the mirror is missing, or lacks `branch` or one of `commits`.
   * `never`: offline; fail when something needed is missing.
   */
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** The branch the caller will use; missing after the fetch → DISTGIT_BRANCH_NOT_FOUND. */
  readonly branch?: string;
  /** Full commit SHAs the caller needs (e.g. a lock's commit). */
  readonly commits?: readonly string[];
  readonly spans?: DistGitSpans;
  readonly signal?: AbortSignal;
}

export interface Mirror {
  readonly url: string;
  /** The bare repository. */
  readonly path: string;
  /** True when this call fetched successfully. */
  readonly fetched: boolean;
  /** Warnings (e.g. DISTGIT_FETCH_FAILED when the warm cache was used). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface MirrorCacheOptions {
  /** The project's work dir; mirrors live in `<workDir>/mirrors`. */
  readonly workDir: string;
  /** Fetch attempts on failure (default 3) and the first backoff delay (default 500 ms, doubled). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** How long to wait for another process's fetch (default 10 min): then DISTGIT_LOCK_BUSY. */
  readonly lockTimeoutMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `$pkg` in a `dist-git-base-uri` template, path-escaped like azldev (url.PathEscape). */
export function distGitUrl(template: string, pkg: string, span?: SourceSpan): string {
  if (!template.includes('$pkg')) {
    throw new StrataError(
      error('DISTGIT_URL_INVALID', `dist-git-base-uri "${template}" has no $pkg placeholder`, {
        ...(span ? { span } : {}),
        hint: 'use a template such as "https://src.fedoraproject.org/rpms/$pkg.git"',
      }),
    );
  }
  if (!pkg || /[\u0000-\u001f\u007f]/.test(pkg) || pkg.includes('$')) {
    throw new StrataError(error('DISTGIT_URL_INVALID', `package name ${JSON.stringify(pkg)} cannot be put in a dist-git URL`, span ? { span } : {}));
  }
  return template.split('$pkg').join(pathEscape(pkg));
}

/** Go's url.PathEscape: everything but unreserved characters and `$&+,:;=@` is %-encoded, '/' too. */
export function pathEscape(s: string): string {
  return encodeURIComponent(s).replace(/%(24|26|2B|2C|3A|3B|3D|40)/gi, (m) => decodeURIComponent(m));
}

/** `<host-and-path, sanitised>-<12 hex of sha256(url)>.git`: readable, unique per URL, never escapes. */
export function mirrorDirName(url: string): string {
  const digest = sha256Hex(url).slice(0, 12);
  const readable = url
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\.git\/?$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(-80)
    .replace(/^[-.]+/, '');
  return `${readable || 'repo'}-${digest}.git`;
}

const SHA_RE = /^[0-9a-f]{40}$/;

/** Owns the in-flight fetches of one process. Create one per command run and share it. */
export class MirrorCache {
  private readonly inflight = new Map<string, Promise<Mirror>>();
  readonly root: string;

  constructor(
    private readonly deps: DistGitDeps,
    private readonly opts: MirrorCacheOptions,
  ) {
    this.root = path.join(opts.workDir, 'mirrors');
  }

  pathFor(url: string): string {
    return path.join(this.root, mirrorDirName(url));
  }

  /**
   * Make sure the mirror of `req.url` exists and is as fresh as `req.refresh` asks; returns it.
   * Concurrent calls for one URL share a single fetch (a caller needing more — another branch or
   * commit — checks after the shared fetch and fetches again if still missing).
   */
  async ensure(req: MirrorRequest): Promise<Mirror> {
    const key = this.pathFor(req.url);
    for (;;) {
      const running = this.inflight.get(key);
      if (!running) break;
      try {
        const m = await running;
        if (await this.hasAll(m.path, req)) return { ...m, fetched: false };
      } catch {
        // the other caller's failure is reported to it; try on our own
      }
    }
    const p = this.ensureLocked(req, key);
    this.inflight.set(key, p);
    try {
      return await p;
    } finally {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    }
  }

  private async hasAll(repo: string, req: MirrorRequest): Promise<boolean> {
    if (!(await isRepo(this.deps, repo))) return false;
    if (req.branch && !(await refExists(this.deps, repo, `refs/heads/${req.branch}`))) return false;
    for (const c of req.commits ?? []) if (!(await commitExists(this.deps, repo, c))) return false;
    return true;
  }

  private async ensureLocked(req: MirrorRequest, repo: string): Promise<Mirror> {
    const refresh = req.refresh ?? 'always';
    if (refresh !== 'always' && (await this.hasAll(repo, req))) return { url: req.url, path: repo, fetched: false, diagnostics: [] };
    const release = await this.lock(repo, req);
    try {
      const warm = await isRepo(this.deps, repo);
      // Someone else may have fetched while we waited.
      if (refresh !== 'always' && warm && (await this.hasAll(repo, req))) return { url: req.url, path: repo, fetched: false, diagnostics: [] };
      const diagnostics: Diagnostic[] = [];
      let fetched = false;
      if (refresh === 'never') {
        if (!warm) throw new StrataError(this.unreachable(req, 'offline and no cached mirror'));
      } else {
        if (!warm) await this.initMirror(repo, req.url);
        const r = await this.fetchWithRetry(repo, req);
        if (r.code === 0) fetched = true;
        else {
          const detail = lastLines(r.stderr);
          if (!warm || !(await hasAnyRef(this.deps, repo))) {
            await this.deps.fs.remove(repo);
            throw new StrataError(this.unreachable(req, detail));
          }
          const span = req.spans?.url ?? req.spans?.component;
          diagnostics.push(
            warning('DISTGIT_FETCH_FAILED', `could not fetch ${req.url}${req.component ? ` (${req.component})` : ''}; using the cached mirror: ${detail}`, {
              ...(span ? { span } : {}),
              hint: 'the result reflects the mirror as of its last successful fetch',
            }),
          );
          this.deps.sink?.({ kind: 'log', level: 'warn', message: diagnostics[diagnostics.length - 1]!.message });
        }
      }
      await this.checkNeeds(repo, req, diagnostics, fetched);
      return { url: req.url, path: repo, fetched, diagnostics };
    } finally {
      await release();
    }
  }

  private async checkNeeds(repo: string, req: MirrorRequest, diagnostics: Diagnostic[], fetched: boolean): Promise<void> {
    const stale = fetched ? '' : ' (the cached mirror could not be refreshed)';
    if (req.branch && !(await refExists(this.deps, repo, `refs/heads/${req.branch}`))) {
      const branches = await listBranches(this.deps, repo);
      const span = req.spans?.branch ?? req.spans?.component;
      throw new StrataError([
        error('DISTGIT_BRANCH_NOT_FOUND', `dist-git ${req.url} has no branch "${req.branch}"${req.component ? ` (component ${req.component})` : ''}${stale}`, {
          ...(span ? { span } : {}),
          hint: branches.length ? `branches there: ${branches.slice(0, 12).join(', ')}${branches.length > 12 ? ', …' : ''}` : 'the repository has no branches',
        }),
        ...diagnostics,
      ]);
    }
    for (const c of req.commits ?? []) {
      if (!(await commitExists(this.deps, repo, c))) {
        const span = req.spans?.lock ?? req.spans?.pin ?? req.spans?.component;
        throw new StrataError([
          error('DISTGIT_COMMIT_NOT_FOUND', `commit ${c} is not in dist-git ${req.url}${req.component ? ` (component ${req.component})` : ''}${stale}`, {
            ...(span ? { span } : {}),
            hint: 'upstream may have force-pushed or the pin is wrong; run `strata component update -p NAME` to re-resolve',
          }),
          ...diagnostics,
        ]);
      }
    }
  }

  private unreachable(req: MirrorRequest, detail: string): Diagnostic {
    const span = req.spans?.url ?? req.spans?.component;
    return error('DISTGIT_UNREACHABLE', `cannot fetch dist-git ${req.url}${req.component ? ` for component ${req.component}` : ''}: ${detail}`, {
      ...(span ? { span } : {}),
      hint: 'check dist-git-base-uri and the network; a warm mirror cache lets Strata work offline',
    });
  }

  private async initMirror(repo: string, url: string): Promise<void> {
    await this.deps.fs.mkdir(this.root);
    const tmp = await this.deps.fs.mkdtemp('.init-', this.root);
    const g = (args: string[]) => this.deps.git.ok(args, { cwd: tmp });
    await g(['init', '--quiet', '--bare', '.']);
    // One write instead of a `git config` process per key. Locked commits must survive an
    // upstream force-push: objects are never pruned automatically.
    const cfgPath = path.join(tmp, 'config');
    const q = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const extra = ['[remote "origin"]', `\turl = ${q(url)}`, '\tfetch = +refs/heads/*:refs/heads/*', '\ttagOpt = --no-tags', '[gc]', '\tauto = 0', '\tpruneExpire = never', '[strata]', `\tmirror-url = ${q(url)}`, ''].join('\n');
    await this.deps.fs.writeFileAtomic(cfgPath, (await this.deps.fs.readText(cfgPath)) + extra);
    await this.deps.fs.remove(repo);
    await this.deps.fs.rename(tmp, repo);
  }

  private async fetchWithRetry(repo: string, req: MirrorRequest): Promise<RunResult> {
    const attempts = Math.max(1, this.opts.retries ?? 3);
    let delay = this.opts.retryDelayMs ?? 500;
    const sleep = this.deps.sleep ?? defaultSleep;
    let last: RunResult | undefined;
    for (let i = 0; i < attempts; i++) {
      this.deps.sink?.({ kind: 'log', level: 'debug', message: `fetching ${req.url}${i ? ` (attempt ${i + 1})` : ''}` });
      last = await this.deps.git.run(['fetch', '--quiet', '--prune', '--no-tags', '--update-head-ok', req.url, '+refs/heads/*:refs/heads/*'], {
        cwd: repo,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      if (last.code === 0) return last;
      // A repository that is not there will not appear by retrying.
      if (/does not appear to be a git repository|repository .* not found|No such file or directory/i.test(last.stderr)) return last;
      if (i + 1 < attempts) {
        await sleep(delay);
        delay *= 2;
      }
    }
    return last!;
  }

  /** Cross-process lock per mirror (`<mirror>.lock`, through the `ProcessLock` adapter), waited for at most `lockTimeoutMs`. */
  private async lock(repo: string, req: MirrorRequest): Promise<() => Promise<void>> {
    if (!this.deps.lock) return async () => {};
    const lockDir = `${repo}.lock`;
    const timeout = AbortSignal.timeout(this.opts.lockTimeoutMs ?? 10 * 60_000);
    try {
      return await this.deps.lock.acquire(lockDir, { pollMs: 50, signal: timeout });
    } catch (e) {
      if (!timeout.aborted) throw e;
      const span = req.spans?.component;
      throw new StrataError(
        error('DISTGIT_LOCK_BUSY', `another process has been fetching ${req.url} for too long (lock ${lockDir})`, {
          ...(span ? { span } : {}),
          hint: `if no other strata is running, remove ${lockDir}`,
        }),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commit resolution

export interface ResolveCommitRequest {
  /** `upstream-commit` from `locks/<name>.lock`, when there is one (full SHA). */
  readonly lock?: string;
  /** `spec.upstream-commit` pin (7–40 hex). */
  readonly pin?: string;
  /** The distro version's dist-git branch. */
  readonly branch: string;
  /** The distro snapshot (RFC 3339 string or a Date). */
  readonly snapshot?: string | Date;
  readonly component?: string;
  readonly spans?: DistGitSpans;
}

export type CommitRule = 'lock' | 'pin' | 'snapshot' | 'head';

export interface ResolvedUpstreamCommit {
  readonly commit: string;
  readonly rule: CommitRule;
  readonly branch: string;
  /** The newest commit on the branch in the mirror. */
  readonly branchHead: string;
  /** Warnings, e.g. DISTGIT_PIN_OFF_BRANCH. */
  readonly diagnostics: readonly Diagnostic[];
}

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Seconds since the epoch of an RFC 3339 snapshot; a coded error when it is not one. */
export function parseSnapshot(snapshot: string | Date, span?: SourceSpan): number {
  const t = snapshot instanceof Date ? snapshot.getTime() : RFC3339_RE.test(snapshot) ? Date.parse(snapshot) : NaN;
  if (!Number.isFinite(t)) {
    throw new StrataError(
      error('DISTGIT_SNAPSHOT_INVALID', `snapshot ${JSON.stringify(String(snapshot))} is not an RFC 3339 date-time with an offset`, {
        ...(span ? { span } : {}),
        hint: 'write it as 2026-02-24T00:00:00-08:00',
      }),
    );
  }
  return Math.floor(t / 1000);
}

/**
 * The upstream commit to use: the lock's commit if present, else the pin (expanded to a full SHA),
 * else the last first-parent commit of the branch whose committer date is at or before the
 * snapshot, else the branch HEAD. The mirror must already hold the branch (see MirrorCache.ensure).
 */
export async function resolveUpstreamCommit(deps: DistGitDeps, mirror: Pick<Mirror, 'path' | 'url'>, req: ResolveCommitRequest): Promise<ResolvedUpstreamCommit> {
  const repo = mirror.path;
  const sp = req.spans ?? {};
  const who = req.component ? ` (component ${req.component})` : '';
  const branchRef = `refs/heads/${req.branch}`;
  const head = await revParse(deps, repo, `${branchRef}^{commit}`);
  if (!head) {
    const branches = await listBranches(deps, repo);
    const span = sp.branch ?? sp.component;
    throw new StrataError(
      error('DISTGIT_BRANCH_NOT_FOUND', `dist-git ${mirror.url} has no branch "${req.branch}"${who}`, {
        ...(span ? { span } : {}),
        hint: branches.length ? `branches there: ${branches.slice(0, 12).join(', ')}` : 'the repository has no branches',
      }),
    );
  }
  const diagnostics: Diagnostic[] = [];
  if (req.lock !== undefined && req.lock !== '') {
    const span = sp.lock ?? sp.component;
    if (!SHA_RE.test(req.lock)) {
      throw new StrataError(
        error('LOCK_COMMIT_INVALID', `lock upstream-commit "${req.lock}" is not a full 40-hex commit${who}`, {
          ...(span ? { span } : {}),
          hint: 'run `strata component update -p NAME` to rewrite the lock',
        }),
      );
    }
    if (!(await commitExists(deps, repo, req.lock))) {
      throw new StrataError(
        error('DISTGIT_COMMIT_NOT_FOUND', `locked commit ${req.lock} is not in dist-git ${mirror.url}${who}`, {
          ...(span ? { span } : {}),
          hint: 'upstream may have force-pushed; run `strata component update -p NAME` to re-resolve',
        }),
      );
    }
    if (req.pin && !req.lock.startsWith(req.pin.toLowerCase())) {
      const pinSpan = sp.pin ?? sp.component;
      throw new StrataError(
        error('LOCK_PIN_MISMATCH', `the lock pins ${req.lock.slice(0, 12)} but the config pins upstream-commit ${req.pin}${who}`, {
          ...(pinSpan ? { span: pinSpan } : {}),
          ...(span ? { related: [{ message: 'locked here', span }] } : {}),
          hint: 'run `strata component update -p NAME` to lock the new pin',
        }),
      );
    }
    return { commit: req.lock, rule: 'lock', branch: req.branch, branchHead: head, diagnostics };
  }
  if (req.pin !== undefined && req.pin !== '') {
    const commit = await expandPin(deps, mirror, req.pin, sp.pin ?? sp.component, who);
    if (!(await isAncestor(deps, repo, commit, head))) {
      const span = sp.pin ?? sp.component;
      diagnostics.push(
        warning('DISTGIT_PIN_OFF_BRANCH', `pinned commit ${commit.slice(0, 12)} is not on branch "${req.branch}"${who}`, {
          ...(span ? { span } : {}),
          hint: 'release numbering from dist-git history assumes the pin is on the distro branch',
        }),
      );
    }
    return { commit, rule: 'pin', branch: req.branch, branchHead: head, diagnostics };
  }
  if (req.snapshot !== undefined && req.snapshot !== '') {
    const span = sp.snapshot ?? sp.component;
    const secs = parseSnapshot(req.snapshot, span);
    const out = (await deps.git.ok(['rev-list', '-1', '--first-parent', `--before=@${secs}`, branchRef], { cwd: repo })).trim();
    if (!SHA_RE.test(out)) {
      const iso = new Date(secs * 1000).toISOString();
      throw new StrataError(
        error('DISTGIT_SNAPSHOT_BEFORE_HISTORY', `branch "${req.branch}" of ${mirror.url} has no commit at or before the snapshot ${iso}${who}`, {
          ...(span ? { span } : {}),
          hint: 'move the snapshot later, or pin spec.upstream-commit',
        }),
      );
    }
    return { commit: out, rule: 'snapshot', branch: req.branch, branchHead: head, diagnostics };
  }
  return { commit: head, rule: 'head', branch: req.branch, branchHead: head, diagnostics };
}

async function expandPin(deps: DistGitDeps, mirror: Pick<Mirror, 'path' | 'url'>, pin: string, span: SourceSpan | undefined, who: string): Promise<string> {
  const lower = pin.toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(lower)) {
    throw new StrataError(
      error('DISTGIT_PIN_INVALID', `upstream-commit "${pin}" must be 7 to 40 hexadecimal digits${who}`, {
        ...(span ? { span } : {}),
      }),
    );
  }
  const candidates =
    lower.length === 40
      ? [lower]
      : (await deps.git.run(['rev-parse', '--disambiguate=' + lower], { cwd: mirror.path })).stdout.split('\n').filter((l) => SHA_RE.test(l));
  const commits: string[] = [];
  for (const c of candidates) if (await commitExists(deps, mirror.path, c)) commits.push(c);
  if (commits.length === 1) return commits[0]!;
  if (commits.length > 1) {
    throw new StrataError(
      error('DISTGIT_PIN_AMBIGUOUS', `upstream-commit "${pin}" matches ${commits.length} commits in ${mirror.url}${who}`, {
        ...(span ? { span } : {}),
        hint: `use more digits: ${commits.map((c) => c.slice(0, 12)).join(', ')}`,
      }),
    );
  }
  throw new StrataError(
    error('DISTGIT_COMMIT_NOT_FOUND', `pinned upstream-commit ${pin} is not in dist-git ${mirror.url}${who}`, {
      ...(span ? { span } : {}),
      hint: 'check the pin; the mirror holds every branch of the repository',
    }),
  );
}

function lastLines(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-2).join(' / ') || 'git fetch failed';
}
