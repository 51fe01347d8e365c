/**
 * How many things one test file may run side by side (shards, worker threads, cases in flight).
 *
 * `scripts/run-tests.mjs` runs several test files at once and divides the machine among them: it
 * sets STRATA_TEST_JOBS to the cores per file slot, so that a corpus test does not start three
 * workers on a core another file is already using (which only adds contention). A file run on
 * its own (`node --test dist/….test.js`) may use every core.
 */
import { availableParallelism } from 'node:os';

export function testJobs(max = Infinity): number {
  const set = Number.parseInt(process.env.STRATA_TEST_JOBS ?? '', 10);
  const n = Number.isInteger(set) && set > 0 ? set : availableParallelism();
  return Math.max(1, Math.min(max, n));
}
