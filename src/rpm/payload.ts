/**
 * The RPM payload: a compressed cpio archive ("newc" `070701`, or rpm's "stripped" `07070X`
 * form where sizes come from the header). gzip is decompressed in-process (Debian rpm's default);
 * xz/lzma/zstd/bzip2 through a `Decompressor` (the CLI wires `xz -dc` / `zstd -dc` / `bzip2 -dc`
 * via the ProcessRunner, since Node 20 has no zstd/xz).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { StrataError, error } from '../diag/index.js';
import type { ProcessRunner } from '../adapters/types.js';
import { runCompressionTool, type Compression } from '../util/compression.js';
import { Tag, fileList, payloadCompressor, type RpmPackage } from './rpm-header.js';

export type Decompressor = (compressor: string, data: Uint8Array) => Promise<Uint8Array>;

export interface PayloadEntry {
  /** Absolute path as installed (`/usr/bin/x`). */
  readonly path: string;
  readonly mode: number;
  readonly size: number;
  readonly data: Uint8Array;
}

/** rpm's payload compressor names → the tool that reads them (`xz -dc` also reads lzma). */
const PAYLOAD_COMPRESSION: Readonly<Record<string, Compression>> = { xz: 'xz', lzma: 'xz', zstd: 'zstd', bzip2: 'bzip2' };

/** Decompress with the command-line tools (xz, zstd, bzip2) through the process adapter. */
export function toolDecompressor(proc: ProcessRunner): Decompressor {
  return async (compressor, data) => {
    const c = PAYLOAD_COMPRESSION[compressor];
    if (!c) throw new StrataError(error('RPM_PAYLOAD_COMPRESSION', `payload compressor ${compressor} is not supported`));
    return runCompressionTool(proc, c, 'decompress', data, 'the payload', 'RPM_PAYLOAD_CORRUPT');
  };
}

export async function decompressPayload(pkg: RpmPackage, decompress?: Decompressor): Promise<Uint8Array> {
  const comp = payloadCompressor(pkg);
  const data = pkg.bytes.subarray(pkg.payloadOffset);
  if (comp === 'gzip') {
    try {
      return gunzipSync(data);
    } catch (e) {
      throw new StrataError(error('RPM_PAYLOAD_CORRUPT', `gzip payload cannot be decompressed: ${(e as Error).message}`));
    }
  }
  if (!decompress) throw new StrataError(error('RPM_PAYLOAD_COMPRESSION', `payload is ${comp}-compressed; no decompressor was given`, { hint: 'the CLI decompresses xz/zstd/bzip2 payloads with the Debian tools' }));
  return decompress(comp, data);
}

/** Parse the cpio archive of a decompressed payload. */
export function parseCpio(cpio: Uint8Array, pkg?: RpmPackage): PayloadEntry[] {
  const out: PayloadEntry[] = [];
  const ascii = (a: number, n: number) => Buffer.from(cpio.subarray(a, a + n)).toString('latin1');
  const hex = (a: number) => parseInt(ascii(a, 8), 16);
  const pad4 = (n: number) => (n + 3) & ~3;
  const files = pkg ? fileList(pkg.header) : [];
  const sizes = pkg ? pkg.header.numbers(Tag.FILESIZES) : [];
  const modes = pkg ? pkg.header.numbers(Tag.FILEMODES) : [];
  let off = 0;
  for (;;) {
    if (off + 6 > cpio.length) throw new StrataError(error('RPM_PAYLOAD_CORRUPT', 'cpio archive ends without a trailer'));
    const magic = ascii(off, 6);
    if (magic === '07070X') {
      // rpm's stripped cpio: the header only carries the file's index; the rest is in the RPM header.
      const idx = hex(off + 6);
      const size = sizes[idx] ?? 0;
      const start = pad4(off + 14);
      const p = files[idx];
      if (p === undefined) throw new StrataError(error('RPM_PAYLOAD_CORRUPT', `stripped cpio entry ${idx} has no file in the header`));
      const mode = modes[idx] ?? 0;
      const isReg = (mode & 0o170000) === 0o100000;
      const len = isReg ? size : 0;
      out.push({ path: p, mode, size: len, data: cpio.subarray(start, start + len) });
      off = pad4(start + len);
      continue;
    }
    if (magic !== '070701' && magic !== '070702') throw new StrataError(error('RPM_PAYLOAD_CORRUPT', `bad cpio magic at payload offset ${off}`));
    const mode = hex(off + 14);
    const size = hex(off + 54);
    const nameSize = hex(off + 94);
    const name = ascii(off + 110, nameSize - 1);
    const dataStart = pad4(off + 110 + nameSize);
    if (name === 'TRAILER!!!') break;
    if (dataStart + size > cpio.length) throw new StrataError(error('RPM_PAYLOAD_CORRUPT', `cpio entry ${name} runs past the end of the payload`));
    out.push({ path: name.replace(/^\.\//, '/').replace(/^(?!\/)/, '/'), mode, size, data: cpio.subarray(dataStart, dataStart + size) });
    off = pad4(dataStart + size);
  }
  return out;
}

/** Read the payload's files. */
export async function readPayload(pkg: RpmPackage, decompress?: Decompressor): Promise<PayloadEntry[]> {
  return parseCpio(await decompressPayload(pkg, decompress), pkg);
}

const DIGEST_ALGO: Readonly<Record<number, string>> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512' };

/**
 * Check every regular file in the payload against the header's FILEDIGESTS and FILEMODES
 * (the deep check for packages without a PAYLOADDIGEST, and a cross-check of rpm's own data).
 */
export async function checkPayloadFiles(pkg: RpmPackage, decompress?: Decompressor): Promise<{ path: string; problem: string }[]> {
  const h = pkg.header;
  const files = fileList(h);
  const digests = h.strings(Tag.FILEDIGESTS);
  const modes = h.numbers(Tag.FILEMODES);
  const algo = DIGEST_ALGO[h.numbers(Tag.FILEDIGESTALGO)[0] ?? 1] ?? 'md5';
  const index = new Map(files.map((f, i) => [f, i]));
  const problems: { path: string; problem: string }[] = [];
  const seen = new Set<string>();
  for (const e of await readPayload(pkg, decompress)) {
    const i = index.get(e.path);
    if (i === undefined) {
      problems.push({ path: e.path, problem: 'in the payload but not in the header' });
      continue;
    }
    seen.add(e.path);
    if ((modes[i] ?? 0) !== e.mode) problems.push({ path: e.path, problem: `mode ${e.mode.toString(8)} in the payload, ${(modes[i] ?? 0).toString(8)} in the header` });
    if ((e.mode & 0o170000) === 0o100000 && e.size > 0 && digests[i]) {
      const d = createHash(algo).update(e.data).digest('hex');
      if (d !== digests[i]) problems.push({ path: e.path, problem: 'content digest differs from the header' });
    }
  }
  return problems;
}
