/**
 * Reading a warm mirror without spawning git (a git process costs ~10 ms here, and render runs
 * thousands): branch heads from the refs files, a per-mirror cache of resolved commits, and an
 * in-process reader for the tar stream of `git archive`.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';

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
 * Regular files of a tar stream (ustar + pax `path` records, as `git archive` writes), keyed by
 * relative path. Symlinks, absolute names and `..` are refused by omission: git archive of a
 * dist-git tree only holds regular files and directories.
 */
export function parseTar(buf: Uint8Array): Map<string, TarFile> {
  const out = new Map<string, TarFile>();
  const dec = new TextDecoder();
  const str = (o: number, n: number) => {
    let e = o;
    while (e < o + n && buf[e] !== 0) e++;
    return dec.decode(buf.subarray(o, e));
  };
  let off = 0;
  let paxPath: string | undefined;
  while (off + 512 <= buf.length) {
    if (buf[off] === 0) break;
    const name = str(off, 100);
    const mode = parseInt(str(off + 100, 8).trim() || '0', 8);
    const size = parseInt(str(off + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(buf[off + 156] ?? 48);
    const prefix = str(off + 345, 155);
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      for (const rec of dec.decode(body).split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
      continue;
    }
    if (type === 'g') continue;
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = undefined;
    if (type !== '0' && type !== '\0') continue;
    const norm = path.posix.normalize(full);
    if (norm.startsWith('/') || norm === '..' || norm.startsWith('../')) continue;
    const f: TarFile = new Uint8Array(body);
    f.mode = mode & 0o111 ? 0o755 : 0o644;
    out.set(norm, f);
  }
  return out;
}
