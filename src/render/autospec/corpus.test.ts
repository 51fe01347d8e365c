/**
 * Replays the rpmautospec corpus (../shared/corpus/rpmautospec) in-process: for every case, clone
 * its bundle, run processDistgit and calculateRelease at the head, and the release number at
 * every commit of `per_commit`; compare with what rpmautospec 0.8.4 produced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../../adapters/node-fs.js';
import { NodeProcessRunner } from '../../adapters/node-process.js';
import { SystemGit } from '../../adapters/git.js';
import { isStrataError } from '../../diag/index.js';
import { calculateRelease, processDistgit, runAutospec } from './process.js';
import { loadHistory } from '../../sources/git/index.js';
import { mapPool } from '../../util/pool.js';
import { checkExpectedFailures } from '../../testing/expected-failures.js';
import { testJobs } from '../../testing/test-jobs.js';

const root = path.resolve(process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../../..'), '../shared');
const casesDir = path.join(root, 'corpus/rpmautospec/cases');
const DEFINES = [['dist', '%{nil}']] as const;

interface Expected {
  package: string;
  spec: string;
  refused: boolean;
  release_number: number | null;
  commands: { calculate_release_number?: { exit_code: number; stdout: string } };
  per_commit: { commit: string; spec_present: boolean; number: number | null }[];
}

/** Check one case; returns the list of problems (empty = pass). */
export async function checkCase(caseDir: string, workRoot: string): Promise<string[]> {
  const proc = new NodeProcessRunner();
  const git = new SystemGit(proc);
  const fs = new NodeFileSystem();
  const exp = JSON.parse(readFileSync(path.join(caseDir, 'expected.json'), 'utf8')) as Expected;
  const repo = path.join(workRoot, path.basename(caseDir), exp.package);
  const problems: string[] = [];
  await git.ok(['clone', '-q', '--branch', 'rawhide', path.join(caseDir, 'repo.bundle'), repo], { cwd: workRoot });
  const specPath = path.join(repo, exp.spec);
  const wantSpecFile = path.join(caseDir, 'expected.spec');
  const wantSpec = existsSync(wantSpecFile) ? readFileSync(wantSpecFile, 'utf8') : undefined;
  try {
    const r = await processDistgit({ git, fs, specPath, defines: DEFINES });
    if (exp.refused) problems.push('processed; rpmautospec refused');
    else if (wantSpec === undefined && r.changed) problems.push('wrote output where rpmautospec wrote none');
    else if (wantSpec !== undefined && !r.changed) problems.push('wrote no output');
    else if (wantSpec !== undefined && r.text !== wantSpec) problems.push('output differs');
  } catch (e) {
    if (!isStrataError(e)) throw e;
    if (!exp.refused) problems.push(`refused: ${e.message}`);
  }
  const cr = exp.commands.calculate_release_number;
  if (cr?.exit_code === 0) {
    const want = Number(/(\d+)\s*$/.exec(cr.stdout)?.[1]);
    try {
      const got = (await calculateRelease({ git, fs, specPath, defines: DEFINES })).releaseNumber;
      if (got !== want) problems.push(`calculate-release -n: got ${got}, want ${want}`);
    } catch (e) {
      problems.push(`calculate-release failed: ${(e as Error).message}`);
    }
  }
  // per commit: the same walk with each commit as head (clean work tree)
  const history = await loadHistory({ git, repoDir: repo, specName: exp.spec });
  for (const pc of exp.per_commit) {
    if (!pc.spec_present || pc.number === null) continue;
    const h = history.commits.has(pc.commit) ? { ...history, head: pc.commit } : await loadHistory({ git, repoDir: repo, specName: exp.spec, rev: pc.commit });
    const run = await runAutospec({ git, fs, specPath, defines: DEFINES, history: h, reflectWorktree: false }, false);
    if (run.result.releaseNumber !== pc.number) problems.push(`at ${pc.commit.slice(0, 10)}: release number ${run.result.releaseNumber}, want ${pc.number}`);
  }
  return problems;
}

/** Cases that do not replay as rpmautospec 0.8.4 did today; a listed case that passes fails the test (stale entry). */
const EXPECTED_FAILURES: readonly string[] = [];
/** Cases in flight at once: each clones a bundle and walks its history (git processes and CPU). */
const JOBS = testJobs(3);

test('rpmautospec corpus replays in-process (all 171 cases but the expected failures)', { skip: !existsSync(casesDir) && 'no ../shared corpus' }, async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'strata-autospec-corpus-'));
  try {
    const cases = readdirSync(casesDir).filter((c) => existsSync(path.join(casesDir, c, 'expected.json'))).sort();
    const verdicts = await mapPool(cases, JOBS, async (c) => ({ name: c, problems: await checkCase(path.join(casesDir, c), work) }));
    for (const v of verdicts) if (v.problems.length) t.diagnostic(`FAIL ${v.name}: ${v.problems.slice(0, 3).join('; ')}`);
    const passed = verdicts.filter((v) => v.problems.length === 0).length;
    t.diagnostic(`${passed} of ${cases.length} cases pass`);
    assert.ok(cases.length >= 171, `expected the 171 public cases, found ${cases.length}`);
    const complaints = checkExpectedFailures(verdicts, EXPECTED_FAILURES);
    assert.deepEqual(complaints, [], `${passed} of ${cases.length} cases pass:\n${complaints.map((c) => `  ${c}`).join('\n')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
