/**
 * Synthetic commits: the project commits that changed a component's inputs (its TOML files,
 * overlay sources, local spec directory). They are stacked on the dist-git history so that
 * %autorelease/%autochangelog see downstream changes, and they bump static Releases. Uncommitted
 * changes to the inputs count as one more ("dirty") commit.
 */
import * as path from 'node:path';
import type { Git } from '../adapters/types.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { computeFingerprint, loadLock, lockPathFor } from '../sources/index.js';
import type { RenderContext } from './context.js';
import type { Resolved } from './resolve.js';

export interface SyntheticCommit {
  /** Project commit hash, or 'dirty'. */
  readonly hash: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** Author time, seconds since the epoch. */
  readonly time: number;
  readonly subject: string;
}

interface LoggedCommit extends SyntheticCommit {
  readonly files: readonly string[];
}

/** The project's git history, read once per render run (one `git log`, one `git status`). */
export class ProjectHistory {
  private constructor(
    readonly root: string | undefined,
    private readonly commits: readonly LoggedCommit[],
    private readonly dirty: readonly string[],
    private readonly locks: ReadonlyMap<string, readonly LockChange[]> = new Map(),
  ) {}

  static async load(git: Git, dir: string, lockDir?: string): Promise<ProjectHistory> {
    const top = await git.run(['rev-parse', '--show-toplevel'], { cwd: dir });
    if (top.code !== 0) return new ProjectHistory(undefined, [], []);
    const root = top.stdout.trim();
    const locks = new Map<string, LockChange[]>();
    const lockRel = lockDir ? path.relative(root, lockDir) : undefined;
    if (lockRel !== undefined && !lockRel.startsWith('..') && !path.isAbsolute(lockRel)) {
      // One process for every lock's history: the diffs show each new input-fingerprint value.
      const lp = await git.run(['log', '--no-renames', '--no-color', '-U0', '--format=%x01%H%x00%an%x00%ae%x00%at%x00%s', '-p', 'HEAD', '--', lockRel || '.'], { cwd: root });
      if (lp.code === 0) parseLockLog(lp.stdout, locks);
    }
    const log = await git.run(['-c', 'core.quotepath=off', 'log', '--no-renames', '--format=%x01%H%x00%an%x00%ae%x00%at%x00%s', '--name-only', '-z', 'HEAD'], { cwd: root });
    const commits: LoggedCommit[] = [];
    if (log.code === 0) {
      for (const rec of log.stdout.split('\x01')) {
        if (!rec.trim()) continue;
        const parts = rec.split('\0');
        const [hash, an, ae, at, subjectAndFirst] = parts;
        if (!hash || subjectAndFirst === undefined) continue;
        // With -z, the subject ends at the first newline, then the file list follows NUL-separated.
        const nl = subjectAndFirst.indexOf('\n');
        const subject = nl >= 0 ? subjectAndFirst.slice(0, nl) : subjectAndFirst;
        const files: string[] = [];
        if (nl >= 0) {
          const first = subjectAndFirst.slice(nl + 1).replace(/^\n+/, '');
          if (first) files.push(first);
        }
        for (const f of parts.slice(5)) {
          const t = f.replace(/^\n+/, '');
          if (t) files.push(t);
        }
        commits.push({ hash, authorName: an ?? '', authorEmail: ae ?? '', time: Number(at), subject, files });
      }
    }
    const st = await git.run(['-c', 'core.quotepath=off', 'status', '--porcelain', '-z', '--untracked-files=all'], { cwd: root });
    const dirty: string[] = [];
    if (st.code === 0) {
      const recs = st.stdout.split('\0');
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i]!;
        if (r.length < 4) continue;
        dirty.push(r.slice(3));
        if (r[0] === 'R' || r[0] === 'C') i++;
      }
    }
    return new ProjectHistory(root, commits.reverse(), dirty, locks);
  }

  /**
   * Lock-file era (azldev HEAD): one synthetic commit per change of the lock's
   * `input-fingerprint`, oldest first; undefined when the lock has no committed history (or was
   * deleted at HEAD). `head` is the fingerprint at HEAD.
   */
  lockHistory(lockPath: string): { commits: SyntheticCommit[]; head: string } | undefined {
    const rel = this.rel(lockPath);
    const changes = rel ? this.locks.get(rel) : undefined;
    if (!changes?.length) return undefined;
    const last = changes[changes.length - 1]!;
    if (last.value === undefined) return undefined;
    const out: SyntheticCommit[] = [];
    let prev: string | undefined;
    for (const ch of changes) {
      if (ch.value === undefined) {
        out.length = 0;
        prev = undefined;
        continue;
      }
      if (ch.value !== prev) out.push(ch.commit);
      prev = ch.value;
    }
    return { commits: out, head: last.value };
  }

  private rel(p: string): string | undefined {
    if (!this.root) return undefined;
    const r = path.relative(this.root, p);
    return r.startsWith('..') || path.isAbsolute(r) ? undefined : r.split(path.sep).join('/');
  }

  /**
   * Oldest first: the commits that touched any input (a file, or a directory prefix), then a
   * 'dirty' entry when inputs have uncommitted changes.
   */
  syntheticCommits(inputs: readonly string[], now: Date): SyntheticCommit[] {
    const rels = inputs.map((p) => this.rel(p)).filter((r): r is string => r !== undefined);
    if (!rels.length) return [];
    const hit = (f: string) => rels.some((r) => f === r || f.startsWith(r.endsWith('/') ? r : r + '/'));
    const out: SyntheticCommit[] = this.commits.filter((c) => c.files.some(hit)).map(({ files: _f, ...c }) => c);
    if (this.dirty.some(hit)) {
      out.push({ hash: 'dirty', authorName: 'strata', authorEmail: 'strata@local', time: Math.floor(now.getTime() / 1000), subject: 'Local changes (uncommitted)' });
    }
    return out;
  }
}

interface LockChange {
  readonly commit: SyntheticCommit;
  /** The new input-fingerprint, or undefined when the commit deleted the lock. */
  readonly value: string | undefined;
}

/** `git log -p -U0` of the lock dir → per lock path, its fingerprint changes oldest first. */
export function parseLockLog(text: string, into: Map<string, LockChange[]>): void {
  const recs = text.split('\x01').filter((r) => r.trim());
  for (const rec of recs.reverse()) {
    const nl = rec.indexOf('\n');
    const head = nl >= 0 ? rec.slice(0, nl) : rec;
    const [hash, an, ae, at, subject] = head.split('\0');
    if (!hash) continue;
    const commit: SyntheticCommit = { hash, authorName: an ?? '', authorEmail: ae ?? '', time: Number(at), subject: subject ?? '' };
    const body = nl >= 0 ? rec.slice(nl + 1) : '';
    for (const part of body.split(/^diff --git /m).slice(1)) {
      const m = /^a\/(.*?) b\/(.*)$/m.exec(part);
      if (!m) continue;
      const file = m[2]!;
      const deleted = /^\+\+\+ \/dev\/null$/m.test(part);
      const v = /^\+\s*input-fingerprint\s*=\s*['"]([^'"]*)['"]/m.exec(part);
      const list = into.get(file) ?? [];
      if (deleted) list.push({ commit, value: undefined });
      else if (v) list.push({ commit, value: v[1]! });
      else continue;
      into.set(file, list);
    }
  }
}

/** Files whose changes are the component's inputs (synthetic commits). */
export function componentInputs(project: ResolvedProject, c: ResolvedComponent): string[] {
  const set = new Set<string>([c.file]);
  for (const s of c.origins.values()) if (s.file) set.add(s.file);
  for (const o of c.overlays) {
    set.add(o.declaredIn);
    if (o.overlayFile) set.add(o.overlayFile);
    const src = (o as { source?: string }).source;
    if (src) set.add(src);
  }
  for (const f of c.overlayFiles) set.add(f);
  if (c.spec.type === 'local') set.add(c.spec.dir + '/');
  const lock = lockPathFor(project.project.lockDir, c.name);
  set.add(lock);
  return [...set].map((p) => (path.isAbsolute(p) ? p : path.resolve(project.dir, p)));
}

/**
 * The synthetic commits of a component: with a committed lock file, one per change of its
 * input fingerprint (plus one when the current inputs differ from the lock at HEAD); without,
 * the project commits that touched its input files (plus one for uncommitted changes).
 */
export async function syntheticCommitsFor(ctx: RenderContext, history: ProjectHistory, c: ResolvedComponent, resolved: Resolved | undefined): Promise<SyntheticCommit[]> {
  const { project } = ctx;
  const lockPath = path.resolve(project.dir, lockPathFor(project.project.lockDir, c.name));
  const locked = history.lockHistory(lockPath);
  if (!locked) return history.syntheticCommits(componentInputs(project, c), ctx.deps.clock.now());
  const out = [...locked.commits];
  const current = await loadLock(ctx.deps.fs, lockPath).catch(() => undefined);
  const fp = await computeFingerprint(ctx.deps.fs, c, {
    ...(resolved ? { upstreamCommit: resolved.commit } : {}),
    ...(current?.lock.manualBump ? { manualBump: current.lock.manualBump } : {}),
    configFiles: new Set(project.files.map((f) => f.path)),
  });
  if (fp.value !== locked.head) {
    out.push({ hash: 'dirty', authorName: 'strata', authorEmail: 'strata@local', time: Math.floor(ctx.deps.clock.now().getTime() / 1000), subject: 'Local changes (uncommitted)' });
  }
  return out;
}
