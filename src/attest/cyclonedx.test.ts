import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { BuildRecord } from '../build/build-record.js';
import { recordVariants } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { cyclonedx16 } from './cyclonedx.js';
import { cdxPatchType } from './record-view.js';

const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
const validate = async (doc: unknown) => (await validator.validate(JSON.stringify(doc))) ?? [];

for (const { name, record } of recordVariants()) {
  test(`CycloneDX 1.6 of the ${name} record passes the library's strict validator`, async () => {
    const bom = cyclonedx16(record, { toolVersion: '0.1.0' });
    assert.deepEqual(await validate(bom), []);
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
}

test('the validator rejects a bad patch type and a workflow without uid', async () => {
  const bom = JSON.parse(JSON.stringify(cyclonedx16(sampleBuildRecord())));
  bom.components[0].pedigree.patches[0].type = 'fix';
  assert.ok(((await validate(bom)) as { instancePath: string }[]).some((e) => e.instancePath.endsWith('/patches/0/type')));
  const noUid = JSON.parse(JSON.stringify(cyclonedx16(sampleBuildRecord())));
  delete noUid.formulation[0].workflows[0].uid;
  assert.notDeepEqual(await validate(noUid), []);
});

test('every output component has the Fedora ancestor and every patch; the distro patch resolves its CVE', () => {
  const r = sampleBuildRecord();
  const bom = cyclonedx16(r);
  for (const c of [bom.metadata.component, ...bom.components]) {
    assert.equal(c.pedigree?.ancestors?.[0]?.name, 'openssl');
    assert.deepEqual(c.pedigree?.commits, [{ uid: r.upstream!.commit, url: r.upstream!.url }]);
    const patches = c.pedigree?.patches ?? [];
    assert.deepEqual(patches.map((p) => p.type), ['unofficial', 'backport']);
    assert.equal(patches[0]!.diff?.url, 'git+https://src.fedoraproject.org/rpms/openssl.git@a1b2c3d4e5f60718293a4b5c6d7e8f9012345678#0001-Use-system-ciphers.patch');
    assert.equal(patches[1]!.diff?.url, 'comps/openssl/CVE-2025-9230.patch');
    assert.equal(patches[0]!.resolves, undefined);
    assert.deepEqual(patches[1]!.resolves?.map((i) => [i.type, i.id]), [['security', 'CVE-2025-9230']]);
  }
  const wf = bom.formulation[0]!.workflows[0]!;
  assert.deepEqual(wf.taskTypes, ['build']);
  assert.ok(wf.inputs.some((i) => 'environmentVars' in i && i.environmentVars.some((e) => e.name === 'SOURCE_DATE_EPOCH' && e.value === '1751328000')));
  assert.ok(wf.inputs.some((i) => 'parameters' in i && i.parameters.some((p) => p.name === 'without' && p.value === 'fips')));
  assert.ok(bom.formulation[0]!.components.some((c) => c.name === 'zlib-ng-compat-devel' && c.purl === r.build.buildroot[0]!.purl));
  assert.match(wf.steps[2]!.commands![0]!.executed, /rpmbuild --define '_buildhost strata.build' --define 'dist \.azl4' .*--without fips --nodeps --rebuild openssl-3\.5\.1-4\.azl4\.src\.rpm$/);
});

test('a CVE named only in the overlay description shows up in resolves; the patch type follows the overlay', () => {
  const r = sampleBuildRecord();
  const variant: BuildRecord = {
    ...r,
    overlays: r.overlays.map((o, i) => (i === 0 ? { ...o, description: 'Fix CVE-2025-1111 (heap overflow)', references: [], upstreamStatus: 'cherry-pick' } : o)),
    sources: r.sources.map((s) => (s.tag === 'Patch100' ? { ...s, name: 'fix-heap-overflow.patch' } : s)),
  };
  const patch = cyclonedx16(variant).components[0]!.pedigree!.patches![1]!;
  assert.equal(patch.type, 'cherry-pick');
  assert.deepEqual(patch.resolves?.map((i) => i.id), ['CVE-2025-1111']);
  assert.equal(patch.resolves?.[0]?.description, 'Fix CVE-2025-1111 (heap overflow)');
});

test('patch type mapping', () => {
  const o = (category?: string, upstreamStatus?: string) => ({ type: 'file-add', digest: '0'.repeat(64), ...(category ? { category } : {}), ...(upstreamStatus ? { upstreamStatus } : {}) });
  const cases: [ReturnType<typeof o> | undefined, string][] = [
    [undefined, 'unofficial'],
    [o('security', 'backport'), 'backport'],
    [o('upstream-backport', 'upstreamed'), 'backport'],
    [o('azl-compatibility', 'upstreamed'), 'backport'],
    [o(undefined, 'cherry-pick'), 'cherry-pick'],
    [o('distro-only'), 'unofficial'],
    [o('azl-temp-workaround', 'upstreamable'), 'unofficial'],
  ];
  for (const [overlay, want] of cases) assert.equal(cdxPatchType(overlay), want, JSON.stringify(overlay));
});

test('deterministic: byte-identical BOMs; a changed flag changes the serial number', () => {
  const r = sampleBuildRecord();
  assert.equal(JSON.stringify(cyclonedx16(r)), JSON.stringify(cyclonedx16(sampleBuildRecord())));
  assert.notEqual(cyclonedx16({ ...r, build: { ...r.build, flags: { ...r.build.flags, optflags: '-O0' } } }).serialNumber, cyclonedx16(r).serialNumber);
});
