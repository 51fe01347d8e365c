/**
 * The real azldev render cases (../shared/corpus/azl-render) through the CLI, via the shared
 * harness (tools/azl-render-golden.py): every case must match azldev byte for byte, except those
 * on EXPECTED_FAILURES (empty: all 76 pass). The cases run in shards of the harness side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as os from 'node:os';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { runCommand } from '../testing/run-command.js';
import { checkExpectedFailures } from '../testing/expected-failures.js';
import { testJobs } from '../testing/test-jobs.js';

const repo = path.resolve(process.env.STRATA_ROOT ?? path.join(import.meta.dirname, '..', '..'));
const shared = path.resolve(repo, '../shared');
const harness = path.join(shared, 'tools', 'azl-render-golden.py');
const casesDir = path.join(shared, 'corpus', 'azl-render', 'cases');

/** Cases known not to match azldev today; a listed case that passes fails the test (stale entry). */
const EXPECTED_FAILURES: readonly string[] = [];
/** Harness processes side by side (each renders its share of the cases). */
const SHARDS = testJobs(2);

test('azl-render golden cases: all pass but the expected failures', { skip: !existsSync(harness) && 'no ../shared corpus', timeout: 15 * 60_000 }, async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  try {
    const names = readdirSync(casesDir).filter((c) => existsSync(path.join(casesDir, c, 'case.json'))).sort();
    assert.ok(names.length >= 76, `expected 76 cases, found ${names.length}`);
    const shards = Array.from({ length: SHARDS }, (_, i) => names.filter((_, j) => j % SHARDS === i));
    const runs = await Promise.all(shards.map(async (only, i) => {
      const out = path.join(tmp, `results-${i}.json`);
      const r = await runCommand('python3', [harness, '--strata', path.join(repo, 'bin', 'strata'), '-q', '--json', out, '--only', ...only]);
      assert.ok(existsSync(out), `harness did not run: ${r.stderr}`);
      return JSON.parse(readFileSync(out, 'utf8')) as { case: string; ok: boolean; problems: string[] }[];
    }));
    const results = runs.flat();
    assert.deepEqual(results.map((x) => x.case).sort(), names, 'the harness reports every case once');
    const complaints = checkExpectedFailures(results.map((x) => ({ name: x.case, problems: x.ok ? [] : x.problems.length ? x.problems : ['failed'] })), EXPECTED_FAILURES);
    assert.deepEqual(complaints, [], `${results.filter((x) => x.ok).length}/${results.length} passed:\n${complaints.join('\n')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
