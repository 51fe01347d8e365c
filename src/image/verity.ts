/**
 * dm-verity hash trees (format 1, as the kernel's `Documentation/admin-guide/device-mapper/verity.rst`
 * and cryptsetup's `verity_hash.c` define it), computed in process and byte-identical to what
 * `veritysetup format` writes: a 512-byte superblock padded to one hash block, then the hash levels
 * top level first. A digest is SHA-256(salt ‖ block); level 0 holds the digests of the data
 * blocks, `hashBlockSize / 32` per block, the last block zero-padded; each level above hashes the
 * one below until one block remains; the root hash is the digest of that top block (of the only
 * data block when there is one). Data past the last whole data block is not covered (as in
 * veritysetup), so layer images are padded to whole blocks before.
 *
 * The data is read through a `BlockReader` in chunks, the next chunk's read overlapping the
 * hashing of the current one: memory stays at two chunks plus the tree (32 bytes per data block).
 */
import { createHash } from 'node:crypto';
import type { BlockReader } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';

export interface VerityOptions {
  /** Salt (at most 256 bytes); a fixed salt makes the tree reproducible. */
  readonly salt: Uint8Array;
  /** The superblock's UUID (`xxxxxxxx-xxxx-…`). */
  readonly uuid: string;
  /** Default 4096 (as veritysetup). */
  readonly dataBlockSize?: number;
  readonly hashBlockSize?: number;
  /** Bytes read at a time (default 4 MiB). */
  readonly chunkSize?: number;
}

export interface VerityTree {
  /** Lowercase hex. */
  readonly rootHash: string;
  /** The hash device's bytes: superblock block, then the levels top first. */
  readonly hashTree: Uint8Array;
  readonly dataBlocks: number;
  readonly dataBlockSize: number;
  readonly hashBlockSize: number;
  readonly salt: string;
  readonly uuid: string;
}

export interface VeritySuperblock {
  readonly version: number;
  readonly hashType: number;
  readonly uuid: string;
  readonly algorithm: string;
  readonly dataBlockSize: number;
  readonly hashBlockSize: number;
  readonly dataBlocks: number;
  readonly salt: Uint8Array;
}

const DIGEST = 32;
const SIGNATURE = 'verity\0\0';

function checkBlockSize(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 512 || n > 1 << 20 || (n & (n - 1)) !== 0) throw new StrataError(error('LAYER_VERITY_FORMAT', `dm-verity ${what} ${n} is not a power of two between 512 and 1 MiB`));
}

export function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new StrataError(error('LAYER_VERITY_FORMAT', `"${uuid}" is not a UUID`));
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function uuidString(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The 512-byte superblock, padded to `hashBlockSize`. */
export function printVeritySuperblock(sb: Omit<VeritySuperblock, 'version' | 'hashType' | 'algorithm'>, hashBlockSize: number): Uint8Array {
  if (sb.salt.length > 256) throw new StrataError(error('LAYER_VERITY_FORMAT', `dm-verity salt of ${sb.salt.length} bytes is longer than 256`));
  const b = Buffer.alloc(hashBlockSize);
  b.write(SIGNATURE, 0, 'latin1');
  b.writeUInt32LE(1, 8); // version
  b.writeUInt32LE(1, 12); // hash_type: normal
  b.set(uuidBytes(sb.uuid), 16);
  b.write('sha256', 32, 'latin1');
  b.writeUInt32LE(sb.dataBlockSize, 64);
  b.writeUInt32LE(sb.hashBlockSize, 68);
  b.writeBigUInt64LE(BigInt(sb.dataBlocks), 72);
  b.writeUInt16LE(sb.salt.length, 80);
  b.set(sb.salt, 88);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Read a hash device's superblock (LAYER_VERITY_FORMAT when it is not one Strata can check). */
export function parseVeritySuperblock(bytes: Uint8Array): VeritySuperblock {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new StrataError(error('LAYER_VERITY_FORMAT', `not a dm-verity hash device: ${why}`, { hint: 'the .verity file is the output of veritysetup format (with its superblock)' }));
  if (b.length < 512 || b.toString('latin1', 0, 8) !== SIGNATURE) throw bad('no "verity" superblock');
  const version = b.readUInt32LE(8);
  const hashType = b.readUInt32LE(12);
  const algorithm = b.toString('latin1', 32, 64).replace(/\0+$/, '');
  if (version !== 1 || hashType !== 1 || algorithm !== 'sha256') throw bad(`version ${version}, hash type ${hashType}, algorithm ${algorithm} (Strata checks version 1, type 1, sha256)`);
  const dataBlockSize = b.readUInt32LE(64);
  const hashBlockSize = b.readUInt32LE(68);
  checkBlockSize(dataBlockSize, 'data block size');
  checkBlockSize(hashBlockSize, 'hash block size');
  const saltSize = b.readUInt16LE(80);
  if (saltSize > 256) throw bad(`salt size ${saltSize}`);
  return { version, hashType, uuid: uuidString(bytes.subarray(16, 32)), algorithm, dataBlockSize, hashBlockSize, dataBlocks: Number(b.readBigUInt64LE(72)), salt: Uint8Array.from(b.subarray(88, 88 + saltSize)) };
}

/** Number of blocks of each hash level, level 0 (over the data) first, as cryptsetup's `hash_levels`. */
export function hashLevelSizes(dataBlocks: number, hashBlockSize: number): number[] {
  const sizes: number[] = [];
  let n = dataBlocks;
  while (n > 1) {
    n = Math.ceil(n / (hashBlockSize / DIGEST));
    sizes.push(n);
  }
  return sizes;
}

/** Size in bytes of the hash device for `dataBlocks` (superblock included). */
export function hashDeviceSize(dataBlocks: number, hashBlockSize = 4096): number {
  return (1 + hashLevelSizes(dataBlocks, hashBlockSize).reduce((a, b) => a + b, 0)) * hashBlockSize;
}

function digestInto(salt: Uint8Array, block: Uint8Array, out: Uint8Array, at: number): void {
  out.set(createHash('sha256').update(salt).update(block).digest(), at);
}

/** Compute the hash tree and root hash of `data` (its whole blocks). */
export async function computeVerityTree(data: BlockReader, opts: VerityOptions): Promise<VerityTree> {
  const dataBlockSize = opts.dataBlockSize ?? 4096;
  const hashBlockSize = opts.hashBlockSize ?? 4096;
  checkBlockSize(dataBlockSize, 'data block size');
  checkBlockSize(hashBlockSize, 'hash block size');
  const salt = opts.salt;
  const dataBlocks = Math.floor(data.size / dataBlockSize);
  if (dataBlocks === 0) throw new StrataError(error('LAYER_VERITY_FORMAT', `the data (${data.size} bytes) holds no whole ${dataBlockSize}-byte block`));
  const sizes = hashLevelSizes(dataBlocks, hashBlockSize);

  // Level 0 (or the root when there is a single data block), from the data in chunks.
  const chunk = Math.max(dataBlockSize, Math.floor((opts.chunkSize ?? 4 << 20) / dataBlockSize) * dataBlockSize);
  const level0 = new Uint8Array(sizes.length ? sizes[0]! * hashBlockSize : DIGEST);
  const total = dataBlocks * dataBlockSize;
  const bufs = [new Uint8Array(Math.min(chunk, total)), new Uint8Array(Math.min(chunk, total))];
  const readFull = async (buf: Uint8Array, pos: number): Promise<number> => {
    const want = Math.min(buf.length, total - pos);
    let got = 0;
    while (got < want) {
      const n = await data.read(buf.subarray(got, want), pos + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  let pos = 0;
  let cur = 0;
  let out = 0;
  let pending = readFull(bufs[0]!, 0);
  while (pos < total) {
    const n = await pending;
    if (n === 0 || n % dataBlockSize !== 0) throw new StrataError(error('LAYER_VERITY_FORMAT', `the data ended early at byte ${pos + n} of ${total}`));
    const buf = bufs[cur]!;
    pos += n;
    cur ^= 1;
    if (pos < total) pending = readFull(bufs[cur]!, pos);
    for (let i = 0; i < n; i += dataBlockSize, out += DIGEST) digestInto(salt, buf.subarray(i, i + dataBlockSize), level0, out);
  }

  const levels: Uint8Array[] = [];
  let rootHash: Uint8Array;
  if (sizes.length === 0) rootHash = level0;
  else {
    levels.push(level0);
    for (let l = 1; l < sizes.length; l++) {
      const below = levels[l - 1]!;
      const level = new Uint8Array(sizes[l]! * hashBlockSize);
      for (let j = 0; j < sizes[l - 1]!; j++) digestInto(salt, below.subarray(j * hashBlockSize, (j + 1) * hashBlockSize), level, j * DIGEST);
      levels.push(level);
    }
    rootHash = new Uint8Array(DIGEST);
    digestInto(salt, levels[levels.length - 1]!, rootHash, 0);
  }

  const hashTree = new Uint8Array(hashDeviceSize(dataBlocks, hashBlockSize));
  hashTree.set(printVeritySuperblock({ uuid: opts.uuid, dataBlockSize, hashBlockSize, dataBlocks, salt }, hashBlockSize), 0);
  let at = hashBlockSize;
  for (const level of [...levels].reverse()) {
    hashTree.set(level, at);
    at += level.length;
  }
  return { rootHash: Buffer.from(rootHash).toString('hex'), hashTree, dataBlocks, dataBlockSize, hashBlockSize, salt: Buffer.from(salt).toString('hex'), uuid: opts.uuid };
}

export type VerityCheck = { readonly ok: true; readonly rootHash: string } | { readonly ok: false; readonly reason: 'superblock' | 'tree' | 'root-hash' | 'size'; readonly message: string; readonly rootHash?: string };

/**
 * Check `data` against a hash device and an expected root hash, as `veritysetup verify` does:
 * the tree is recomputed from the data with the superblock's parameters and must equal the hash
 * device byte for byte and give `rootHash`.
 */
export async function checkVerity(data: BlockReader, hashDevice: Uint8Array, rootHash: string): Promise<VerityCheck> {
  let sb: VeritySuperblock;
  try {
    sb = parseVeritySuperblock(hashDevice);
  } catch (e) {
    return { ok: false, reason: 'superblock', message: (e as Error).message };
  }
  if (Math.floor(data.size / sb.dataBlockSize) !== sb.dataBlocks) return { ok: false, reason: 'size', message: `the data has ${Math.floor(data.size / sb.dataBlockSize)} blocks, the hash device covers ${sb.dataBlocks}` };
  const tree = await computeVerityTree(data, { salt: sb.salt, uuid: sb.uuid, dataBlockSize: sb.dataBlockSize, hashBlockSize: sb.hashBlockSize });
  if (tree.hashTree.length !== hashDevice.length || !Buffer.from(tree.hashTree).equals(Buffer.from(hashDevice.buffer, hashDevice.byteOffset, hashDevice.byteLength))) return { ok: false, reason: 'tree', message: 'the hash tree does not match the data (a data block or the tree was altered)', rootHash: tree.rootHash };
  if (tree.rootHash !== rootHash.toLowerCase()) return { ok: false, reason: 'root-hash', message: `the data's root hash is ${tree.rootHash}, not ${rootHash}`, rootHash: tree.rootHash };
  return { ok: true, rootHash: tree.rootHash };
}
