/**
 * Tar streams (uncompressed), read and written with node-tar: every entry of a stream, the safety
 * check for unpacking an entry under a root, and a deterministic writer. Used by archive
 * overlays and by the render pipeline's `git archive` reader; compression is util/compression.ts.
 */
import * as path from 'node:path';
import type { ReadEntry } from 'tar';
import { error, StrataError } from '../diag/index.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarEntry {
  readonly path: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly data: Uint8Array;
  readonly linkname: string;
}

const TYPES: Partial<Record<string, TarEntryType>> = {
  File: 'file', OldFile: 'file', ContiguousFile: 'file', Directory: 'dir', SymbolicLink: 'symlink', Link: 'hardlink',
  CharacterDevice: 'char', BlockDevice: 'block', FIFO: 'fifo',
};

/**
 * Every entry of an uncompressed tar stream (ustar, pax, GNU long names), parsed by node-tar.
 * Entry types node-tar does not extract come back as `other`; a corrupt stream (bad checksum,
 * missing or misplaced link target, not a tar at all) is refused with `ARCHIVE_INVALID`.
 */
export async function readTar(buf: Uint8Array, name = 'archive'): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  if (buf.length === 0) return out; // no stream at all (e.g. `git archive` refusing a tree): no entries
  const { Parser } = await import('tar'); // loaded on first use: keeps CLI start-up lean
  const problems: string[] = [];
  const parser = new Parser({ strict: false, maxMetaEntrySize: 1 << 20 });
  parser.on('warn', (code: string, message: string | Error) => problems.push(`${code}: ${typeof message === 'string' ? message : message.message}`));
  parser.on('error', (e: Error) => problems.push(e.message));
  parser.on('ignoredEntry', (e: ReadEntry) => {
    out.push({ path: e.path, type: 'other', mode: (e.mode ?? 0) & 0o7777, data: new Uint8Array(), linkname: e.linkpath ?? '' });
  });
  parser.on('entry', (e: ReadEntry) => {
    const chunks: Buffer[] = [];
    e.on('data', (c: Buffer) => chunks.push(c));
    e.on('end', () => {
      const type = TYPES[e.type] ?? 'other';
      out.push({ path: e.path, type, mode: (e.mode ?? 0) & 0o7777, data: new Uint8Array(Buffer.concat(chunks)), linkname: e.linkpath ?? '' });
    });
  });
  parser.write(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  parser.end();
  if (problems.length) {
    throw new StrataError(error('ARCHIVE_INVALID', `${name} is not a valid tar stream: ${problems[0]}`, { hint: 'check that the source file is a complete, uncorrupted tar archive' }));
  }
  return out;
}

/** Why an entry is refused, or undefined when it is safe to extract under a root. */
export function unsafeEntry(e: TarEntry): string | undefined {
  const p = e.path.replace(/\/+$/, '');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'absolute path';
  const parts = p.split('/');
  if (parts.includes('..')) return 'path with ..';
  if (e.type === 'hardlink') return 'hard link';
  if (e.type === 'char' || e.type === 'block' || e.type === 'fifo') return 'device or fifo';
  if (e.type === 'other') return 'unsupported entry type';
  if (e.type === 'symlink') {
    if (e.linkname.startsWith('/')) return `symlink to absolute path ${e.linkname}`;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(p), e.linkname));
    if (target === '..' || target.startsWith('../')) return `symlink pointing outside (${e.linkname})`;
  }
  return undefined;
}

const EPOCH = new Date(0);

/**
 * A deterministic tar, encoded by node-tar's `Header`/`Pax`: entries sorted by path, mtime 0,
 * uid/gid 0, no user/group names, no atime/ctime; ustar headers (long names via the ustar prefix,
 * else a pax extended header carrying only path/linkpath and the fixed owner/time).
 */
export async function writeTar(entries: readonly TarEntry[]): Promise<Uint8Array> {
  const { Header, Pax } = await import('tar');
  const chunks: Buffer[] = [];
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    if (e.type !== 'file' && e.type !== 'dir' && e.type !== 'symlink') {
      throw new StrataError(error('ARCHIVE_UNSAFE_ENTRY', `cannot write ${JSON.stringify(e.path)}: ${e.type} entries are not packed`));
    }
    const p = e.type === 'dir' && !e.path.endsWith('/') ? e.path + '/' : e.path;
    const size = e.type === 'file' ? e.data.length : 0;
    const linkpath = e.type === 'symlink' ? e.linkname : '';
    const fields = {
      path: p, mode: e.mode, uid: 0, gid: 0, size, mtime: EPOCH, uname: '', gname: '', linkpath,
      type: e.type === 'dir' ? ('Directory' as const) : e.type === 'symlink' ? ('SymbolicLink' as const) : ('File' as const),
    };
    const header = new Header(fields);
    const block = Buffer.alloc(512);
    if (header.encode(block)) {
      chunks.push(new Pax({ path: p, linkpath: linkpath || undefined, uid: 0, gid: 0, mtime: EPOCH }).encode());
    }
    chunks.push(block);
    if (size) chunks.push(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength), Buffer.alloc((512 - (size % 512)) % 512));
  }
  chunks.push(Buffer.alloc(1024));
  return new Uint8Array(Buffer.concat(chunks));
}
