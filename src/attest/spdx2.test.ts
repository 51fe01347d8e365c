import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { readJson, recordVariants, sharedDir, spdx23Validator } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { spdx23, type Spdx23Document } from './spdx2.js';

const validate = spdx23Validator();

for (const { name, record } of recordVariants()) {
  test(`SPDX 2.3 of the ${name} record is valid against the official schema and has a documentNamespace`, () => {
    const doc = spdx23(record, { toolVersion: '0.1.0' });
    assert.deepEqual(validate(doc), []);
    assert.match(doc.documentNamespace, /^https:\/\/strata\.example\/spdx\/.+-[0-9a-f]{64}$/);
    assert.equal(doc.creationInfo.created, '2025-07-01T00:00:00Z');
  });
}

test('the validator catches what the schema misses and what it does not', () => {
  const doc = spdx23(sampleBuildRecord());
  const { documentNamespace: _n, ...noNamespace } = doc;
  assert.ok(validate(noNamespace).some((m) => m.includes('documentNamespace')));
  const hyphen = { ...doc, packages: doc.packages.map((p) => (p.primaryPackagePurpose === 'OPERATING_SYSTEM' ? { ...p, primaryPackagePurpose: 'OPERATING-SYSTEM' } : p)) };
  assert.ok(validate(hyphen).some((m) => m.includes('primaryPackagePurpose')), 'OPERATING-SYSTEM (the spec prose spelling) is rejected');
});

test('SRPM described, RPMs generated from it, Source0 from its upstream file, patches applied, buildroot', () => {
  const doc = spdx23(sampleBuildRecord());
  const rel = (t: string) => doc.relationships.filter((r) => r.relationshipType === t);
  const byId = new Map(doc.packages.map((p) => [p.SPDXID, p]));
  assert.deepEqual(rel('DESCRIBES'), [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-SRPM' }]);
  assert.deepEqual(rel('GENERATED_FROM').filter((r) => r.relatedSpdxElement === 'SPDXRef-SRPM').map((r) => r.spdxElementId), ['SPDXRef-x86-64-openssl', 'SPDXRef-x86-64-openssl-libs']);
  const origin = rel('GENERATED_FROM').find((r) => r.spdxElementId === 'SPDXRef-Source0');
  assert.equal(origin?.relatedSpdxElement, 'SPDXRef-Source0-origin');
  assert.match(byId.get('SPDXRef-Source0-origin')!.externalRefs![0]!.referenceLocator, /^pkg:generic\/openssl@3\.5\.1\?checksum=sha256%3A5656.*&download_url=https%3A%2F%2Fsrc\.fedoraproject\.org/);
  assert.deepEqual(byId.get('SPDXRef-Source0')!.checksums!.map((c) => c.algorithm), ['SHA256', 'SHA512']);
  for (const tag of ['Patch1', 'Patch100']) {
    assert.ok(rel('CONTAINS').some((r) => r.relatedSpdxElement === `SPDXRef-${tag}`));
    assert.equal(rel('PATCH_APPLIED').filter((r) => r.spdxElementId === `SPDXRef-${tag}`).length, 2);
  }
  assert.match(byId.get('SPDXRef-Patch100')!.comment!, /resolves CVE-2025-9230/);
  assert.ok(rel('BUILD_DEPENDENCY_OF').some((r) => r.spdxElementId === 'SPDXRef-Buildroot-zlib-ng-compat-devel-2.2.4-2.azl4.x86-64'));
  assert.equal(rel('BUILD_TOOL_OF').length, 2);
  const srpm = byId.get('SPDXRef-SRPM')!;
  const notes = srpm.annotations!.map((a) => a.comment);
  for (const want of ['sigmd5: 7373', 'sha256header: 7272', 'flag %optflags: -O2', 'define %dist: .azl4', 'without: fips', 'SOURCE_DATE_EPOCH: 1751328000', 'dist-git: https://src.fedoraproject.org/rpms/openssl.git branch f43 commit a1b2c3d4', 'overlay 0: file-add; at comps/openssl/openssl.comp.toml:12'])
    assert.ok(notes.some((n) => n.startsWith(want)), want);
  assert.ok(srpm.annotations!.every((a) => a.annotationType === 'OTHER'));
  assert.equal(doc.packages.find((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM')?.name, 'strata-4.0');
});

test('deterministic: two calls give byte-identical JSON; a changed flag changes document and namespace', () => {
  const r = sampleBuildRecord();
  assert.equal(JSON.stringify(spdx23(r)), JSON.stringify(spdx23(sampleBuildRecord())));
  const changed = spdx23({ ...r, build: { ...r.build, flags: { ...r.build.flags, _hardened_build: '0' } } });
  assert.notEqual(changed.documentNamespace, spdx23(r).documentNamespace);
  assert.notEqual(JSON.stringify(changed), JSON.stringify(spdx23(r)));
  assert.notEqual(spdx23(r, { toolVersion: '0.2.0' }).documentNamespace, spdx23(r, { toolVersion: '0.1.0' }).documentNamespace);
});

test("Red Hat compatibility: the relationship types and purl forms of Red Hat's RPM SBOMs are ours too", () => {
  const dir = path.join(sharedDir, 'corpus/sbom/redhat/rpm/build');
  const file = readdirSync(dir).find((f) => f.startsWith('openssl-') && f.endsWith('.spdx.json'))!;
  const rh = readJson(path.join(dir, file)) as Spdx23Document;
  const ours = spdx23(sampleBuildRecord());
  const shape = (d: Spdx23Document) => {
    const purlOf = (id: string) => {
      const p = d.packages.find((x) => x.SPDXID === id)!;
      const purl = PackageURL.fromString(p.externalRefs!.find((e) => e.referenceType === 'purl')!.referenceLocator);
      // Red Hat adds repository_id, Strata distro: the qualifier each vendor uses for the destination.
      const keys = Object.keys(purl.qualifiers ?? {}).filter((k) => k !== 'repository_id' && k !== 'distro').sort();
      return { type: purl.type, nameIsPackageName: purl.name === p.name, versionIsVersionInfo: purl.version === p.versionInfo, arch: purl.qualifiers?.['arch'] === 'src' ? 'src' : 'binary', keys };
    };
    const srpmRel = d.relationships.filter((r) => r.spdxElementId === 'SPDXRef-SRPM' || r.relatedSpdxElement === 'SPDXRef-SRPM').map((r) => (r.spdxElementId === 'SPDXRef-SRPM' ? `SRPM ${r.relationshipType}` : `${r.relationshipType} SRPM`));
    const gen = d.relationships.find((r) => r.relationshipType === 'GENERATED_FROM' && r.relatedSpdxElement === 'SPDXRef-SRPM')!;
    return { types: new Set(d.relationships.map((r) => r.relationshipType)), srpmRel: new Set(srpmRel), srpmPurl: purlOf('SPDXRef-SRPM'), rpmPurl: purlOf(gen.spdxElementId), described: d.relationships.find((r) => r.relationshipType === 'DESCRIBES')!.relatedSpdxElement };
  };
  const a = shape(rh);
  const b = shape(ours);
  for (const t of a.types) assert.ok(b.types.has(t), `relationship type ${t}`);
  for (const t of a.srpmRel) assert.ok(b.srpmRel.has(t), `SRPM relationship ${t}`);
  assert.equal(b.described, a.described);
  assert.deepEqual(b.srpmPurl, a.srpmPurl);
  assert.deepEqual(b.rpmPurl, a.rpmPurl);
  assert.deepEqual(a.srpmPurl, { type: 'rpm', nameIsPackageName: true, versionIsVersionInfo: true, arch: 'src', keys: ['arch', 'epoch'] });
  // Source0 GENERATED_FROM its upstream file, as Red Hat's Source0 → Source0-origin.
  const rhSource = rh.relationships.find((r) => r.relationshipType === 'GENERATED_FROM' && r.spdxElementId === 'SPDXRef-Source0');
  const ourSource = ours.relationships.find((r) => r.relationshipType === 'GENERATED_FROM' && r.spdxElementId === 'SPDXRef-Source0');
  assert.equal(ourSource?.relatedSpdxElement, rhSource?.relatedSpdxElement);
  // Binary RPMs carry the file SHA-256 as checksum and the header digests as OTHER annotations.
  const rhRpm = rh.packages.find((p) => p.annotations?.length)!;
  const ourRpm = ours.packages.find((p) => p.SPDXID === 'SPDXRef-x86-64-openssl')!;
  assert.deepEqual(ourRpm.checksums!.map((c) => c.algorithm), rhRpm.checksums!.map((c) => c.algorithm));
  assert.deepEqual(new Set(ourRpm.annotations!.map((x) => x.comment.split(':')[0])), new Set(rhRpm.annotations!.map((x) => x.comment.split(':')[0])));
});
