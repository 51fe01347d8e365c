/**
 * GUID partition tables written in process (UEFI 2.10 §5.3): a protective MBR, the primary
 * header at LBA 1 with 128 entries of 128 bytes from LBA 2, the partitions' data, the backup
 * entries and the backup header at the end. 512-byte sectors; the first partition starts at
 * 1 MiB and each one on a 1 MiB boundary (as sfdisk and systemd-repart place them). Everything
 * is a function of the inputs (disk GUID, partition GUIDs, contents): the same inputs give the
 * same bytes. `sfdisk -d` and `sgdisk -v` read what this writes (gpt.test.ts).
 */
import { crc32 } from 'node:zlib';
import type { BlockReader, BlockWriter } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { uuidBytes } from './verity.js';

export const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR; // 32
const ALIGN = 1 << 20;

/** GPT attribute bits (the Discoverable Partitions Specification's). */
export const GPT_ATTR = { requiredPartition: 0n, noBlockIoProtocol: 1n, legacyBiosBootable: 2n, growFs: 1n << 59n, readOnly: 1n << 60n, noAuto: 1n << 63n } as const;

/** A partition's content: bytes in memory or a file read in chunks. */
export type PartitionContent = { readonly bytes: Uint8Array } | { readonly reader: BlockReader };

export interface GptPartition {
  readonly type: string;
  readonly uuid: string;
  /** At most 36 UTF-16 code units. */
  readonly name: string;
  readonly attributes?: bigint;
  readonly content: PartitionContent;
  /** Partition size in bytes (≥ the content; default: the content rounded up to 4096). */
  readonly size?: number;
}

export interface GptLayout {
  readonly diskUuid: string;
  readonly partitions: readonly GptPartition[];
}

export interface PlacedPartition {
  readonly index: number;
  readonly type: string;
  readonly uuid: string;
  readonly name: string;
  readonly attributes: bigint;
  /** First and last LBA (inclusive). */
  readonly firstLba: number;
  readonly lastLba: number;
  readonly offset: number;
  readonly size: number;
}

export interface PlacedLayout {
  readonly diskUuid: string;
  readonly sizeBytes: number;
  readonly partitions: readonly PlacedPartition[];
}

/** GUID text → the 16 bytes GPT stores (first three fields little-endian). */
export function guidBytes(uuid: string): Uint8Array {
  const b = uuidBytes(uuid);
  const out = Uint8Array.from(b);
  out.set([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!], 0);
  return out;
}

export function guidString(b: Uint8Array): string {
  const r = Uint8Array.from(b.subarray(0, 16));
  r.set([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!], 0);
  const h = Buffer.from(r).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const contentSize = (c: PartitionContent) => ('bytes' in c ? c.bytes.length : c.reader.size);
const up = (n: number, to: number) => Math.ceil(n / to) * to;

/** Where each partition goes and how big the disk is. */
export function placeGpt(layout: GptLayout): PlacedLayout {
  if (layout.partitions.length > ENTRIES) throw new StrataError(error('LAYER_DISK_LAYOUT', `${layout.partitions.length} partitions do not fit a GPT of ${ENTRIES} entries`));
  let offset = ALIGN;
  const partitions = layout.partitions.map((p, i): PlacedPartition => {
    const size = p.size ?? up(contentSize(p.content), 4096);
    if (size < contentSize(p.content) || size % SECTOR !== 0 || size === 0) throw new StrataError(error('LAYER_DISK_LAYOUT', `partition ${p.name}: size ${size} is not a positive multiple of ${SECTOR} holding its ${contentSize(p.content)} bytes`));
    if (p.name.length > 36) throw new StrataError(error('LAYER_DISK_LAYOUT', `partition name "${p.name}" is longer than 36 characters`));
    const placed = { index: i + 1, type: p.type, uuid: p.uuid, name: p.name, attributes: p.attributes ?? 0n, firstLba: offset / SECTOR, lastLba: (offset + size) / SECTOR - 1, offset, size };
    offset = up(offset + size, ALIGN);
    return placed;
  });
  const sizeBytes = offset + (ENTRY_SECTORS + 1) * SECTOR;
  return { diskUuid: layout.diskUuid, sizeBytes, partitions };
}

function entriesArray(placed: PlacedLayout): Buffer {
  const b = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  for (const p of placed.partitions) {
    const at = (p.index - 1) * ENTRY_SIZE;
    b.set(guidBytes(p.type), at);
    b.set(guidBytes(p.uuid), at + 16);
    b.writeBigUInt64LE(BigInt(p.firstLba), at + 32);
    b.writeBigUInt64LE(BigInt(p.lastLba), at + 40);
    b.writeBigUInt64LE(p.attributes, at + 48);
    b.write(p.name, at + 56, 72, 'utf16le');
  }
  return b;
}

function header(placed: PlacedLayout, entriesCrc: number, backup: boolean): Buffer {
  const last = placed.sizeBytes / SECTOR - 1;
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(backup ? last : 1), 24);
  h.writeBigUInt64LE(BigInt(backup ? 1 : last), 32);
  h.writeBigUInt64LE(BigInt(2 + ENTRY_SECTORS), 40); // first usable LBA
  h.writeBigUInt64LE(BigInt(last - ENTRY_SECTORS - 1), 48); // last usable LBA
  h.set(guidBytes(placed.diskUuid), 56);
  h.writeBigUInt64LE(BigInt(backup ? last - ENTRY_SECTORS : 2), 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(entriesCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

function protectiveMbr(totalSectors: number): Buffer {
  const m = Buffer.alloc(SECTOR);
  const e = 446;
  m.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], e);
  m.writeUInt32LE(1, e + 8);
  m.writeUInt32LE(Math.min(totalSectors - 1, 0xffffffff), e + 12);
  m[510] = 0x55;
  m[511] = 0xaa;
  return m;
}

/** The table's sectors: [offset, bytes] pairs (MBR + primary header + entries, backup entries + header). */
export function gptTableBlocks(placed: PlacedLayout): Array<[number, Uint8Array]> {
  const entries = entriesArray(placed);
  const crc = crc32(entries);
  const last = placed.sizeBytes / SECTOR - 1;
  return [
    [0, protectiveMbr(placed.sizeBytes / SECTOR)],
    [SECTOR, header(placed, crc, false)],
    [2 * SECTOR, entries],
    [(last - ENTRY_SECTORS) * SECTOR, entries],
    [last * SECTOR, header(placed, crc, true)],
  ];
}

/** Write the disk: table, partition contents (zero-padded to their size), the rest zeros (sparse). */
export async function writeGpt(out: BlockWriter, layout: GptLayout, chunkSize = 4 << 20): Promise<PlacedLayout> {
  const placed = placeGpt(layout);
  await out.truncate(placed.sizeBytes);
  for (const [offset, bytes] of gptTableBlocks(placed)) await out.write(bytes, offset);
  for (const [i, p] of placed.partitions.entries()) {
    const c = layout.partitions[i]!.content;
    if ('bytes' in c) {
      await out.write(c.bytes, p.offset);
      continue;
    }
    const buf = new Uint8Array(Math.min(chunkSize, Math.max(SECTOR, c.reader.size)));
    for (let pos = 0; pos < c.reader.size; ) {
      const n = await c.reader.read(buf, pos);
      if (n === 0) throw new StrataError(error('LAYER_DISK_LAYOUT', `partition ${p.name}: its content ended at byte ${pos} of ${c.reader.size}`));
      await out.write(buf.subarray(0, n), p.offset + pos);
      pos += n;
    }
  }
  return placed;
}

export interface ReadPartition {
  readonly index: number;
  readonly type: string;
  readonly uuid: string;
  readonly name: string;
  readonly attributes: bigint;
  readonly offset: number;
  readonly size: number;
}

/** Read the primary GPT of a disk (LAYER_DISK_LAYOUT when it has none or its CRCs are wrong). */
export async function readGpt(disk: BlockReader): Promise<{ readonly diskUuid: string; readonly partitions: readonly ReadPartition[] }> {
  const bad = (why: string) => new StrataError(error('LAYER_DISK_LAYOUT', `not a GPT disk image: ${why}`));
  const head = Buffer.alloc(SECTOR);
  if ((await disk.read(head, SECTOR)) !== SECTOR || head.toString('latin1', 0, 8) !== 'EFI PART') throw bad('no "EFI PART" header at LBA 1');
  const crc = head.readUInt32LE(16);
  const hsize = head.readUInt32LE(12);
  if (hsize < 92 || hsize > SECTOR) throw bad(`header size ${hsize}`);
  const h = Buffer.from(head.subarray(0, hsize));
  h.writeUInt32LE(0, 16);
  if (crc32(h) !== crc) throw bad('header CRC mismatch');
  const entriesLba = Number(head.readBigUInt64LE(72));
  const count = head.readUInt32LE(80);
  const esize = head.readUInt32LE(84);
  if (esize < 128 || count * esize > 1 << 20) throw bad(`${count} entries of ${esize} bytes`);
  const entries = Buffer.alloc(count * esize);
  await disk.read(entries, entriesLba * SECTOR);
  if (crc32(entries) !== head.readUInt32LE(88)) throw bad('partition entries CRC mismatch');
  const partitions: ReadPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = entries.subarray(i * esize, (i + 1) * esize);
    if (e.subarray(0, 16).every((x) => x === 0)) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    partitions.push({ index: i + 1, type: guidString(e.subarray(0, 16)), uuid: guidString(e.subarray(16, 32)), name: e.toString('utf16le', 56, 128).replace(/\0.*$/s, ''), attributes: e.readBigUInt64LE(48), offset: first * SECTOR, size: (last - first + 1) * SECTOR });
  }
  return { diskUuid: guidString(head.subarray(56, 72)), partitions };
}
