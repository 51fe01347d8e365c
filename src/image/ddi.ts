/**
 * Discoverable Disk Images (uapi-group specs `discoverable_disk_image.md`,
 * `discoverable_partitions_specification.md`): a GPT disk with a data partition (erofs), its
 * dm-verity hash partition and its verity signature partition, typed so that systemd-dissect,
 * systemd-sysext and systemd-nspawn find them without configuration.
 *
 * - A layer's DDI uses the **root** partition types, as mkosi's and systemd-repart's sysext
 *   definitions do: the erofs holds a whole tree (`usr/…`, `opt/…`), and systemd-sysext takes
 *   the `/usr` and `/opt` of an extension's root partition. A `usr` partition would have to hold
 *   the contents of `/usr` itself (no `usr/` prefix) — that is the designator for an OS disk
 *   with a read-only `/usr`, chosen with `designator: 'usr'`.
 * - Data partition UUID = root hash bytes 0–15, verity partition UUID = bytes 16–31 (how
 *   systemd pairs them); the signature partition's UUID and the disk GUID are derived from the
 *   root hash. All three partitions are marked read-only (GPT attribute 60).
 * - The signature partition holds `{"rootHash":…,"certificateFingerprint":…,"signature":…}` (as
 *   systemd-repart writes it: compact JSON, that key order, the PKCS#7 DER in base64) padded with
 *   NUL bytes to 16 KiB.
 */
import type { BlockReader, BlockWriter } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { derivedUuid } from './erofs.js';
import { GPT_ATTR, readGpt, writeGpt, type PlacedLayout, type ReadPartition } from './gpt.js';
import { uuidString } from './verity.js';

export type DdiArchitecture = 'x86-64' | 'arm64';
export type DdiDesignator = 'root' | 'usr';

/** Partition type UUIDs (DPS): [data, verity, verity-sig] per designator and architecture. */
export const DPS_TYPES: Record<DdiDesignator, Record<DdiArchitecture, readonly [string, string, string]>> = {
  root: {
    'x86-64': ['4f68bce3-e8cd-4db1-96e7-fbcaf984b709', '2c7357ed-ebd2-46d9-aec1-23d437ec2bf5', '41092b05-9fc8-4523-994f-2def0408b176'],
    arm64: ['b921b045-1df0-41c3-af44-4c6f280d3fae', 'df3300ce-d69f-4c92-978c-9bfb0f38d820', '6db69de6-29f4-4758-a7a5-962190f00ce3'],
  },
  usr: {
    'x86-64': ['8484680c-9521-48c6-9c11-b0720656f69e', '77ff5f63-e7b6-4633-acf4-1565b864c0e6', 'e7bb33fb-06cf-4e81-8273-e543b413e2e2'],
    arm64: ['b0e01050-ee5f-4390-949a-9101b17104e9', '6e11a4e7-fbca-4ded-b9e9-e1a512bb664e', 'c23ce4ff-44bd-4b00-b2d4-b41b3419e02a'],
  },
};
export const ESP_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';

export const VERITY_SIG_PARTITION_SIZE = 16 * 1024;

/** systemd's architecture name for an RPM arch (`x86_64` → `x86-64`); undefined for others. */
export function ddiArchitecture(arch: string): DdiArchitecture | undefined {
  return arch === 'x86_64' || arch === 'x86-64' ? 'x86-64' : arch === 'aarch64' || arch === 'arm64' ? 'arm64' : undefined;
}

export interface VeritySignatureJson {
  readonly rootHash: string;
  readonly certificateFingerprint?: string;
  /** Base64 of the DER PKCS#7. */
  readonly signature: string;
}

/** The signature partition's bytes: compact JSON, NUL-padded to `size`. */
export function printVeritySignature(sig: VeritySignatureJson, size = VERITY_SIG_PARTITION_SIZE): Uint8Array {
  const text = JSON.stringify({ rootHash: sig.rootHash, ...(sig.certificateFingerprint ? { certificateFingerprint: sig.certificateFingerprint } : {}), signature: sig.signature });
  const bytes = new TextEncoder().encode(text);
  if (bytes.length + 1 > size) throw new StrataError(error('LAYER_DISK_LAYOUT', `the verity signature JSON (${bytes.length} bytes) does not fit its ${size}-byte partition`));
  const out = new Uint8Array(size);
  out.set(bytes, 0);
  return out;
}

/** Read a signature partition (LAYER_SIGNATURE_PARTITION when it is not one). */
export function parseVeritySignature(bytes: Uint8Array): VeritySignatureJson {
  const end = bytes.indexOf(0);
  const text = new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new StrataError(error('LAYER_SIGNATURE_PARTITION', `the verity signature partition is not JSON: ${(e as Error).message}`), { cause: e });
  }
  const o = v as Partial<VeritySignatureJson> | null;
  if (!o || typeof o.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.rootHash) || typeof o.signature !== 'string') throw new StrataError(error('LAYER_SIGNATURE_PARTITION', 'the verity signature partition lacks "rootHash" (hex) or "signature" (base64)'));
  return { rootHash: o.rootHash, ...(typeof o.certificateFingerprint === 'string' ? { certificateFingerprint: o.certificateFingerprint } : {}), signature: o.signature };
}

/** The UUIDs of a DDI, all from the root hash. */
export function ddiUuids(rootHash: string): { readonly data: string; readonly verity: string; readonly signature: string; readonly disk: string } {
  const b = Buffer.from(rootHash, 'hex');
  if (b.length !== 32) throw new StrataError(error('LAYER_VERITY_FORMAT', `root hash "${rootHash}" is not 64 hex digits`));
  return { data: uuidString(b.subarray(0, 16)), verity: uuidString(b.subarray(16, 32)), signature: derivedUuid('verity-sig partition', rootHash), disk: derivedUuid('ddi disk', rootHash) };
}

export interface DdiParts {
  readonly data: BlockReader;
  readonly hashTree: Uint8Array;
  readonly rootHash: string;
  /** DER PKCS#7 over the hex root hash; without it the signature partition is left out (an unsigned DDI). */
  readonly signature?: Uint8Array;
  readonly certificateFingerprint?: string;
  readonly architecture: DdiArchitecture;
  readonly designator?: DdiDesignator;
}

/** Write the DDI to `out` (the caller commits it). */
export async function writeDdi(out: BlockWriter, parts: DdiParts): Promise<PlacedLayout> {
  const designator = parts.designator ?? 'root';
  const [dataType, verityType, sigType] = DPS_TYPES[designator][parts.architecture];
  const ids = ddiUuids(parts.rootHash);
  const label = `${designator}-${parts.architecture}`;
  const ro = GPT_ATTR.readOnly;
  return writeGpt(out, {
    diskUuid: ids.disk,
    partitions: [
      { type: dataType, uuid: ids.data, name: label, attributes: ro, content: { reader: parts.data } },
      { type: verityType, uuid: ids.verity, name: `${label}-verity`, attributes: ro, content: { bytes: parts.hashTree } },
      ...(parts.signature
        ? [{ type: sigType, uuid: ids.signature, name: `${label}-verity-sig`, attributes: ro, content: { bytes: printVeritySignature({ rootHash: parts.rootHash, ...(parts.certificateFingerprint ? { certificateFingerprint: parts.certificateFingerprint } : {}), signature: Buffer.from(parts.signature).toString('base64') }) } }]
        : []),
    ],
  });
}

/** A window of `reader`: bytes [offset, offset + size). */
export function subReader(reader: BlockReader, offset: number, size: number): BlockReader {
  return {
    size,
    async read(buf, position) {
      const want = Math.max(0, Math.min(buf.length, size - position));
      return want === 0 ? 0 : reader.read(buf.subarray(0, want), offset + position);
    },
    close: async () => {},
  };
}

export interface OpenedDdi {
  readonly designator: DdiDesignator;
  readonly architecture: DdiArchitecture;
  readonly data: ReadPartition;
  readonly verity: ReadPartition;
  readonly signature?: ReadPartition;
}

/** Find the data, verity and signature partitions of a DDI (LAYER_DISK_LAYOUT when it has none). */
export async function openDdi(disk: BlockReader): Promise<OpenedDdi> {
  const gpt = await readGpt(disk);
  for (const designator of ['root', 'usr'] as const) {
    for (const architecture of ['x86-64', 'arm64'] as const) {
      const [d, v, s] = DPS_TYPES[designator][architecture];
      const data = gpt.partitions.find((p) => p.type === d);
      if (!data) continue;
      const verity = gpt.partitions.find((p) => p.type === v);
      if (!verity) throw new StrataError(error('LAYER_DISK_LAYOUT', `the ${designator} partition has no ${designator}-verity partition beside it`));
      const signature = gpt.partitions.find((p) => p.type === s);
      return { designator, architecture, data, verity, ...(signature ? { signature } : {}) };
    }
  }
  throw new StrataError(error('LAYER_DISK_LAYOUT', 'the disk has no root or usr partition of a known architecture'));
}
