/**
 * The SLSA Provenance v1 of one build, as an in-toto Statement v1, and the parser that checks a
 * statement's shape before anything reads it.
 *
 * Subjects are every output RPM and the SRPM (by file SHA-256, with the header digests as
 * annotations: they survive re-signing). `buildType` is `STRATA_RPM_BUILD_TYPE`, whose
 * parameters docs/build-type.md defines: externalParameters are the inputs a user controls
 * (component, dist-git, overlays, arch, project commit, lock, defines, with/without),
 * internalParameters what the platform set (flags, SOURCE_DATE_EPOCH, rpm, backend, host),
 * resolvedDependencies every input by digest (the dist-git commit, each Source/Patch, the
 * rendered spec, each buildroot RPM).
 */
import type { BuildRecord, PackageRecord, SourceRecord } from '../build/build-record.js';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import { invocationId, packagePurl, resolveOptions, sourceLocation, STRATA_RPM_BUILD_TYPE, type EvidenceOptions } from './record-view.js';

export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** The older `_type` some producers (Tekton Chains) still pair with an SLSA v1 predicate. */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const PREDICATE_SLSA_V1 = 'https://slsa.dev/provenance/v1';
/** The DSSE payloadType of an in-toto statement. */
/** Media type of the build record carried (as base64 content) among a statement's byproducts. */
export const BUILD_RECORD_MEDIA_TYPE = 'application/vnd.strata.build-record+json';

export type DigestSet = Readonly<Record<string, string>>;

export interface ResourceDescriptor {
  readonly name?: string;
  readonly uri?: string;
  readonly digest?: DigestSet;
  readonly content?: string;
  readonly downloadLocation?: string;
  readonly mediaType?: string;
  readonly annotations?: Readonly<Record<string, unknown>>;
}

export interface ProvenancePredicate {
  readonly buildDefinition: {
    readonly buildType: string;
    readonly externalParameters: Readonly<Record<string, unknown>>;
    readonly internalParameters?: Readonly<Record<string, unknown>>;
    readonly resolvedDependencies?: readonly ResourceDescriptor[];
  };
  readonly runDetails: {
    readonly builder: { readonly id: string; readonly version?: Readonly<Record<string, string>>; readonly builderDependencies?: readonly ResourceDescriptor[] };
    readonly metadata?: { readonly invocationId?: string; readonly startedOn?: string; readonly finishedOn?: string };
    readonly byproducts?: readonly ResourceDescriptor[];
  };
}

export interface ProvenanceStatement {
  readonly _type: typeof STATEMENT_V1 | typeof STATEMENT_V01;
  readonly subject: readonly ResourceDescriptor[];
  readonly predicateType: typeof PREDICATE_SLSA_V1;
  readonly predicate: ProvenancePredicate;
}

export interface ProvenanceOptions extends EvidenceOptions {
  /** Digests of what the build produced besides packages (the log, the SBOMs). */
  readonly byproducts?: readonly ResourceDescriptor[];
}

const omitEmpty = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function packageAnnotations(record: BuildRecord, p: PackageRecord): Record<string, unknown> {
  return omitEmpty({ nevra: p.nevra, purl: packagePurl(record, p), sha256header: p.sha256header, sigmd5: p.sigmd5, signer: p.signer, file: p.file });
}

function sourceDescriptor(record: BuildRecord, s: SourceRecord): ResourceDescriptor {
  const uri = sourceLocation(record, s);
  const signatures = record.signatures.filter((sg) => sg.file === s.name).map((sg) => ({ signature: sg.signature, keyFingerprints: sg.keyFingerprints }));
  return {
    name: s.name,
    ...(uri ? { uri } : {}),
    digest: { sha256: s.sha256, sha512: s.sha512 },
    annotations: omitEmpty({ kind: s.kind, tag: s.tag, origin: s.origin, patchFrom: s.patchFrom, size: s.size, signatureChecks: signatures.length ? signatures : undefined }),
  };
}

/** The in-toto Statement v1 with the SLSA Provenance v1 predicate of one build record. */
export function provenanceStatement(record: BuildRecord, opts: ProvenanceOptions = {}): ProvenanceStatement {
  const o = resolveOptions(record, opts);
  const b = record.build;
  const outputs = [record.outputs.srpm, ...record.outputs.rpms];
  const undigested = outputs.filter((p) => !p.sha256);
  if (undigested.length) throw new StrataError(undigested.map((p) => error('ATTEST_RECORD_INCOMPLETE', `the build record has no SHA-256 of the output ${p.nevra}, so it cannot be a provenance subject`)));
  const subject = outputs.map((p): ResourceDescriptor => ({ name: p.file ?? p.nevra, digest: { sha256: p.sha256! }, annotations: packageAnnotations(record, p) }));

  const externalParameters = omitEmpty({
    component: record.component,
    arch: record.arch,
    vendor: record.vendor,
    distro: record.distro,
    distGit: record.upstream ? omitEmpty({ uri: record.upstream.url, commit: record.upstream.commit, branch: record.upstream.branch }) : undefined,
    overlays: record.overlays.map((ov) => omitEmpty({ type: ov.type, at: ov.at ? `${ov.at.file}:${ov.at.line}` : undefined, synthetic: ov.synthetic, description: ov.description, category: ov.category, upstreamStatus: ov.upstreamStatus, references: ov.references, digest: ov.digest })),
    project: omitEmpty({ commit: record.project.commit, dirty: record.project.dirty }),
    lockFingerprint: record.lockFingerprint,
    defines: b.defines,
    with: b.with,
    without: b.without,
  });
  const internalParameters = {
    flags: b.flags,
    SOURCE_DATE_EPOCH: b.sourceDateEpoch,
    rpmVersion: b.rpmVersion,
    backend: b.backend,
    hostOs: b.hostOs,
    hostTools: b.hostTools,
    recordVersion: record.version,
  };
  const resolvedDependencies: ResourceDescriptor[] = [
    ...(record.upstream ? [{ name: 'dist-git', uri: `git+${record.upstream.url}${record.upstream.branch ? `@refs/heads/${record.upstream.branch}` : ''}`, digest: { gitCommit: record.upstream.commit } }] : []),
    { name: record.spec.name, digest: { sha256: record.spec.sha256 }, annotations: { role: 'rendered spec' } },
    ...(record.macrosFile ? [{ name: record.macrosFile.name, digest: { sha256: record.macrosFile.sha256 }, annotations: { role: 'macros file' } }] : []),
    ...record.sources.map((s) => sourceDescriptor(record, s)),
    ...b.buildroot.map((p): ResourceDescriptor => ({ name: p.nevra, uri: packagePurl(record, p), ...(p.sha256 ? { digest: { sha256: p.sha256 } } : {}), annotations: { role: 'buildroot', ...packageAnnotations(record, p) } })),
  ];
  return {
    _type: STATEMENT_V1,
    subject,
    predicateType: PREDICATE_SLSA_V1,
    predicate: {
      buildDefinition: { buildType: STRATA_RPM_BUILD_TYPE, externalParameters, internalParameters, resolvedDependencies },
      runDetails: {
        builder: { id: o.builderId, version: { [o.toolName]: o.toolVersion, [b.backend.name]: b.backend.version, rpm: b.rpmVersion } },
        metadata: { invocationId: invocationId(record) },
        ...(opts.byproducts?.length ? { byproducts: opts.byproducts } : {}),
      },
    },
  };
}

/** Hex lengths of the digest algorithms whose length is fixed. */
const DIGEST_LENGTHS: Readonly<Record<string, readonly number[]>> = { sha1: [40], sha224: [56], sha256: [64], sha384: [96], sha512: [128], sha3_256: [64], sha3_512: [128], md5: [32], gitCommit: [40, 64], gitTree: [40, 64], gitBlob: [40, 64] };

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Unset, null and empty are the same (SLSA parsing rules). */
const isUnset = (v: Json) => v === undefined || v === null;

/**
 * Check that `input` (JSON text or a parsed value) is an in-toto Statement (`_type` v1 or v0.1)
 * with an SLSA Provenance v1 predicate of the right shape; unknown fields are ignored. Every
 * problem is reported at once, as ATTEST_STATEMENT_INVALID diagnostics of one StrataError.
 */
export function parseProvenanceStatement(input: string | Json): ProvenanceStatement {
  let value: Json = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as Json;
    } catch (e) {
      throw new StrataError(error('ATTEST_STATEMENT_INVALID', `the statement is not JSON: ${e instanceof Error ? e.message : String(e)}`), { cause: e });
    }
  }
  const problems: Diagnostic[] = [];
  const bad = (where: string, what: string) => problems.push(error('ATTEST_STATEMENT_INVALID', `${where}: ${what}`));
  const str = (v: Json, where: string, required: boolean) => {
    if (isUnset(v) || v === '') {
      if (required) bad(where, 'is required');
    } else if (typeof v !== 'string') bad(where, 'must be a string');
  };
  const obj = (v: Json, where: string, required: boolean): Record<string, Json> | undefined => {
    if (isUnset(v)) {
      if (required) bad(where, 'is required');
      return undefined;
    }
    if (!isObject(v)) {
      bad(where, 'must be an object');
      return undefined;
    }
    return v;
  };
  const digestSet = (v: Json, where: string) => {
    const d = obj(v, where, false);
    if (!d) return;
    for (const [alg, hex] of Object.entries(d)) {
      if (typeof hex !== 'string' || !/^[0-9a-f]+$/i.test(hex)) bad(`${where}.${alg}`, 'must be a hex string');
      else if (DIGEST_LENGTHS[alg] && !DIGEST_LENGTHS[alg].includes(hex.length)) bad(`${where}.${alg}`, `has ${hex.length} hex digits, not ${DIGEST_LENGTHS[alg].join(' or ')}`);
    }
  };
  const descriptor = (v: Json, where: string, needDigest: boolean) => {
    const rd = obj(v, where, true);
    if (!rd) return;
    for (const k of ['name', 'uri', 'content', 'downloadLocation', 'mediaType']) str(rd[k], `${where}.${k}`, false);
    digestSet(rd['digest'], `${where}.digest`);
    obj(rd['annotations'], `${where}.annotations`, false);
    const hasDigest = isObject(rd['digest']) && Object.keys(rd['digest']).length > 0;
    if (needDigest && !hasDigest) bad(`${where}.digest`, 'a subject needs at least one digest');
    if (!needDigest && !hasDigest && isUnset(rd['uri']) && isUnset(rd['content'])) bad(where, 'needs at least one of uri, digest or content');
  };
  const list = (v: Json, where: string, required: boolean, each: (x: Json, w: string) => void) => {
    if (isUnset(v)) {
      if (required) bad(where, 'is required');
    } else if (!Array.isArray(v)) bad(where, 'must be an array');
    else {
      if (required && v.length === 0) bad(where, 'must not be empty');
      v.forEach((x, i) => each(x, `${where}[${i}]`));
    }
  };

  const st = obj(value, 'statement', true);
  if (st) {
    if (st['_type'] !== STATEMENT_V1 && st['_type'] !== STATEMENT_V01) bad('_type', `must be ${STATEMENT_V1} (or ${STATEMENT_V01}), not ${JSON.stringify(st['_type'])}`);
    list(st['subject'], 'subject', true, (x, w) => descriptor(x, w, true));
    if (st['predicateType'] !== PREDICATE_SLSA_V1) bad('predicateType', `must be ${PREDICATE_SLSA_V1}, not ${JSON.stringify(st['predicateType'])}`);
    const pr = obj(st['predicate'], 'predicate', true);
    if (pr) {
      const bd = obj(pr['buildDefinition'], 'predicate.buildDefinition', true);
      if (bd) {
        str(bd['buildType'], 'predicate.buildDefinition.buildType', true);
        obj(bd['externalParameters'], 'predicate.buildDefinition.externalParameters', true);
        obj(bd['internalParameters'], 'predicate.buildDefinition.internalParameters', false);
        list(bd['resolvedDependencies'], 'predicate.buildDefinition.resolvedDependencies', false, (x, w) => descriptor(x, w, false));
      }
      const rd = obj(pr['runDetails'], 'predicate.runDetails', true);
      if (rd) {
        const builder = obj(rd['builder'], 'predicate.runDetails.builder', true);
        if (builder) {
          str(builder['id'], 'predicate.runDetails.builder.id', true);
          obj(builder['version'], 'predicate.runDetails.builder.version', false);
          list(builder['builderDependencies'], 'predicate.runDetails.builder.builderDependencies', false, (x, w) => descriptor(x, w, false));
        }
        const md = obj(rd['metadata'], 'predicate.runDetails.metadata', false);
        if (md) for (const k of ['invocationId', 'startedOn', 'finishedOn']) str(md[k], `predicate.runDetails.metadata.${k}`, false);
        list(rd['byproducts'], 'predicate.runDetails.byproducts', false, (x, w) => descriptor(x, w, false));
      }
    }
  }
  if (problems.length) throw new StrataError(problems);
  // Checked above, field by field: the value has the statement's shape.
  return value as ProvenanceStatement;
}
