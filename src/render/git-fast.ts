/**
 * Reading a warm mirror without spawning git (a git process costs ~10 ms here, and render runs
 * thousands): branch heads from the refs files, a per-mirror cache of resolved commits, and the
 * regular files of a `git archive` tar stream.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { readTar, unsafeEntry } from '../util/tar.js';

const SHA = /^[0-9a-f]{40}$/;

/** The branch head of a bare repository from `refs/heads/<b>` or `packed-refs`; undefined when unknown. */
export async function readBranchHead(fs: FileSystem, repo: string, branch: string): Promise<string | undefined> {
  if (branch.includes('..')) return undefined;
  const loose = path.join(repo, 'refs', 'heads', ...branch.split('/'));
  if ((await fs.stat(loose))?.isFile) {
    const v = (await fs.readText(loose)).trim();
    return SHA.test(v) ? v : undefined;
  }
  const packed = path.join(repo, 'packed-refs');
  if (!(await fs.stat(packed))?.isFile) return undefined;
  const want = ` refs/heads/${branch}`;
  for (const line of (await fs.readText(packed)).split('\n')) {
    if (line.endsWith(want)) {
      const v = line.slice(0, 40);
      return SHA.test(v) ? v : undefined;
    }
  }
  return undefined;
}

const CACHE = 'strata-resolved.json';

export async function readResolveCache(fs: FileSystem, repo: string, key: string): Promise<{ commit: string; rule: string } | undefined> {
  const p = path.join(repo, CACHE);
  if (!(await fs.stat(p))?.isFile) return undefined;
  try {
    const all = JSON.parse(await fs.readText(p)) as Record<string, { commit: string; rule: string }>;
    const v = all[key];
    return v && SHA.test(v.commit) ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function writeResolveCache(fs: FileSystem, repo: string, key: string, v: { commit: string; rule: string }): Promise<void> {
  const p = path.join(repo, CACHE);
  let all: Record<string, unknown> = {};
  try {
    if ((await fs.stat(p))?.isFile) all = JSON.parse(await fs.readText(p)) as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[key] = v;
  await fs.writeFileAtomic(p, JSON.stringify(all));
}

export type TarFile = Uint8Array & { mode?: number };

/**
 * Regular files of a tar stream (as `git archive` writes), keyed by normalised relative path.
 * Symlinks and unsafe names (absolute, `..`, `.git`) are refused by omission: git archive of a
 * dist-git tree only holds regular files and directories.
 */
export async function parseTar(buf: Uint8Array): Promise<Map<string, TarFile>> {
  const out = new Map<string, TarFile>();
  for (const e of await readTar(buf, 'git archive output')) {
    if (e.type !== 'file' || unsafeEntry(e) || e.path.split('/').some((c) => c.toLowerCase() === '.git')) continue;
    const f: TarFile = e.data;
    f.mode = e.mode & 0o111 ? 0o755 : 0o644;
    out.set(path.posix.normalize(e.path), f);
  }
  return out;
}
