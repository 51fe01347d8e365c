#!/usr/bin/env node
// Writes the table of diagnostic codes into README.md (between the diagnostic-codes markers),
// printed from the registry in src/diag/codes.ts (compiled: run `npm run build` first).
// Usage: node scripts/gen-diagnostic-codes.mjs [--check]   (--check: exit 1 when README.md is out of date)
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from './lib/find-files.mjs';

const { updateCodeTable } = await import(pathToFileURL(path.join(root, 'dist', 'diag', 'code-table.js')).href);
const file = path.join(root, 'README.md');
const before = readFileSync(file, 'utf8');
const after = updateCodeTable(before);
if (after === undefined) {
  console.error('README.md has no diagnostic-codes markers');
  process.exit(1);
}
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md: the table of diagnostic codes is out of date; run node scripts/gen-diagnostic-codes.mjs');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log('README.md: table of diagnostic codes updated');
}
