/**
 * `runBuild`: build a set of components in dependency order, N at a time, incrementally, with
 * failures isolated to their dependents (keep-going), results sorted into channels, and an
 * optional reproducibility check (every component built twice in different top directories).
 *
 * The driver: it evaluates the specs (evaluate-specs.ts), plans the graph (graph.ts), and lets
 * the scheduler (scheduler.ts, pure; carried out by schedule-driver.ts) say what to start next while each component is built by
 * build-unit.ts into the output layout (output-layout.ts) and the local repository
 * (local-repo.ts), with chores and background work (chores.ts) awaited at the end.
 */
import { loadHostFacts, type Vendor } from './evidence.js';
import * as path from 'node:path';
import type { EventSink, FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { warning, type Diagnostic } from '../diag/index.js';
import { factsWithBuiltFiles, BuildStateStore } from './build-state.js';
import { buildUnit, type BuiltPackages, type UnitRun } from './build-unit.js';
import { Background, Chores } from './chores.js';
import { evaluateSpecs, loadProviders } from './evaluate-specs.js';
import { DEFAULT_FIXED_ROOT_BASE, FixedRoots } from './fixed-roots.js';
import { cycleDiagnostics, planBuildGraph } from './graph.js';
import { LocalRepo } from './local-repo.js';
import { OutputLayout, type ChannelOf } from './output-layout.js';
import type { ReproducibilityResult } from './reproducibility.js';
import { planCpuShares } from './rpmbuild.js';
import { ScheduleDriver } from './schedule-driver.js';
import { BuildScheduler } from './scheduler.js';
import type { SpecInspector } from './spec-facts.js';
import type { BuildGraph, BuildRecord, BuildStatus, BuildUnit } from './types.js';

export interface BuildContext {
  readonly fs: FileSystem;
  readonly proc: ProcessRunner;
  /** Cross-process lock of the fixed build paths. */
  readonly lock: ProcessLock;
  readonly sink: EventSink;
  readonly signal?: AbortSignal;
}

export interface BuildOptions {
  readonly units: readonly BuildUnit[];
  /** `out/`: srpms/, rpms/<channel>/, logs/. */
  readonly outDir: string;
  /** Work directory: per-build top directories, state, the local repository. */
  readonly workDir: string;
  /** Base of the fixed build paths (default /var/tmp/strata-build). */
  readonly fixedRootBase?: string;
  /** Distro macros (e.g. `dist`). */
  readonly macros?: Readonly<Record<string, string>>;
  readonly jobs?: number;
  readonly force?: boolean;
  readonly backend?: 'rpmbuild' | 'mock';
  readonly inspector: SpecInspector;
  /** Channel of a binary package; '' or 'none' keeps it in out/rpms/. */
  readonly channelOf?: ChannelOf;
  /** Build every component twice in different top directories and compare the packages. */
  readonly verifyReproducible?: boolean;
  /**
   * Other components of the project (not selected): their last successful build, when its
   * packages are still in out/, provides BuildRequires of the selected ones (so `-p greet`
   * builds against the libgreet built before). They are not rebuilt.
   */
  readonly providers?: readonly string[];
  /** Stop starting new builds after the first failure (default: keep going). */
  readonly failFast?: boolean;
  /** Refresh a local repository with createrepo_c after the run (default true). */
  readonly localRepo?: boolean;
  /** mock backend: the mock binary and `-r` config (from the distro version's mock-config). */
  readonly mock?: { readonly path: string; readonly config: string };
  /** SOURCE_DATE_EPOCH for specs without a changelog. */
  readonly fallbackEpoch?: number;
  /**
   * CPUs of the machine. Each of the `jobs` parallel binary builds gets its share as
   * `_smp_build_ncpus` (make -j and rpm's own threads), so that parallel builds do not
   * oversubscribe the machine; a `_smp_build_ncpus` in `macros` or a component's defines wins.
   * Source packages are not affected (see RpmbuildJob.binaryMacros).
   */
  readonly cpus?: number;
  /**
   * The CPUs this process may run on (the CLI reads `Cpus_allowed_list`). With 1 < jobs ≤ their
   * number, build slot k is confined (`taskset -c`) to its own share of them, the same share
   * `_smp_build_ncpus` announces: parallel builds then do not migrate between and evict each
   * other from the same CPUs. The share is also taken from this list instead of `cpus`.
   */
  readonly cpuSet?: readonly number[];
  /** Collect a build record (src/build/build-record.ts) for every component built, with these purl facts and the machine's arch. */
  readonly evidence?: Vendor & { readonly arch: string };
}

export interface BuildRunResult {
  readonly graph: BuildGraph;
  readonly records: readonly BuildRecord[];
  readonly diagnostics: readonly Diagnostic[];
  readonly reproducibility: readonly ReproducibilityResult[];
  readonly wallSeconds: number;
  readonly rpmbuildSeconds: number;
  readonly localRepo?: string;
}

function unbuilt(name: string, reason: string): BuildRecord {
  return { name, status: 'failed', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason };
}

export async function runBuild(ctx: BuildContext, opts: BuildOptions): Promise<BuildRunResult> {
  const t0 = performance.now();
  const { fs, sink } = ctx;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const backend = opts.backend ?? 'rpmbuild';
  const macros = { ...(opts.macros ?? {}) };
  const diagnostics: Diagnostic[] = [];
  const units = new Map(opts.units.map((u) => [u.name, u]));
  const store = new BuildStateStore(fs, opts.workDir);
  const layout = new OutputLayout(fs, opts.outDir, opts.channelOf);

  // 1. Evaluate every spec (cached by the self fingerprint); the last builds of the others.
  const evaluation = await evaluateSpecs(fs, sink, store, [...units.values()], { macros, backend, inspector: opts.inspector, parallel: Math.max(4, jobs * 2) });
  diagnostics.push(...evaluation.diagnostics);
  const provided = await loadProviders(store, layout, opts.providers ?? [], new Set(units.keys()));

  // 2. The graph.
  const graph = planBuildGraph([
    ...[...evaluation.units].map(([name, s]) => ({ name, facts: s.facts })),
    ...[...provided].map(([name, st]) => ({ name, facts: factsWithBuiltFiles(st.facts, st.packages) })),
  ]);
  const allNodes = [...units.keys()].sort();
  const cycleMembers = new Set(graph.cycles.flat());
  diagnostics.push(...cycleDiagnostics(graph, (c) => units.get(c)?.definedAt));
  for (const [name, ext] of graph.external) {
    sink({ kind: 'log', level: 'debug', message: `${name}: BuildRequires from the buildroot (not built here): ${ext.join(', ')}` });
  }

  // 3. Schedule and build.
  const records = new Map<string, BuildRecord>();
  const built = new Map<string, BuiltPackages>();
  const fingerprints = new Map<string, string>();
  const finishedBefore = new Map<string, BuildStatus>();
  for (const [n, st] of provided) {
    finishedBefore.set(n, 'unchanged');
    fingerprints.set(n, st.fingerprint!);
    built.set(n, { rpms: st.rpms!.map((f) => layout.abs(f)), packages: [...(st.packages ?? [])] });
  }
  const durations = new Map<string, number>();
  for (const [n, s] of evaluation.units) if (s.state?.rpmbuildSeconds) durations.set(n, s.state.rpmbuildSeconds);
  const scheduler = new BuildScheduler({ nodes: allNodes, deps: graph.deps, durations, slots: jobs, failFast: !!opts.failFast, stageAhead: backend === 'rpmbuild', finished: finishedBefore });
  const total = allNodes.length;
  let done = 0;
  const onRecord = (r: BuildRecord) => {
    records.set(r.name, r);
    done++;
    const status = r.status === 'built' ? 'ok' : r.status === 'unchanged' ? 'unchanged' : r.status;
    sink({ kind: 'item', task: 'build', item: r.name, status, ...(r.reason ? { detail: r.reason } : {}) });
    sink({ kind: 'progress', task: 'build', done, total, item: r.name });
  };
  sink({ kind: 'start', task: 'build', total, label: `building ${total} component(s) with ${jobs} job(s)` });
  for (const n of allNodes) {
    const evalFailure = evaluation.failures.get(n);
    const rec = evalFailure !== undefined ? unbuilt(n, `spec evaluation failed: ${evalFailure}`) : cycleMembers.has(n) ? unbuilt(n, `in a build dependency cycle: ${graph.cycles.find((c) => c.includes(n))!.join(' -> ')}`) : undefined;
    if (rec) {
      scheduler.recordUnstarted(rec);
      onRecord(rec);
    }
  }

  const localRepo = opts.localRepo !== false ? await LocalRepo.open(fs, ctx.proc, path.join(opts.workDir, 'local-repo'), (d) => diagnostics.push(d)) : undefined;
  const chores = new Chores((e) => diagnostics.push(warning('BUILD_BOOKKEEPING', `after a build (removing its build tree or updating the local repository): ${(e as Error).message}`)));
  const fixedRoots = new FixedRoots(fs, ctx.lock, opts.fixedRootBase ?? DEFAULT_FIXED_ROOT_BASE, chores);
  await fixedRoots.sweepTrash();
  const background = new Background();
  const reproducibility: ReproducibilityResult[] = [];
  const build = (name: string): Promise<BuildRecord> =>
    buildUnit(run, units.get(name)!, evaluation.units.get(name)!).catch((e: unknown) => {
      const d = (e as { diagnostics?: Diagnostic[] }).diagnostics;
      if (!d) throw e;
      diagnostics.push(...d);
      return unbuilt(name, (e as Error).message);
    });
  // The host's answers for every external BuildRequires, looked up while the builds run.
  const hostFacts = opts.evidence ? loadHostFacts(fs, ctx.proc, backend, { ...(opts.mock?.path ? { mockPath: opts.mock.path } : {}), cacheFile: path.join(opts.workDir, '.strata', 'host-tools.json') }).then((h) => (h.prefetch([...graph.external.values()].flat()), h)) : undefined;
  const driver = new ScheduleDriver(scheduler, sink, build, onRecord);
  const run: UnitRun = {
    fs,
    proc: ctx.proc,
    lock: ctx.lock,
    sink,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    backend,
    jobs,
    macros,
    ...planCpuShares(jobs, opts.cpus, opts.cpuSet),
    force: !!opts.force,
    verifyReproducible: !!opts.verifyReproducible,
    ...(opts.fallbackEpoch !== undefined ? { fallbackEpoch: opts.fallbackEpoch } : {}),
    ...(opts.mock ? { mock: opts.mock } : {}),
    workDir: opts.workDir,
    graph,
    scheduler,
    slots: driver,
    layout,
    store,
    fixedRoots,
    chores,
    background,
    ...(localRepo ? { localRepo } : {}),
    built,
    fingerprints,
    diagnostics,
    reproducibility,
    ...(opts.evidence ? { evidence: { vendor: { vendor: opts.evidence.vendor, distro: opts.evidence.distro }, arch: opts.evidence.arch, host: hostFacts!, flags: new Map() } } : {}),
  };
  await driver.run();
  sink({ kind: 'end', task: 'build' });

  // 4. Bookkeeping of the last builds; what of the local repository is still stale is marked for next time.
  await background.settle();
  await chores.drain();
  await localRepo?.close();

  const list = allNodes.map((n) => records.get(n)!);
  return {
    graph,
    records: list,
    diagnostics,
    reproducibility,
    wallSeconds: (performance.now() - t0) / 1000,
    rpmbuildSeconds: list.reduce((s, r) => s + r.rpmbuildSeconds, 0),
    ...(localRepo ? { localRepo: localRepo.dir } : {}),
  };
}
