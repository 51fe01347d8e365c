import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { LineIndex, pathKey, scanTomlPositions } from './toml-positions.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(root, '../shared');

/** Every leaf path of a parsed TOML value (arrays of scalars count as one leaf, plus their items). */
function leaves(v: unknown, p: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) {
    out.push(p);
    v.forEach((x, i) => leaves(x, [...p, i], out));
  } else if (v && typeof v === 'object' && !(v instanceof Date)) {
    if (p.length) out.push(p);
    for (const [k, x] of Object.entries(v)) leaves(x, [...p, k], out);
  } else out.push(p);
  return out;
}

function get(v: unknown, p: readonly (string | number)[]): unknown {
  return p.reduce<unknown>((a, k) => (a as Record<string | number, unknown>)[k], v);
}

/** Checks that every leaf has a position and that each scalar's value text parses back to the value. */
function checkDocument(text: string, label: string): number {
  const value = parse(text);
  const pos = scanTomlPositions(text);
  let n = 0;
  for (const p of leaves(value)) {
    const at = pos.get(pathKey(p));
    assert.ok(at, `${label}: no position for ${p.join('.')}`);
    const v = get(value, p);
    const scalarArray = Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object' || x instanceof Date);
    if (v === null || typeof v !== 'object' || v instanceof Date || scalarArray) {
      const slice = text.slice(at.value, at.valueEnd);
      const back = parse(`x = ${slice}`)['x'];
      assert.deepEqual(back, v, `${label}: value text of ${p.join('.')} is ${JSON.stringify(slice)}`);
      n++;
    }
  }
  return n;
}

/** expected: key path (segments joined with '/') → [line, col] of the key. */
const cases: { name: string; input: string; expected: Record<string, [number, number]> }[] = [
  {
    name: 'tables, dotted keys and inline tables',
    input: '[a]\nb.c = 1\nd = { e = "x", f = { g = true } }\n',
    expected: { a: [1, 2], 'a/b': [2, 1], 'a/b/c': [2, 1], 'a/d/e': [3, 7], 'a/d/f/g': [3, 22] },
  },
  {
    name: 'arrays of tables with sub-tables',
    input: '[[x.o]]\nt = "1"\n[[x.o]]\nt = "2"\n[x.o.sub]\nk = 3\n',
    expected: { 'x/o/0/t': [2, 1], 'x/o/1/t': [4, 1], 'x/o/1/sub/k': [6, 1] },
  },
  {
    name: 'quoted keys with dots',
    input: '[components."rust-a0.1"]\n\'lit.key\' = 1\n',
    expected: { 'components/rust-a0.1': [1, 2], 'components/rust-a0.1/lit.key': [2, 1] },
  },
  {
    name: 'multi-line strings that look like TOML',
    input: 'a = """\n[not.a.table]\nb = 1 # no\n"""\nc = \'\'\'\n[[x]]\n\'\'\'\nd = 2\n',
    expected: { a: [1, 1], c: [5, 1], d: [8, 1] },
  },
  {
    name: 'arrays across lines with comments and inline tables',
    input: 'o = [\n  # first\n  { type = "a", v = [1, 2] }, # trailing\n  { type = "b" },\n]\nz = 1\n',
    expected: { 'o/0/type': [3, 5], 'o/0/v/1': [3, 25], 'o/1/type': [4, 5], z: [6, 1] },
  },
  {
    name: 'escapes inside basic strings',
    input: 'a = "x\\"y = [" \nb = "\\u00e9"\n',
    expected: { a: [1, 1], b: [2, 1] },
  },
];

for (const c of cases) {
  test(`scanTomlPositions: ${c.name}`, () => {
    const pos = scanTomlPositions(c.input);
    const lines = new LineIndex(c.input);
    for (const [k, [line, col]] of Object.entries(c.expected)) {
      const at = pos.get(pathKey(k.split('/')));
      assert.ok(at, `no position for ${k}`);
      assert.deepEqual(lines.position(at.key), { line, col }, k);
    }
    checkDocument(c.input, c.name);
  });
}

test('scanTomlPositions agrees with smol-toml on every TOML file of the Azure Linux tree', () => {
  const dir = path.join(shared, 'fixtures/azurelinux');
  const files: string[] = [];
  (function walk(d: string) {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.toml')) files.push(p);
    }
  })(dir);
  assert.ok(files.length > 200, `found ${files.length} files`);
  let values = 0;
  for (const f of files) values += checkDocument(readFileSync(f, 'utf8'), path.relative(dir, f));
  assert.ok(values > 8000, `checked ${values} values`);
});

test('LineIndex maps offsets to 1-based line and column', () => {
  const li = new LineIndex('ab\ncd\n\nx');
  assert.deepEqual(li.position(0), { line: 1, col: 1 });
  assert.deepEqual(li.position(3), { line: 2, col: 1 });
  assert.deepEqual(li.position(4), { line: 2, col: 2 });
  assert.deepEqual(li.position(7), { line: 4, col: 1 });
});

test('scanTomlPositions: property — every value of a generated document has a position that parses back', async () => {
  const fc = await import('fast-check');
  const { stringify } = await import('smol-toml');
  const key = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), fc.string({ minLength: 1, maxLength: 6 }));
  const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.boolean(), fc.integer({ min: -1000, max: 1000 }), fc.constantFrom('a\nb', 'x = "y"', '[t]', "it's", '# not a comment'));
  const table = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 3 }), tie('table'), fc.array(tie('table'), { minLength: 1, maxLength: 2 })),
    table: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  })).table as import('fast-check').Arbitrary<Record<string, unknown>>;
  fc.assert(
    fc.property(table, (doc) => {
      let text: string;
      try {
        text = stringify(doc);
      } catch {
        return true; // not representable (e.g. empty arrays of tables)
      }
      checkDocument(text, 'generated');
      return true;
    }),
    { numRuns: 300 },
  );
});
