import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildRecord } from '../build/build-record.js';
import { recordVariants, spdx3Validator } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { spdx301, SPDX3_CONTEXT, type Spdx3Node } from './spdx3.js';
import { STRATA_RPM_BUILD_TYPE } from './record-view.js';

const validate = spdx3Validator();
const nodes = (r: BuildRecord) => spdx301(r)['@graph'];

for (const { name, record } of recordVariants()) {
  test(`SPDX 3.0.1 of the ${name} record is valid against the official JSON schema`, () => {
    const doc = spdx301(record, { toolVersion: '0.1.0' });
    assert.equal(doc['@context'], SPDX3_CONTEXT);
    assert.deepEqual(validate(doc), []);
  });
}

test('the JSON schema check can fail (a bad hash algorithm, a created date without time)', () => {
  const doc = spdx301(sampleBuildRecord());
  const g = doc['@graph'].map((n) => (n.type === 'software_File' ? { ...n, verifiedUsing: [{ type: 'Hash', algorithm: 'SHA256', hashValue: 'x' }] } : n));
  assert.notDeepEqual(validate({ ...doc, '@graph': g }), []);
  const [ci, ...rest] = doc['@graph'];
  assert.notDeepEqual(validate({ ...doc, '@graph': [{ ...ci, created: '2025-07-01' }, ...rest] }), []);
});

/** Every leaf value of the record (strings and numbers; booleans as `key: value` or as a "true"/"false" value). */
function leaves(v: unknown, key = ''): { key: string; value: string }[] {
  if (Array.isArray(v)) return v.flatMap((x) => leaves(x, key));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, k));
  return v === undefined ? [] : [{ key, value: String(v) }];
}

for (const { name, record } of recordVariants()) {
  test(`the SPDX 3.0.1 document of the ${name} record holds every fact of the record`, () => {
    const text = JSON.stringify(spdx301(record));
    const missing = leaves(record).filter(({ key, value }) => !(typeof value === 'string' && text.includes(JSON.stringify(value).slice(1, -1))) && !(key === 'dirty' && text.includes(`"project.dirty","value":"${value}"`)));
    assert.deepEqual(missing, []);
  });
}

test('one Build with the buildType, config source, parameters, environment and the build-scoped relationships', () => {
  const g = nodes(sampleBuildRecord());
  const builds = g.filter((n) => n.type === 'build_Build');
  assert.equal(builds.length, 1);
  const b = builds[0]!;
  assert.equal(b['build_buildType'], STRATA_RPM_BUILD_TYPE);
  assert.deepEqual(b['build_configSourceUri'], ['https://src.fedoraproject.org/rpms/openssl.git']);
  assert.deepEqual(b['build_configSourceEntrypoint'], ['openssl.spec']);
  const params = new Map((b['build_parameter'] as { key: string; value: string }[]).map((e) => [e.key, e.value]));
  assert.equal(params.get('define.dist'), '.azl4');
  assert.equal(params.get('without.fips'), 'true');
  assert.match(params.get('flag.optflags')!, /^-O2 /);
  assert.deepEqual(b['build_environment'], [{ type: 'DictionaryEntry', key: 'SOURCE_DATE_EPOCH', value: '1751328000' }]);
  const scoped = (t: string) => g.filter((n): n is Spdx3Node & { to: string[] } => n.type === 'LifecycleScopedRelationship' && n['relationshipType'] === t && n['from'] === b['spdxId'] && n['scope'] === 'build');
  const byId = new Map(g.map((n) => [n['spdxId'], n]));
  assert.equal(scoped('hasInput').length, 1);
  const inputs = scoped('hasInput')[0]!.to.map((id) => byId.get(id)!);
  for (const want of ['openssl-3.5.1.tar.gz', '0001-Use-system-ciphers.patch', 'CVE-2025-9230.patch', 'openssl.spec', 'zlib-ng-compat-devel']) assert.ok(inputs.some((n) => n['name'] === want), want);
  assert.deepEqual(scoped('hasOutput')[0]!.to.map((id) => byId.get(id)!['software_packageUrl']), [sampleBuildRecord().outputs.srpm.purl, ...sampleBuildRecord().outputs.rpms.map((p) => p.purl)]);
  const invoker = byId.get(scoped('invokedBy')[0]!.to[0]);
  assert.equal(invoker?.type, 'SoftwareAgent');
  const ci = g.find((n) => n.type === 'CreationInfo')!;
  assert.equal(byId.get((ci['createdBy'] as string[])[0])?.type, 'Organization');
  assert.equal(byId.get((ci['createdUsing'] as string[])[0])?.type, 'Tool');
  assert.equal(ci['created'], '2025-07-01T00:00:00Z');
});

test('deterministic: byte-identical for the same record, different ids for a changed flag', () => {
  const r = sampleBuildRecord();
  assert.equal(JSON.stringify(spdx301(r)), JSON.stringify(spdx301(sampleBuildRecord())));
  const changed = spdx301({ ...r, build: { ...r.build, flags: { ...r.build.flags, build_cflags: '-O0' } } });
  const docId = (d: ReturnType<typeof spdx301>) => d['@graph'].find((n) => n.type === 'SpdxDocument')!['spdxId'];
  assert.notEqual(docId(changed), docId(spdx301(r)));
});
