/**
 * One diagnostic renderer for every command: a config warning (an overlay key its type ignores,
 * CONFIG_UNUSED_KEY) looks the same from every command that loads the project, and under
 * `-o json` it is a JSON line on stderr while stdout stays one valid JSON value.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { main, realContext } from './main.js';

async function cli(cwd: string, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx = { ...realContext(), cwd, out: (s: string) => void (out += s), err: (s: string) => void (err += s), color: false, isTTY: false };
  const code = await main(argv, ctx);
  return { code, out, err };
}

const SPEC = 'Name: hello\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n';

/** A one-component project whose overlay has a key (`section`) that spec-add-tag ignores, on line 8. */
function project(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'strata-cli-diag-'));
  writeFileSync(
    path.join(d, 'azldev.toml'),
    '[project]\ndescription = "t"\n\n[components.hello]\nspec = { type = "local", path = "hello/hello.spec" }\n\n[[components.hello.overlays]]\nsection = "%files"\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "x"\n',
  );
  mkdirSync(path.join(d, 'hello'));
  writeFileSync(path.join(d, 'hello', 'hello.spec'), SPEC);
  return d;
}

const WARNING = /^azldev\.toml:8:1: warning\[CONFIG_UNUSED_KEY\]: .*\n 8 \| section = "%files"\n   \| \^+\n/;

describe('diagnostics from every command', () => {
  it('a config warning looks the same from config check, component list, component query and component update', async () => {
    const d = project();
    try {
      const runs = await Promise.all([['config', 'check'], ['component', 'list'], ['component', 'query', 'hello'], ['component', 'update', '--check-only', '-a']].map((argv) => cli(d, argv)));
      for (const r of runs) assert.match(r.err, WARNING, r.err);
      const blocks = runs.map((r) => r.err.slice(0, r.err.indexOf('\n', r.err.indexOf('^')) + 1));
      for (const b of blocks) assert.equal(b, blocks[0]);
      // -q drops warnings, never errors
      assert.equal((await cli(d, ['-q', 'component', 'list'])).err, '');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('with -o json the warning is a JSON line on stderr and stdout is one JSON value', async () => {
    const d = project();
    try {
      for (const argv of [['-o', 'json', 'config', 'check'], ['-o', 'json', 'component', 'list'], ['component', 'query', 'hello', '-o', 'json']]) {
        const r = await cli(d, argv);
        assert.equal(r.code, 0, r.err);
        assert.doesNotThrow(() => JSON.parse(r.out), r.out);
        const lines = r.err.trim().split('\n').map((l) => JSON.parse(l) as { code: string; severity: string; file: string; line: number; col: number; hint?: string });
        assert.deepEqual(lines.map((l) => [l.code, l.severity, l.file, l.line, l.col]), [['CONFIG_UNUSED_KEY', 'warning', 'azldev.toml', 8, 1]], argv.join(' '));
      }
      // config check also carries the warning in its value, in the same JSON form
      const check = await cli(d, ['-o', 'json', 'config', 'check']);
      assert.deepEqual((JSON.parse(check.out) as { diagnostics: unknown[] }).diagnostics, [JSON.parse(check.err)]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a thrown error under -o json: the failure on stdout, the same diagnostic as a JSON line on stderr', async () => {
    const d = project();
    try {
      const r = await cli(d, ['-o', 'json', 'component', 'query', 'nope*']);
      assert.equal(r.code, 1);
      const doc = JSON.parse(r.out) as { ok: boolean; diagnostics: { code: string }[] };
      assert.equal(doc.ok, false);
      const lines = r.err.trim().split('\n').map((l) => JSON.parse(l) as { code: string });
      assert.deepEqual(lines.map((l) => l.code), ['CONFIG_UNUSED_KEY', ...doc.diagnostics.map((x) => x.code)]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
