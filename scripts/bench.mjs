#!/usr/bin/env node
// Runs every compiled benchmark (dist/**/*.bench.js) one after the other; each prints its figures.
// Usage: node scripts/bench.mjs [filter-substring...]
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.bench.js')) files.push(p);
  }
})(path.join(root, 'dist'));
let failed = 0;
for (const f of files.filter((f) => !filters.length || filters.some((x) => f.includes(x)))) {
  console.log(`\n== ${path.relative(path.join(root, 'dist'), f)}`);
  const r = spawnSync(process.execPath, ['--expose-gc', f], { cwd: root, stdio: 'inherit', env: { ...process.env, STRATA_ROOT: root } });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
