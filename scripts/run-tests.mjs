#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner, two files at a time.
// The files known to take longest start first, so that no slow file starts last and runs alone
// while the other slot is idle (the wall time is then about the total over the slots, not the
// total plus the slowest file).
// Usage: node scripts/run-tests.mjs [filter-substring...]
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { findCompiled, root } from './lib/find-files.mjs';
import { slowFirst, staleSlowTests } from './lib/slow-tests.mjs';

const chosen = findCompiled('.test.js', process.argv.slice(2));
if (chosen.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
const stale = process.argv.length > 2 ? [] : staleSlowTests(chosen);
if (stale.length > 0) {
  console.error(`scripts/lib/slow-tests.mjs names test files that do not exist: ${stale.join(', ')} (update the list)`);
  process.exit(1);
}
const CONCURRENCY = 2;
// Files run side by side share the cores: each may run STRATA_TEST_JOBS things at once
// (src/testing/test-jobs.ts), so a corpus test's workers do not fight the other file for a core.
const slots = Math.min(CONCURRENCY, chosen.length);
const jobsPerFile = String(Math.max(1, Math.floor(availableParallelism() / slots)));
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${CONCURRENCY}`, ...slowFirst(chosen)], { cwd: root, stdio: 'inherit', env: { STRATA_TEST_JOBS: jobsPerFile, ...process.env, STRATA_ROOT: root } });
process.exit(r.status ?? 1);
