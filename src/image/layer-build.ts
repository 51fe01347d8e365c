/**
 * `buildLayer`: a `LayerTree` → the layer's artefacts, in its own directory, all reproducible:
 *
 *   NAME.manifest.json        every entry of the tree with its owning RPM and SBOM (layer-manifest.ts)
 *   NAME.erofs                mkfs.erofs of the tree (UUID from the manifest digest, -T epoch, --all-root)
 *   NAME.verity               the dm-verity hash device (salt and UUID from the manifest digest)
 *   NAME.roothash             the root hash, lowercase hex, no newline
 *   NAME.roothash.p7s         PKCS#7 detached signature over NAME.roothash (Signer, pkcs7-der)
 *   NAME.raw                  the Discoverable Disk Image: root + root-verity + root-verity-sig partitions
 *   NAME.layer.intoto.jsonl   a DSSE-signed in-toto statement: every file above as a subject
 *                             (SHA-256), the layer's facts as the predicate
 *
 * Everything is written into a staging directory beside the layer directory and swapped in
 * whole (`replaceDir`): a failed build leaves the previous layer as it was. An extension layer
 * gets `usr/lib/extension-release.d/extension-release.NAME` from its `extensionRelease` when the
 * tree does not have it (a different one in the tree is LAYER_EXTENSION_RELEASE).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BlockFiles, FileSystem, ProcessRunner } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope, signEnvelope } from '../attest/dsse.js';
import { STATEMENT_V1 } from '../attest/slsa.js';
import type { Signer } from '../trust/signer.js';
import { replaceDir } from '../util/replace-dir.js';
import { ddiArchitecture, writeDdi, type DdiArchitecture, type DdiDesignator } from './ddi.js';
import { buildErofs, derivedUuid, type ErofsCompression } from './erofs.js';
import { buildLayerManifest, checkLayerName, manifestDigest, printLayerManifest, type LayerManifest } from './layer-manifest.js';
import type { PinnedCertificate } from './pkcs7.js';
import { computeVerityTree } from './verity.js';
import type { ExtensionRelease, LayerTree } from './types.js';

export const LAYER_PREDICATE_TYPE = 'https://strata.dev/image-layer/v1';

/** The file names of a layer's artefacts. */
export function layerFiles(name: string): { readonly manifest: string; readonly erofs: string; readonly verity: string; readonly roothash: string; readonly p7s: string; readonly raw: string; readonly statement: string } {
  return { manifest: `${name}.manifest.json`, erofs: `${name}.erofs`, verity: `${name}.verity`, roothash: `${name}.roothash`, p7s: `${name}.roothash.p7s`, raw: `${name}.raw`, statement: `${name}.layer.intoto.jsonl` };
}

export interface LayerSigning {
  /** Signs the root hash: a PKCS#7 signer (`pkcs7Signer`) with its certificate. Absent: an unsigned layer (no .p7s, no signature partition). */
  readonly rootHash?: Signer & { readonly certificate?: PinnedCertificate };
  /** Signs the layer statement (DSSE): the project's attestation key. */
  readonly statement: Signer;
}

export interface BuildLayerOptions {
  /** The layer's directory (created or replaced). */
  readonly outDir: string;
  readonly signing: LayerSigning;
  readonly compression?: ErofsCompression;
  /** Default: from the extension-release ARCHITECTURE, else x86-64. */
  readonly architecture?: DdiArchitecture;
  readonly designator?: DdiDesignator;
  readonly signal?: AbortSignal;
}

export interface LayerPredicate {
  readonly name: string;
  readonly kind: LayerTree['kind'];
  readonly sourceDateEpoch: number;
  readonly rootHash: string;
  readonly extensionRelease?: ExtensionRelease;
  readonly manifest: { readonly file: string; readonly sha256: string; readonly entries: number };
  readonly erofs: { readonly file: string; readonly uuid: string; readonly compression: ErofsCompression; readonly size: number };
  readonly verity: { readonly file: string; readonly uuid: string; readonly salt: string; readonly dataBlockSize: number; readonly hashBlockSize: number; readonly dataBlocks: number; readonly hashAlgorithm: 'sha256' };
  readonly signature?: { readonly file: string; readonly format: 'pkcs7-der'; readonly keyId: string; readonly certificateFingerprint?: string; readonly signer?: string };
  readonly ddi: { readonly file: string; readonly designator: DdiDesignator; readonly architecture: DdiArchitecture; readonly size: number };
  readonly packages: readonly { readonly nevra: string; readonly sbom?: string }[];
}

export interface LayerStatement {
  readonly _type: typeof STATEMENT_V1;
  readonly subject: readonly { readonly name: string; readonly digest: { readonly sha256: string } }[];
  readonly predicateType: typeof LAYER_PREDICATE_TYPE;
  readonly predicate: LayerPredicate;
}

export interface BuiltLayer {
  readonly dir: string;
  readonly name: string;
  readonly rootHash: string;
  readonly manifest: LayerManifest;
  readonly statement: LayerStatement;
  /** Milliseconds per stage. */
  readonly timings: { readonly manifest: number; readonly erofs: number; readonly verity: number; readonly sign: number; readonly ddi: number; readonly total: number };
  readonly sizes: { readonly erofs: number; readonly verity: number; readonly raw: number };
}

export interface LayerBuildContext {
  readonly fs: FileSystem;
  readonly files: BlockFiles;
  readonly proc: ProcessRunner;
  readonly now?: () => number;
}

/** The text of extension-release.NAME for `r`. */
export function printExtensionRelease(r: ExtensionRelease): string {
  return [`ID=${r.id}`, ...(r.versionId ? [`VERSION_ID=${r.versionId}`] : []), ...(r.sysextLevel ? [`SYSEXT_LEVEL=${r.sysextLevel}`] : []), `ARCHITECTURE=${r.architecture}`].join('\n') + '\n';
}

/** os-release / extension-release text → key/value pairs (quotes removed). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]!] = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

async function ensureExtensionRelease(ctx: LayerBuildContext, tree: LayerTree): Promise<void> {
  if (tree.kind !== 'extension' || !tree.extensionRelease) return;
  const file = path.join(tree.root, 'usr/lib/extension-release.d', `extension-release.${tree.name}`);
  const st = await ctx.files.lstat(file);
  if (!st) return ctx.fs.writeFileAtomic(file, printExtensionRelease(tree.extensionRelease), 0o644);
  if (st.type !== 'file') throw new StrataError(error('LAYER_EXTENSION_RELEASE', `${file} is a ${st.type}, not a file`, { hint: 'the extension-release file is a regular file' }));
  const have = parseOsRelease(await ctx.fs.readText(file));
  const r = tree.extensionRelease;
  const want: Record<string, string | undefined> = { ID: r.id, VERSION_ID: r.versionId, SYSEXT_LEVEL: r.sysextLevel, ARCHITECTURE: r.architecture };
  for (const [k, v] of Object.entries(want)) {
    if (v !== undefined && have[k] !== v) throw new StrataError(error('LAYER_EXTENSION_RELEASE', `${file} says ${k}=${have[k] ?? '(unset)'}, the layer's metadata ${k}=${v}`, { span: { file, line: 1, col: 1 }, hint: 'the file in the tree and the layer table must agree: fix one of them' }));
  }
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function sha256Of(files: BlockFiles, file: string): Promise<{ sha256: string; size: number }> {
  const r = await files.openRead(file);
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(4 << 20);
    let pos = 0;
    for (;;) {
      const n = await r.read(buf, pos);
      if (!n) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return { sha256: h.digest('hex'), size: pos };
  } finally {
    await r.close();
  }
}

/** Build the layer's artefacts from `tree` into `opts.outDir`. */
export async function buildLayer(ctx: LayerBuildContext, tree: LayerTree, opts: BuildLayerOptions): Promise<BuiltLayer> {
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  checkLayerName(tree.name);
  const names = layerFiles(tree.name);
  await ensureExtensionRelease(ctx, tree);
  const manifest = await buildLayerManifest(ctx.files, tree);
  const manifestText = printLayerManifest(manifest);
  const digest = manifestDigest(manifestText);
  const t1 = now();

  const parent = path.dirname(path.resolve(opts.outDir));
  await ctx.fs.mkdir(parent);
  const staging = await ctx.fs.mkdtemp(`.${path.basename(opts.outDir)}.staging-`, parent);
  try {
    const at = (f: string) => path.join(staging, f);
    await ctx.fs.writeFileAtomic(at(names.manifest), manifestText);
    const erofsUuid = derivedUuid('erofs', tree.name, digest);
    const compression = opts.compression ?? 'none';
    await buildErofs(ctx.proc, ctx.fs, tree.root, at(names.erofs), { uuid: erofsUuid, sourceDateEpoch: tree.sourceDateEpoch, compression, ...(opts.signal ? { signal: opts.signal } : {}) });
    const t2 = now();

    const salt = createHash('sha256').update(`strata verity salt\0${tree.name}\0${digest}`).digest();
    const verityUuid = derivedUuid('verity', tree.name, digest);
    const data = await ctx.files.openRead(at(names.erofs));
    let tree_;
    try {
      tree_ = await computeVerityTree(data, { salt, uuid: verityUuid });
    } finally {
      await data.close();
    }
    await ctx.fs.writeFileAtomic(at(names.verity), tree_.hashTree);
    await ctx.fs.writeFileAtomic(at(names.roothash), tree_.rootHash);
    const t3 = now();

    const rootSigner = opts.signing.rootHash;
    const sig = rootSigner ? await rootSigner.sign(new TextEncoder().encode(tree_.rootHash)) : undefined;
    if (sig && sig.format !== 'pkcs7-der') throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `the root hash signer makes ${sig.format} signatures, not PKCS#7`, { hint: 'sign root hashes with pkcs7Signer (an RSA key and its certificate)' }));
    if (sig) await ctx.fs.writeFileAtomic(at(names.p7s), sig.bytes);
    const t4 = now();

    const architecture = opts.architecture ?? ddiArchitecture(tree.extensionRelease?.architecture ?? 'x86-64') ?? 'x86-64';
    const designator = opts.designator ?? 'root';
    const fingerprint = rootSigner?.certificate?.fingerprint;
    const raw = await ctx.files.create(at(names.raw));
    const erofsReader = await ctx.files.openRead(at(names.erofs));
    let rawSize: number;
    try {
      const placed = await writeDdi(raw, { data: erofsReader, hashTree: tree_.hashTree, rootHash: tree_.rootHash, ...(sig ? { signature: sig.bytes } : {}), ...(fingerprint ? { certificateFingerprint: fingerprint } : {}), architecture, designator });
      rawSize = placed.sizeBytes;
      await raw.commit();
    } catch (e) {
      await raw.abort();
      throw e;
    } finally {
      await erofsReader.close();
    }
    const t5 = now();

    const subjects = [];
    for (const f of [names.raw, names.erofs, names.verity, names.roothash, ...(sig ? [names.p7s] : []), names.manifest]) subjects.push({ name: f, digest: { sha256: (await sha256Of(ctx.files, at(f))).sha256 } });
    const erofsSize = (await ctx.files.lstat(at(names.erofs)))!.size;
    const statement: LayerStatement = {
      _type: STATEMENT_V1,
      subject: subjects,
      predicateType: LAYER_PREDICATE_TYPE,
      predicate: {
        name: tree.name,
        kind: tree.kind,
        sourceDateEpoch: tree.sourceDateEpoch,
        rootHash: tree_.rootHash,
        ...(tree.extensionRelease ? { extensionRelease: tree.extensionRelease } : {}),
        manifest: { file: names.manifest, sha256: sha256(manifestText), entries: manifest.entries.length },
        erofs: { file: names.erofs, uuid: erofsUuid, compression, size: erofsSize },
        verity: { file: names.verity, uuid: verityUuid, salt: tree_.salt, dataBlockSize: tree_.dataBlockSize, hashBlockSize: tree_.hashBlockSize, dataBlocks: tree_.dataBlocks, hashAlgorithm: 'sha256' },
        ...(sig ? { signature: { file: names.p7s, format: 'pkcs7-der' as const, keyId: sig.keyId, ...(fingerprint ? { certificateFingerprint: fingerprint } : {}), ...(rootSigner?.certificate ? { signer: rootSigner.certificate.subject } : {}) } } : {}),
        ddi: { file: names.raw, designator, architecture, size: rawSize },
        packages: manifest.packages.map((p) => ({ nevra: p.nevra, ...(p.sbom === undefined ? {} : { sbom: p.sbom }) })),
      },
    };
    const env = await signEnvelope(opts.signing.statement, IN_TOTO_PAYLOAD_TYPE, new TextEncoder().encode(JSON.stringify(statement)));
    await ctx.fs.writeFileAtomic(at(names.statement), serializeEnvelope(env) + '\n');
    await replaceDir(ctx.fs, staging, path.resolve(opts.outDir));
    const t6 = now();
    return {
      dir: path.resolve(opts.outDir),
      name: tree.name,
      rootHash: tree_.rootHash,
      manifest,
      statement,
      timings: { manifest: t1 - t0, erofs: t2 - t1, verity: t3 - t2, sign: t4 - t3, ddi: t5 - t4, total: t6 - t0 },
      sizes: { erofs: erofsSize, verity: tree_.hashTree.length, raw: rawSize },
    };
  } catch (e) {
    await ctx.fs.remove(staging);
    throw e;
  }
}
