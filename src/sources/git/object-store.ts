/**
 * A read-only git object reader for bare mirrors (pack idx v2 + packs with OFS/REF deltas, and
 * loose objects), so a warm render reads trees and history without spawning git: on this kind of
 * machine a git process costs ~10 ms of a single-threaded parent's time, which caps throughput.
 * Anything unexpected (other idx versions, missing objects, SHA-256 repositories) throws, and the
 * caller falls back to the git CLI.
 */
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { FileSystem } from '../../adapters/types.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
export interface GitObject {
  readonly type: ObjectType;
  readonly data: Buffer;
}

interface Pack {
  readonly data: Buffer;
  readonly idx: Buffer;
  readonly count: number;
  readonly fanout: Uint32Array;
}

const MAX_PACK_BYTES = 192 * 1024 * 1024;

const TYPE_NAMES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

export class ObjectStore {
  private readonly cache = new Map<string, GitObject>();

  private constructor(
    private readonly fs: FileSystem,
    private readonly repo: string,
    private readonly packs: readonly Pack[],
  ) {}

  static async open(fs: FileSystem, repo: string): Promise<ObjectStore> {
    const dir = path.join(repo, 'objects', 'pack');
    const packs: Pack[] = [];
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      names = [];
    }
    // Packs are read whole: beyond this, the git CLI (which maps them) is the better reader.
    let total = 0;
    for (const n of names) if (n.endsWith('.pack')) total += (await fs.stat(path.join(dir, n)))?.size ?? 0;
    if (total > MAX_PACK_BYTES) throw new Error(`packs too large to read in process (${total} bytes)`);
    for (const n of names) {
      if (!n.endsWith('.idx')) continue;
      const idx = Buffer.from(await fs.readFile(path.join(dir, n)));
      if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new Error(`unsupported pack index ${n}`);
      const fanout = new Uint32Array(256);
      for (let i = 0; i < 256; i++) fanout[i] = idx.readUInt32BE(8 + i * 4);
      const data = Buffer.from(await fs.readFile(path.join(dir, n.replace(/\.idx$/, '.pack'))));
      packs.push({ idx, data, count: fanout[255]!, fanout });
    }
    return new ObjectStore(fs, repo, packs);
  }

  private find(sha: string): { pack: Pack; offset: number } | undefined {
    const key = Buffer.from(sha, 'hex');
    if (key.length !== 20) throw new Error(`not a SHA-1 object id: ${sha}`);
    for (const p of this.packs) {
      let lo = key[0] === 0 ? 0 : p.fanout[key[0]! - 1]!;
      let hi = p.fanout[key[0]!]!;
      const base = 8 + 256 * 4;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = p.idx.compare(key, 0, 20, base + mid * 20, base + mid * 20 + 20);
        if (c === 0) {
          const offBase = base + p.count * 20 + p.count * 4;
          let off = p.idx.readUInt32BE(offBase + mid * 4);
          if (off & 0x80000000) {
            const big = offBase + p.count * 4 + (off & 0x7fffffff) * 8;
            off = Number(p.idx.readBigUInt64BE(big));
          }
          return { pack: p, offset: off };
        }
        // idx.compare(key, …) compares the index entry with the key.
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return undefined;
  }

  private readPacked(p: Pack, offset: number, depth = 0): GitObject {
    if (depth > 64) throw new Error('delta chain too deep');
    const d = p.data;
    let pos = offset;
    let c = d[pos++]!;
    const type = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) {
      c = d[pos++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (type === 6) {
      c = d[pos++]!;
      let rel = c & 0x7f;
      while (c & 0x80) {
        c = d[pos++]!;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      const base = this.readPacked(p, offset - rel, depth + 1);
      return { type: base.type, data: applyDelta(base.data, inflateSync(d.subarray(pos))) };
    }
    if (type === 7) {
      const baseSha = d.toString('hex', pos, pos + 20);
      const base = this.read(baseSha, depth + 1);
      return { type: base.type, data: applyDelta(base.data, inflateSync(d.subarray(pos + 20))) };
    }
    const name = TYPE_NAMES[type];
    if (!name) throw new Error(`unknown pack object type ${type}`);
    const data = inflateSync(d.subarray(pos));
    if (data.length !== size) throw new Error('pack object size mismatch');
    return { type: name, data };
  }

  /** Synchronous read (packs are in memory); loose objects must be preloaded with `readAsync`. */
  read(sha: string, depth = 0): GitObject {
    const hit = this.cache.get(sha);
    if (hit) return hit;
    const loc = this.find(sha);
    if (!loc) throw new Error(`object ${sha} not in packs`);
    const o = this.readPacked(loc.pack, loc.offset, depth);
    if (o.type !== 'blob') this.cache.set(sha, o);
    return o;
  }

  /** Read an object from the packs or as a loose object. */
  async readAsync(sha: string): Promise<GitObject> {
    const hit = this.cache.get(sha);
    if (hit) return hit;
    if (this.find(sha)) return this.read(sha);
    const p = path.join(this.repo, 'objects', sha.slice(0, 2), sha.slice(2));
    const raw = inflateSync(Buffer.from(await this.fs.readFile(p)));
    const nul = raw.indexOf(0);
    const [type] = raw.toString('latin1', 0, nul).split(' ');
    const o: GitObject = { type: type as ObjectType, data: raw.subarray(nul + 1) };
    this.cache.set(sha, o);
    return o;
  }
}

function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    let c: number;
    do {
      c = delta[pos++]!;
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return v;
  };
  const srcSize = varint();
  if (srcSize !== base.length) throw new Error('delta base size mismatch');
  const out = Buffer.allocUnsafe(varint());
  let o = 0;
  while (pos < delta.length) {
    const op = delta[pos++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off += delta[pos++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) len += delta[pos++]! * 2 ** (8 * i);
      if (len === 0) len = 0x10000;
      base.copy(out, o, off, off + len);
      o += len;
    } else if (op) {
      delta.copy(out, o, pos, pos + op);
      o += op;
      pos += op;
    } else throw new Error('invalid delta opcode 0');
  }
  if (o !== out.length) throw new Error('delta result size mismatch');
  return out;
}

export interface TreeEntry {
  readonly mode: string;
  readonly name: string;
  readonly sha: string;
}

export function parseTree(data: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    const nul = data.indexOf(0, sp);
    out.push({ mode: data.toString('latin1', pos, sp), name: data.toString('utf8', sp + 1, nul), sha: data.toString('hex', nul + 1, nul + 21) });
    pos = nul + 21;
  }
  return out;
}

export interface ParsedCommit {
  readonly tree: string;
  readonly parents: string[];
  readonly authorName: string;
  readonly authorEmail: string;
  readonly committerTime: number;
  readonly message: string;
}

export function parseCommit(data: Buffer): ParsedCommit {
  const text = data.toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = (end >= 0 ? text.slice(0, end) : text).split('\n');
  let tree = '';
  const parents: string[] = [];
  let authorName = '';
  let authorEmail = '';
  let committerTime = 0;
  for (const h of headers) {
    if (h.startsWith('tree ')) tree = h.slice(5);
    else if (h.startsWith('parent ')) parents.push(h.slice(7));
    else if (h.startsWith('author ')) {
      const m = /^author (.*) <([^>]*)> (\d+) [-+]\d{4}$/.exec(h);
      if (m) {
        authorName = m[1]!;
        authorEmail = m[2]!;
      }
    } else if (h.startsWith('committer ')) {
      const m = / (\d+) [-+]\d{4}$/.exec(h);
      if (m) committerTime = Number(m[1]);
    } else if (h.startsWith('encoding ') && !/^encoding utf-?8$/i.test(h)) throw new Error('non-UTF-8 commit encoding');
  }
  return { tree, parents, authorName, authorEmail, committerTime, message: end >= 0 ? text.slice(end + 2) : '' };
}

/** A file of a tree: its bytes, with the checkout mode (0o644 or 0o755). */
export type TreeFile = Uint8Array & { mode?: number };

/** The files of a commit's tree (regular files and symlinks as their target text), keyed by path. */
export async function readCommitFiles(store: ObjectStore, commit: string): Promise<Map<string, TreeFile>> {
  const c = await store.readAsync(commit);
  if (c.type !== 'commit') throw new Error(`${commit} is not a commit`);
  const out = new Map<string, TreeFile>();
  const walk = async (treeSha: string, prefix: string): Promise<void> => {
    const t = await store.readAsync(treeSha);
    for (const e of parseTree(t.data)) {
      const p = prefix ? `${prefix}/${e.name}` : e.name;
      // git itself refuses to check these out; a hand-made tree could carry them out of the root.
      if (e.name === '' || e.name === '.' || e.name === '..' || e.name.includes('/') || e.name.toLowerCase() === '.git') throw new Error(`unsafe tree entry ${JSON.stringify(p)}`);
      if (e.mode === '40000') await walk(e.sha, p);
      else if (e.mode === '100644' || e.mode === '100755') {
        const f: TreeFile = new Uint8Array((await store.readAsync(e.sha)).data);
        f.mode = e.mode === '100755' ? 0o755 : 0o644;
        out.set(p, f);
      } else if (e.mode === '120000') throw new Error('symlink in tree');
      // 160000 (gitlink): not a file, skipped as git archive does.
    }
  };
  await walk(parseCommit(c.data).tree, '');
  return out;
}
