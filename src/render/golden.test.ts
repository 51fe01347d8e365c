/**
 * The real azldev render cases (../shared/corpus/azl-render) through the CLI, via the shared
 * harness (tools/azl-render-golden.py): at least 72 of 76 must match azldev byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as os from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const repo = path.resolve(process.env.STRATA_ROOT ?? path.join(import.meta.dirname, '..', '..'));
const shared = path.resolve(repo, '../shared');
const harness = path.join(shared, 'tools', 'azl-render-golden.py');

test('azl-render golden cases: at least 72 of 76 pass', { skip: !existsSync(harness) && 'no ../shared corpus', timeout: 15 * 60_000 }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  try {
    const out = path.join(tmp, 'results.json');
    const r = spawnSync('python3', [harness, '--strata', path.join(repo, 'bin', 'strata'), '-q', '--json', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.ok(existsSync(out), `harness did not run: ${r.stderr}`);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { case: string; ok: boolean; problems: string[] }[];
    const passed = results.filter((x) => x.ok).length;
    const failures = results.filter((x) => !x.ok).map((x) => `${x.case}: ${x.problems.join(' | ').slice(0, 300)}`);
    assert.ok(results.length >= 76, `expected 76 cases, got ${results.length}`);
    assert.ok(passed >= 72, `only ${passed}/${results.length} passed:\n${failures.join('\n')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
