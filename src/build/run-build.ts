/**
 * `runBuild`: build a set of components in dependency order, N at a time, incrementally, with
 * failures isolated to their dependents (keep-going), results sorted into channels, and an
 * optional reproducibility check (every component built twice in different top directories).
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { StrataError, error, warning, type Diagnostic } from '../diag/index.js';
import type { EventSink, FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { formatDep, providesSatisfies, richAlternatives } from './deps.js';
import { isDebugInfoPackage } from './channels.js';
import { fullFingerprint, selfFingerprint } from './fingerprint.js';
import { mapPool } from '../util/pool.js';
import { cycleDiagnostics, planBuildGraph } from './graph.js';
import { changelogEpoch, runRpmbuild, stageRpmbuild, withFixedRootLock, type RpmbuildResult } from './rpmbuild.js';
import { runMockBuild } from './mock.js';
import type { SpecInspector } from './spec-facts.js';
import type { BuildGraph, BuildRecord, BuildUnit, Dep, SpecFacts } from './types.js';

/** What the build needs to know about a built RPM (the CLI wires Strata's header reader). */
export interface BuiltRpmInfo {
  readonly name: string;
  readonly arch: string;
  readonly isSource: boolean;
  readonly provides: readonly Dep[];
  readonly files: readonly string[];
}

/** A difference found by the reproducibility check. */
export interface RpmDifference {
  readonly rpm: string;
  readonly what: string;
  readonly first: string;
  readonly second: string;
}

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
  readonly readRpm?: (file: string) => Promise<BuiltRpmInfo>;
  /** Channel of a binary package; '' or 'none' keeps it in out/rpms/. */
  readonly channelOf?: (component: string, rpmName: string) => string | undefined;
  readonly verifyReproducible?: boolean;
  readonly compareRpms?: (a: string, b: string) => Promise<RpmDifference[]>;
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
}

export interface ReproducibilityResult {
  readonly name: string;
  readonly identical: boolean;
  readonly differences: readonly RpmDifference[];
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

interface StateFile {
  readonly version: 1;
  readonly selfFingerprint: string;
  readonly facts: SpecFacts;
  readonly fingerprint?: string;
  readonly srpm?: string;
  readonly rpms?: string[];
  readonly packages?: readonly BuiltRpmInfo[];
  readonly sourceDateEpoch?: number;
  /** Seconds the last build spent in rpmbuild (scheduling weight of the next run). */
  readonly rpmbuildSeconds?: number;
}

const DEFAULT_EPOCH = 946684800; // 2000-01-01

class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    this.tails.set(key, prev.then(() => next));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Runs a task in the background, coalescing requests made while it runs into one more run. */
class Refresher {
  private current: Promise<void> | undefined;
  private again = false;
  constructor(private readonly task: () => Promise<void>) {}
  kick(): void {
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = (async () => {
      do {
        this.again = false;
        await this.task();
      } while (this.again);
    })().finally(() => {
      this.current = undefined;
    });
  }
  /** Wait for the background run (if any) to finish. */
  async settle(): Promise<void> {
    while (this.current) await this.current;
  }
  /** Run once now (after any background run), and wait. */
  async run(): Promise<void> {
    await this.settle();
    await this.task();
  }
}

/**
 * Bookkeeping that is not on any build's critical path (removing finished build trees, copying
 * packages into the local repository of an rpmbuild run): one task at a time, and never while a
 * build is being staged. Staging is file work too (copies, mkdir, unpacking) and shares the
 * runtime's file-system threads; a dependent waiting to start must not queue behind the removal
 * of the tree its dependency was built in.
 */
class Chores {
  private readonly queue: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private stagingNow = 0;
  private draining = false;
  private wake: (() => void) | undefined;
  constructor(private readonly onError: (e: unknown) => void) {}
  add(task: () => Promise<void>): void {
    this.queue.push(task);
    this.running ??= this.loop();
  }
  /** Run `fn` (a staging) with the chores held back. */
  async staging<T>(fn: () => Promise<T>): Promise<T> {
    this.stagingNow++;
    try {
      return await fn();
    } finally {
      if (--this.stagingNow === 0) this.wake?.();
    }
  }
  private async loop(): Promise<void> {
    while (this.queue.length) {
      while (this.stagingNow > 0 && !this.draining) await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
      await this.queue.shift()!().catch(this.onError);
    }
    this.running = undefined;
  }
  /** Run what is left, staging or not, and wait for it. */
  async drain(): Promise<void> {
    this.draining = true;
    this.wake?.();
    while (this.running) await this.running;
  }
}

async function readJson<T>(fs: FileSystem, file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readText(file)) as T;
  } catch {
    return undefined;
  }
}

function rpmNameFromFile(file: string): string {
  // name-version-release.arch.rpm
  const base = path.basename(file).replace(/\.rpm$/, '');
  const noArch = base.slice(0, base.lastIndexOf('.'));
  const parts = noArch.split('-');
  return parts.slice(0, -2).join('-');
}

export async function runBuild(ctx: BuildContext, opts: BuildOptions): Promise<BuildRunResult> {
  const t0 = performance.now();
  const { fs, sink } = ctx;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const backend = opts.backend ?? 'rpmbuild';
  const macros = { ...(opts.macros ?? {}) };
  const fixedRootBase = opts.fixedRootBase ?? '/var/tmp/strata-build';
  const stateDir = path.join(opts.workDir, 'build-state');
  const machineCpus = opts.cpuSet?.length ?? opts.cpus;
  const perSlot = machineCpus ? Math.max(1, Math.floor(machineCpus / jobs)) : undefined;
  const cpuShare: Record<string, string> = perSlot ? { _smp_build_ncpus: String(perSlot) } : {};
  /** The CPUs of build slot k (undefined: not pinned). */
  const slotCpus = (k: number): readonly number[] | undefined =>
    opts.cpuSet && perSlot && jobs > 1 && jobs <= opts.cpuSet.length ? opts.cpuSet.slice(k * perSlot, (k + 1) * perSlot) : undefined;
  const logsDir = path.join(opts.outDir, 'logs');
  const diagnostics: Diagnostic[] = [];
  const units = new Map(opts.units.map((u) => [u.name, u]));

  // 1. Evaluate every spec (cached by the self fingerprint).
  sink({ kind: 'start', task: 'evaluate specs', total: units.size });
  let evaluated = 0;
  const states = new Map<string, { self: string; state: StateFile | undefined; facts: SpecFacts }>();
  const evalFailures = new Map<string, string>();
  await mapPool([...units.values()], Math.max(4, jobs * 2), async (u) => {
    const self = await selfFingerprint(fs, u, macros, backend);
    const state = await readJson<StateFile>(fs, path.join(stateDir, `${u.name}.json`));
    try {
      const facts = state && state.selfFingerprint === self ? state.facts : await opts.inspector.inspect(u, macros);
      // File provides known from the last build of this component.
      const withFiles: SpecFacts = state?.packages?.length
        ? { ...facts, packages: facts.packages.map((p) => ({ ...p, files: state.packages!.find((b) => b.name === p.name)?.files ?? p.files })) }
        : facts;
      states.set(u.name, { self, state, facts: withFiles });
    } catch (e) {
      const d = (e as { diagnostics?: Diagnostic[] }).diagnostics;
      if (d) diagnostics.push(...d);
      else diagnostics.push(error('BUILD_SPEC_EVAL', `${u.name}: ${(e as Error).message}`, u.definedAt ? { span: u.definedAt } : {}));
      evalFailures.set(u.name, (e as Error).message);
    }
    sink({ kind: 'progress', task: 'evaluate specs', done: ++evaluated, total: units.size, item: u.name });
  });
  sink({ kind: 'end', task: 'evaluate specs' });

  // Components not selected whose last build can provide BuildRequires.
  const provided = new Map<string, StateFile>();
  for (const n of opts.providers ?? []) {
    if (units.has(n)) continue;
    const st = await readJson<StateFile>(fs, path.join(stateDir, `${n}.json`));
    if (!st?.fingerprint || !st.srpm || !st.rpms?.length) continue;
    const present = await Promise.all(st.rpms.map(async (f) => (await fs.stat(path.join(opts.outDir, f)))?.isFile === true));
    if (present.every(Boolean)) provided.set(n, st);
  }

  // 2. The graph.
  const graph = planBuildGraph([
    ...[...states].map(([name, s]) => ({ name, facts: s.facts })),
    ...[...provided].map(([name, st]) => ({ name, facts: { ...st.facts, packages: st.facts.packages.map((p) => ({ ...p, files: st.packages?.find((b) => b.name === p.name)?.files ?? p.files })) } })),
  ]);
  const allNodes = [...units.keys()].sort();
  const cycleMembers = new Set(graph.cycles.flat());
  diagnostics.push(...cycleDiagnostics(graph, (c) => units.get(c)?.definedAt));
  for (const [name, ext] of graph.external) {
    sink({ kind: 'log', level: 'debug', message: `${name}: BuildRequires from the buildroot (not built here): ${ext.join(', ')}` });
  }

  // 3. Schedule.
  const records = new Map<string, BuildRecord>();
  const fullFps = new Map<string, string>();
  const builtInfo = new Map<string, { rpms: string[]; packages: BuiltRpmInfo[] }>();
  const reproducibility: ReproducibilityResult[] = [];
  const mutex = new KeyedMutex();
  const total = allNodes.length;
  let done = 0;
  sink({ kind: 'start', task: 'build', total, label: `building ${total} component(s) with ${jobs} job(s)` });

  const users = new Map<string, string[]>();
  for (const m of allNodes) for (const d of graph.deps.get(m) ?? []) (users.get(d) ?? users.set(d, []).get(d)!).push(m);
  /** Components staged ahead that wait for what they build-require to finish. */
  const awaitingDeps = new Map<string, () => void>();
  const finish = (r: BuildRecord) => {
    records.set(r.name, r);
    for (const m of users.get(r.name) ?? []) {
      const resolve = awaitingDeps.get(m);
      if (resolve && (graph.deps.get(m) ?? []).every((d) => records.has(d))) {
        awaitingDeps.delete(m);
        resolve();
      }
    }
    done++;
    const status = r.status === 'built' ? 'ok' : r.status === 'unchanged' ? 'unchanged' : r.status;
    sink({ kind: 'item', task: 'build', item: r.name, status, ...(r.reason ? { detail: r.reason } : {}) });
    sink({ kind: 'progress', task: 'build', done, total, item: r.name });
  };
  for (const [n, st] of provided) {
    const rpms = st.rpms!.map((f) => path.join(opts.outDir, f));
    records.set(n, { name: n, status: 'unchanged', fingerprint: st.fingerprint!, srpm: path.join(opts.outDir, st.srpm!), rpms, rpmbuildSeconds: 0, wallSeconds: 0, reason: 'not selected: its last build is used' });
    fullFps.set(n, st.fingerprint!);
    builtInfo.set(n, { rpms, packages: [...(st.packages ?? [])] });
  }
  for (const n of allNodes) {
    if (evalFailures.has(n)) finish({ name: n, status: 'failed', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: `spec evaluation failed: ${evalFailures.get(n)}` });
    else if (cycleMembers.has(n)) finish({ name: n, status: 'failed', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: `in a build dependency cycle: ${graph.cycles.find((c) => c.includes(n))!.join(' -> ')}` });
  }

  const pending = new Set(allNodes.filter((n) => !records.has(n)));
  const localRepo = opts.localRepo !== false ? path.join(opts.workDir, 'local-repo') : undefined;
  if (localRepo) await fs.mkdir(localRepo);
  // The metadata is refreshed when a later build needs it (a mock build: rpmbuild builds get
  // what they build-require unpacked into their sysroot and never read the repository); a
  // marker file records that the packages changed since the last refresh, across runs.
  const staleMarker = localRepo ? path.join(localRepo, '.strata-stale') : '';
  const markedStale = localRepo ? (await fs.stat(staleMarker)) !== undefined : false;
  let repoStale = markedStale;
  const repoRefresh = new Refresher(async () => {
    repoStale = false;
    await fs.remove(staleMarker);
    const cr = await ctx.proc.run('createrepo_c', ['--quiet', '--no-database', '--simple-md-filenames', '--workers', '1', localRepo!]);
    if (cr.code !== 0) diagnostics.push(warning('BUILD_LOCAL_REPO', `createrepo_c failed for the local repository ${localRepo}: ${cr.stderr.trim()}`));
  });
  /** Put a component's packages into the local repository (replacing its previous ones). */
  const publishLocal = async (oldRpms: readonly string[], newRpms: readonly string[]) => {
    if (!localRepo) return;
    for (const f of oldRpms) await fs.remove(path.join(localRepo, path.basename(f)));
    for (const f of newRpms) await fs.copyFile(f, path.join(localRepo, path.basename(f)));
    repoStale = true;
  };
  // Priority: the longest chain of build time from a component to the end of the run (critical
  // path first, as list schedulers do), weighted by each component's last rpmbuild time (the
  // mean of the known ones when it has none; 1 when none is known, i.e. the chain length).
  const lastSeconds = new Map<string, number>();
  for (const [n, s] of states) if (s.state?.rpmbuildSeconds) lastSeconds.set(n, s.state.rpmbuildSeconds);
  const meanSeconds = lastSeconds.size ? [...lastSeconds.values()].reduce((a, b) => a + b, 0) / lastSeconds.size : 1;
  const priority = new Map<string, number>();
  const priorityOf = (n: string, seen: Set<string> = new Set()): number => {
    if (priority.has(n)) return priority.get(n)!;
    if (seen.has(n)) return 0;
    seen.add(n);
    const below = (users.get(n) ?? []).map((m) => priorityOf(m, seen));
    const p = (lastSeconds.get(n) ?? meanSeconds) + (below.length ? Math.max(...below) : 0);
    priority.set(n, p);
    return p;
  };
  for (const n of allNodes) priorityOf(n);
  const byPriority = (a: string, b: string) => (priority.get(b) ?? 0) - (priority.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  /** The record of `name`, not built because `dep`, which it build-requires, failed or was skipped. */
  const skippedBecauseOf = (name: string, dep: string): BuildRecord => ({ name, status: 'skipped', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: `build-requires ${dep}, which ${records.get(dep)!.status === 'failed' ? 'failed' : 'was skipped'}` });
  const ok = (n: string) => {
    const r = records.get(n);
    return r?.status === 'built' || r?.status === 'unchanged';
  };

  // Build slots: at most `jobs` rpmbuild (or mock) runs at once. A component is staged (fixed
  // root, sources, sysroot) before it gets a slot, so the slot never waits for Strata's own work;
  // up to `jobs` staged components wait for a slot. A slot is given to the next build as soon as
  // rpmbuild exits: moving the results, the log, the state file, the local repository and
  // removing build trees overlap with the next build. Dependents start once the results are in out/.
  const inflight = new Set<string>();
  const staging = new Set<string>();
  const holding = new Set<string>();
  /** The slot number (0 … jobs-1) of each slot holder: which CPUs its build may use. */
  const slotIndex = new Map<string, number>();
  const hold = (n: string) => {
    holding.add(n);
    const used = new Set(slotIndex.values());
    let k = 0;
    while (used.has(k)) k++;
    slotIndex.set(n, k);
  };
  const unhold = (n: string): boolean => {
    slotIndex.delete(n);
    return holding.delete(n);
  };
  /** Slot holders whose build has started (a fresh pick stages inside its slot first). */
  const building = new Set<string>();
  const waiters = new Map<string, (granted: boolean) => void>();
  const background: Promise<unknown>[] = [];
  const inBackground = (p: Promise<unknown>) => {
    // awaited before runBuild returns; until then a failure must not become an unhandled rejection
    p.catch(() => undefined);
    background.push(p);
  };
  const chores = new Chores((e) => diagnostics.push(warning('BUILD_BOOKKEEPING', `after a build (removing its build tree or updating the local repository): ${(e as Error).message}`)));
  // Trees left in the trash by an earlier run that was interrupted.
  const trashDir = path.join(fixedRootBase, '.trash');
  for (const t of await fs.readdir(trashDir).catch(() => [] as string[])) chores.add(() => fs.remove(path.join(trashDir, t)));
  /**
   * Remove a finished build's fixed root: renamed away at once under its lock (the next build of
   * the component may start), deleted later among the chores.
   */
  let trashCount = 0;
  const trashId = randomUUID().slice(0, 8);
  const sweepFixedRoot = async (holdFixedRoot: <T>(fn: () => Promise<T>) => Promise<T>, fixedRoot: string) => {
    const trash = path.join(trashDir, `${path.basename(fixedRoot)}-${trashId}-${++trashCount}`);
    await fs.mkdir(path.dirname(trash));
    const moved = await holdFixedRoot(async () => {
      if (!(await fs.stat(fixedRoot))) return false;
      await fs.rename(fixedRoot, trash);
      return true;
    });
    if (moved) chores.add(() => fs.remove(trash));
  };
  let pump: () => void = () => undefined;
  /** Milliseconds a staged build waited for its slot (not part of its wall time). */
  const waitedMs = new Map<string, number>();
  /** Wait for a build slot; false when the run stops starting builds (--fail-fast). */
  const acquireSlot = async (name: string): Promise<boolean> => {
    if (!holding.has(name)) {
      const t = performance.now();
      const granted = await new Promise<boolean>((resolve) => {
        waiters.set(name, resolve);
        pump();
      });
      waitedMs.set(name, (waitedMs.get(name) ?? 0) + performance.now() - t);
      if (!granted) return false;
    }
    building.add(name);
    sink({ kind: 'log', level: 'debug', message: `build ${name}: started` });
    // A slot holder stops staging: staging ahead may begin.
    pump();
    return true;
  };
  /** The build is over (results are still to be moved): the next one may start. */
  const releaseSlot = (name: string) => {
    if (!unhold(name)) return;
    building.delete(name);
    sink({ kind: 'log', level: 'debug', message: `build ${name}: rpmbuild done` });
    pump();
  };
  const depsDone = async (name: string): Promise<void> => {
    if ((graph.deps.get(name) ?? []).every((d) => records.has(d))) return;
    const t = performance.now();
    await new Promise<void>((resolve) => awaitingDeps.set(name, resolve));
    waitedMs.set(name, (waitedMs.get(name) ?? 0) + performance.now() - t);
  };
  const stopping = () => !!opts.failFast && [...records.values()].some((r) => r.status === 'failed');

  const buildOne = async (name: string): Promise<BuildRecord> => {
    const u = units.get(name)!;
    const st = states.get(name)!;
    const tStart = performance.now();
    const depNames = graph.deps.get(name) ?? [];
    const fp = fullFingerprint(st.self, new Map(depNames.map((d) => [d, fullFps.get(d) ?? ''])));
    fullFps.set(name, fp);
    const prev = st.state;
    const outAbs = (rel: string) => path.join(opts.outDir, rel);
    // Staged ahead while what it build-requires is still building (rpmbuild backend): the
    // sources are staged now, the sysroot once those builds are done.
    const early = backend === 'rpmbuild' && !depNames.every(ok);
    /** Seconds of this build, without the time it waited for a slot or for its dependencies. */
    const wallSeconds = () => (performance.now() - tStart - (waitedMs.get(name) ?? 0)) / 1000;
    if (!opts.force && prev?.fingerprint === fp && prev.srpm && prev.rpms) {
      // As when it had waited: what it build-requires must have succeeded.
      if (early) await depsDone(name);
      const bad = depNames.find((d) => !ok(d));
      if (bad) return skippedBecauseOf(name, bad);
      const present = await Promise.all([prev.srpm, ...prev.rpms].map(async (f) => (await fs.stat(outAbs(f)))?.isFile === true));
      if (present.every(Boolean)) {
        // Publish channels are not build inputs: a changed channel moves the packages, no rebuild.
        const rels = await Promise.all(
          prev.rpms.map(async (rel) => {
            const ch = opts.channelOf?.(name, rpmNameFromFile(rel));
            const want = ch && ch !== 'none' ? path.join('rpms', ch, path.basename(rel)) : path.join('rpms', path.basename(rel));
            if (want !== rel) {
              await fs.mkdir(path.dirname(outAbs(want)));
              await fs.rename(outAbs(rel), outAbs(want));
            }
            return want;
          }),
        );
        if (rels.some((r, i) => r !== prev.rpms![i])) {
          await fs.writeFileAtomic(path.join(stateDir, `${name}.json`), JSON.stringify({ ...prev, rpms: rels }, null, 1) + '\n');
          prev.rpms.splice(0, prev.rpms.length, ...rels);
        }
        builtInfo.set(name, { rpms: prev.rpms.map(outAbs), packages: [...(prev.packages ?? [])] });
        if (localRepo) {
          for (const f of prev.rpms) {
            const dest = path.join(localRepo, path.basename(f));
            if (!(await fs.stat(dest))) {
              await fs.copyFile(outAbs(f), dest);
              repoStale = true;
            }
          }
        }
        return { name, status: 'unchanged', fingerprint: fp, srpm: outAbs(prev.srpm), rpms: prev.rpms.map(outAbs), rpmbuildSeconds: 0, wallSeconds: wallSeconds(), ...(prev.sourceDateEpoch !== undefined ? { sourceDateEpoch: prev.sourceDateEpoch } : {}) };
      }
    }
    // BuildRequires satisfied by what the dependencies actually produced (not only what their
    // specs say), and the packages to unpack into the build's sysroot.
    const resolveInputs = () => {
      const sysrootRpms: string[] = [];
      const unmet: string[] = [];
      for (const depName of depNames) {
        const info = builtInfo.get(depName);
        if (!info) continue;
        for (const e of graph.edges.filter((x) => x.from === name && x.to === depName)) {
          const br = st.facts.buildRequires.find((b) => formatDep(b) === e.dep);
          if (!br || !info.packages.length) continue;
          const alts = richAlternatives(br).deps;
          const sat = alts.some((a) => info.packages.some((p) => !p.isSource && (p.provides.some((pr) => providesSatisfies(pr, a)) || (a.name.startsWith('/') && p.files.includes(a.name)))));
          if (!sat) unmet.push(`${e.dep} (expected from ${e.via} of ${depName})`);
        }
        for (const r of info.rpms) if (!isDebugInfoPackage(rpmNameFromFile(r))) sysrootRpms.push(r);
      }
      return { sysrootRpms, unmet };
    };
    const logFile = path.join(logsDir, `${name}.log`);
    const unmetRecord = async (unmet: readonly string[]): Promise<BuildRecord> => {
      const reason = `BuildRequires not provided by the packages that were built: ${unmet.join(', ')}`;
      await fs.writeFileAtomic(logFile, `strata: ${reason}\n`);
      return { name, status: 'failed', fingerprint: fp, rpms: [], rpmbuildSeconds: 0, wallSeconds: wallSeconds(), reason, log: logFile };
    };
    const inputs = early ? { sysrootRpms: [], unmet: [] } : resolveInputs();
    if (inputs.unmet.length) return unmetRecord(inputs.unmet);
    let sde = changelogEpoch(await fs.readText(u.spec));
    if (sde === undefined) {
      sde = opts.fallbackEpoch ?? DEFAULT_EPOCH;
      diagnostics.push(warning('BUILD_NO_CHANGELOG', `${name}: the spec has no %changelog entry; SOURCE_DATE_EPOCH=${sde} is used`, { span: { file: u.spec, line: 1, col: 1 }, hint: 'add a %changelog (or %autochangelog with release calculation) so that builds carry a meaningful date' }));
    }
    const fixedRoot = path.join(fixedRootBase, name);
    const top1 = path.join(opts.workDir, 'builds', `${name}-${fp.slice(0, 12)}-a`);
    const top2 = path.join(opts.workDir, 'builds', `${name}-${fp.slice(0, 12)}-b`);
    const notStarted = (): BuildRecord => ({ name, status: 'skipped', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: 'not started: --fail-fast after a failure' });
    const holdFixedRoot = <T>(fn: () => Promise<T>) => mutex.run(fixedRoot, () => withFixedRootLock(ctx.lock, fixedRoot, fn));
    let sysrootRpms = inputs.sysrootRpms;
    const job = (topdir: string) => ({ unit: u, topdir, fixedRoot, macros, binaryMacros: cpuShare, sourceDateEpoch: sde, sysrootRpms, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    let r: RpmbuildResult;
    let r2: RpmbuildResult | undefined;
    if (backend === 'mock') {
      if (!opts.mock) throw new StrataError(error('BUILD_MOCK_CONFIG', `${name}: the mock backend needs a mock config`, { hint: 'set mock-config (or mock-config-x86_64) on the distro version' }));
      const mock = opts.mock;
      if (!(await acquireSlot(name))) return notStarted();
      if (localRepo && repoStale) await repoRefresh.run();
      await repoRefresh.settle();
      const attempt = async (topdir: string) => {
        await fs.remove(topdir);
        return runMockBuild({ mock: mock.path, config: mock.config, spec: u.spec, sources: u.dir, resultDir: topdir, localRepos: localRepo ? [localRepo] : [], nocheck: !!u.skipCheck, defines: { ...macros, ...(u.defines ?? {}) }, ...(u.with ? { with: u.with } : {}), ...(u.without ? { without: u.without } : {}), sourceDateEpoch: sde!, ...(ctx.signal ? { signal: ctx.signal } : {}) }, fs, ctx.proc);
      };
      r = await attempt(top1);
      if (r.ok && opts.verifyReproducible) r2 = await attempt(top2);
    } else {
      // The fixed root is held from staging to the end of the build(s).
      type Staged = [RpmbuildResult, RpmbuildResult?] | { readonly skipped: string } | { readonly unmet: readonly string[] } | undefined;
      const res = await holdFixedRoot(async (): Promise<Staged> => {
        const staged = await chores.staging(() => stageRpmbuild(job(top1), fs, ctx.proc));
        if (staged.failed) return [staged.failed];
        if (early) {
          sink({ kind: 'log', level: 'debug', message: `build ${name}: sources staged while ${depNames.filter((d) => !records.has(d)).join(', ')} build(s)` });
          await depsDone(name);
          const bad = depNames.find((d) => !ok(d));
          if (bad) return { skipped: bad };
          const late = resolveInputs();
          if (late.unmet.length) return { unmet: late.unmet };
          sysrootRpms = late.sysrootRpms;
          const failed = await chores.staging(() => staged.addSysroot(sysrootRpms));
          if (failed) return [failed];
        }
        if (!(await acquireSlot(name))) return undefined;
        const cpuSet = slotCpus(slotIndex.get(name) ?? 0);
        const first = await staged.build(cpuSet);
        if (!first.ok || !opts.verifyReproducible) return [first];
        return [first, await runRpmbuild({ ...job(top2), ...(cpuSet ? { cpuSet } : {}) }, fs, ctx.proc)];
      });
      if (!res || !Array.isArray(res)) {
        chores.add(() => fs.remove(top1));
        inBackground(sweepFixedRoot(holdFixedRoot, fixedRoot));
        if (!res) return notStarted();
        if ('unmet' in res) return unmetRecord(res.unmet);
        return skippedBecauseOf(name, res.skipped);
      }
      [r, r2] = res as [RpmbuildResult, RpmbuildResult?];
    }
    // A failure keeps its slot until it is recorded (--fail-fast must see it before the next
    // start). So does a build that others wait for when there is a choice of what to start next:
    // its dependents become ready once its results are in out/, and they may be on the critical path.
    if (r.ok && (jobs === 1 || !(users.get(name) ?? []).some((m) => pending.has(m) || awaitingDeps.has(m)))) releaseSlot(name);
    const rpmbuildSeconds = r.seconds + (r2?.seconds ?? 0);
    const logWritten = fs.writeFileAtomic(logFile, r.log);
    // awaited below or in the background; until then a failure must not become an unhandled rejection (a crash)
    logWritten.catch(() => undefined);
    if (!r.ok) {
      const tail = r.log.trimEnd().split('\n').slice(-10);
      await logWritten;
      await fs.remove(top1);
      await holdFixedRoot(() => fs.remove(fixedRoot));
      return { name, status: 'failed', fingerprint: fp, rpms: [], rpmbuildSeconds, wallSeconds: wallSeconds(), reason: r.errors.find((l) => l.startsWith('error:'))?.slice(7) ?? 'rpmbuild failed', log: logFile, logTail: [...tail, ...r.errors.filter((e) => !tail.includes(e))], sourceDateEpoch: sde };
    }
    if (opts.verifyReproducible && r2) {
      const differences: RpmDifference[] = [];
      if (!r2.ok) differences.push({ rpm: name, what: 'second build', first: 'succeeded', second: `failed: ${r2.errors.join(' ')}` });
      else {
        const pairs = new Map<string, [string?, string?]>();
        for (const f of [r.srpm!, ...r.rpms]) pairs.set(path.basename(f), [f, undefined]);
        for (const f of [r2.srpm!, ...r2.rpms]) pairs.set(path.basename(f), [pairs.get(path.basename(f))?.[0], f]);
        for (const [base, [a, b]] of pairs) {
          if (!a || !b) differences.push({ rpm: base, what: 'package set', first: a ? 'present' : 'absent', second: b ? 'present' : 'absent' });
          else if (opts.compareRpms) differences.push(...(await opts.compareRpms(a, b)));
          else {
            const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
            if (Buffer.compare(Buffer.from(x), Buffer.from(y)) !== 0) differences.push({ rpm: base, what: 'bytes', first: `${x.length} bytes`, second: `${y.length} bytes` });
          }
        }
      }
      reproducibility.push({ name, identical: differences.length === 0, differences });
      chores.add(() => fs.remove(top2));
    }
    // Move results into out/: remove what the previous build of this component left.
    await Promise.all([...(prev?.srpm ? [prev.srpm] : []), ...(prev?.rpms ?? [])].map((f) => fs.remove(outAbs(f))));
    const srpmRel = path.join('srpms', path.basename(r.srpm!));
    const [, moved] = await Promise.all([
      (async () => {
        await fs.mkdir(path.join(opts.outDir, 'srpms'));
        await fs.rename(r.srpm!, outAbs(srpmRel));
      })(),
      Promise.all(
        r.rpms.map(async (f) => {
          const info = opts.readRpm ? await opts.readRpm(f) : undefined;
          const rpmName = info?.name ?? rpmNameFromFile(f);
          const ch = opts.channelOf?.(name, rpmName);
          const rel = ch && ch !== 'none' ? path.join('rpms', ch, path.basename(f)) : path.join('rpms', path.basename(f));
          await fs.mkdir(path.dirname(outAbs(rel)));
          await fs.rename(f, outAbs(rel));
          return { rel, info };
        }),
      ),
    ]);
    const rpmRels = moved.map((m) => m.rel);
    const packages: BuiltRpmInfo[] = moved.flatMap((m) => (m.info ? [m.info] : []));
    builtInfo.set(name, { rpms: rpmRels.map(outAbs), packages });
    // The packages are in out/: dependents may start. The rest is bookkeeping, awaited before
    // runBuild returns: the log, the state file, the local repository and removing build trees.
    const state: StateFile = { version: 1, selfFingerprint: st.self, facts: st.facts, fingerprint: fp, srpm: srpmRel, rpms: rpmRels, packages, sourceDateEpoch: sde, rpmbuildSeconds: Math.round(rpmbuildSeconds * 1000) / 1000 };
    const publish = async () => {
      await publishLocal(prev?.rpms ?? [], rpmRels.map(outAbs));
      // Components waiting for this one see it in the local repository (refreshed in the background).
      if (backend === 'mock' && users.has(name)) repoRefresh.kick();
    };
    // rpmbuild builds take what they build-require from out/ (unpacked into their sysroot), so
    // for them the local repository is a chore.
    const published = backend === 'mock' ? publish() : (chores.add(publish), Promise.resolve());
    // mock installs BuildRequires from the local repository: dependents start once these packages are in it.
    if (backend === 'mock') await published;
    chores.add(() => fs.remove(top1));
    inBackground(
      Promise.all([
        logWritten,
        fs.writeFileAtomic(path.join(stateDir, `${name}.json`), JSON.stringify(state, null, 1) + '\n'),
        published,
        backend === 'mock' ? Promise.resolve() : sweepFixedRoot(holdFixedRoot, fixedRoot),
      ]),
    );
    return { name, status: 'built', fingerprint: fp, srpm: outAbs(srpmRel), rpms: rpmRels.map(outAbs), rpmbuildSeconds, wallSeconds: wallSeconds(), log: logFile, sourceDateEpoch: sde };
  };

  await new Promise<void>((resolve, reject) => {
    let pumping = false;
    let again = false;
    const start = (n: string, slot: boolean) => {
      pending.delete(n);
      inflight.add(n);
      if (slot) hold(n);
      else staging.add(n);
      buildOne(n)
        .then(
          (rec) => done(n, rec),
          (e) => {
            if ((e as { diagnostics?: Diagnostic[] }).diagnostics) {
              diagnostics.push(...(e as { diagnostics: Diagnostic[] }).diagnostics);
              done(n, { name: n, status: 'failed', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: (e as Error).message });
            } else reject(e);
          },
        );
    };
    const done = (n: string, rec: BuildRecord) => {
      inflight.delete(n);
      staging.delete(n);
      finish(rec);
      if (building.has(n)) releaseSlot(n);
      unhold(n);
      pump();
    };
    const step = () => {
      // Skip what depends on a failure.
      let changed = true;
      while (changed) {
        changed = false;
        for (const n of [...pending]) {
          const bad = (graph.deps.get(n) ?? []).find((d) => records.has(d) && !ok(d));
          if (bad) {
            pending.delete(n);
            finish(skippedBecauseOf(n, bad));
            changed = true;
          }
        }
      }
      if (stopping()) {
        for (const n of [...pending]) {
          pending.delete(n);
          finish({ name: n, status: 'skipped', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: 'not started: --fail-fast after a failure' });
        }
        for (const [n, w] of waiters) {
          waiters.delete(n);
          w(false);
        }
      }
      if (pending.size === 0 && inflight.size === 0) return resolve();
      const ready = [...pending].filter((n) => (graph.deps.get(n) ?? []).every((d) => ok(d))).sort(byPriority);
      // Give free slots to the staged or ready component with the highest priority. With one
      // slot the order cannot shorten the run, so a staged component goes first.
      while (holding.size < jobs) {
        const staged = [...waiters.keys()].sort(byPriority)[0];
        // A component whose staging is under way (not one still waiting for its dependencies)
        // will want a slot in a moment: a fresh pick would stage from scratch inside the slot.
        const stagingSoon = [...staging].some((n) => !waiters.has(n) && !awaitingDeps.has(n));
        const fresh = stagingSoon ? undefined : ready[0];
        const pick = staged === undefined ? fresh : fresh === undefined || jobs === 1 || byPriority(staged, fresh) <= 0 ? staged : fresh;
        if (pick === undefined) break;
        if (pick === staged) {
          const grant = waiters.get(pick)!;
          waiters.delete(pick);
          staging.delete(pick);
          hold(pick);
          grant(true);
        } else {
          ready.shift();
          start(pick, true);
        }
      }
      // Stage ahead what will get the next slots, once the slot holders are building (staging
      // ahead must not delay a slot holder's own staging).
      if ([...holding].every((n) => building.has(n))) {
        while (staging.size < jobs && ready.length) start(ready.shift()!, false);
        // Then what waits only for builds under way: its sources are staged now, its sysroot
        // when they are done, so the hand-over to it is short (rpmbuild backend).
        if (backend === 'rpmbuild' && staging.size < jobs && !stopping()) {
          const soon = [...pending]
            .filter((n) => {
              const ds = graph.deps.get(n) ?? [];
              return ds.some((d) => building.has(d)) && ds.every((d) => ok(d) || building.has(d));
            })
            .sort(byPriority);
          while (staging.size < jobs && soon.length) start(soon.shift()!, false);
        }
      }
      if (inflight.size === 0 && pending.size > 0) {
        // Cannot happen without a cycle (handled above); guard against hanging.
        for (const n of [...pending]) {
          pending.delete(n);
          finish({ name: n, status: 'skipped', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason: 'unsatisfiable ordering' });
        }
        resolve();
      }
    };
    pump = () => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          step();
        } while (again);
      } finally {
        pumping = false;
      }
    };
    pump();
  });
  sink({ kind: 'end', task: 'build' });

  // 4. Bookkeeping of the last builds. The local repository: refreshed before a mock build that
  // needs it (and, with mock, in the background after each build that others wait for); what
  // is still stale is marked for next time.
  await Promise.all(background);
  await chores.drain();
  if (localRepo) {
    await repoRefresh.settle();
    if (repoStale && !(markedStale && (await fs.stat(staleMarker)))) await fs.writeFileAtomic(staleMarker, 'packages changed since the last createrepo_c run\n');
  }

  const list = allNodes.map((n) => records.get(n)!);
  return {
    graph,
    records: list,
    diagnostics,
    reproducibility,
    wallSeconds: (performance.now() - t0) / 1000,
    rpmbuildSeconds: list.reduce((s, r) => s + r.rpmbuildSeconds, 0),
    ...(localRepo ? { localRepo } : {}),
  };
}
