import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StrataError } from '../diag/index.js';
import { parseLockFile, printLockFile } from './lockfile.js';
import { canonicalJson, combineFingerprint } from './fingerprint.js';

const A = 'a'.repeat(40);

test('lock files: parse/print round trip and coded errors with spans', () => {
  const text = printLockFile({ version: 1, importCommit: A, upstreamCommit: A, manualBump: 2, inputFingerprint: 'v1:sha256:00', resolutionInputHash: 'sha256:11', inputs: { spec: 'sha256:22', build: 'sha256:33' } });
  assert.equal(printLockFile(parseLockFile(text, 'x.lock')), text);
  assert.match(text, /\[inputs\]\nbuild = 'sha256:33'\nspec = 'sha256:22'\n$/, 'inputs sorted');
  // azldev-style lock (double quotes, no [inputs], unknown keys) is read.
  const az = parseLockFile(`# Managed by azldev\nversion = 1\nimport-commit = "${A}"\nupstream-commit = '${A}'\ninput-fingerprint = 'sha256:ff'\nfuture-key = 3\n`, 'az.lock');
  assert.deepEqual([az.upstreamCommit, az.inputFingerprint, az.inputs], [A, 'sha256:ff', {}]);
  const cases = [
    { name: 'not toml', input: 'version = = 1\n', code: 'LOCK_PARSE', line: 1 },
    { name: 'version 2', input: '# c\nversion = 2\n', code: 'LOCK_VERSION', line: 2 },
    { name: 'no version', input: `upstream-commit = '${A}'\n`, code: 'LOCK_VERSION', line: 1 },
    { name: 'short commit', input: `version = 1\n\nupstream-commit = 'abc'\n`, code: 'LOCK_INVALID', line: 3 },
    { name: 'bump negative', input: `version = 1\nmanual-bump = -1\n`, code: 'LOCK_INVALID', line: 2 },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseLockFile(c.input, '/p/locks/x.lock'),
      (e: StrataError) => {
        assert.equal(e.code, c.code, c.name);
        assert.deepEqual([e.diagnostics[0]!.span?.file, e.diagnostics[0]!.span?.line], ['/p/locks/x.lock', c.line], c.name);
        return true;
      },
    );
  }
});

test('canonical serialisation: key order and default-valued members do not matter', () => {
  const cases = [
    { name: 'key order', a: { b: 1, a: [1, 2] }, b: { a: [1, 2], b: 1 }, same: true },
    { name: 'false/empty dropped', a: { a: 1, skip: false, list: [], map: {}, u: undefined }, b: { a: 1 }, same: true },
    { name: 'list order matters', a: { a: [1, 2] }, b: { a: [2, 1] }, same: false },
    { name: 'true kept', a: { a: 1, skip: true }, b: { a: 1 }, same: false },
    { name: 'string vs number', a: { a: '1' }, b: { a: 1 }, same: false },
  ];
  for (const c of cases) assert.equal(canonicalJson(c.a) === canonicalJson(c.b), c.same, c.name);
  const f = combineFingerprint({ spec: { x: 1 }, build: {} });
  assert.match(f.value, /^v1:sha256:[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(f.parts), ['build', 'spec']);
  assert.equal(combineFingerprint({ build: {}, spec: { x: 1 } }).value, f.value);
});
