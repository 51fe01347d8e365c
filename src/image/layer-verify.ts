/**
 * `verifyLayer`: a built layer checked as named steps (src/trust/verify-steps.ts), each failure
 * with its own code:
 *
 *   layer files          the statement, manifest, erofs, verity and roothash files exist (LAYER_ARTEFACT_MISSING)
 *   envelope parsed → envelope signature → payload type   the DSSE statement, by a trusted attestation key (ATTEST_* / TRUST_*)
 *   statement parsed     an in-toto statement with the layer predicate (LAYER_STATEMENT_INVALID)
 *   artefact digests     every file has the SHA-256 the statement gives it (LAYER_ARTEFACT_ALTERED)
 *   root hash signature  NAME.roothash.p7s over NAME.roothash by a trusted certificate
 *                        (LAYER_UNSIGNED, LAYER_UNTRUSTED_SIGNER, LAYER_SIGNATURE_INVALID)
 *   verity               the erofs data against the hash tree and the signed root hash
 *                        (LAYER_DATA_ALTERED, LAYER_ROOT_HASH_MISMATCH)
 *   disk image           NAME.raw's partitions: the same data, tree and signature, UUIDs from the root hash (LAYER_DDI_MISMATCH)
 *   manifest             the manifest the statement names, and the erofs's tree as the manifest says
 *                        (extracted with fsck.erofs) (LAYER_MANIFEST_ALTERED)
 *   sysext compatibility an extension's extension-release matches its metadata and the base it
 *                        goes on (ID, SYSEXT_LEVEL or VERSION_ID, ARCHITECTURE) (LAYER_INCOMPATIBLE)
 *
 * The checks after `root hash signature` look at the layer whatever an earlier check found, so
 * that every problem is reported; a missing file or an unverifiable statement ends the chain.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BlockFiles, FileSystem, ProcessRunner } from '../adapters/types.js';
import { StrataError, error, isStrataError, type DiagnosticCode } from '../diag/index.js';
import { IN_TOTO_PAYLOAD_TYPE, runEnvelopeSteps } from '../attest/dsse.js';
import { STATEMENT_V1 } from '../attest/slsa.js';
import type { SignatureVerifier } from '../trust/signer.js';
import { VerifyRun, isBroken, step, type Link, type StepRecord, type StepProblem } from '../trust/verify-steps.js';
import { ddiUuids, openDdi, parseVeritySignature, subReader } from './ddi.js';
import { LAYER_PREDICATE_TYPE, layerFiles, parseOsRelease, type LayerStatement } from './layer-build.js';
import { buildLayerManifest, parseLayerManifest, type LayerManifest } from './layer-manifest.js';
import { pkcs7Verifier, type CertificateInput } from './pkcs7.js';
import { verifyFlags } from './scan.js';
import { checkVerity } from './verity.js';
import type { ExtensionRelease } from './types.js';

export interface LayerTrust {
  /** Certificates whose keys may sign root hashes (PEM or DER). */
  readonly certificates: readonly CertificateInput[];
  /** Checks the DSSE statement (the project's attestation public keys). */
  readonly statementVerifier: SignatureVerifier;
}

export interface VerifyLayerOptions {
  readonly trust: LayerTrust;
  /** What the layer goes on: the base's os-release (or extension-release) values. */
  readonly base?: ExtensionRelease;
  /** Extract the erofs (fsck.erofs --extract) and compare its tree with the manifest. Default true. */
  readonly checkTree?: boolean;
  /** Scratch directory for the extraction (default: the OS temp dir). */
  readonly scratch?: string;
}

export interface LayerVerdict {
  readonly dir: string;
  readonly name: string;
  readonly ok: boolean;
  readonly rootHash?: string;
  readonly kind?: 'base' | 'extension';
  readonly manifest?: LayerManifest;
  readonly statement?: LayerStatement;
  readonly steps: readonly StepRecord[];
  readonly problems: readonly StepProblem[];
}

export interface LayerVerifyContext {
  readonly fs: FileSystem;
  readonly files: BlockFiles;
  readonly proc: ProcessRunner;
}

interface Located {
  readonly dir: string;
  readonly name: string;
  readonly paths: ReturnType<typeof layerFiles>;
  readonly has: ReadonlySet<string>;
}

const fail = (code: DiagnosticCode, message: string, hint?: string) => new StrataError(error(code, message, hint ? { hint } : {}));

async function sha256File(files: BlockFiles, file: string): Promise<string> {
  const r = await files.openRead(file);
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(4 << 20);
    for (let pos = 0; ; ) {
      const n = await r.read(buf, pos);
      if (!n) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  } finally {
    await r.close();
  }
}

/** `target` is a layer directory, or a file in one (NAME.raw, NAME.erofs, …): its directory and NAME. */
export async function locateLayer(ctx: LayerVerifyContext, target: string): Promise<{ dir: string; name: string }> {
  const st = await ctx.files.lstat(target);
  if (st?.type === 'dir') {
    const names = (await ctx.files.readdir(target)).filter((n) => n.endsWith('.layer.intoto.jsonl'));
    if (names.length !== 1) throw fail('LAYER_ARTEFACT_MISSING', `${target} holds ${names.length ? 'several layers' : 'no layer statement (NAME.layer.intoto.jsonl)'}`, names.length ? 'name the layer\'s NAME.raw' : 'build the layer, or give the directory it was built into');
    return { dir: target, name: names[0]!.slice(0, -'.layer.intoto.jsonl'.length) };
  }
  const base = path.basename(target);
  const m = /^(.+?)\.(raw|erofs|verity|roothash|roothash\.p7s|manifest\.json|layer\.intoto\.jsonl)$/.exec(base);
  if (!m) throw fail('LAYER_ARTEFACT_MISSING', `${target} is not a layer directory or one of its files (NAME.raw, NAME.erofs, …)`);
  return { dir: path.dirname(target), name: m[1]! };
}

const filesStep = (ctx: LayerVerifyContext) =>
  step('layer files', 'LAYER_ARTEFACT_MISSING', async (at: { dir: string; name: string }): Promise<Located> => {
    const paths = layerFiles(at.name);
    const has = new Set<string>();
    for (const f of Object.values(paths)) if ((await ctx.files.lstat(path.join(at.dir, f)))?.type === 'file') has.add(f);
    const required = [paths.statement, paths.manifest, paths.erofs, paths.verity, paths.roothash];
    const missing = required.filter((f) => !has.has(f));
    if (missing.length) throw fail('LAYER_ARTEFACT_MISSING', `layer ${at.name} in ${at.dir} lacks ${missing.join(', ')}`, 'a layer directory holds what `buildLayer` wrote; rebuild the layer');
    return { dir: at.dir, name: at.name, paths, has };
  });

function parseStatement(payload: Uint8Array): LayerStatement {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(payload));
  } catch (e) {
    throw fail('LAYER_STATEMENT_INVALID', `the layer statement is not JSON: ${(e as Error).message}`);
  }
  const s = v as Partial<LayerStatement> | null;
  if (!s || s._type !== STATEMENT_V1 || s.predicateType !== LAYER_PREDICATE_TYPE || !Array.isArray(s.subject) || !s.predicate || typeof s.predicate.rootHash !== 'string') throw fail('LAYER_STATEMENT_INVALID', `the statement is not an in-toto v1 statement with a ${LAYER_PREDICATE_TYPE} predicate`);
  return s as LayerStatement;
}

interface Checked {
  readonly at: Located;
  readonly statement: LayerStatement;
}

/** Verify the layer NAME in `dir` (see the steps above). */
export async function verifyLayer(ctx: LayerVerifyContext, target: string, opts: VerifyLayerOptions, run: VerifyRun = new VerifyRun()): Promise<LayerVerdict> {
  const start = run.records.length;
  let where: { dir: string; name: string };
  try {
    where = await locateLayer(ctx, path.resolve(target));
  } catch (e) {
    if (!isStrataError(e)) throw e;
    await run.run(step('layer files', 'LAYER_ARTEFACT_MISSING', () => {
      throw e;
    }), null);
    const steps = run.records.slice(start);
    return { dir: target, name: path.basename(target), ok: false, steps, problems: steps.flatMap((s) => s.problems) };
  }
  const subject = where.name;
  const located = await run.run(filesStep(ctx), where, subject);
  const text: Link<{ text: string; file: string }> = isBroken(located) ? located : { text: (await ctx.fs.readText(path.join(located.dir, located.paths.statement))).trim(), file: path.join(located.dir, located.paths.statement) };
  const payload = await runEnvelopeSteps(run, text, { verifier: opts.trust.statementVerifier, payloadTypes: [IN_TOTO_PAYLOAD_TYPE], subject });
  const statement = await run.run(step('statement parsed', 'LAYER_STATEMENT_INVALID', (p: { payload: Uint8Array }) => parseStatement(p.payload)), payload, subject);
  const checked: Link<Checked> = isBroken(located) ? located : isBroken(statement) ? statement : { at: located, statement };

  await run.check(
    step('artefact digests', 'LAYER_ARTEFACT_ALTERED', async (c: Checked, report) => {
      for (const s of c.statement.subject) {
        const file = path.join(c.at.dir, s.name);
        if (!c.at.has.has(s.name)) report('LAYER_ARTEFACT_MISSING', `${s.name}, which the statement names, is missing`);
        else if ((await sha256File(ctx.files, file)) !== s.digest.sha256) report('LAYER_ARTEFACT_ALTERED', `${s.name} is not the file the statement signed (SHA-256 differs)`);
      }
      const named = new Set(c.statement.subject.map((s) => s.name));
      for (const f of [c.at.paths.p7s, c.at.paths.raw]) if (c.at.has.has(f) && !named.has(f)) report('LAYER_ARTEFACT_ALTERED', `${f} was added after the layer was signed`);
    }),
    checked,
    subject,
  );

  const verifier = pkcs7Verifier(opts.trust.certificates);
  const rootHash = await run.run(
    step('root hash signature', 'LAYER_SIGNATURE_INVALID', async (c: Checked): Promise<string> => {
      const hex = (await ctx.fs.readText(path.join(c.at.dir, c.at.paths.roothash))).trim();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw fail('LAYER_SIGNATURE_INVALID', `${c.at.paths.roothash} does not hold a lowercase hex SHA-256 root hash`);
      if (!c.at.has.has(c.at.paths.p7s)) throw fail('LAYER_UNSIGNED', `layer ${c.at.name} has no root hash signature (${c.at.paths.p7s})`, 'sign the layer: build it with a root hash signer (an RSA key and certificate)');
      const sig = await ctx.fs.readFile(path.join(c.at.dir, c.at.paths.p7s));
      try {
        await verifier.verify(new TextEncoder().encode(hex), { bytes: sig, format: 'pkcs7-der' });
      } catch (e) {
        if (!isStrataError(e)) throw e;
        if (e.code === 'TRUST_SIGNATURE_UNKNOWN_KEY') throw fail('LAYER_UNTRUSTED_SIGNER', `layer ${c.at.name}: ${e.message}`, 'trust the certificate that signs layers, or re-sign the layer with a trusted key');
        throw fail('LAYER_SIGNATURE_INVALID', `layer ${c.at.name}: ${e.message}`, 'the root hash or its signature was changed after signing');
      }
      if (hex !== c.statement.predicate.rootHash) throw fail('LAYER_SIGNATURE_INVALID', `the signed root hash ${hex} is not the statement's ${c.statement.predicate.rootHash}`);
      return hex;
    }),
    checked,
    subject,
  );

  const verified: Link<Checked & { rootHash: string }> = isBroken(checked) ? checked : isBroken(rootHash) ? rootHash : { ...checked, rootHash };
  await run.check(
    step('verity', 'LAYER_DATA_ALTERED', async (c: Checked & { rootHash: string }) => {
      const data = await ctx.files.openRead(path.join(c.at.dir, c.at.paths.erofs));
      try {
        const r = await checkVerity(data, await ctx.fs.readFile(path.join(c.at.dir, c.at.paths.verity)), c.rootHash);
        if (!r.ok) {
          if (r.reason === 'superblock') throw fail('LAYER_VERITY_FORMAT', r.message);
          if (r.reason === 'root-hash') throw fail('LAYER_ROOT_HASH_MISMATCH', `the hash tree matches the data but its root hash ${r.rootHash} is not the signed ${c.rootHash}: the tree was regenerated over other data`);
          throw fail('LAYER_DATA_ALTERED', `${c.at.paths.erofs}: ${r.message}`, 'the erofs data was changed after the layer was built: rebuild it');
        }
      } finally {
        await data.close();
      }
    }),
    verified,
    subject,
  );

  await run.check(
    step('disk image', 'LAYER_DDI_MISMATCH', async (c: Checked & { rootHash: string }, report) => {
      if (!c.at.has.has(c.at.paths.raw)) throw fail('LAYER_ARTEFACT_MISSING', `layer ${c.at.name} has no ${c.at.paths.raw}`);
      const disk = await ctx.files.openRead(path.join(c.at.dir, c.at.paths.raw));
      try {
        const ddi = await openDdi(disk);
        const ids = ddiUuids(c.rootHash);
        if (ddi.data.uuid !== ids.data || ddi.verity.uuid !== ids.verity) report('LAYER_DDI_MISMATCH', `partition UUIDs ${ddi.data.uuid} / ${ddi.verity.uuid} are not the halves of the root hash`);
        const hashBytes = new Uint8Array(ddi.verity.size);
        await disk.read(hashBytes, ddi.verity.offset);
        const tree = await ctx.fs.readFile(path.join(c.at.dir, c.at.paths.verity));
        const r = await checkVerity(subReader(disk, ddi.data.offset, ddi.data.size), hashBytes.subarray(0, tree.length), c.rootHash);
        if (!r.ok) report(r.reason === 'root-hash' ? 'LAYER_ROOT_HASH_MISMATCH' : 'LAYER_DATA_ALTERED', `${c.at.paths.raw}: the data partition: ${r.message}`);
        if (!ddi.signature) return report('LAYER_UNSIGNED', `${c.at.paths.raw} has no verity signature partition`);
        const sigBytes = new Uint8Array(ddi.signature.size);
        await disk.read(sigBytes, ddi.signature.offset);
        const sig = parseVeritySignature(sigBytes);
        if (sig.rootHash !== c.rootHash) report('LAYER_DDI_MISMATCH', `the signature partition names root hash ${sig.rootHash}, not ${c.rootHash}`);
        try {
          await verifier.verify(new TextEncoder().encode(sig.rootHash), { bytes: new Uint8Array(Buffer.from(sig.signature, 'base64')), format: 'pkcs7-der' });
        } catch (e) {
          if (!isStrataError(e)) throw e;
          report(e.code === 'TRUST_SIGNATURE_UNKNOWN_KEY' ? 'LAYER_UNTRUSTED_SIGNER' : 'LAYER_SIGNATURE_INVALID', `${c.at.paths.raw}: the signature partition: ${e.message}`);
        }
      } finally {
        await disk.close();
      }
    }),
    verified,
    subject,
  );

  const manifest = await run.run(
    step('manifest', 'LAYER_MANIFEST_ALTERED', async (c: Checked & { rootHash: string }, report): Promise<LayerManifest> => {
      const text = await ctx.fs.readText(path.join(c.at.dir, c.at.paths.manifest));
      if (createHash('sha256').update(text).digest('hex') !== c.statement.predicate.manifest.sha256) throw fail('LAYER_MANIFEST_ALTERED', `${c.at.paths.manifest} is not the manifest the statement signed`, 'the manifest was edited after signing: rebuild the layer');
      const m = parseLayerManifest(text, path.join(c.at.dir, c.at.paths.manifest));
      if (m.name !== c.at.name) report('LAYER_MANIFEST_ALTERED', `the manifest describes layer ${m.name}, not ${c.at.name}`);
      if (opts.checkTree ?? true) {
        for (const d of await compareErofsWithManifest(ctx, path.join(c.at.dir, c.at.paths.erofs), m, opts.scratch)) report('LAYER_MANIFEST_ALTERED', d);
      }
      return m;
    }),
    verified,
    subject,
  );

  await run.check(
    step('sysext compatibility', 'LAYER_INCOMPATIBLE', async (m: LayerManifest, report) => {
      for (const p of sysextProblems(m, opts.base)) report('LAYER_INCOMPATIBLE', p);
    }),
    manifest,
    subject,
  );

  const steps = run.records.slice(start);
  return {
    dir: where.dir,
    name: where.name,
    ok: steps.every((s) => s.status !== 'failed'),
    ...(isBroken(rootHash) ? {} : { rootHash }),
    ...(isBroken(statement) ? {} : { statement, kind: statement.predicate.kind }),
    ...(isBroken(manifest) ? {} : { manifest }),
    steps,
    problems: steps.flatMap((s) => s.problems),
  };
}

/** Why extension `m` cannot go on `base` (systemd-sysext's rules); empty when it can. */
export function sysextProblems(m: LayerManifest, base?: ExtensionRelease): string[] {
  if (m.kind !== 'extension') return [];
  const r = m.extensionRelease;
  const out: string[] = [];
  const file = `/usr/lib/extension-release.d/extension-release.${m.name}`;
  if (!m.entries.some((e) => e.path === file && e.type === 'file')) out.push(`extension ${m.name} has no ${file}`);
  if (!r) return [...out, `extension ${m.name} has no extension-release metadata`];
  if (!base) return out;
  if (r.id !== '_any' && r.id !== base.id) out.push(`extension ${m.name} is for ID=${r.id}, the base is ID=${base.id}`);
  if (r.id !== '_any') {
    if (r.sysextLevel !== undefined) {
      if (r.sysextLevel !== base.sysextLevel) out.push(`extension ${m.name} has SYSEXT_LEVEL=${r.sysextLevel}, the base ${base.sysextLevel === undefined ? 'has none' : `SYSEXT_LEVEL=${base.sysextLevel}`}`);
    } else if (r.versionId === undefined) out.push(`extension ${m.name} has neither SYSEXT_LEVEL nor VERSION_ID`);
    else if (r.versionId !== base.versionId) out.push(`extension ${m.name} has VERSION_ID=${r.versionId}, the base VERSION_ID=${base.versionId ?? '(none)'}`);
  }
  if (r.architecture !== '_any' && base.architecture !== '_any' && r.architecture !== base.architecture) out.push(`extension ${m.name} is for ARCHITECTURE=${r.architecture}, the base is ${base.architecture}`);
  return out;
}

/** A base layer's compatibility facts: its extensionRelease metadata, else its os-release file. */
export function baseRelease(m: LayerManifest, osRelease?: string): ExtensionRelease | undefined {
  if (m.extensionRelease) return m.extensionRelease;
  if (!osRelease) return undefined;
  const o = parseOsRelease(osRelease);
  return o.ID ? { id: o.ID, ...(o.VERSION_ID ? { versionId: o.VERSION_ID } : {}), ...(o.SYSEXT_LEVEL ? { sysextLevel: o.SYSEXT_LEVEL } : {}), architecture: o.ARCHITECTURE ?? '_any' } : undefined;
}

/**
 * Extract `erofs` with fsck.erofs into a scratch directory and list how its tree differs from `m`.
 * Owners are not compared: fsck.erofs 1.5 chmods before it chowns, and chown clears setuid and
 * setgid, so `--preserve` loses those bits; the extraction keeps permissions and skips owners
 * (`--preserve-perms --no-preserve-owner`). Owners are what `--all-root` made them; the mount
 * test and `image scan` of a mounted tree compare them.
 */
export async function compareErofsWithManifest(ctx: LayerVerifyContext, erofs: string, m: LayerManifest, scratch?: string): Promise<string[]> {
  const dir = await ctx.fs.mkdtemp('strata-layer-extract-', scratch);
  try {
    const root = path.join(dir, 'root');
    const r = await ctx.proc.run('fsck.erofs', [`--extract=${root}`, '--preserve-perms', '--no-preserve-owner', erofs]);
    if (r.code !== 0) return [`fsck.erofs cannot extract ${path.basename(erofs)}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`];
    const actual = await buildLayerManifest(ctx.files, { name: m.name, kind: m.kind, root, packages: [], sourceDateEpoch: m.sourceDateEpoch }, { allRoot: false });
    return diffEntries(m, actual, { owners: false });
  } finally {
    await ctx.fs.remove(dir);
  }
}

/** Differences between the entries of two manifests (at most 20 listed). */
export function diffEntries(expected: LayerManifest, actual: LayerManifest, opts: { readonly owners?: boolean } = {}): string[] {
  const have = new Map(actual.entries.map((e) => [e.path, e]));
  const out: string[] = [];
  for (const e of expected.entries) {
    const a = have.get(e.path);
    have.delete(e.path);
    if (!a) out.push(`${e.path}: in the manifest, not in the image`);
    else {
      const flags = opts.owners === false ? verifyFlags(e, { ...a, uid: e.uid, gid: e.gid }) : verifyFlags(e, a);
      // the extraction directory's own mode is not the image's
      if (flags !== '.........' && !(e.path === '/' && flags.replace(/[MUG]/g, '.') === '.........')) out.push(`${e.path}: ${flags}`);
    }
  }
  for (const p of have.keys()) out.push(`${p}: in the image, not in the manifest`);
  return out.length > 20 ? [...out.slice(0, 20), `… and ${out.length - 20} more`] : out;
}
