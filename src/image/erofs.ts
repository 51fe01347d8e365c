/**
 * Reproducible erofs images of a layer's tree with `mkfs.erofs` (erofs-utils 1.5), through the
 * `ProcessRunner` adapter: a fixed UUID (`-U`, derived from the layer's manifest digest), every
 * timestamp SOURCE_DATE_EPOCH (`-T`), every file root-owned
 * (`--all-root`), optional lz4/lz4hc. mkfs.erofs orders directory entries itself and does not
 * follow symbolic links, so the same tree gives the same bytes whatever the readdir order,
 * mtimes or owners of its copy on disk. The image is written beside `out` and renamed into place.
 *
 * SOURCE_DATE_EPOCH is removed from mkfs.erofs's environment: erofs-utils 1.5 reads it after the
 * options and switches from `-T`'s fixed time to clamping (mtimes older than it are kept), so a
 * copy of the tree with other mtimes would give other bytes.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { uuidString } from './verity.js';

export type ErofsCompression = 'none' | 'lz4' | 'lz4hc';

export interface ErofsOptions {
  readonly uuid: string;
  readonly sourceDateEpoch: number;
  readonly compression?: ErofsCompression;
  /** Default true: uid/gid 0 for every file. */
  readonly allRoot?: boolean;
  readonly signal?: AbortSignal;
}

/** A UUID (version 4 layout, variant bits set) from a purpose and a digest: stable for the same inputs. */
export function derivedUuid(purpose: string, ...parts: readonly string[]): string {
  const h = createHash('sha256').update(`strata ${purpose}`);
  for (const p of parts) h.update('\0').update(p);
  const b = h.digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return uuidString(b);
}

/** The arguments of mkfs.erofs for `opts` (output and source last). */
export function mkfsErofsArgs(out: string, root: string, opts: ErofsOptions): string[] {
  if (!Number.isInteger(opts.sourceDateEpoch) || opts.sourceDateEpoch < 0) throw new StrataError(error('LAYER_EROFS_FAILED', `SOURCE_DATE_EPOCH ${opts.sourceDateEpoch} is not a whole number of seconds ≥ 0`, { hint: 'set the layer\'s sourceDateEpoch from the project (SOURCE_DATE_EPOCH)' }));
  const args = ['--quiet', `-T${opts.sourceDateEpoch}`, `-U${opts.uuid}`];
  if (opts.allRoot ?? true) args.push('--all-root');
  if (opts.compression && opts.compression !== 'none') args.push(`-z${opts.compression}`);
  return [...args, out, root.endsWith('/') ? root : `${root}/`];
}

/** Build `out` from the tree at `root`. */
export async function buildErofs(proc: ProcessRunner, fs: FileSystem, root: string, out: string, opts: ErofsOptions): Promise<void> {
  if (!(await proc.which('mkfs.erofs'))) throw new StrataError(error('LAYER_TOOL_MISSING', 'mkfs.erofs is not installed', { hint: 'apt-get install erofs-utils' }));
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp`);
  await fs.mkdir(path.dirname(out));
  await fs.remove(tmp);
  const r = await proc.run('mkfs.erofs', mkfsErofsArgs(tmp, root, opts), { env: { SOURCE_DATE_EPOCH: undefined, LC_ALL: 'C', TZ: 'UTC' }, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (r.code !== 0) {
    await fs.remove(tmp);
    throw new StrataError(error('LAYER_EROFS_FAILED', `mkfs.erofs of ${root} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`, { hint: 'the layer tree must be readable; erofs-utils 1.5 compresses with lz4 or lz4hc only' }));
  }
  await fs.rename(tmp, out);
}
