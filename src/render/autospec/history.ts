/**
 * Loading a dist-git history for rpmautospec processing with a constant number of git processes:
 * one `git log` for every commit reachable from the head (ids, parents, trees, author, committer
 * time, raw message), one `git cat-file --batch-check` for the spec file and `changelog` file of
 * every commit, and one `git cat-file --batch` for the distinct blobs.
 */
import type { Git } from '../../adapters/types.js';

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

/** Parse `git log -z --format=LOG_FORMAT` output. */
export function parseLogOutput(out: string): Omit<HistoryCommit, 'specBlob' | 'changelogBlob'>[] {
  const commits: Omit<HistoryCommit, 'specBlob' | 'changelogBlob'>[] = [];
  if (!out) return commits;
  for (const rec of out.split('\0')) {
    if (!rec) continue;
    const f = rec.split(FIELD);
    if (f.length < 7) throw new Error(`unexpected git log record: ${JSON.stringify(rec.slice(0, 80))}`);
    const [id, parents, tree, an, ae, ct] = f as [string, string, string, string, string, string];
    commits.push({
      id: id.replace(/^\n/, ''),
      parents: parents ? parents.split(' ') : [],
      tree,
      authorName: an,
      authorEmail: ae,
      commitTime: Number(ct),
      message: f.slice(6).join(FIELD),
    });
  }
  return commits;
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

/** Read the history reachable from `rev` with three git processes. */
export async function loadHistory(opts: LoadHistoryOptions): Promise<History> {
  const { git, repoDir, specName } = opts;
  const rev = opts.rev ?? 'HEAD';
  const log = await git.ok(['log', '-z', `--format=${LOG_FORMAT}`, rev, '--'], { cwd: repoDir });
  const raw = parseLogOutput(log);
  if (raw.length === 0) throw new Error(`no commits reachable from ${rev}`);
  const head = raw[0]!.id;
  const treeIds = [...new Set(raw.map((c) => c.tree))];
  const query = treeIds.flatMap((t) => [`${t}:${specName}`, `${t}:changelog`]).join('\n') + '\n';
  const check = await git.ok(['cat-file', '--batch-check'], { cwd: repoDir, input: query });
  const lines = check.split('\n');
  const specOf = new Map<string, string>();
  const changelogOf = new Map<string, string>();
  const wanted = new Set<string>();
  for (let i = 0; i < treeIds.length; i++) {
    const s = parseCheckLine(lines[2 * i]);
    const c = parseCheckLine(lines[2 * i + 1]);
    if (s) {
      specOf.set(treeIds[i]!, s);
      wanted.add(s);
    }
    if (c) {
      changelogOf.set(treeIds[i]!, c);
      wanted.add(c);
    }
  }
  let blobs = new Map<string, string>();
  if (wanted.size > 0) {
    const r = await git.run(['cat-file', '--batch'], { cwd: repoDir, input: [...wanted].join('\n') + '\n', binary: true });
    if (r.code !== 0 || !r.stdoutBytes) throw new Error(`git cat-file --batch failed: ${r.stderr.trim()}`);
    blobs = parseBatchOutput(r.stdoutBytes);
  }
  const commits = new Map<string, HistoryCommit>();
  for (const c of raw) {
    const specBlob = specOf.get(c.tree);
    const changelogBlob = changelogOf.get(c.tree);
    commits.set(c.id, { ...c, ...(specBlob ? { specBlob } : {}), ...(changelogBlob ? { changelogBlob } : {}) });
  }
  return { head, specName, commits, blobs };
}

/** `<oid> blob <size>` → oid; anything else (missing, a tree) → undefined. */
function parseCheckLine(line: string | undefined): string | undefined {
  if (!line) return undefined;
  const parts = line.split(' ');
  return parts.length === 3 && parts[1] === 'blob' ? parts[0] : undefined;
}
