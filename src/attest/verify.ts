/**
 * `strata verify`: from a package back to its sources, as named steps (src/trust/verify-steps.ts)
 * that each pass the chain on or fail with the code of the broken link.
 *
 * Per package (RPM or SRPM):
 *   package read → header digests (header, payload: an altered payload breaks here) → RPM
 *   signature (a trusted OpenPGP key) → evidence entry (the `evidence/index.json` beside the
 *   repository names the package's provenance) → provenance envelope (DSSE, a trusted
 *   attestation key; the payload type; the statement and the build record it carries) →
 *   provenance subject (the file's SHA-256, or its SHA256HEADER and SIGMD5 when it was re-signed)
 *   → SBOMs (each SBOM's digest as the signed statement lists it) → recorded dependencies (the
 *   dist-git commit is in the mirror, every source digest matches what the cache serves, every
 *   overlay digest matches the project) → with `--render`: re-rendering gives the recorded spec →
 *   with `--rebuild`: rebuilding gives the same packages, byte for byte.
 *
 * The project-side checks (mirror, cache, overlays, render, rebuild) are given as functions by
 * the caller, so that this module reads files only through the FileSystem adapter.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Key } from 'openpgp';
import type { FileSystem } from '../adapters/types.js';
import type { BuildRecord, OverlayRecord } from '../build/build-record.js';
import { StrataError, error, type DiagnosticCode } from '../diag/index.js';
import { checkRpmDigests, checkRpmSignature, parseRpm, SigTag, type RpmDifference, type RpmPackage } from '../rpm/index.js';
import type { SignatureVerifier } from '../trust/signer.js';
import { VerifyRun, isBroken, step, StepSkipped, type Link, type StepRecord } from '../trust/verify-steps.js';
import { isInside } from '../util/paths.js';
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope, verifyEnvelope } from './dsse.js';
import { EVIDENCE_DIR, EVIDENCE_INDEX, type EvidenceIndex, type EvidenceIndexEntry } from './publish-evidence.js';
import { BUILD_RECORD_MEDIA_TYPE, parseProvenanceStatement, type ProvenanceStatement } from './slsa.js';

/** What the project can tell about a record's inputs (wired by the CLI from the project). */
export interface ProjectChecks {
  /** Whether the dist-git mirror of `url` has `commit`. */
  hasCommit(url: string, commit: string): Promise<boolean>;
  /** SHA-256 of the cached (or, failing that, the lookaside's) file with this SHA-512; undefined when neither has it. */
  sourceDigest(name: string, sha512: string): Promise<string | undefined>;
  /** The component's overlays as the project declares them now (digests computed the same way). */
  overlays(component: string): Promise<readonly OverlayRecord[] | undefined>;
  /** Re-render the component from the recorded inputs: the rendered spec's SHA-256, or a coded error. */
  render?(record: BuildRecord): Promise<{ readonly specSha256: string }>;
  /**
   * Rebuild from the recorded inputs and compare with the published packages (by file name);
   * `repoRoot` holds the published repositories (the recorded buildroot packages are there).
   */
  rebuild?(record: BuildRecord, published: ReadonlyMap<string, RpmPackage>, repoRoot: string): Promise<readonly RpmDifference[]>;
}

export interface VerifyOptions {
  /** Trusted OpenPGP keys of the packages (the RPM-GPG-KEY file). */
  readonly rpmKeys: readonly Key[];
  /** Trusted attestation keys. */
  readonly attestation: SignatureVerifier;
  readonly project?: ProjectChecks;
  readonly render?: boolean;
  readonly rebuild?: boolean;
}

export interface PackageVerification {
  readonly file: string;
  readonly ok: boolean;
  readonly steps: readonly StepRecord[];
  /** The verified record (when the chain got that far): what the chain of the package says. */
  readonly record?: BuildRecord;
}

export interface VerifyResult {
  readonly target: string;
  readonly ok: boolean;
  readonly packages: readonly PackageVerification[];
  /** Steps about the target as a whole (an envelope given directly, an empty directory). */
  readonly steps: readonly StepRecord[];
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

interface Verified {
  readonly statement: ProvenanceStatement;
  readonly record: BuildRecord;
  readonly keyId: string;
}

/** Caches shared by the packages of one run (one index, one envelope for many packages). */
class Evidence {
  private readonly indexes = new Map<string, Promise<{ dir: string; index: EvidenceIndex } | undefined>>();
  private readonly envelopes = new Map<string, Promise<Verified>>();
  constructor(
    private readonly fs: FileSystem,
    private readonly verifier: SignatureVerifier,
  ) {}

  /** The evidence index for a package file: `evidence/index.json` in its directory or up to two levels above. */
  async indexFor(file: string): Promise<{ dir: string; index: EvidenceIndex } | undefined> {
    for (let d = path.dirname(file), i = 0; i < 3; i++, d = path.dirname(d)) {
      const dir = path.join(d, EVIDENCE_DIR);
      let p = this.indexes.get(dir);
      if (!p) this.indexes.set(dir, (p = this.readIndex(dir)));
      const got = await p;
      if (got) return got;
    }
    return undefined;
  }

  private async readIndex(dir: string): Promise<{ dir: string; index: EvidenceIndex } | undefined> {
    const f = path.join(dir, EVIDENCE_INDEX);
    if (!(await this.fs.stat(f))?.isFile) return undefined;
    let index: EvidenceIndex;
    try {
      index = JSON.parse(await this.fs.readText(f)) as EvidenceIndex;
    } catch (e) {
      throw new StrataError(error('ATTEST_INDEX_INVALID', `${f} is not JSON: ${(e as Error).message}`, { span: { file: f, line: 1, col: 1 }, hint: 'publish again (`strata repo publish`)' }));
    }
    if (index.version !== 1 || !Array.isArray(index.packages)) throw new StrataError(error('ATTEST_INDEX_INVALID', `${f} is not a Strata evidence index (version 1)`, { span: { file: f, line: 1, col: 1 } }));
    return { dir, index };
  }

  /** The envelope at `file`, verified, with its statement and the build record it carries. */
  envelope(file: string): Promise<Verified> {
    let p = this.envelopes.get(file);
    if (!p) this.envelopes.set(file, (p = this.readEnvelope(file)));
    return p;
  }

  private async readEnvelope(file: string): Promise<Verified> {
    const text = await this.fs.readText(file).catch((e: Error) => {
      throw new StrataError(error('ATTEST_NO_EVIDENCE', `the provenance ${file} cannot be read: ${e.message}`, { span: { file, line: 1, col: 1 } }));
    });
    const env = parseEnvelope(text.trim(), file);
    const { payload, keyId } = await verifyEnvelope(env, this.verifier, { payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    const statement = parseProvenanceStatement(new TextDecoder().decode(payload));
    return { statement, record: recordOf(statement, file), keyId };
  }
}

/** The build record carried by a statement (a byproduct with the record's media type, its content signed with it). */
export function recordOf(statement: ProvenanceStatement, file: string): BuildRecord {
  const rd = statement.predicate.runDetails?.byproducts?.find((b) => b.mediaType === BUILD_RECORD_MEDIA_TYPE);
  if (!rd?.content) throw new StrataError(error('ATTEST_RECORD_MISSING', `the statement in ${file} carries no build record (a byproduct of type ${BUILD_RECORD_MEDIA_TYPE})`, { span: { file, line: 1, col: 1 } }));
  const bytes = Buffer.from(rd.content, 'base64');
  if (rd.digest?.sha256 && sha256(bytes) !== rd.digest.sha256) throw new StrataError(error('ATTEST_RECORD_MISSING', `the build record in ${file} does not match its digest`, { span: { file, line: 1, col: 1 } }));
  return JSON.parse(bytes.toString('utf8')) as BuildRecord;
}

interface Read {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly pkg: RpmPackage;
  readonly sha256: string;
}

interface Found extends Read {
  readonly entry: EvidenceIndexEntry;
  readonly evidenceDir: string;
  readonly headerDigestsOk: boolean;
}

interface Attested extends Found {
  readonly verified: Verified;
}

const fail = (code: DiagnosticCode, message: string, hint?: string): never => {
  throw new StrataError(error(code, message, hint ? { hint } : {}));
};

const readStep = (fs: FileSystem) =>
  step<string, Read>('package read', 'ATTEST_PACKAGE_UNREADABLE', async (file) => {
    const bytes = await fs.readFile(file);
    return { file, bytes, pkg: parseRpm(bytes, file), sha256: sha256(bytes) };
  });

const headerDigests = step<Read, boolean>('header digests', 'RPM_HEADER_DIGEST_MISMATCH', (r, report) => {
  const problems = checkRpmDigests(r.pkg);
  for (const p of problems) report(p.code, p.message);
  return problems.length === 0;
});

const rpmSignature = (keys: readonly Key[]) =>
  step<Read, string>('RPM signature', 'RPM_BAD_SIGNATURE', async (r) => {
    const s = await checkRpmSignature(r.pkg, keys);
    if (!s.ok) fail(s.problem.code, s.problem.message);
    return s.ok ? s.info.keyId : '';
  });

const evidenceEntry = (ev: Evidence, headerOk: () => boolean) =>
  step<Read, Found>('evidence entry', 'ATTEST_NO_EVIDENCE', async (r) => {
    const found = await ev.indexFor(r.file);
    if (!found) return fail('ATTEST_NO_EVIDENCE', `no ${EVIDENCE_DIR}/${EVIDENCE_INDEX} beside ${r.file}`, 'publish with an [attestation] key configured, or give the envelope: strata verify FILE.intoto.jsonl');
    const name = path.basename(r.file);
    const h = r.pkg.signature.string(SigTag.SHA256HEADER);
    const entry = found.index.packages.find((e) => e.file === name && e.sha256 === r.sha256) ?? found.index.packages.find((e) => e.file === name && h !== undefined && e.sha256header === h) ?? found.index.packages.find((e) => e.file === name);
    if (!entry) return fail('ATTEST_NO_EVIDENCE', `${found.dir}/${EVIDENCE_INDEX} lists no ${name}`, 'the package was not published by this repository (or was published before evidence was configured)');
    return { ...r, entry, evidenceDir: found.dir, headerDigestsOk: headerOk() };
  });

const envelopeStep = (ev: Evidence) =>
  step<Found, Attested>('provenance envelope', 'ATTEST_ENVELOPE_FIELD', async (f) => {
    const file = path.join(f.evidenceDir, f.entry.provenance);
    if (!isInside(f.evidenceDir, file)) fail('ATTEST_INDEX_INVALID', `the index names ${f.entry.provenance}, outside ${f.evidenceDir}`);
    return { ...f, verified: await ev.envelope(file) };
  });

const subjectStep = step<Attested, unknown>('provenance subject', 'ATTEST_SUBJECT_MISMATCH', (a) => {
  const name = path.basename(a.file);
  const h = a.pkg.signature.string(SigTag.SHA256HEADER);
  const md5 = hex(a.pkg.signature.bin(SigTag.MD5));
  const subjects = a.verified.statement.subject;
  if (subjects.some((s) => s.digest?.['sha256'] === a.sha256)) return;
  // Re-signed after the statement was made: the header digests (verified above) still tie it to the build.
  const byHeader = subjects.find((s) => s.annotations?.['sha256header'] !== undefined && s.annotations['sha256header'] === h && s.annotations['sigmd5'] === md5);
  if (byHeader && a.headerDigestsOk) return;
  fail('ATTEST_SUBJECT_MISMATCH', `${name}: its SHA-256 ${a.sha256}${h ? ` and SHA256HEADER ${h}` : ''} are not a subject of the signed provenance`, 'the package is not the one the provenance was made for: rebuild and publish, or find the right package');
});

const sbomStep = (fs: FileSystem) =>
  step<Attested, unknown>('SBOMs', 'ATTEST_SBOM_MISMATCH', async (a, report) => {
    const listed = new Map((a.verified.statement.predicate.runDetails?.byproducts ?? []).filter((b) => b.name && b.digest?.sha256).map((b) => [b.name!, b.digest!.sha256!]));
    for (const rel of Object.values(a.entry.sboms)) {
      const file = path.join(a.evidenceDir, rel);
      const want = listed.get(rel);
      if (!want) {
        report('ATTEST_SBOM_MISMATCH', `${rel} is not listed in the signed provenance`);
        continue;
      }
      const bytes = isInside(a.evidenceDir, file) ? await fs.readFile(file).catch(() => undefined) : undefined;
      if (!bytes) report('ATTEST_SBOM_MISMATCH', `${rel} is missing`);
      else if (sha256(bytes) !== want) report('ATTEST_SBOM_MISMATCH', `${rel} was changed after it was signed (SHA-256 ${sha256(bytes)}, the provenance says ${want})`);
    }
  });

/** The record's inputs against the project: commit, sources, overlays. */
export async function checkRecordedDependencies(record: BuildRecord, project: ProjectChecks, report: (code: DiagnosticCode, message: string) => void): Promise<void> {
  if (record.upstream && !(await project.hasCommit(record.upstream.url, record.upstream.commit))) {
    report('ATTEST_COMMIT_MISSING', `dist-git commit ${record.upstream.commit} of ${record.upstream.url} is not in the mirror`);
  }
  for (const s of record.sources) {
    if (s.origin.kind !== 'lookaside' && s.origin.kind !== 'download') continue;
    const got = await project.sourceDigest(s.name, s.sha512);
    if (got === undefined) report('ATTEST_SOURCE_MISMATCH', `${s.name} (SHA-512 ${s.sha512.slice(0, 16)}…) is neither in the cache nor on the lookaside`);
    else if (got !== s.sha256) report('ATTEST_SOURCE_MISMATCH', `${s.name}: the cache serves SHA-256 ${got}, the build used ${s.sha256}`);
  }
  const now = await project.overlays(record.component);
  if (!now) {
    report('ATTEST_OVERLAY_CHANGED', `component ${record.component} is no longer in the project`);
    return;
  }
  const key = (o: OverlayRecord) => (o.at ? `${o.at.file}:${o.at.line}` : `(${o.synthetic ?? o.type})`);
  const current = new Map(now.map((o) => [key(o), o]));
  for (const o of record.overlays) {
    const c = current.get(key(o));
    if (!c) report('ATTEST_OVERLAY_CHANGED', `${key(o)}: the ${o.type} overlay the build applied is gone from the project`);
    else if (c.digest !== o.digest) report('ATTEST_OVERLAY_CHANGED', `${key(o)}: the ${o.type} overlay was edited after the build (digest ${c.digest.slice(0, 12)}…, recorded ${o.digest.slice(0, 12)}…)`);
  }
  const recorded = new Set(record.overlays.map(key));
  for (const o of now) if (!recorded.has(key(o))) report('ATTEST_OVERLAY_CHANGED', `${key(o)}: a ${o.type} overlay was added after the build`);
}

const dependenciesStep = (project: ProjectChecks) =>
  step<Attested, unknown>('recorded dependencies', 'ATTEST_SOURCE_MISMATCH', (a, report) => checkRecordedDependencies(a.verified.record, project, report));

const renderStep = (project: ProjectChecks) =>
  step<Attested, unknown>('re-render', 'ATTEST_RENDER_MISMATCH', async (a) => {
    if (!project.render) throw new StepSkipped('no renderer');
    const r = await project.render(a.verified.record);
    if (r.specSha256 !== a.verified.record.spec.sha256) fail('ATTEST_RENDER_MISMATCH', `re-rendering ${a.verified.record.component} gives spec SHA-256 ${r.specSha256}, the build used ${a.verified.record.spec.sha256}`, 'the recorded inputs no longer render the same spec: see the recorded dependencies step for the overlay or input that changed');
  });

const rebuildStep = (project: ProjectChecks, packages: () => ReadonlyMap<string, RpmPackage>) =>
  step<Attested, unknown>('rebuild', 'ATTEST_REBUILD_DIFFERS', async (a, report) => {
    if (!project.rebuild) throw new StepSkipped('no builder');
    const diffs = await project.rebuild(a.verified.record, packages(), path.dirname(a.evidenceDir));
    for (const d of diffs.slice(0, 50)) report('ATTEST_REBUILD_DIFFERS', `${d.rpm}: ${d.what}: published ${d.first}, rebuilt ${d.second}`);
    if (diffs.length > 50) report('ATTEST_REBUILD_DIFFERS', `… and ${diffs.length - 50} more difference(s)`);
  });

/** Verify one package file. */
async function verifyPackage(fs: FileSystem, ev: Evidence, file: string, o: VerifyOptions, rebuilt: Set<string>): Promise<PackageVerification> {
  const run = new VerifyRun();
  const read = await run.run(readStep(fs), file, file);
  let headerOk = false;
  const h = await run.run(headerDigests, read, file);
  if (!isBroken(h)) headerOk = h;
  await run.check(rpmSignature(o.rpmKeys), read, file);
  const found = await run.run(evidenceEntry(ev, () => headerOk), read, file);
  const attested: Link<Attested> = await run.run(envelopeStep(ev), found, file);
  await run.check(subjectStep, attested, file);
  await run.check(sbomStep(fs), attested, file);
  if (o.project) await run.check(dependenciesStep(o.project), attested, file);
  else run.skip('recorded dependencies', 'no project to check against (run inside the project, or pass -C)', file);
  if (o.render && o.project) await run.check(renderStep(o.project), attested, file);
  if (o.rebuild && o.project && !isBroken(attested)) {
    // One rebuild per component, whichever of its packages comes first.
    if (rebuilt.has(attested.verified.record.component)) run.skip('rebuild', `done with another package of ${attested.verified.record.component}`, file);
    else {
      rebuilt.add(attested.verified.record.component);
      const all = await publishedPackages(fs, attested);
      await run.check(rebuildStep(o.project, () => all), attested, file);
    }
  }
  return { file, ok: run.ok, steps: run.records, ...(!isBroken(attested) ? { record: attested.verified.record } : {}) };
}

/** The published packages of the component of `a` (for comparing a rebuild), by file name. */
async function publishedPackages(fs: FileSystem, a: Attested): Promise<Map<string, RpmPackage>> {
  const root = path.dirname(a.evidenceDir);
  const out = new Map<string, RpmPackage>();
  const index = JSON.parse(await fs.readText(path.join(a.evidenceDir, EVIDENCE_INDEX))) as EvidenceIndex;
  for (const e of index.packages.filter((x) => x.component === a.entry.component)) {
    const f = path.join(root, e.channel, e.file);
    if (isInside(root, f) && (await fs.stat(f))?.isFile) out.set(e.file, parseRpm(await fs.readFile(f), f));
  }
  return out;
}

/** Every `.rpm` under `dir` (not in hidden directories or the evidence directory), sorted. */
async function findRpms(fs: FileSystem, dir: string, depth = 3): Promise<string[]> {
  const out: string[] = [];
  for (const n of (await fs.readdir(dir)).sort()) {
    const p = path.join(dir, n);
    const st = await fs.stat(p);
    if (st?.isFile && n.endsWith('.rpm')) out.push(p);
    else if (st?.isDirectory && depth > 0 && !n.startsWith('.') && n !== EVIDENCE_DIR && n !== 'repodata') out.push(...(await findRpms(fs, p, depth - 1)));
  }
  return out;
}

/** Verify an RPM, an SRPM, a directory of them (a repository, or the repositories' root) or a provenance envelope. */
/** The target of `strata verify` does not exist. */
export function targetMissing(target: string): StrataError {
  return new StrataError(error('ATTEST_TARGET_MISSING', `${target} does not exist`, { hint: 'give an RPM, an SRPM, a repository directory or a .intoto.jsonl envelope' }));
}

export async function verifyTarget(fs: FileSystem, target: string, o: VerifyOptions, jobs = 8): Promise<VerifyResult> {
  const ev = new Evidence(fs, o.attestation);
  const st = await fs.stat(target);
  const run = new VerifyRun();
  if (!st) throw targetMissing(target);
  if (st.isFile && !target.endsWith('.rpm')) {
    // An envelope on its own: its signature, its statement, its record, the project.
    const verified = await run.run(step<string, Verified>('provenance envelope', 'ATTEST_ENVELOPE_FIELD', (f) => ev.envelope(f)), target, target);
    if (o.project) await run.check(step<Verified, unknown>('recorded dependencies', 'ATTEST_SOURCE_MISMATCH', (v, report) => checkRecordedDependencies(v.record, o.project!, report)), verified, target);
    return { target, ok: run.ok, packages: [], steps: run.records };
  }
  const files = st.isFile ? [target] : await findRpms(fs, target);
  if (!files.length) {
    await run.run(step<string, unknown>('packages', 'ATTEST_NO_PACKAGES', (d) => fail('ATTEST_NO_PACKAGES', `no .rpm files under ${d}`)), target, target);
    return { target, ok: false, packages: [], steps: run.records };
  }
  const rebuilt = new Set<string>();
  const results: PackageVerification[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, files.length) }, async () => {
      for (let i = next++; i < files.length; i = next++) results[i] = await verifyPackage(fs, ev, files[i]!, o, rebuilt);
    }),
  );
  return { target, ok: results.every((r) => r.ok), packages: results, steps: run.records };
}
