#!/usr/bin/env node
// Runs every compiled benchmark (dist/**/*.bench.js) one after the other; each prints its figures.
// Usage: node scripts/bench.mjs [filter-substring...]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { findCompiled, root } from './lib/find-files.mjs';

const files = findCompiled('.bench.js', process.argv.slice(2));
let failed = 0;
for (const f of files) {
  console.log(`\n== ${path.relative(path.join(root, 'dist'), f)}`);
  const r = spawnSync(process.execPath, ['--expose-gc', f], { cwd: root, stdio: 'inherit', env: { ...process.env, STRATA_ROOT: root } });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
