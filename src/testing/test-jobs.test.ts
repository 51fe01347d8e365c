import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { afterEach, test } from 'node:test';
import { testJobs } from './test-jobs.js';

const saved = process.env.STRATA_TEST_JOBS;
afterEach(() => {
  if (saved === undefined) delete process.env.STRATA_TEST_JOBS;
  else process.env.STRATA_TEST_JOBS = saved;
});

test('testJobs: the runner’s share when set, capped by max; every core when unset or unusable', () => {
  process.env.STRATA_TEST_JOBS = '1';
  assert.equal(testJobs(3), 1);
  process.env.STRATA_TEST_JOBS = '8';
  assert.equal(testJobs(3), 3);
  assert.equal(testJobs(), 8);
  for (const bad of ['', '0', '-2', 'many']) {
    process.env.STRATA_TEST_JOBS = bad;
    assert.equal(testJobs(), availableParallelism(), JSON.stringify(bad));
  }
  delete process.env.STRATA_TEST_JOBS;
  assert.equal(testJobs(1), 1);
});
