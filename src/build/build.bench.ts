// Build the example distribution (5 components, 6 binary + 5 source packages) with -j1 and -j2:
// wall time, the sum of rpmbuild times, Strata's own overhead; then a no-op incremental rebuild.
// Targets: overhead < 5% of rpmbuild time at -j1; -j2 wall < 0.6 × -j1 wall.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { NodeProcessLock } from '../adapters/process-lock.js';
import { planBuildGraph, type GraphInput } from './graph.js';
import { runBuild, type BuildRunResult } from './run-build.js';
import { rpmspecInspector, specModelInspector } from './spec-facts.js';
import { makeTarballs, prepareExampleUnits } from './testing/example.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const lock = new NodeProcessLock();
const tmp = mkdtempSync(path.join(tmpdir(), 'strata-build-bench-'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

try {
  const tarballs = makeTarballs(path.join(tmp, 'tarballs'));
  const units = prepareExampleUnits(path.join(tmp, 'prepared'), tarballs);
  const opts = (jobs: number, force: boolean) => ({
    units,
    outDir: path.join(tmp, 'out'),
    workDir: path.join(tmp, 'work'),
    fixedRootBase: path.join(tmp, 'fixed'),
    macros: { dist: '.exl1' },
    jobs,
    force,
    inspector: specModelInspector(fs, rpmspecInspector(proc)),
  });
  // Warm-up (page cache, compiler) and the state for later runs.
  await runBuild({ fs, proc, sink: () => {}, lock }, opts(2, true));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const measure = async (jobs: number, force: boolean) => {
    const runs: BuildRunResult[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c0 = process.cpuUsage();
      runs.push(await runBuild({ fs, proc, sink: () => {}, lock }, opts(jobs, force)));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
    }
    return { wall: median(runs.map((r) => r.wallSeconds)), rpmbuild: median(runs.map((r) => r.rpmbuildSeconds)), cpu: median(cpu), runs };
  };
  const j1 = await measure(1, true);
  const j2 = await measure(2, true);
  const noop = await measure(2, false);
  const built = j1.runs[0]!.records.filter((r) => r.status === 'built').length;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const overhead1 = j1.wall - j1.rpmbuild;
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  console.log(`example distro: ${units.length} components, ${built} built per run, median of ${ROUNDS} runs, ${(await import('node:os')).cpus().length} cores, load average ${load} (wall figures are only meaningful on an idle machine)`);
  console.log(`-j1: wall ${j1.wall.toFixed(2)} s, rpmbuild sum ${j1.rpmbuild.toFixed(2)} s, Strata overhead ${overhead1.toFixed(3)} s = ${pct(overhead1 / j1.rpmbuild)} of rpmbuild time (target < 5%); Strata's own CPU ${j1.cpu.toFixed(3)} s = ${pct(j1.cpu / j1.rpmbuild)}`);
  console.log(`-j2: wall ${j2.wall.toFixed(2)} s, rpmbuild sum ${j2.rpmbuild.toFixed(2)} s, wall ratio -j2/-j1 = ${(j2.wall / j1.wall).toFixed(2)} (target < 0.60)`);
  console.log(`no-op incremental rebuild: ${(noop.wall * 1000).toFixed(0)} ms (${noop.runs[0]!.records.filter((r) => r.status === 'unchanged').length} unchanged)`);
  // Graph planning at distro scale (Azure Linux has 7,583 components): synthetic, 8 versioned
  // BuildRequires each on earlier components' -devel packages plus one external.
  const N = 7500;
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const inputs: GraphInput[] = [];
  for (let i = 0; i < N; i++) {
    const br = Array.from({ length: 8 }, () => Math.floor(rnd() * i)).filter((j) => j < i).map((j) => ({ name: `pkg${j}-devel`, op: '>=' as const, version: '1.0' }));
    inputs.push({ name: `pkg${i}`, facts: { name: `pkg${i}`, version: '1.2', release: '1', buildRequires: [...br, { name: 'gcc', op: '', version: '' }], packages: [{ name: `pkg${i}`, arch: 'x86_64', provides: [], requires: [], files: [] }, { name: `pkg${i}-devel`, arch: 'x86_64', provides: [{ name: `pkgconfig(p${i})`, op: '=', version: '1.2' }], requires: [], files: [] }] } });
  }
  const g0 = performance.now();
  const g = planBuildGraph(inputs);
  console.log(`graph planning, ${N} synthetic components, ${g.edges.length} edges: ${(performance.now() - g0).toFixed(0)} ms`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
