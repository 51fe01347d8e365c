/**
 * Benchmark: rpmautospec processing of the corpus cases in-process (warm clones): process-distgit
 * plus calculate-release per case, and the per-commit release walk over every commit. Prints
 * cases/s, commits/s and peak memory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { NodeFileSystem } from '../../adapters/node-fs.js';
import { NodeProcessRunner } from '../../adapters/node-process.js';
import { SystemGit } from '../../adapters/git.js';
import { calculateRelease, processDistgit, runAutospec } from './process.js';
import { loadHistory } from '../../sources/git/index.js';

const root = path.resolve(process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../../..'), '../shared');
const casesDir = path.join(root, 'corpus/rpmautospec/cases');

async function main(): Promise<void> {
  if (!existsSync(casesDir)) {
    console.log('rpmautospec corpus not found; skipped');
    return;
  }
  const git = new SystemGit(new NodeProcessRunner());
  const fs = new NodeFileSystem();
  const work = mkdtempSync(path.join(os.tmpdir(), 'strata-autospec-bench-'));
  const defines = [['dist', '%{nil}']] as const;
  try {
    const cases = readdirSync(casesDir).filter((c) => existsSync(path.join(casesDir, c, 'expected.json'))).sort();
    const specs: string[] = [];
    for (const c of cases) {
      const exp = JSON.parse(readFileSync(path.join(casesDir, c, 'expected.json'), 'utf8')) as { package: string; spec: string };
      const repo = path.join(work, c, exp.package);
      await git.ok(['clone', '-q', '--branch', 'rawhide', path.join(casesDir, c, 'repo.bundle'), repo], { cwd: work });
      specs.push(path.join(repo, exp.spec));
    }
    let peak = process.memoryUsage().rss;
    const t0 = performance.now();
    for (const specPath of specs) {
      for (const f of [processDistgit, calculateRelease]) {
        try {
          await f({ git, fs, specPath, defines });
        } catch {
          // refused cases count too
        }
      }
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const t1 = performance.now();
    let commits = 0;
    for (const specPath of specs) {
      const h = await loadHistory({ git, repoDir: path.dirname(specPath), specName: path.basename(specPath) });
      for (const id of h.commits.keys()) {
        await runAutospec({ git, fs, specPath, defines, history: { ...h, head: id }, reflectWorktree: false }, true);
        commits++;
      }
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const t2 = performance.now();
    const s1 = (t1 - t0) / 1000;
    const s2 = (t2 - t1) / 1000;
    console.log(`rpmautospec process-distgit + calculate-release: ${specs.length} cases in ${s1.toFixed(2)} s = ${(specs.length / s1).toFixed(1)} cases/s`);
    console.log(`release + changelog walk at every commit (history loaded once per case): ${commits} commits in ${s2.toFixed(2)} s = ${(commits / s2).toFixed(0)} commits/s`);
    console.log(`peak RSS: ${(peak / 1048576).toFixed(0)} MiB`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
