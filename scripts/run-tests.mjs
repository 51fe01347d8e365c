#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner, two files at a time.
// The files known to take longest start first, so that no slow file starts last and runs alone
// while the other slot is idle (the wall time is then about the total over the slots, not the
// total plus the slowest file).
// Usage: node scripts/run-tests.mjs [filter-substring...]
import { spawnSync } from 'node:child_process';
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
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...slowFirst(chosen)], { cwd: root, stdio: 'inherit', env: { ...process.env, STRATA_ROOT: root } });
process.exit(r.status ?? 1);
