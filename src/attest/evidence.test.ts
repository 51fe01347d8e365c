// Across the formats: each patch of the record is in every SBOM, and every document is deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordVariants } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { cyclonedx16 } from './cyclonedx.js';
import { provenanceStatement } from './slsa.js';
import { spdx23 } from './spdx2.js';
import { spdx301 } from './spdx3.js';

const generators = { spdx23, spdx301, cyclonedx16, provenanceStatement } as const;

test('every patch of the record appears in all three SBOMs and the provenance, with its digest', () => {
  const r = sampleBuildRecord();
  const patches = r.sources.filter((s) => s.kind === 'patch');
  assert.equal(patches.length, 2);
  const two = spdx23(r);
  const three = spdx301(r)['@graph'];
  const cdx = cyclonedx16(r);
  const prov = provenanceStatement(r);
  for (const p of patches) {
    assert.ok(two.packages.some((x) => x.packageFileName === p.name && x.checksums?.some((c) => c.checksumValue === p.sha256)), `SPDX 2.3: ${p.name}`);
    assert.ok(three.some((n) => n.type === 'software_File' && n['software_primaryPurpose'] === 'patch' && n['name'] === p.name), `SPDX 3: ${p.name}`);
    assert.ok(cdx.formulation[0]!.components.some((c) => c.name === p.name && c.hashes?.some((h) => h.content === p.sha512)), `CycloneDX formulation: ${p.name}`);
    assert.ok(prov.predicate.buildDefinition.resolvedDependencies!.some((d) => d.name === p.name && d.digest?.['sha512'] === p.sha512), `provenance: ${p.name}`);
  }
  assert.equal(cdx.metadata.component.pedigree?.patches?.length, patches.length);
});

for (const [name, gen] of Object.entries(generators)) {
  test(`${name}: the same record gives byte-identical JSON, every changed fact a different document`, () => {
    for (const { record } of recordVariants()) assert.equal(JSON.stringify(gen(record)), JSON.stringify(gen(structuredClone(record))));
    const r = sampleBuildRecord();
    const base = JSON.stringify(gen(r));
    assert.notEqual(JSON.stringify(gen({ ...r, build: { ...r.build, flags: { ...r.build.flags, optflags: '-O1' } } })), base);
    assert.notEqual(JSON.stringify(gen({ ...r, build: { ...r.build, defines: { ...r.build.defines, dist: '.azl5' } } })), base);
  });
}
