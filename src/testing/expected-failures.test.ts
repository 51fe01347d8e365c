import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExpectedFailures } from './expected-failures.js';

test('checkExpectedFailures: a regression, a stale entry and an unknown entry each complain', () => {
  const verdicts = [{ name: 'a', problems: [] }, { name: 'b', problems: ['output differs'] }, { name: 'c', problems: ['x'] }];
  assert.deepEqual(checkExpectedFailures(verdicts, ['c']), ['b: output differs']);
  assert.deepEqual(checkExpectedFailures(verdicts, ['a', 'b', 'c']), ['a: on the expected-failure list but passes (remove it from the list)']);
  assert.deepEqual(checkExpectedFailures(verdicts, ['b', 'c', 'zz']), ['zz: on the expected-failure list but not in the corpus']);
  assert.deepEqual(checkExpectedFailures([{ name: 'a', problems: [] }], []), []);
});
