/**
 * The evidence of a publish: for every component whose packages were published, its SBOMs
 * (SPDX 2.3, SPDX 3.0.1, CycloneDX 1.6) and its SLSA provenance in a DSSE envelope signed with
 * the project's attestation key, under `<repoDir>/evidence/<component>/`, with
 * `<repoDir>/evidence/index.json` mapping every published package (file name, SHA-256 as
 * published, header digests) to them. Deterministic: the same records and packages give the
 * same bytes.
 *
 * The packages are signed when published, which changes their file digest but not SHA256HEADER
 * or SIGMD5: the record's outputs are re-described with the published file's SHA-256 and signer,
 * and the header digests tie them to the build.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import type { BuildRecord, PackageRecord } from '../build/build-record.js';
import type { Signer } from '../trust/signer.js';
import { canonicalJson } from '../util/canonical-json.js';
import { cyclonedx16 } from './cyclonedx.js';
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope, signEnvelope } from './dsse.js';
import { BUILD_RECORD_MEDIA_TYPE, provenanceStatement } from './slsa.js';
import { spdx23 } from './spdx2.js';
import { spdx301 } from './spdx3.js';

export const EVIDENCE_DIR = 'evidence';
export const EVIDENCE_INDEX = 'index.json';
/** The attestation public key beside the repositories (PEM SPKI). */
export const ATTESTATION_KEY_FILE = 'ATTESTATION-KEY.pem';

/** One published package and where its evidence is (paths relative to the evidence directory). */
export interface EvidenceIndexEntry {
  readonly file: string;
  readonly channel: string;
  readonly component: string;
  readonly nevra: string;
  readonly sha256: string;
  readonly sha256header?: string;
  readonly sigmd5?: string;
  readonly provenance: string;
  readonly sboms: { readonly spdx23: string; readonly spdx301: string; readonly cyclonedx: string };
}

export interface EvidenceIndex {
  readonly version: 1;
  /** Key id of the attestation key that signed every envelope. */
  readonly attestationKey: string;
  readonly packages: readonly EvidenceIndexEntry[];
}

/** A package as published: its channel, file and bytes' digest. */
export interface PublishedPackage {
  readonly channel: string;
  readonly file: string;
  readonly sha256: string;
  readonly signer?: string;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** The record with its outputs described as published (file digest after signing, signer). */
export function asPublished(record: BuildRecord, published: ReadonlyMap<string, PublishedPackage>): BuildRecord {
  const re = (p: PackageRecord): PackageRecord => {
    const pub = p.file ? published.get(p.file) : undefined;
    return pub ? { ...p, sha256: pub.sha256, ...(pub.signer ? { signer: pub.signer } : {}) } : p;
  };
  return { ...record, outputs: { srpm: re(record.outputs.srpm), rpms: record.outputs.rpms.map(re) } };
}

/** File name stem of a component's evidence: `<name>-<evr>.<arch>` of its source package. */
function stemOf(r: BuildRecord): string {
  const s = r.outputs.srpm;
  return `${s.name}-${s.version}-${s.release}.${r.arch}`;
}

export interface EvidenceFiles {
  /** Relative path (under the evidence directory) → bytes. */
  readonly files: ReadonlyMap<string, string>;
  readonly index: EvidenceIndex;
}

/**
 * Every evidence file of `records` (those with at least one published output), and the index.
 * `published` maps package file names to how they were published.
 */
export async function buildEvidence(records: readonly BuildRecord[], published: ReadonlyMap<string, PublishedPackage>, signer: Signer, attestationKey: string): Promise<EvidenceFiles> {
  const files = new Map<string, string>();
  const entries: EvidenceIndexEntry[] = [];
  for (const raw of [...records].sort((a, b) => a.component.localeCompare(b.component))) {
    const outputs = [raw.outputs.srpm, ...raw.outputs.rpms].filter((p) => p.file && published.has(p.file));
    if (!outputs.length) continue;
    const record = asPublished(raw, published);
    const dir = record.component;
    const stem = stemOf(record);
    const docs = {
      spdx23: [`${dir}/${stem}.spdx.json`, JSON.stringify(spdx23(record), null, 2) + '\n'],
      spdx301: [`${dir}/${stem}.spdx3.json`, JSON.stringify(spdx301(record), null, 2) + '\n'],
      cyclonedx: [`${dir}/${stem}.cdx.json`, JSON.stringify(cyclonedx16(record), null, 2) + '\n'],
    } as const;
    for (const [p, text] of Object.values(docs)) files.set(p, text);
    // The SBOMs are byproducts of the provenance: their digests are signed with it.
    // The record itself travels in the statement (base64), so that verify checks it under the signature.
    const recordBytes = canonicalJson(record);
    const statement = provenanceStatement(record, {
      byproducts: [
        ...Object.values(docs).map(([p, text]) => ({ name: p, digest: { sha256: sha256(text) } })),
        { name: 'strata-build-record.json', mediaType: BUILD_RECORD_MEDIA_TYPE, digest: { sha256: sha256(recordBytes) }, content: Buffer.from(recordBytes).toString('base64') },
      ],
    });
    const envelope = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, new TextEncoder().encode(canonicalJson(statement)));
    const provenance = `${dir}/${stem}.intoto.jsonl`;
    files.set(provenance, serializeEnvelope(envelope) + '\n');
    for (const p of outputs) {
      const pub = published.get(p.file!)!;
      entries.push({
        file: p.file!,
        channel: pub.channel,
        component: record.component,
        nevra: p.nevra,
        sha256: pub.sha256,
        ...(p.sha256header ? { sha256header: p.sha256header } : {}),
        ...(p.sigmd5 ? { sigmd5: p.sigmd5 } : {}),
        provenance,
        sboms: { spdx23: docs.spdx23[0], spdx301: docs.spdx301[0], cyclonedx: docs.cyclonedx[0] },
      });
    }
  }
  entries.sort((a, b) => a.channel.localeCompare(b.channel) || a.file.localeCompare(b.file));
  const index: EvidenceIndex = { version: 1, attestationKey, packages: entries };
  files.set(EVIDENCE_INDEX, JSON.stringify(index, null, 1) + '\n');
  return { files, index };
}

/** Write `evidence` into `dir` (a fresh staging directory). */
export async function writeEvidence(fs: FileSystem, dir: string, evidence: EvidenceFiles): Promise<void> {
  for (const [rel, text] of [...evidence.files].sort(([a], [b]) => a.localeCompare(b))) {
    const p = path.join(dir, rel);
    await fs.mkdir(path.dirname(p));
    await fs.writeFileAtomic(p, text);
  }
}
