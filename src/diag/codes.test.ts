// The registry of diagnostic codes against the tree: the README's table is the one the registry
// prints, and every registered code is still used somewhere in src/ (none is stale).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { updateCodeTable } from './code-table.js';
import { DIAGNOSTIC_CODES, DIAGNOSTIC_CODE_FAMILIES, error } from './index.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');

/** Product sources under src/ (no tests, benchmarks, harnesses, nor the registry itself). */
function productSources(): string[] {
  const out: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'testing') walk(p);
      } else if (name.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(name) && p !== path.join(root, 'src', 'diag', 'codes.ts')) out.push(p);
    }
  })(path.join(root, 'src'));
  return out;
}

test('the README table of diagnostic codes is up to date with src/diag/codes.ts', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const updated = updateCodeTable(readme);
  assert.ok(updated !== undefined, 'README.md has the diagnostic-codes markers');
  assert.ok(updated === readme, 'README.md is out of date: run `node scripts/gen-diagnostic-codes.mjs`');
});

test('every registered diagnostic code is used somewhere in src/', () => {
  const text = productSources().map((f) => readFileSync(f, 'utf8')).join('\n');
  const stale = Object.keys(DIAGNOSTIC_CODES).filter((c) => !text.includes(`'${c}'`));
  assert.deepEqual(stale, [], `registered but unused (remove them from src/diag/codes.ts): ${stale.join(', ')}`);
  for (const family of Object.keys(DIAGNOSTIC_CODE_FAMILIES)) assert.ok(text.includes(`\`${family.replace(/E\*$/, '')}\${`), `no code of the family ${family} is made in src/`);
});

test('every summary is one line, and a code reads as a code', () => {
  for (const [code, info] of Object.entries({ ...DIAGNOSTIC_CODES, ...DIAGNOSTIC_CODE_FAMILIES })) {
    assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9*]+)+$/, code);
    assert.ok(info.summary.length > 0 && !info.summary.includes('\n'), code);
  }
  assert.equal(error('CONFIG_TYPE', 'x').code, 'CONFIG_TYPE');
});
