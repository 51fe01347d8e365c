import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isStrataError } from '../diag/index.js';
import { recordVariants } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { PROVENANCE_STATEMENT_SCHEMA } from './provenance-schema.js';
import { parseProvenanceStatement, PREDICATE_SLSA_V1, provenanceStatement, STATEMENT_V01, STATEMENT_V1 } from './slsa.js';
import { STRATA_RPM_BUILD_TYPE } from './record-view.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormatsModule.default(ajv);
const schema = ajv.compile(PROVENANCE_STATEMENT_SCHEMA);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

for (const { name, record } of recordVariants()) {
  test(`the provenance of the ${name} record matches the schema and parses`, () => {
    const st = provenanceStatement(record, { toolVersion: '0.1.0' });
    assert.ok(schema(st), JSON.stringify(schema.errors));
    assert.deepEqual(parseProvenanceStatement(JSON.stringify(st)), st);
    assert.equal(st._type, STATEMENT_V1);
    assert.equal(st.predicateType, PREDICATE_SLSA_V1);
    assert.equal(st.predicate.buildDefinition.buildType, STRATA_RPM_BUILD_TYPE);
  });
}

test('every output digest is a subject, with the header digests as annotations', () => {
  const r = sampleBuildRecord();
  const st = provenanceStatement(r);
  const outputs = [r.outputs.srpm, ...r.outputs.rpms];
  assert.deepEqual(st.subject.map((s) => s.digest?.['sha256']), outputs.map((p) => p.sha256));
  assert.deepEqual(st.subject.map((s) => s.annotations?.['sha256header']), outputs.map((p) => p.sha256header));
  assert.deepEqual(st.subject.map((s) => s.annotations?.['sigmd5']), outputs.map((p) => p.sigmd5));
});

test('buildDefinition: external and internal parameters, resolved dependencies by digest', () => {
  const r = sampleBuildRecord();
  const bd = provenanceStatement(r).predicate.buildDefinition;
  assert.deepEqual(bd.externalParameters['distGit'], { uri: r.upstream!.url, commit: r.upstream!.commit, branch: 'f43' });
  assert.deepEqual((bd.externalParameters['overlays'] as { at?: string; digest: string }[]).map((o) => [o.at, o.digest]), r.overlays.map((o) => [o.at ? `${o.at.file}:${o.at.line}` : undefined, o.digest]));
  assert.equal(bd.externalParameters['lockFingerprint'], r.lockFingerprint);
  assert.deepEqual(bd.externalParameters['without'], ['fips']);
  assert.equal(bd.internalParameters?.['SOURCE_DATE_EPOCH'], 1751328000);
  assert.deepEqual(bd.internalParameters?.['flags'], r.build.flags);
  const deps = bd.resolvedDependencies!;
  assert.deepEqual(deps[0]!.digest, { gitCommit: r.upstream!.commit });
  for (const s of r.sources) assert.ok(deps.some((d) => d.name === s.name && d.digest?.['sha256'] === s.sha256 && d.digest['sha512'] === s.sha512), s.name);
  assert.ok(deps.some((d) => d.name === 'openssl.spec' && d.digest?.['sha256'] === r.spec.sha256));
  const br = deps.find((d) => d.name === r.build.buildroot[0]!.nevra)!;
  assert.equal(br.digest?.['sha256'], r.build.buildroot[0]!.sha256);
  assert.equal(br.annotations?.['sigmd5'], r.build.buildroot[0]!.sigmd5);
  const run = provenanceStatement(r).predicate.runDetails;
  assert.equal(run.metadata?.invocationId, provenanceStatement(sampleBuildRecord()).predicate.runDetails.metadata?.invocationId);
  assert.match(run.metadata!.invocationId!, /^urn:uuid:/);
});

test('an output without a SHA-256 cannot be a subject: ATTEST_RECORD_INCOMPLETE', () => {
  const r = sampleBuildRecord();
  const { sha256: _s, ...noDigest } = r.outputs.rpms[0]!;
  assert.throws(() => provenanceStatement({ ...r, outputs: { ...r.outputs, rpms: [noDigest] } }), (e) => isStrataError(e) && e.code === 'ATTEST_RECORD_INCOMPLETE');
});

test('the parser accepts _type v0.1 and ignores unknown fields', () => {
  const st = { ...clone(provenanceStatement(sampleBuildRecord())), _type: STATEMENT_V01, extra: { x: 1 } };
  assert.equal(parseProvenanceStatement(st)._type, STATEMENT_V01);
  assert.ok(schema(st));
});

test('bad statements: the parser raises ATTEST_STATEMENT_INVALID naming the field, and the schema agrees', () => {
  const good = () => clone(provenanceStatement(sampleBuildRecord())) as unknown as Record<string, any>;
  const cases: { name: string; edit: (s: Record<string, any>) => void; where: RegExp }[] = [
    { name: 'wrong _type', edit: (s) => (s['_type'] = 'https://in-toto.io/Statement/v2'), where: /^_type/ },
    { name: 'no subject', edit: (s) => (s['subject'] = []), where: /^subject/ },
    { name: 'subject without digest', edit: (s) => delete s['subject'][0].digest, where: /^subject\[0\]\.digest/ },
    { name: 'short sha256', edit: (s) => (s['subject'][1].digest.sha256 = 'abc'), where: /^subject\[1\]\.digest\.sha256/ },
    { name: 'non-hex digest', edit: (s) => (s['subject'][0].digest.sha256 = 'z'.repeat(64)), where: /^subject\[0\]\.digest\.sha256/ },
    { name: 'other predicate type', edit: (s) => (s['predicateType'] = 'https://slsa.dev/provenance/v0.2'), where: /^predicateType/ },
    { name: 'no buildType', edit: (s) => delete s['predicate'].buildDefinition.buildType, where: /buildDefinition\.buildType/ },
    { name: 'no externalParameters', edit: (s) => delete s['predicate'].buildDefinition.externalParameters, where: /externalParameters/ },
    { name: 'empty dependency', edit: (s) => s['predicate'].buildDefinition.resolvedDependencies.push({ name: 'x' }), where: /resolvedDependencies\[\d+\]: needs/ },
    { name: 'no builder id', edit: (s) => delete s['predicate'].runDetails.builder.id, where: /builder\.id/ },
  ];
  for (const c of cases) {
    const s = good();
    c.edit(s);
    assert.equal(schema(s), false, `schema accepts: ${c.name}`);
    assert.throws(
      () => parseProvenanceStatement(s),
      (e) => isStrataError(e) && e.code === 'ATTEST_STATEMENT_INVALID' && e.diagnostics.some((d) => c.where.test(d.message)),
      c.name,
    );
  }
  assert.throws(() => parseProvenanceStatement('{not json'), (e) => isStrataError(e) && e.code === 'ATTEST_STATEMENT_INVALID');
});
