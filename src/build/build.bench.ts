// Build the example distribution (5 components, 6 binary + 5 source packages) with -j1 and -j2:
// wall time, the sum of rpmbuild times, Strata's own overhead; then a no-op incremental rebuild.
// Targets: overhead < 5% of rpmbuild time at -j1; -j2 wall < 0.6 × -j1 wall. Also printed: the
// overhead per component in ms, and the CPU used by rpmbuild and its tools (at -j1 rpmbuild uses
// more than one core: make -j, rpm's own threads), which bounds what -j2 can gain on few cores.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
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
    // as `strata component build` does: parallel builds share the machine's CPUs
    cpus: availableParallelism(),
  });
  /** CPU seconds used by this process's finished child processes (rpmbuild and everything it runs). */
  const childCpu = () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime (fields 16, 17), in USER_HZ ticks
  };
  // Warm-up (page cache, compiler) and the state for later runs.
  await runBuild({ fs, proc, sink: () => {}, lock }, opts(2, true));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const measure = async (jobs: number, force: boolean) => {
    const runs: BuildRunResult[] = [];
    const cpu: number[] = [];
    const children: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c0 = process.cpuUsage();
      const k0 = childCpu();
      runs.push(await runBuild({ fs, proc, sink: () => {}, lock }, opts(jobs, force)));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
      children.push(childCpu() - k0);
    }
    return { wall: median(runs.map((r) => r.wallSeconds)), rpmbuild: median(runs.map((r) => r.rpmbuildSeconds)), cpu: median(cpu), children: median(children), runs };
  };
  const j1 = await measure(1, true);
  const j2 = await measure(2, true);
  const noop = await measure(2, false);
  const built = j1.runs[0]!.records.filter((r) => r.status === 'built').length;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const ms = (x: number) => `${(x * 1000).toFixed(0)} ms`;
  const overhead1 = j1.wall - j1.rpmbuild;
  console.log(`example distro: ${units.length} components, ${built} built per run, median of ${ROUNDS} runs, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (wall figures are only meaningful on an idle machine)`);
  console.log(`-j1: wall ${j1.wall.toFixed(2)} s, rpmbuild sum ${j1.rpmbuild.toFixed(2)} s, Strata overhead ${overhead1.toFixed(3)} s = ${pct(overhead1 / j1.rpmbuild)} of rpmbuild time (target < 5%) = ${ms(overhead1 / built)} per component built; Strata's own CPU ${j1.cpu.toFixed(3)} s = ${pct(j1.cpu / j1.rpmbuild)}`);
  console.log(`     rpmbuild ${ms(j1.rpmbuild / built)} per component (-bs + --rebuild); rpmbuild and the tools it runs used ${j1.children.toFixed(2)} CPU-s = ${(j1.children / j1.rpmbuild).toFixed(2)} cores while building`);
  console.log(`-j2: wall ${j2.wall.toFixed(2)} s, rpmbuild sum ${j2.rpmbuild.toFixed(2)} s (${(j2.rpmbuild / j1.rpmbuild).toFixed(2)} x -j1), wall ratio -j2/-j1 = ${(j2.wall / j1.wall).toFixed(2)} (target < 0.60); CPU used ${(j2.children + j2.cpu).toFixed(2)} CPU-s (rpmbuild and its tools ${j2.children.toFixed(2)}, Strata ${j2.cpu.toFixed(2)}): on ${cpus().length} cores no schedule beats ${((j2.children + j2.cpu) / cpus().length).toFixed(2)} s = ${((j2.children + j2.cpu) / cpus().length / j1.wall).toFixed(2)} x -j1 wall`);
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
