/**
 * The rpmbuild backend: `rpmbuild -bs` then `rpmbuild --rebuild` with Debian rpm's differences
 * handled and reproducibility settings:
 *
 * - everything that ends up inside packages (sources, build and buildroot directories) lives at a
 *   FIXED path `<fixedRoot>` (like mock's /builddir/build), so two builds in different top
 *   directories give byte-identical packages; results go to the per-build `_topdir`;
 * - `_dbpath` is private and `--nodeps` is passed: the host rpmdb is empty (Debian), and Strata
 *   checks BuildRequires itself against what the build graph provides;
 * - `__gpg` is `/usr/bin/gpg` (Debian's default names gpg2, which does not exist);
 * - `SOURCE_DATE_EPOCH` (from the changelog), `use_source_date_epoch_as_buildtime`,
 *   `clamp_mtime_to_source_date_epoch`, a fixed `_buildhost` and explicit payload compression;
 * - the source package does not depend on the machine: rpm 4.18 stores the spec with its macros
 *   EXPANDED in the SRPM header (tag SPEC, 5099), so `make %{?_smp_mflags}` would record the
 *   building machine's CPU count (`%{getncpus}`, `$RPM_BUILD_NCPUS`). `-bs` gets
 *   `sourcePackageMacros()` (a fixed `_smp_build_ncpus`); only `--rebuild` gets the real CPU
 *   share. The staged sources get fixed modes (`u=rwX,go=rX`, not the checkout's umask) and
 *   mtimes (SOURCE_DATE_EPOCH, also when it lies in the future, where rpm's clamp does not
 *   apply). `_topdir` does not reach the SRPM (results only); the fixed root does (%prep and
 *   %install lines in tag SPEC), hence fixed. Not pinned: the owner recorded for the SRPM's
 *   files is the user running rpmbuild (rpm 4.18 has no macro for it), and the host rpm's
 *   version and macros (`%{optflags}`, `%{_libdir}`) are the toolchain, an input of the build;
 * - build-required packages made by earlier builds are unpacked into `<fixedRoot>/sysroot`, and
 *   the compiler finds them through CPATH/LIBRARY_PATH/PKG_CONFIG_PATH (there is no chroot
 *   without mock).
 */
import * as path from 'node:path';
import type { FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { parseSpec } from '../spec/index.js';
import { buildInputFiles } from './fingerprint.js';
import { macroArgs } from './spec-facts.js';
import { flagEvalArgs, parseFlagEval } from './evidence.js';
import { MergedLog } from '../util/merged-log.js';
import type { BuildUnit } from './types.js';

export interface RpmbuildJob {
  readonly unit: BuildUnit;
  /** Per-build top directory: SRPMS/, RPMS/, rpmdb/. */
  readonly topdir: string;
  /** Fixed path for SOURCES/BUILD/BUILDROOT/sysroot; one build at a time per path. */
  readonly fixedRoot: string;
  readonly macros: Readonly<Record<string, string>>;
  /**
   * Defaults for the binary build only (`--rebuild`), below `macros`: e.g. `_smp_build_ncpus`.
   * The source package records the spec with its macros expanded (`make %{?_smp_mflags}`), so
   * such settings must not reach `-bs` or the source package would depend on them.
   */
  readonly binaryMacros?: Readonly<Record<string, string>>;
  readonly sourceDateEpoch: number;
  /** Binary RPMs to unpack into the sysroot before building. */
  readonly sysrootRpms: readonly string[];
  /**
   * CPUs the rpmbuild processes are confined to (`taskset -c`), e.g. a build slot's share of the
   * machine; undefined: wherever the OS schedules them.
   */
  readonly cpuSet?: readonly number[];
  readonly signal?: AbortSignal;
  /** Have the binary build report the flag macros it evaluates (`flagEvalArgs`), for the build record. */
  readonly reportFlags?: boolean;
}

export interface RpmbuildResult {
  readonly ok: boolean;
  readonly srpm?: string;
  readonly rpms: readonly string[];
  /** Seconds spent inside rpmbuild processes. */
  readonly seconds: number;
  /** The complete log text. */
  readonly log: string;
  /** rpm's `error:` lines and the `RPM build errors:` block. */
  readonly errors: readonly string[];
  /** With `reportFlags`: the flag macros as the binary build evaluated them. */
  readonly flags?: Readonly<Record<string, string>>;
}

/** The macros every rpmbuild/rpmspec call gets, before distro and component macros. */
export function reproducibleMacros(): Record<string, string> {
  return {
    __gpg: '/usr/bin/gpg',
    use_source_date_epoch_as_buildtime: '1',
    clamp_mtime_to_source_date_epoch: '1',
    _buildhost: 'strata-build',
    _binary_payload: 'w9.gzdio',
    _source_payload: 'w9.gzdio',
    // Fedora's default; Debian rpm leaves it unset.
    _build_id_links: 'compat',
  };
}

/**
 * `_smp_build_ncpus` of every source package build: a constant, so an SRPM is byte-identical on
 * machines with different core counts (its expanded spec says `make -j1`; that line is
 * informational: `--rebuild` parses the spec file again with the builder's macros).
 */
export const SOURCE_PACKAGE_NCPUS = 1;

/**
 * Macros `rpmbuild -bs` gets below the project's and the component's macros (a
 * `_smp_build_ncpus` set there is a project input and wins), and `--rebuild` does not.
 */
export function sourcePackageMacros(): Record<string, string> {
  return { _smp_build_ncpus: String(SOURCE_PACKAGE_NCPUS) };
}

export function rpmErrors(log: string): string[] {
  const lines = log.split('\n');
  const out: string[] = [];
  let inBlock = false;
  for (const l of lines) {
    if (l.startsWith('RPM build errors:')) {
      inBlock = true;
      out.push(l);
      continue;
    }
    if (inBlock) {
      if (/^\s/.test(l)) out.push(l);
      else inBlock = false;
      continue;
    }
    if (/^error: /.test(l)) out.push(l);
  }
  return [...new Set(out)];
}

/** Copy the build inputs of `from` (buildInputFiles) into `to`; returns the copies. */
async function copyTopFiles(fs: FileSystem, from: string, to: string): Promise<string[]> {
  await fs.mkdir(to);
  const names = await buildInputFiles(fs, from);
  await Promise.all(names.map((name) => fs.copyFile(path.join(from, name), path.join(to, name))));
  return names.map((name) => path.join(to, name));
}

/**
 * Give staged sources the modes and mtimes a source package records independently of the
 * machine: `u=rwX,go=rX` (executable bits kept, umask-dependent group/other bits dropped) and
 * SOURCE_DATE_EPOCH. Returns an error line, or undefined.
 */
async function pinStagedFiles(fs: FileSystem, files: readonly string[], sourceDateEpoch: number): Promise<string | undefined> {
  try {
    await Promise.all(
      files.map(async (f) => {
        const st = await fs.stat(f);
        if (!st?.isFile) return;
        // chmod u=rwX,go=rX of a regular file: executable for all when anyone could execute it.
        await fs.chmod(f, st.mode & 0o111 ? 0o755 : 0o644);
        await fs.setTimes(f, sourceDateEpoch);
      }),
    );
    return undefined;
  } catch (e) {
    return `error: pinning the modes and mtimes of the staged sources: ${(e as Error).message}`;
  }
}

/**
 * A build whose fixed root is staged (sources copied, build-required packages unpacked into the
 * sysroot) and that is ready to run rpmbuild. Staging is Strata's own work; `build()` is
 * rpmbuild's: the scheduler stages the next build while the previous one runs.
 */
export interface StagedRpmbuild {
  /** Set when staging failed (the result to report); `build()` must not be called then. */
  readonly failed?: RpmbuildResult;
  /**
   * `rpmbuild -bs`, then `rpmbuild --rebuild` of that source package; `cpuSet` (known once the
   * build has a slot) overrides the job's.
   */
  build(cpuSet?: readonly number[]): Promise<RpmbuildResult>;
  /**
   * Unpack more build-required packages into the sysroot (a build staged before its
   * dependencies were done); a failure result, or undefined.
   */
  addSysroot(rpms: readonly string[]): Promise<RpmbuildResult | undefined>;
}

/** Prepare the fixed root and the top directory of `job` (see StagedRpmbuild). */
export async function stageRpmbuild(job: RpmbuildJob, fs: FileSystem, proc: ProcessRunner): Promise<StagedRpmbuild> {
  const { unit, topdir, fixedRoot } = job;
  const log = new MergedLog();
  const onOutput = (s: 'stdout' | 'stderr', c: Uint8Array) => log.write(s, c);
  let seconds = 0;
  let flags: Record<string, string> | undefined;
  const done = (ok: boolean, srpm?: string, rpms: string[] = []): RpmbuildResult => {
    const text = log.text();
    return { ok, ...(srpm ? { srpm } : {}), rpms, seconds, log: text, errors: ok ? [] : rpmErrors(text), ...(ok && flags ? { flags } : {}) };
  };
  const notStaged = (r: RpmbuildResult): StagedRpmbuild => ({
    failed: r,
    build: () => Promise.reject(new Error('stageRpmbuild: staging failed; build() must not be called')),
    addSysroot: () => Promise.reject(new Error('stageRpmbuild: staging failed; addSysroot() must not be called')),
  });
  // A fresh fixed root and top directory.
  await Promise.all([fs.remove(fixedRoot), fs.remove(topdir)]);
  const sources = path.join(fixedRoot, 'SOURCES');
  const sysroot = path.join(fixedRoot, 'sysroot');
  await Promise.all([fs.mkdir(topdir), fs.mkdir(sysroot)]);
  // Sources and the sysroot packages are independent: copy while unpacking. The packages are
  // unpacked at the same time too: they are one installable set (rpm refuses conflicting files
  // within it), and what they may share are directories, which bsdtar creates when missing.
  const unpack = async (rpms: readonly string[]): Promise<RpmbuildResult | undefined> => {
    const results = await Promise.all(
      rpms.map(async (rpm) => {
        // libarchive reads RPM packages directly (lead, headers, compressed cpio payload).
        const x = await proc.run('bsdtar', ['-x', '-f', rpm, '-C', sysroot, '--no-same-owner'], job.signal ? { signal: job.signal } : {});
        return { rpm, x };
      }),
    );
    for (const { rpm, x } of results) {
      if (x.code !== 0) return { ok: false, rpms: [], seconds, log: log.text(), errors: [`error: unpacking ${rpm} into the build sysroot: ${x.stderr.trim()}`] };
      log.note(`strata: unpacked ${path.basename(rpm)} into the build sysroot\n`);
    }
    return undefined;
  };
  const [staged, unpackFailure] = await Promise.all([copyTopFiles(fs, unit.dir, sources), unpack(job.sysrootRpms)]);
  if (unpackFailure) return notStaged(unpackFailure);
  const pinFailure = await pinStagedFiles(fs, staged, job.sourceDateEpoch);
  if (pinFailure) return notStaged({ ok: false, rpms: [], seconds, log: log.text(), errors: [pinFailure] });
  const libdirs = ['usr/lib64', 'usr/lib', 'lib64', 'lib'].map((d) => path.join(sysroot, d)).join(':');
  const env: Record<string, string> = {
    SOURCE_DATE_EPOCH: String(job.sourceDateEpoch),
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    CPATH: path.join(sysroot, 'usr/include'),
    LIBRARY_PATH: libdirs,
    LD_LIBRARY_PATH: libdirs,
    PKG_CONFIG_PATH: ['usr/lib64/pkgconfig', 'usr/share/pkgconfig'].map((d) => path.join(sysroot, d)).join(':'),
    PATH: `${path.join(sysroot, 'usr/bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  };
  const dirs: Record<string, string> = {
    _topdir: topdir,
    _sourcedir: sources,
    _specdir: sources,
    _builddir: path.join(fixedRoot, 'BUILD'),
    _buildrootdir: path.join(fixedRoot, 'BUILDROOT'),
    _srcrpmdir: path.join(topdir, 'SRPMS'),
    _rpmdir: path.join(topdir, 'RPMS'),
    _dbpath: path.join(topdir, 'rpmdb'),
  };
  // The source package gets fixed settings (sourcePackageMacros), the binary build the machine's (binaryMacros).
  const sourceArgs = [...macroArgs(unit, { ...reproducibleMacros(), ...sourcePackageMacros(), ...job.macros, ...dirs }), '--nodeps'];
  const binaryArgs = [...macroArgs(unit, { ...reproducibleMacros(), ...(job.binaryMacros ?? {}), ...job.macros, ...dirs }), '--nodeps'];
  let pin = job.cpuSet;
  let lastStdout = '';
  const run = async (rpmArgs: string[]) => {
    // taskset execs rpmbuild: the affinity is inherited by everything rpmbuild runs.
    const [cmd, args] = pin?.length ? ['taskset', ['-c', formatCpuList(pin), 'rpmbuild', ...rpmArgs]] : ['rpmbuild', rpmArgs];
    log.note(`strata: SOURCE_DATE_EPOCH=${job.sourceDateEpoch} ${cmd} ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const t0 = performance.now();
    const r = await proc.run(cmd, args, { env, onOutput, ...(job.signal ? { signal: job.signal } : {}) });
    seconds += (performance.now() - t0) / 1000;
    log.flush();
    if (r.code !== 0) log.note(`strata: rpmbuild exited with code ${r.code}\n`);
    lastStdout = r.stdout;
    return r.code === 0;
  };
  const specInSources = path.join(sources, path.basename(unit.spec));
  return {
    addSysroot: unpack,
    async build(cpuSet?: readonly number[]) {
      if (cpuSet) pin = cpuSet;
      if (!(await run([...sourceArgs, '-bs', specInSources]))) return done(false);
      const srpmDir = path.join(topdir, 'SRPMS');
      // -bs runs no scriptlet but leaves BUILD/BUILDROOT behind (empty): the binary build starts from none.
      const [found] = await Promise.all([fs.readdir(srpmDir).catch(() => [] as string[]), fs.remove(path.join(fixedRoot, 'BUILD')), fs.remove(path.join(fixedRoot, 'BUILDROOT'))]);
      const srpms = found.filter((f) => f.endsWith('.src.rpm')).map((f) => path.join(srpmDir, f));
      if (srpms.length !== 1) {
        log.note(`error: expected exactly one source RPM, found ${srpms.length}\n`);
        return done(false);
      }
      const rebuild = [...binaryArgs, ...(job.reportFlags ? flagEvalArgs() : []), ...(unit.skipCheck ? ['--nocheck'] : []), '--rebuild', srpms[0]!];
      if (!(await run(rebuild))) return done(false, srpms[0]);
      if (job.reportFlags) flags = parseFlagEval(lastStdout);
      const rpmDir = path.join(topdir, 'RPMS');
      const perArch = await Promise.all((await fs.readdir(rpmDir).catch(() => [] as string[])).map(async (arch) => (await fs.readdir(path.join(rpmDir, arch))).filter((f) => f.endsWith('.rpm')).map((f) => path.join(rpmDir, arch, f))));
      return done(true, srpms[0], perArch.flat().sort());
    },
  };
}

/** Stage and build in one go (see stageRpmbuild). */
export async function runRpmbuild(job: RpmbuildJob, fs: FileSystem, proc: ProcessRunner): Promise<RpmbuildResult> {
  const staged = await stageRpmbuild(job, fs, proc);
  return staged.failed ?? staged.build();
}

/** `0-3,6`: a CPU list as taskset and /proc (`Cpus_allowed_list`) write it. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The CPUs of a list like `0-3,6` (`Cpus_allowed_list` in /proc/PID/status); undefined when it is not one. */
export function parseCpuList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a || b - a > 65536) return undefined;
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out.length ? [...new Set(out)].sort((x, y) => x - y) : undefined;
}

/**
 * The CPU share of each of `jobs` parallel binary builds: `_smp_build_ncpus` (make -j and rpm's
 * own threads) so that parallel builds do not oversubscribe the machine, and, when `cpuSet` (the
 * CPUs this process may run on) has room for every slot, the CPUs slot k is confined to
 * (`taskset -c`), the same share: parallel builds then do not migrate between and evict each
 * other from the same CPUs.
 */
export function planCpuShares(jobs: number, cpus: number | undefined, cpuSet: readonly number[] | undefined): { readonly binaryMacros: Readonly<Record<string, string>>; readonly slotCpus: (k: number) => readonly number[] | undefined } {
  const machineCpus = cpuSet?.length ?? cpus;
  const perSlot = machineCpus ? Math.max(1, Math.floor(machineCpus / jobs)) : undefined;
  return {
    binaryMacros: perSlot ? { _smp_build_ncpus: String(perSlot) } : {},
    slotCpus: (k) => (cpuSet && perSlot && jobs > 1 && jobs <= cpuSet.length ? cpuSet.slice(k * perSlot, (k + 1) * perSlot) : undefined),
  };
}

/** The CPUs a process may run on, from the text of /proc/PID/status (`Cpus_allowed_list:`). */
export function cpusAllowed(procStatus: string): number[] | undefined {
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(procStatus)?.[1];
  return list === undefined ? undefined : parseCpuList(list);
}

/** SOURCE_DATE_EPOCH from the newest `%changelog` entry (its date, 00:00 UTC unless a time is given), or undefined. */
export function changelogEpoch(specText: string): number | undefined {
  const first = parseSpec(specText).changelog[0];
  if (!first) return undefined;
  const m = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2}):(\d{2})\s+(?:\w+\s+)?)?(\d{4})\b/.exec(first.header);
  const mon = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || mon < 0) return undefined;
  return Date.UTC(Number(m[6]), mon, Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0), Number(m[5] ?? 0)) / 1000;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Hold `<fixedRoot>.lock` while `fn` runs, so that two Strata processes on one machine never
 * build in the same fixed path at once (the ProcessLock adapter takes over a lock whose owner
 * is gone).
 */
export async function withFixedRootLock<T>(locker: ProcessLock, fixedRoot: string, fn: () => Promise<T>, pollMs = 200): Promise<T> {
  const release = await locker.acquire(`${fixedRoot}.lock`, { pollMs });
  try {
    return await fn();
  } finally {
    await release();
  }
}
