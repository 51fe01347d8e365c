// Shared by scripts/run-tests.mjs and scripts/bench.mjs: the repo root and compiled files by suffix.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Files under dist/ whose names end with `suffix`, sorted, keeping those that contain any filter substring. */
export function findCompiled(suffix, filters = []) {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) files.push(p);
    }
  })(path.join(root, 'dist'));
  return filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
}
