// The broken-project corpus: every directory under src/config/testdata/broken is a project with one
// or more mistakes; its expect.json lists the diagnostics (code, file, line, col) the load must
// report. Every listed diagnostic must be present, and every error reported must be listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { isStrataError, type Diagnostic } from '../diag/index.js';
import { loadProject } from './load.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const corpus = path.join(root, 'src/config/testdata/broken');

interface Expected {
  code: string;
  file: string;
  line: number;
  col: number;
}

const cases = readdirSync(corpus).sort();

test('the corpus has at least 40 broken projects', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
});

for (const name of cases) {
  test(`broken project: ${name}`, async () => {
    const dir = path.join(corpus, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expect.json'), 'utf8')) as Expected[];
    let diags: readonly Diagnostic[] = [];
    try {
      await loadProject({ fs: new NodeFileSystem(), projectDir: dir });
      assert.fail('the load succeeded but errors were expected');
    } catch (e) {
      if (!isStrataError(e)) throw e;
      diags = e.diagnostics;
    }
    const got = diags.map((d) => ({ code: d.code, file: d.span ? path.relative(dir, d.span.file) : '', line: d.span?.line ?? 0, col: d.span?.col ?? 0, severity: d.severity, message: d.message }));
    const show = got.map((g) => `  ${g.severity} ${g.code} ${g.file}:${g.line}:${g.col} ${g.message}`).join('\n');
    for (const x of expected) {
      assert.ok(
        got.some((g) => g.code === x.code && g.file === x.file && g.line === x.line && g.col === x.col),
        `expected ${x.code} at ${x.file}:${x.line}:${x.col}; got:\n${show}`,
      );
    }
    for (const g of got.filter((d) => d.severity === 'error')) {
      assert.ok(
        expected.some((x) => g.code === x.code && g.file === x.file && g.line === x.line && g.col === x.col),
        `unexpected error ${g.code} at ${g.file}:${g.line}:${g.col} (${g.message}); all:\n${show}`,
      );
    }
    // every diagnostic a user sees carries a hint or a position, and messages are one line
    for (const d of diags) {
      assert.ok(d.span, `${d.code} has no position`);
      assert.ok(!d.message.includes('\n'), `${d.code} message spans lines`);
    }
  });
}
