/**
 * A dist-git history as rpmautospec processing needs it (every commit reachable from a head, with
 * the blobs of the root spec file and `changelog`), read two ways with the same result:
 * - `readHistory(store, …)`: in process, from the object store (no git process);
 * - `loadHistory(…)`: with two git processes whatever its size — one `git log` for every commit
 *   (ids, parents, trees, author, committer time, raw message, and the raw diff against the first
 *   parent, from which the spec and `changelog` blob of every commit follow), and one
 *   `git cat-file --batch` for the distinct blobs.
 * `readHistoryAt` tries the first and falls back to the second.
 */
import * as path from 'node:path';
import type { Git } from '../../adapters/types.js';
import { error, StrataError } from '../../diag/index.js';
import { parseCommit, parseTree, type ObjectStore } from './object-store.js';

export interface HistoryCommit {
  readonly id: string;
  /** First parent first. */
  readonly parents: readonly string[];
  readonly tree: string;
  readonly authorName: string;
  readonly authorEmail: string;
  /** Committer time, Unix seconds. */
  readonly commitTime: number;
  /** The raw commit message, byte-exact (decoded as UTF-8). */
  readonly message: string;
  /** Blob id of the spec file at the repository root, if present. */
  readonly specBlob?: string;
  /** Blob id of the `changelog` file at the repository root, if present. */
  readonly changelogBlob?: string;
}

/** A commit graph in memory; also what tests and the render pipeline can build directly. */
export interface History {
  readonly head: string;
  readonly specName: string;
  readonly commits: ReadonlyMap<string, HistoryCommit>;
  /** Blob id → text (UTF-8, invalid bytes replaced) for every spec and changelog blob. */
  readonly blobs: ReadonlyMap<string, string>;
}

const FIELD = '\x1f';
const LOG_FORMAT = ['%H', '%P', '%T', '%an', '%ae', '%ct', '%B'].join('%x1f');
const HEX40 = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A commit as `git log` lists it, with the raw diff entries against its first parent. */
export interface LoggedCommit extends Omit<HistoryCommit, 'specBlob' | 'changelogBlob'> {
  /** path → new blob id (undefined: deleted or not a blob), for every path the commit changed. */
  readonly changes: ReadonlyMap<string, string | undefined>;
}

/**
 * Parse `git log -z --format=LOG_FORMAT --raw --no-abbrev --no-renames --diff-merges=first-parent`
 * output: each record is the format text ended by NUL, optionally followed by `\n` and raw diff
 * entries `:<mode> <mode> <sha> <sha> <status>\0<path>\0`.
 */
export function parseLogOutput(out: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  let pos = 0;
  while (pos < out.length) {
    const end = out.indexOf('\0', pos);
    const rec = out.slice(pos, end < 0 ? out.length : end);
    pos = end < 0 ? out.length : end + 1;
    if (!rec) continue;
    const f = rec.split(FIELD);
    if (f.length < 7 || !HEX40.test(f[0]!.replace(/^\n/, ''))) throw new Error(`unexpected git log record: ${JSON.stringify(rec.slice(0, 80))}`);
    const [id, parents, tree, an, ae, ct] = f as [string, string, string, string, string, string];
    const changes = new Map<string, string | undefined>();
    if (out.startsWith('\n:', pos)) pos++;
    while (out[pos] === ':') {
      const hEnd = out.indexOf('\0', pos);
      const pEnd = out.indexOf('\0', hEnd + 1);
      if (hEnd < 0 || pEnd < 0) throw new Error('truncated raw diff in git log output');
      const header = out.slice(pos + 1, hEnd).split(' ');
      const path = out.slice(hEnd + 1, pEnd);
      const newMode = header[1] ?? '';
      const newSha = header[3] ?? '';
      const isBlob = newMode.startsWith('10') || newMode.startsWith('12');
      changes.set(path, isBlob && !/^0+$/.test(newSha) ? newSha : undefined);
      pos = pEnd + 1;
    }
    commits.push({
      id: id.replace(/^\n/, ''),
      parents: parents ? parents.split(' ') : [],
      tree,
      authorName: an,
      authorEmail: ae,
      commitTime: Number(ct),
      message: f.slice(6).join(FIELD),
      changes,
    });
  }
  return commits;
}

/**
 * The blob of `path` in every commit, from the first-parent diffs: a commit that did not change
 * the path has its first parent's blob. (Log order is by date, not topology: resolved with memo.)
 */
export function blobsAlongFirstParents(commits: readonly LoggedCommit[], path: string): Map<string, string | undefined> {
  const byId = new Map(commits.map((c) => [c.id, c]));
  const memo = new Map<string, string | undefined>();
  for (const start of commits) {
    const chain: LoggedCommit[] = [];
    let c: LoggedCommit | undefined = start;
    let known: string | undefined;
    while (c && !memo.has(c.id)) {
      if (c.changes.has(path)) {
        known = c.changes.get(path);
        memo.set(c.id, known);
        break;
      }
      chain.push(c);
      const fp: string | undefined = c.parents[0];
      c = fp === undefined ? undefined : byId.get(fp);
      if (!c) known = undefined;
    }
    if (c && memo.has(c.id)) known = memo.get(c.id);
    for (const x of chain) memo.set(x.id, known);
  }
  return memo;
}

/** Parse `git cat-file --batch` output (text blobs) into id → content. */
export function parseBatchOutput(buf: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < b.length) {
    const nl = b.indexOf(10, pos);
    if (nl < 0) break;
    const header = b.toString('latin1', pos, nl);
    pos = nl + 1;
    const parts = header.split(' ');
    if (parts.length < 3 || parts[1] === 'missing') continue;
    const size = Number(parts[2]);
    out.set(parts[0]!, b.toString('utf8', pos, pos + size));
    pos += size + 1;
  }
  return out;
}

export interface LoadHistoryOptions {
  readonly git: Git;
  readonly repoDir: string;
  /** File name of the spec at the repository root. */
  readonly specName: string;
  /** Revision to start from (default `HEAD`). */
  readonly rev?: string;
}

/** Read the history reachable from `rev` with two git processes. */
export async function loadHistory(opts: LoadHistoryOptions): Promise<History> {
  const { git, repoDir, specName } = opts;
  const rev = opts.rev ?? 'HEAD';
  const span = { file: path.join(repoDir, specName), line: 1, col: 1 };
  const [log, shallow] = await Promise.all([
    git.run(['log', '-z', `--format=${LOG_FORMAT}`, '--raw', '--no-abbrev', '--no-renames', '--diff-merges=first-parent', rev, '--'], { cwd: repoDir }),
    git.run(['rev-parse', '--is-shallow-repository'], { cwd: repoDir }),
  ]);
  if (shallow.code === 0 && shallow.stdout.trim() === 'true') {
    // A shallow clone lacks the older commits: the release number and changelog would be computed
    // from part of the history and be wrong, silently.
    throw new StrataError(
      error('AUTOSPEC_SHALLOW_CLONE', `${repoDir} is a shallow clone: %autorelease and %autochangelog need the whole dist-git history`, {
        span,
        hint: `fetch the rest of the history: git -C ${repoDir} fetch --unshallow (or clone without --depth)`,
      }),
    );
  }
  if (log.code !== 0 && /missing|bad object|could not read|Failed to traverse|unable to read|corrupt/i.test(log.stderr)) {
    throw missingObjects(repoDir, span, log.stderr.trim().split('\n').pop() ?? '');
  }
  const raw = log.code === 0 ? parseLogOutput(log.stdout) : [];
  if (raw.length === 0) {
    // A repository without commits (or a bad revision) is something the user can fix, not a bug.
    throw new StrataError(
      error('AUTOSPEC_NO_HISTORY', `no commits reachable from ${rev} in ${repoDir}${log.code !== 0 ? `: ${log.stderr.trim().split('\n').pop()}` : ''}`, {
        span: { file: path.join(repoDir, specName), line: 1, col: 1 },
        hint: 'commit the spec first: %autorelease and %autochangelog are computed from the dist-git history',
      }),
    );
  }
  const head = raw[0]!.id;
  const specOf = blobsAlongFirstParents(raw, specName);
  const changelogOf = blobsAlongFirstParents(raw, 'changelog');
  const wanted = new Set<string>();
  for (const m of [specOf, changelogOf]) for (const b of m.values()) if (b) wanted.add(b);
  let blobs = new Map<string, string>();
  if (wanted.size > 0) {
    const r = await git.run(['cat-file', '--batch'], { cwd: repoDir, input: [...wanted].join('\n') + '\n', binary: true });
    if (r.code !== 0 || !r.stdoutBytes) throw missingObjects(repoDir, span, `git cat-file --batch: ${r.stderr.trim() || `exit ${r.code}`}`);
    blobs = parseBatchOutput(r.stdoutBytes);
    const absent = [...wanted].filter((b) => !blobs.has(b));
    if (absent.length) {
      const at = raw.find((c) => specOf.get(c.id) === absent[0] || changelogOf.get(c.id) === absent[0]);
      const which = at && specOf.get(at.id) === absent[0] ? specName : 'changelog';
      throw missingObjects(repoDir, span, `${absent.length} blob(s) missing, e.g. ${absent[0]} (${which}${at ? ` at commit ${at.id.slice(0, 12)}` : ''})`);
    }
  }
  const commits = new Map<string, HistoryCommit>();
  for (const { changes: _changes, ...c } of raw) {
    const specBlob = specOf.get(c.id);
    const changelogBlob = changelogOf.get(c.id);
    commits.set(c.id, { ...c, ...(specBlob ? { specBlob } : {}), ...(changelogBlob ? { changelogBlob } : {}) });
  }
  return { head, specName, commits, blobs };
}

/** The repository lacks objects its history refers to (a damaged or partial clone). */
function missingObjects(repoDir: string, span: { file: string; line: number; col: number }, detail: string): StrataError {
  return new StrataError(
    error('AUTOSPEC_GIT_OBJECTS_MISSING', `the dist-git history in ${repoDir} cannot be read: ${detail}`, {
      span,
      hint: `the clone is damaged or partial: check it with git -C ${repoDir} fsck, then fetch again (git fetch --refetch) or clone anew`,
    }),
  );
}

/**
 * The history reachable from `head` as rpmautospec processing needs it (same content as
 * `loadHistory` reads with git log + cat-file): every commit, with the root `specName` and
 * `changelog` blobs.
 */
export async function readHistory(store: ObjectStore, head: string, specName: string): Promise<History> {
  const commits = new Map<string, HistoryCommit>();
  const blobs = new Map<string, string>();
  const todo = [head];
  while (todo.length) {
    const id = todo.pop()!;
    if (commits.has(id)) continue;
    const o = await store.readAsync(id);
    if (o.type !== 'commit') throw new Error(`${id} is not a commit`);
    const c = parseCommit(o.data);
    const root = parseTree((await store.readAsync(c.tree)).data);
    const blobOf = (name: string) => root.find((e) => e.name === name && (e.mode === '100644' || e.mode === '100755' || e.mode === '120000'))?.sha;
    const specBlob = blobOf(specName);
    const changelogBlob = blobOf('changelog');
    for (const b of [specBlob, changelogBlob]) {
      if (b && !blobs.has(b)) blobs.set(b, new TextDecoder('utf-8').decode((await store.readAsync(b)).data));
    }
    commits.set(id, {
      id,
      parents: c.parents,
      tree: c.tree,
      authorName: c.authorName,
      authorEmail: c.authorEmail,
      commitTime: c.committerTime,
      message: c.message,
      ...(specBlob ? { specBlob } : {}),
      ...(changelogBlob ? { changelogBlob } : {}),
    });
    for (const p of c.parents) if (!commits.has(p)) todo.push(p);
  }
  return { head, specName, commits, blobs };
}

/**
 * The history of `specName` from `rev` in `repo`: read from `store` when given and it can,
 * else with the git CLI.
 */
export async function readHistoryAt(git: Git, store: ObjectStore | undefined, repo: string, rev: string, specName: string): Promise<History> {
  if (store) {
    try {
      return await readHistory(store, rev, specName);
    } catch {
      // an object the reader cannot decode: git can
    }
  }
  return loadHistory({ git, repoDir: repo, specName, rev });
}
