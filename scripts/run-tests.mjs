#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner.
// Usage: node scripts/run-tests.mjs [filter-substring...]
import { spawnSync } from 'node:child_process';
import { findCompiled, root } from './lib/find-files.mjs';

const chosen = findCompiled('.test.js', process.argv.slice(2));
if (chosen.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...chosen], { cwd: root, stdio: 'inherit', env: { ...process.env, STRATA_ROOT: root } });
process.exit(r.status ?? 1);
