/**
 * Building one component of a run: unchanged when its input fingerprint matches its last build
 * (its packages only move to their current channels); otherwise staged (fixed root, sources, and
 * the sysroot of what it build-requires), built with rpmbuild or mock in a build slot (twice with
 * `--verify-reproducible`), and its results moved into out/. What is not on the critical path
 * (the log, the state file, the local repository, removing build trees) is left to the chores
 * and background tasks, awaited before the run returns.
 */
import * as path from 'node:path';
import type { EventSink, FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { StrataError, error, warning, type Diagnostic } from '../diag/index.js';
import type { BuildState, BuildStateStore } from './build-state.js';
import { rpmNameFromFile, type BuiltRpmInfo } from './built-rpms.js';
import { isDebugInfoPackage } from './channels.js';
import type { Background, Chores } from './chores.js';
import { formatDep, providesSatisfies, richAlternatives } from './deps.js';
import type { EvaluatedUnit } from './evaluate-specs.js';
import { fullFingerprint } from './fingerprint.js';
import type { FixedRoots } from './fixed-roots.js';
import type { LocalRepo } from './local-repo.js';
import { runMockBuild } from './mock.js';
import type { OutputLayout } from './output-layout.js';
import { checkReproducible, type ReproducibilityResult } from './reproducibility.js';
import { changelogEpoch, reproducibleMacros, runRpmbuild, stageRpmbuild, type RpmbuildResult } from './rpmbuild.js';
import type { BuildRecord as EvidenceRecord } from './build-record.js';
import { assembleBuildRecord, evaluateFlags, packageRecord, type HostFacts, type Vendor } from './evidence.js';
import { loadPreparedInputs, PREPARED_INPUTS } from './prepared-inputs.js';
import { parseRpm, Tag } from '../rpm/index.js';
import { macroArgs } from './spec-facts.js';
import { dependencyFailedRecord, notStartedRecord, type BuildScheduler } from './scheduler.js';
import type { BuildGraph, BuildRecord, BuildUnit } from './types.js';

const DEFAULT_EPOCH = 946684800; // 2000-01-01

/** What a component's build produced, for its dependents: packages in out/ and their headers. */
export interface BuiltPackages {
  readonly rpms: readonly string[];
  readonly packages: readonly BuiltRpmInfo[];
}

/** The build slots of the run, as the scheduler hands them out. */
export interface SlotHolder {
  /** Wait for a build slot; false when the run stops starting builds (--fail-fast). */
  acquire(name: string): Promise<boolean>;
  /** The build is over (results are still to be moved): the next one may start. */
  release(name: string): void;
  /** Wait until everything `name` build-requires is finished. */
  depsDone(name: string): Promise<void>;
  /** Milliseconds `name` waited for a slot or for its dependencies (not part of its wall time). */
  waitedMs(name: string): number;
}

/** Everything the build of one component shares with the others of its run. */
export interface UnitRun {
  readonly fs: FileSystem;
  readonly proc: ProcessRunner;
  readonly lock: ProcessLock;
  readonly sink: EventSink;
  readonly signal?: AbortSignal;
  readonly backend: 'rpmbuild' | 'mock';
  readonly jobs: number;
  readonly macros: Readonly<Record<string, string>>;
  /** Defaults of binary builds (the CPU share of a slot). */
  readonly binaryMacros: Readonly<Record<string, string>>;
  /** The CPUs of build slot k (undefined: not pinned). */
  readonly slotCpus: (k: number) => readonly number[] | undefined;
  readonly force: boolean;
  readonly verifyReproducible: boolean;
  readonly fallbackEpoch?: number;
  readonly mock?: { readonly path: string; readonly config: string };
  readonly workDir: string;
  readonly graph: BuildGraph;
  readonly scheduler: BuildScheduler;
  readonly slots: SlotHolder;
  readonly layout: OutputLayout;
  readonly store: BuildStateStore;
  readonly fixedRoots: FixedRoots;
  readonly chores: Chores;
  readonly background: Background;
  readonly localRepo?: LocalRepo;
  /** What each finished component produced. */
  readonly built: Map<string, BuiltPackages>;
  /** The input fingerprint of each component started. */
  readonly fingerprints: Map<string, string>;
  readonly diagnostics: Diagnostic[];
  readonly reproducibility: ReproducibilityResult[];
  /** Collect a build record for every component built (see build-record.ts). */
  readonly evidence?: { readonly vendor: Vendor; readonly arch: string; readonly host: Promise<HostFacts>; readonly flags: Map<string, Promise<Record<string, string>>> };
}

/** Build (or find unchanged) component `u`. */
export async function buildUnit(run: UnitRun, u: BuildUnit, st: EvaluatedUnit): Promise<BuildRecord> {
  const { fs, sink, scheduler: sched, layout } = run;
  const name = u.name;
  const tStart = performance.now();
  const depNames = run.graph.deps.get(name) ?? [];
  const fp = fullFingerprint(st.self, new Map(depNames.map((d) => [d, run.fingerprints.get(d) ?? ''])));
  run.fingerprints.set(name, fp);
  const prev = st.state;
  const ok = (d: string) => sched.isOk(d);
  const skippedBecauseOf = (dep: string) => dependencyFailedRecord(name, dep, sched.statusOf(dep));
  // Staged ahead while what it build-requires is still building (rpmbuild backend): the
  // sources are staged now, the sysroot once those builds are done.
  const early = run.backend === 'rpmbuild' && !depNames.every(ok);
  /** Seconds of this build, without the time it waited for a slot or for its dependencies. */
  const wallSeconds = () => (performance.now() - tStart - run.slots.waitedMs(name)) / 1000;
  if (!run.force && prev?.fingerprint === fp && prev.srpm && prev.rpms) {
    // As when it had waited: what it build-requires must have succeeded.
    if (early) await run.slots.depsDone(name);
    const bad = depNames.find((d) => !ok(d));
    if (bad) return skippedBecauseOf(bad);
    const rpms = await reuseLastBuild(run, name, prev, prev.srpm, prev.rpms);
    if (rpms) return { name, status: 'unchanged', fingerprint: fp, srpm: layout.abs(prev.srpm), rpms, rpmbuildSeconds: 0, wallSeconds: wallSeconds(), ...(prev.sourceDateEpoch !== undefined ? { sourceDateEpoch: prev.sourceDateEpoch } : {}) };
  }
  // BuildRequires satisfied by what the dependencies actually produced (not only what their
  // specs say), and the packages to unpack into the build's sysroot.
  const resolveInputs = () => {
    const sysrootRpms: string[] = [];
    const unmet: string[] = [];
    for (const depName of depNames) {
      const info = run.built.get(depName);
      if (!info) continue;
      for (const e of run.graph.edges.filter((x) => x.from === name && x.to === depName)) {
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
  const logFile = layout.logFile(name);
  const unmetRecord = async (unmet: readonly string[]): Promise<BuildRecord> => {
    const reason = `BuildRequires not provided by the packages that were built: ${unmet.join(', ')}`;
    await fs.writeFileAtomic(logFile, `strata: ${reason}\n`);
    return { name, status: 'failed', fingerprint: fp, rpms: [], rpmbuildSeconds: 0, wallSeconds: wallSeconds(), reason, log: logFile };
  };
  const inputs = early ? { sysrootRpms: [], unmet: [] } : resolveInputs();
  if (inputs.unmet.length) return unmetRecord(inputs.unmet);
  let sde = changelogEpoch(await fs.readText(u.spec));
  if (sde === undefined) {
    sde = run.fallbackEpoch ?? DEFAULT_EPOCH;
    run.diagnostics.push(warning('BUILD_NO_CHANGELOG', `${name}: the spec has no %changelog entry; SOURCE_DATE_EPOCH=${sde} is used`, { span: { file: u.spec, line: 1, col: 1 }, hint: 'add a %changelog (or %autochangelog with release calculation) so that builds carry a meaningful date' }));
  }
  const fixedRoot = run.fixedRoots.of(name);
  const top1 = path.join(run.workDir, 'builds', `${name}-${fp.slice(0, 12)}-a`);
  const top2 = path.join(run.workDir, 'builds', `${name}-${fp.slice(0, 12)}-b`);
  const notStarted = (): BuildRecord => notStartedRecord(name);
  const holdFixedRoot = <T>(fn: () => Promise<T>) => run.fixedRoots.hold(fixedRoot, fn);
  let sysrootRpms: readonly string[] = inputs.sysrootRpms;
  const job = (topdir: string) => ({ unit: u, topdir, fixedRoot, macros: run.macros, binaryMacros: run.binaryMacros, sourceDateEpoch: sde, sysrootRpms, reportFlags: !!run.evidence, ...(run.signal ? { signal: run.signal } : {}) });
  let r: RpmbuildResult;
  let r2: RpmbuildResult | undefined;
  if (run.backend === 'mock') {
    if (!run.mock) throw new StrataError(error('BUILD_MOCK_CONFIG', `${name}: the mock backend needs a mock config`, { hint: 'set mock-config (or mock-config-x86_64) on the distro version' }));
    const mock = run.mock;
    if (!(await run.slots.acquire(name))) return notStarted();
    await run.localRepo?.refreshIfStale();
    const localRepos = run.localRepo ? [run.localRepo.dir] : [];
    const attempt = async (topdir: string) => {
      await fs.remove(topdir);
      return runMockBuild({ mock: mock.path, config: mock.config, spec: u.spec, sources: u.dir, resultDir: topdir, localRepos, nocheck: !!u.skipCheck, defines: { ...run.macros, ...(u.defines ?? {}) }, ...(u.with ? { with: u.with } : {}), ...(u.without ? { without: u.without } : {}), sourceDateEpoch: sde, ...(run.signal ? { signal: run.signal } : {}) }, fs, run.proc);
    };
    r = await attempt(top1);
    if (r.ok && run.verifyReproducible) r2 = await attempt(top2);
  } else {
    // The fixed root is held from staging to the end of the build(s).
    type Staged = readonly [RpmbuildResult, RpmbuildResult?] | { readonly skipped: string } | { readonly unmet: readonly string[] } | undefined;
    const res = await holdFixedRoot(async (): Promise<Staged> => {
      const staged = await run.chores.staging(() => stageRpmbuild(job(top1), fs, run.proc));
      if (staged.failed) return [staged.failed];
      if (early) {
        sink({ kind: 'log', level: 'debug', message: `build ${name}: sources staged while ${depNames.filter((d) => !sched.isFinished(d)).join(', ')} build(s)` });
        await run.slots.depsDone(name);
        const bad = depNames.find((d) => !ok(d));
        if (bad) return { skipped: bad };
        const late = resolveInputs();
        if (late.unmet.length) return { unmet: late.unmet };
        sysrootRpms = late.sysrootRpms;
        const failed = await run.chores.staging(() => staged.addSysroot(sysrootRpms));
        if (failed) return [failed];
      }
      if (!(await run.slots.acquire(name))) return undefined;
      const cpuSet = run.slotCpus(sched.slotOf(name) ?? 0);
      const first = await staged.build(cpuSet);
      if (!first.ok || !run.verifyReproducible) return [first];
      return [first, await runRpmbuild({ ...job(top2), ...(cpuSet ? { cpuSet } : {}) }, fs, run.proc)];
    });
    if (!res || !('length' in res)) {
      run.chores.add(() => fs.remove(top1));
      run.background.add(run.fixedRoots.sweep(fixedRoot));
      if (!res) return notStarted();
      if ('unmet' in res) return unmetRecord(res.unmet);
      return skippedBecauseOf(res.skipped);
    }
    [r, r2] = res;
  }
  // A failure keeps its slot until it is recorded (--fail-fast must see it before the next
  // start). So does a build that others wait for when there is a choice of what to start next:
  // its dependents become ready once its results are in out/, and they may be on the critical path.
  if (r.ok && (run.jobs === 1 || !sched.hasWaitingDependents(name))) run.slots.release(name);
  const rpmbuildSeconds = r.seconds + (r2?.seconds ?? 0);
  const logWritten = fs.writeFileAtomic(logFile, r.log);
  // awaited below or in the background; until then a failure must not become an unhandled rejection (a crash)
  logWritten.catch(() => undefined);
  if (!r.ok) {
    const tail = r.log.trimEnd().split('\n').slice(-10);
    await logWritten;
    await fs.remove(top1);
    await run.fixedRoots.remove(fixedRoot);
    return { name, status: 'failed', fingerprint: fp, rpms: [], rpmbuildSeconds, wallSeconds: wallSeconds(), reason: r.errors.find((l) => l.startsWith('error:'))?.slice(7) ?? 'rpmbuild failed', log: logFile, logTail: [...tail, ...r.errors.filter((e) => !tail.includes(e))], sourceDateEpoch: sde };
  }
  let reproducible: BuildState['reproducible'];
  if (run.verifyReproducible && r2) {
    const rr = await checkReproducible(fs, name, r, r2);
    run.reproducibility.push(rr);
    reproducible = { identical: rr.identical, differences: rr.differences.length };
    run.chores.add(() => fs.remove(top2));
  }
  // Move results into out/: remove what the previous build of this component left.
  const placed = await layout.place(name, r.srpm!, r.rpms, [...(prev?.srpm ? [prev.srpm] : []), ...(prev?.rpms ?? [])]);
  const rpmsAbs = placed.rpms.map((f) => layout.abs(f));
  run.built.set(name, { rpms: rpmsAbs, packages: placed.packages });
  // The packages are in out/: dependents may start. The rest is bookkeeping, awaited before
  // runBuild returns: the log, the state file, the local repository and removing build trees.
  const baseState: BuildState = { version: 1, selfFingerprint: st.self, facts: st.facts, fingerprint: fp, srpm: placed.srpm, rpms: [...placed.rpms], packages: placed.packages, sourceDateEpoch: sde, rpmbuildSeconds: Math.round(rpmbuildSeconds * 1000) / 1000, ...(reproducible ? { reproducible } : {}) };
  // The build record is collected off the critical path, and saved with the state.
  const saveState = async () => {
    const record = run.evidence ? await collectRecord(run, u, sde, sysrootRpms, layout.abs(placed.srpm), rpmsAbs, r.flags) : undefined;
    await run.store.save(name, record ? { ...baseState, record } : baseState);
  };
  const publish = async () => {
    await run.localRepo?.publish(prev?.rpms ?? [], rpmsAbs);
    // Components waiting for this one see it in the local repository (refreshed in the background).
    if (run.backend === 'mock' && sched.hasDependents(name)) run.localRepo?.refreshInBackground();
  };
  // rpmbuild builds take what they build-require from out/ (unpacked into their sysroot), so
  // for them the local repository is a chore.
  const published = run.backend === 'mock' ? publish() : (run.chores.add(publish), Promise.resolve());
  // mock installs BuildRequires from the local repository: dependents start once these packages are in it.
  if (run.backend === 'mock') await published;
  run.chores.add(() => fs.remove(top1));
  run.background.add(Promise.all([logWritten, saveState(), published, run.backend === 'mock' ? Promise.resolve() : run.fixedRoots.sweep(fixedRoot)]));
  return { name, status: 'built', fingerprint: fp, srpm: layout.abs(placed.srpm), rpms: rpmsAbs, rpmbuildSeconds, wallSeconds: wallSeconds(), log: logFile, sourceDateEpoch: sde };
}

/**
 * The last build of `name`, when all its packages are still in out/: moved to the channels they
 * belong to now, recorded in the state and copied into the local repository where missing.
 * Its binary packages (absolute), or undefined when something is missing (it is rebuilt).
 */
async function reuseLastBuild(run: UnitRun, name: string, prev: BuildState, srpm: string, rpms: string[]): Promise<string[] | undefined> {
  const { layout } = run;
  if (!(await layout.allPresent([srpm, ...rpms]))) return undefined;
  const rels = await layout.relocate(name, rpms);
  if (rels.some((r, i) => r !== rpms[i])) {
    await run.store.save(name, { ...prev, rpms: rels });
    rpms.splice(0, rpms.length, ...rels);
  }
  run.built.set(name, { rpms: rpms.map((f) => layout.abs(f)), packages: [...(prev.packages ?? [])] });
  await run.localRepo?.addMissing(rpms.map((f) => layout.abs(f)));
  return rpms.map((f) => layout.abs(f));
}

/** The build record of a built unit, or undefined when its directory has no prepared inputs (prepared by hand). */
async function collectRecord(run: UnitRun, u: BuildUnit, sde: number, sysrootRpms: readonly string[], srpm: string, rpms: readonly string[], reported?: Readonly<Record<string, string>>): Promise<EvidenceRecord | undefined> {
  const ev = run.evidence!;
  const inputs = await loadPreparedInputs(run.fs, u.dir);
  if (!inputs) {
    run.diagnostics.push(warning('BUILD_NO_RECORD', `${u.name}: ${u.dir} has no ${PREPARED_INPUTS} (not prepared by strata), so this build has no build record and no evidence`, { hint: 'prepare sources with `strata component prepare-sources` (or build without --prepared)' }));
    return undefined;
  }
  const host = await ev.host;
  const pkg = async (f: string) => packageRecord(await run.fs.readFile(f), f, ev.vendor);
  const [srpmRec, rpmRecs, buildroot, flags, hostTools] = await Promise.all([
    pkg(srpm),
    Promise.all(rpms.map(pkg)),
    Promise.all(sysrootRpms.map(pkg)),
    reported ?? flagsOf(run, u),
    Promise.all((run.graph.external.get(u.name) ?? []).map((r) => host.hostTool(r))),
  ]);
  // The header's OPTFLAGS is what the build really used (a spec may change %optflags).
  const first = rpms[0] ? parseRpm(await run.fs.readFile(rpms[0]), rpms[0]).header.string(Tag.OPTFLAGS) : undefined;
  return assembleBuildRecord({
    inputs,
    unit: u,
    arch: ev.arch,
    vendor: ev.vendor,
    backend: run.backend,
    host,
    flags: first ? { ...flags, optflags: first } : flags,
    defines: { ...reproducibleMacros(), ...run.macros, ...(u.defines ?? {}) },
    sourceDateEpoch: sde,
    ...(run.backend === 'rpmbuild' ? { buildPath: run.fixedRoots.of(u.name) } : {}),
    buildroot,
    hostTools,
    srpm: srpmRec,
    rpms: rpmRecs,
  });
}

/** The flag macros for `u`'s build when the build did not report them (mock): one rpmbuild --eval per distinct set of macros and options in a run. */
function flagsOf(run: UnitRun, u: BuildUnit): Promise<Record<string, string>> {
  const macros = { ...reproducibleMacros(), ...run.binaryMacros, ...run.macros };
  const key = JSON.stringify([macroArgs(u, macros)]);
  let p = run.evidence!.flags.get(key);
  if (!p) run.evidence!.flags.set(key, (p = evaluateFlags(run.proc, u, macros)));
  return p;
}
