// Benchmark: `rebase check --upstream-specs` over the real Azure Linux tree against the Fedora
// rawhide corpus (every component with overlays), through the CLI in process. Target < 30 s.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../testing/cli.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const specs = path.resolve(root, '../shared/corpus/fedora-specs');

const runs: number[] = [];
let summary = '';
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await runCli(azl, ['rebase', 'check', '--upstream-specs', specs, '-a', '-o', 'json']);
  runs.push(performance.now() - t0);
  const s = (JSON.parse(r.out) as { summary: Record<string, number> }).summary;
  summary = JSON.stringify(s);
}
console.log(`rebase check (Azure Linux tree vs Fedora rawhide specs, load + check, in process): ${runs.map((t) => (t / 1000).toFixed(2)).join(' s, ')} s (target < 30 s)`);
console.log(`  ${summary}`);
