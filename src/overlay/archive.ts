/**
 * Archive-scoped overlays (`file-remove` / `file-search-replace` with `archive = "x.tar.gz"`):
 * unpack the source archive (refusing `..`, absolute names, hard links, devices and links that
 * point outside), apply the file overlays inside it, and repack it deterministically — sorted
 * entries, mtime 0, uid/gid 0, no user/group names, GNU long names — in the original compression
 * format (sniffed from magic bytes, else the extension) using the system compressors.
 * The post-overlay hash is returned so callers record it (`sources`) and check it against the
 * recorded value.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { error, StrataError } from '../diag/index.js';
import { applyFileOps, listFiles, planFileOverlay } from './file-overlays.js';
import { overlayError } from './spec-overlays.js';
import type { Overlay } from './types.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarEntry {
  readonly path: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly data: Uint8Array;
  readonly linkname: string;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

function cstr(buf: Uint8Array, o: number, n: number): string {
  let e = o;
  while (e < o + n && buf[e] !== 0) e++;
  return dec.decode(buf.subarray(o, e));
}

function octal(buf: Uint8Array, o: number, n: number): number {
  // GNU base-256 for big values.
  if ((buf[o]! & 0x80) !== 0) {
    let v = 0;
    for (let i = o + 1; i < o + n; i++) v = v * 256 + buf[i]!;
    return v;
  }
  const s = cstr(buf, o, n).trim();
  return s ? parseInt(s, 8) : 0;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'dir', '2': 'symlink', '1': 'hardlink', '3': 'char', '4': 'block', '6': 'fifo' };

/** Every entry of an uncompressed tar stream (ustar, pax `path`/`linkpath`, GNU `L`/`K`). */
export function readTar(buf: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    if (buf[off] === 0 && buf.subarray(off, off + 512).every((b) => b === 0)) break;
    const name = cstr(buf, off, 100);
    const mode = octal(buf, off + 100, 8);
    const size = octal(buf, off + 124, 12);
    const flag = String.fromCharCode(buf[off + 156]!);
    const linkname = cstr(buf, off + 157, 100);
    const magic = cstr(buf, off + 257, 6);
    const prefix = magic.startsWith('ustar') ? cstr(buf, off + 345, 155) : '';
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x' || flag === 'g') {
      if (flag === 'x') {
        for (const rec of dec.decode(body).split('\n')) {
          const m = /^\d+ (path|linkpath)=(.*)$/s.exec(rec);
          if (m) m[1] === 'path' ? (longName = m[2]) : (longLink = m[2]);
        }
      }
      continue;
    }
    if (flag === 'L' || flag === 'K') {
      const v = cstr(body, 0, body.length);
      flag === 'L' ? (longName = v) : (longLink = v);
      continue;
    }
    const full = longName ?? (prefix ? `${prefix}/${name}` : name);
    const link = longLink ?? linkname;
    longName = longLink = undefined;
    out.push({ path: full, type: TYPES[flag] ?? 'other', mode: mode & 0o7777, data: new Uint8Array(body), linkname: link });
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

export function tarHeader(name: string, type: string, mode: number, size: number, linkname = ''): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, o: number, n: number) => h.set(enc.encode(s).subarray(0, n), o);
  const num = (v: number, o: number, n: number) => put(v.toString(8).padStart(n - 1, '0') + '\0', o, n);
  put(name, 0, 100);
  num(mode, 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size, 124, 12);
  num(0, 136, 12);
  h.fill(0x20, 148, 156);
  put(type, 156, 1);
  put(linkname, 157, 100);
  put('ustar  \0', 257, 8); // GNU magic + version
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

function pad(n: number): Uint8Array {
  return new Uint8Array((512 - (n % 512)) % 512);
}

/** A deterministic GNU tar: entries sorted by path, mtime 0, uid/gid 0, no names. */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    const name = e.type === 'dir' && !e.path.endsWith('/') ? e.path + '/' : e.path;
    const nameBytes = enc.encode(name);
    if (nameBytes.length > 100) {
      const body = new Uint8Array(nameBytes.length + 1);
      body.set(nameBytes);
      chunks.push(tarHeader('././@LongLink', 'L', 0, body.length), body, pad(body.length));
    }
    if (e.type === 'symlink' && enc.encode(e.linkname).length > 100) {
      const body = new Uint8Array(enc.encode(e.linkname).length + 1);
      body.set(enc.encode(e.linkname));
      chunks.push(tarHeader('././@LongLink', 'K', 0, body.length), body, pad(body.length));
    }
    const type = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
    const size = e.type === 'file' ? e.data.length : 0;
    chunks.push(tarHeader(name, type, e.mode, size, e.type === 'symlink' ? e.linkname : ''));
    if (size) chunks.push(e.data, pad(size));
  }
  chunks.push(new Uint8Array(1024));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export type Compression = 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'none';

export const ARCHIVE_EXTENSIONS: readonly [string, Compression][] = [
  ['.tar.gz', 'gzip'], ['.tgz', 'gzip'], ['.tar.xz', 'xz'], ['.txz', 'xz'], ['.tar.zst', 'zstd'], ['.tzst', 'zstd'], ['.tar.bz2', 'bzip2'], ['.tbz2', 'bzip2'], ['.tar', 'none'],
];

/** Compression from magic bytes, falling back to the file name. */
export function sniffCompression(head: Uint8Array, name: string): Compression {
  const m = (...b: number[]) => b.every((x, i) => head[i] === x);
  if (m(0x1f, 0x8b)) return 'gzip';
  if (m(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (m(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (m(0x42, 0x5a, 0x68)) return 'bzip2';
  if (head.length >= 262 && dec.decode(head.subarray(257, 262)) === 'ustar') return 'none';
  return ARCHIVE_EXTENSIONS.find(([ext]) => name.endsWith(ext))?.[1] ?? 'none';
}

const TOOLS: Record<Exclude<Compression, 'none'>, { cmd: string; decompress: string[]; compress: string[] }> = {
  gzip: { cmd: 'gzip', decompress: ['-dc'], compress: ['-n', '-9', '-c'] },
  xz: { cmd: 'xz', decompress: ['-dc'], compress: ['-T1', '-6', '-c'] },
  zstd: { cmd: 'zstd', decompress: ['-dcq'], compress: ['-q', '-19', '--no-progress', '-c'] },
  bzip2: { cmd: 'bzip2', decompress: ['-dc'], compress: ['-9', '-c'] },
};

async function pipe(proc: ProcessRunner, c: Compression, args: 'decompress' | 'compress', input: Uint8Array, archive: string): Promise<Uint8Array> {
  if (c === 'none') return input;
  const t = TOOLS[c];
  const r = await proc.run(t.cmd, t[args], { input, binary: true });
  if (r.code !== 0 || !r.stdoutBytes) {
    throw new StrataError(error('ARCHIVE_TOOL_FAILED', `${t.cmd} ${t[args].join(' ')} failed on ${archive}: ${r.stderr.trim()}`, { hint: `install ${t.cmd}` }));
  }
  return r.stdoutBytes;
}

export interface ArchiveOverlayResult {
  readonly archive: string;
  readonly compression: Compression;
  readonly sha256: string;
  readonly sha512: string;
  /** Paths (inside the archive) the overlays changed or removed. */
  readonly changed: readonly string[];
}

/**
 * Apply archive-scoped overlays to `archivePath` in place (atomic rename over it).
 * `scratch` is a fresh directory the archive is unpacked into.
 */
export async function applyArchiveOverlays(
  deps: { fs: FileSystem; proc: ProcessRunner },
  archivePath: string,
  overlays: readonly Overlay[],
  scratch: string,
): Promise<ArchiveOverlayResult> {
  const { fs, proc } = deps;
  const name = path.basename(archivePath);
  const raw = await fs.readFile(archivePath);
  const compression = sniffCompression(raw.subarray(0, 512), name);
  const entries = readTar(await pipe(proc, compression, 'decompress', raw, name));
  for (const e of entries) {
    const why = unsafeEntry(e);
    if (why) {
      const o = overlays[0];
      throw o
        ? overlayError(o, 'ARCHIVE_UNSAFE_ENTRY', `archive ${name} holds ${JSON.stringify(e.path)}: ${why}; refusing to unpack it`, 'archives must hold only regular files, directories and links that stay inside')
        : new StrataError(error('ARCHIVE_UNSAFE_ENTRY', `archive ${name} holds ${JSON.stringify(e.path)}: ${why}`));
    }
  }
  // Unpack (files and directories; symlinks are kept as entries and written back unchanged).
  const links = entries.filter((e) => e.type === 'symlink');
  for (const e of entries) {
    const p = path.join(scratch, e.path);
    if (e.type === 'dir') await fs.mkdir(p);
    else if (e.type === 'file') await fs.writeFileAtomic(p, e.data, e.mode || 0o644);
  }
  const tops = new Set(entries.map((e) => e.path.replace(/^\.\//, '').split('/')[0]!).filter(Boolean));
  const onlyTop = tops.size === 1 ? [...tops][0]! : undefined;
  const rootRel = onlyTop && entries.some((e) => e.type === 'dir' && e.path.replace(/^\.\//, '').replace(/\/$/, '') === onlyTop) ? onlyTop : '';
  const root = rootRel ? path.join(scratch, rootRel) : scratch;
  const changed: string[] = [];
  for (const o of overlays) {
    const files = (await listFiles(fs, root)).filter((f) => !links.some((l) => path.join(scratch, l.path) === path.join(root, f.rel)));
    const ops = await planFileOverlay(
      o,
      files,
      (rel) => fs.readFile(path.join(root, rel)),
      async (rel) => (await fs.stat(path.join(root, rel))) !== undefined,
    );
    await applyFileOps(fs, root, ops);
    for (const op of ops) changed.push(rootRel ? `${rootRel}/${op.path}` : op.path);
  }
  // Repack: directories and files as they are now, symlinks from the original entries.
  const out: TarEntry[] = [...links];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const n of await fs.readdir(dir)) {
      const abs = path.join(dir, n);
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.stat(abs);
      if (!st) continue;
      if (st.isDirectory) {
        out.push({ path: r, type: 'dir', mode: st.mode & 0o7777, data: new Uint8Array(), linkname: '' });
        await walk(abs, r);
      } else if (st.isFile && !links.some((l) => l.path === r)) {
        out.push({ path: r, type: 'file', mode: st.mode & 0o7777, data: await fs.readFile(abs), linkname: '' });
      }
    }
  };
  await walk(scratch, '');
  const packed = await pipe(proc, compression, 'compress', writeTar(out), name);
  const st = await fs.stat(archivePath);
  await fs.writeFileAtomic(archivePath, packed, st ? st.mode & 0o7777 : 0o644);
  return {
    archive: name,
    compression,
    sha256: createHash('sha256').update(packed).digest('hex'),
    sha512: createHash('sha512').update(packed).digest('hex'),
    changed,
  };
}

/** Compare the repacked archive with the hash recorded for it (source-files / sources). */
export function checkArchiveHash(r: ArchiveOverlayResult, recorded: { hashType: string; hash: string } | undefined, span?: import('../diag/index.js').SourceSpan): void {
  if (!recorded) return;
  const got = recorded.hashType.toUpperCase() === 'SHA256' ? r.sha256 : r.sha512;
  if (got.toLowerCase() !== recorded.hash.toLowerCase()) {
    throw new StrataError(
      error('ARCHIVE_HASH_MISMATCH', `archive ${r.archive} after its overlays has ${recorded.hashType} ${got}, but ${recorded.hash} is recorded`, {
        ...(span ? { span } : {}),
        hint: `if the overlay change is intended, record the new hash: hash = "${got}"`,
      }),
    );
  }
}
