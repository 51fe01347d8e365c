// SHACL validation of the generated SPDX 3.0.1 documents (slow: loads the SPDX model; ~2–8 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordVariants, shaclValidator } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { spdx301 } from './spdx3.js';

const validate = await shaclValidator();

for (const { name, record } of recordVariants()) {
  test(`SPDX 3.0.1 of the ${name} record conforms to the SPDX model's SHACL shapes`, async () => {
    assert.deepEqual(await validate(spdx301(record)), []);
  });
}

test('negative controls: a Tool in createdBy, a Build without buildType are reported', async () => {
  const doc = spdx301(sampleBuildRecord());
  const [ci, ...rest] = doc['@graph'];
  const tool = rest.find((n) => n.type === 'Tool')!['spdxId'];
  const toolAsCreator = await validate({ ...doc, '@graph': [{ ...ci, createdBy: [tool] }, ...rest] });
  assert.ok(toolAsCreator.some((f) => f.path.endsWith('/Core/createdBy')), JSON.stringify(toolAsCreator));
  const noType = rest.map((n) => (n.type === 'build_Build' ? Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'build_buildType')) : n));
  const findings = await validate({ ...doc, '@graph': [ci, ...noType] });
  assert.ok(findings.some((f) => f.path.endsWith('/Build/buildType')), JSON.stringify(findings));
});
