/**
 * The one table of compression tools (gzip, xz, zstd, bzip2): sniffing a format from magic
 * bytes or a file name, and running the system tool through the process adapter. Used by archive
 * overlays, RPM payloads and signed-source decompression.
 */
import { error, StrataError, type DiagnosticCode } from '../diag/index.js';
import type { ProcessRunner } from '../adapters/types.js';

const dec = new TextDecoder();

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

/**
 * Run the compression's command-line tool (gzip, xz, zstd, bzip2) on `input` through the process
 * adapter: the one table of those tools (archive overlays, RPM payloads, signed sources).
 * Throws ARCHIVE_TOOL_FAILED naming `what`, unless `code` names another diagnostic code.
 */
export async function runCompressionTool(proc: ProcessRunner, c: Compression, args: 'decompress' | 'compress', input: Uint8Array, what: string, code: DiagnosticCode = 'ARCHIVE_TOOL_FAILED'): Promise<Uint8Array> {
  if (c === 'none') return input;
  const t = TOOLS[c];
  const r = await proc.run(t.cmd, t[args], { input, binary: true });
  if (r.code !== 0 || !r.stdoutBytes) {
    throw new StrataError(error(code, `${t.cmd} ${t[args].join(' ')} failed on ${what}: ${r.stderr.trim()}`, { hint: r.stderr.trim() ? `${what} may be damaged or truncated` : `install ${t.cmd}` }));
  }
  return r.stdoutBytes;
}
