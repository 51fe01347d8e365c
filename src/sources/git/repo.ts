/**
 * Questions to a repository answered by the git CLI (through the `Git` adapter): a file at a
 * commit, commit lists, ancestry, refs.
 */
import * as path from 'node:path';
import type { FileSystem, Git } from '../../adapters/types.js';

/** What the readers here need; `isRepo` also looks at the file system. */
export interface GitDeps {
  readonly git: Git;
}

const SHA_RE = /^[0-9a-f]{40}$/;

/** A file's content at a commit, or undefined when it does not exist there. */
export async function readFileAt(deps: GitDeps, repo: string, commit: string, file: string): Promise<string | undefined> {
  const r = await deps.git.run(['cat-file', 'blob', `${commit}:${file}`], { cwd: repo });
  return r.code === 0 ? r.stdout : undefined;
}

export interface CommitInfo {
  readonly commit: string;
  readonly parents: readonly string[];
  readonly authorName: string;
  readonly authorEmail: string;
  /** ISO 8601 (strict) author and committer dates. */
  readonly authorDate: string;
  readonly committerDate: string;
  readonly subject: string;
}

/**
 * First-parent commits in `(from, to]`, newest first (`from` undefined: the whole history of `to`).
 * Used by `component history` / `diff-sources`.
 */
export async function listCommits(deps: GitDeps, repo: string, to: string, from?: string, opts: { firstParent?: boolean; max?: number } = {}): Promise<CommitInfo[]> {
  const args = ['log', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x01'];
  if (opts.firstParent !== false) args.push('--first-parent');
  if (opts.max) args.push(`--max-count=${opts.max}`);
  args.push(from ? `${from}..${to}` : to, '--');
  const out = await deps.git.ok(args, { cwd: repo });
  return out
    .split('\x01')
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((r) => {
      const [commit = '', parents = '', an = '', ae = '', ad = '', cd = '', subject = ''] = r.split('\0');
      return { commit, parents: parents.split(' ').filter(Boolean), authorName: an, authorEmail: ae, authorDate: ad, committerDate: cd, subject };
    });
}

/** True when `a` is an ancestor of (or equal to) `b`. */
export async function isAncestor(deps: GitDeps, repo: string, a: string, b: string): Promise<boolean> {
  return (await deps.git.run(['merge-base', '--is-ancestor', a, b], { cwd: repo })).code === 0;
}

export async function commitExists(deps: GitDeps, repo: string, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{4,40}$/i.test(sha)) return false;
  const r = await deps.git.run(['cat-file', '-e', `${sha}^{commit}`], { cwd: repo });
  return r.code === 0;
}

export async function listBranches(deps: GitDeps, repo: string): Promise<string[]> {
  const r = await deps.git.run(['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/'], { cwd: repo });
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean).sort() : [];
}

export async function revParse(deps: GitDeps, repo: string, rev: string): Promise<string | undefined> {
  const r = await deps.git.run(['rev-parse', '--verify', '--quiet', rev], { cwd: repo });
  const s = r.stdout.trim();
  return r.code === 0 && SHA_RE.test(s) ? s : undefined;
}

export async function refExists(deps: GitDeps, repo: string, ref: string): Promise<boolean> {
  return (await revParse(deps, repo, `${ref}^{commit}`)) !== undefined;
}

export async function hasAnyRef(deps: GitDeps, repo: string): Promise<boolean> {
  return (await listBranches(deps, repo)).length > 0;
}

export async function isRepo(deps: GitDeps & { readonly fs: FileSystem }, repo: string): Promise<boolean> {
  const st = await deps.fs.stat(path.join(repo, 'HEAD'));
  return !!st?.isFile;
}
