/**
 * The mock backend. mock is how Fedora and azldev build (a clean chroot per build, BuildRequires
 * installed from repositories, `--addrepo` for the local repository). It is not packaged for
 * Debian, so on this kind of machine Strata says so clearly and points at the rpmbuild backend.
 *
 * What mock does differently from a plain rpmbuild, and how this backend deals with it:
 *
 * - mock runs rpmbuild in a chroot with the environment of its config
 *   (`config_opts['environment']`), not the caller's: SOURCE_DATE_EPOCH in mock's own environment
 *   never reaches rpmbuild. Strata writes a small config beside the results that includes the
 *   distro's config and sets SOURCE_DATE_EPOCH there (plus the rpm macros that make rpm use it).
 * - `--addrepo` repositories are added with `skip_if_unavailable=0`: a directory without
 *   `repodata/` makes dnf fail before anything is built. Only repositories with metadata are passed.
 * - two mock processes on one chroot fail on its lock ("Build root is locked by another
 *   process"): each component gets its own chroot (`--uniqueext`), so `-j N` works.
 * - what rpmbuild printed is in `<resultdir>/build.log`, dnf's output in `root.log`; mock's own
 *   output only says that something failed. Both logs go into the build log and the errors.
 */
import * as path from 'node:path';
import { StrataError, error } from '../diag/index.js';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { rpmErrors, sourcePackageMacros, type RpmbuildResult } from './rpmbuild.js';
import { macroArgs } from './spec-facts.js';
import { MergedLog } from '../util/merged-log.js';

export interface MockAvailability {
  readonly available: boolean;
  readonly path?: string;
  readonly version?: string;
}

export async function detectMock(proc: ProcessRunner): Promise<MockAvailability> {
  const p = await proc.which('mock');
  if (!p) return { available: false };
  const v = await proc.run(p, ['--version']).catch(() => undefined);
  return { available: true, path: p, ...(v && v.code === 0 ? { version: v.stdout.trim() } : {}) };
}

/** Throws BUILD_MOCK_UNAVAILABLE when mock is not installed. */
export async function requireMock(proc: ProcessRunner): Promise<MockAvailability> {
  const m = await detectMock(proc);
  if (!m.available) {
    throw new StrataError(
      error('BUILD_MOCK_UNAVAILABLE', 'the mock backend needs `mock`, which is not installed on this machine', {
        hint: 'mock is not packaged for Debian; use `--backend rpmbuild` (the default here: isolated per-build top directory, fixed build paths, BuildRequires checked by Strata against the build graph), or build on Fedora/RHEL where `dnf install mock` works',
      }),
    );
  }
  return m;
}

/** The rpm macros of every mock build, below the project's and the component's defines. */
export function mockReproducibleMacros(): Record<string, string> {
  return { use_source_date_epoch_as_buildtime: '1', clamp_mtime_to_source_date_epoch: '1' };
}

export interface MockCommandOptions {
  /** `-r`: a config name (`fedora-43-x86_64`, looked up in mock's config directory) or a `.cfg` path. */
  readonly config: string;
  readonly spec: string;
  readonly sources: string;
  readonly resultDir: string;
  /** The source package for `--rebuild` (the result of the first command). */
  readonly srpm: string;
  /** Repositories for `--addrepo` (directories with repodata/). */
  readonly localRepos: readonly string[];
  readonly nocheck?: boolean;
  /** `--uniqueext`: a chroot of its own. */
  readonly uniqueExt?: string;
  /** `--define` of both commands (sorted by name). */
  readonly defines?: Readonly<Record<string, string>>;
  /** `--define` of the source package only, below `defines`. */
  readonly srpmDefines?: Readonly<Record<string, string>>;
  readonly with?: readonly string[];
  readonly without?: readonly string[];
}

/**
 * The two mock command lines of one component (program name first): `--buildsrpm` into
 * `<resultDir>/srpm`, then `--rebuild` of that source package into `<resultDir>/rpm`. The
 * source package is the last argument.
 */
export function mockCommands(o: MockCommandOptions): string[][] {
  const common = [
    '-r',
    o.config,
    ...(o.uniqueExt ? ['--uniqueext', o.uniqueExt] : []),
    ...o.localRepos.flatMap((r) => ['--addrepo', r]),
  ];
  // --define (sorted), --with, --without: as rpmbuild gets them.
  const conditionals = { ...(o.with ? { with: o.with } : {}), ...(o.without ? { without: o.without } : {}) };
  const defines = o.defines ?? {};
  return [
    ['mock', ...common, '--resultdir', `${o.resultDir}/srpm`, ...macroArgs(conditionals, { ...(o.srpmDefines ?? {}), ...defines }), '--buildsrpm', '--spec', o.spec, '--sources', o.sources],
    ['mock', ...common, '--resultdir', `${o.resultDir}/rpm`, ...macroArgs(conditionals, defines), ...(o.nocheck ? ['--nocheck'] : []), '--rebuild', o.srpm],
  ];
}

/** A Python string literal (mock configs are Python). */
function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/**
 * The mock config Strata passes as `-r`: the distro's config, included, plus SOURCE_DATE_EPOCH
 * in the chroot's environment. A config name is included as `<name>.cfg` (relative: mock looks
 * in its config directory); a `.cfg` path must be absolute (mock resolves relative includes
 * against its config directory, not the caller's directory).
 */
export function mockConfigText(config: string, sourceDateEpoch: number): string {
  const included = config.endsWith('.cfg') ? config : `${config}.cfg`;
  return [
    '# Written by Strata for one build: the distro version\'s mock config, plus SOURCE_DATE_EPOCH',
    '# inside the chroot (mock does not pass its caller\'s environment to rpmbuild).',
    `include(${pyString(included)})`,
    `config_opts['environment']['SOURCE_DATE_EPOCH'] = ${pyString(String(sourceDateEpoch))}`,
    '',
  ].join('\n');
}

export interface MockJob {
  readonly mock: string;
  /** mock -r argument (a config name, or an absolute .cfg path from the distro version). */
  readonly config: string;
  readonly spec: string;
  readonly sources: string;
  readonly resultDir: string;
  /** Local repositories; those without repodata/ yet are left out (mock would fail on them). */
  readonly localRepos: readonly string[];
  readonly nocheck?: boolean;
  readonly defines: Readonly<Record<string, string>>;
  readonly with?: readonly string[];
  readonly without?: readonly string[];
  readonly sourceDateEpoch: number;
  /** `--uniqueext` (default: `strata-<spec name>`): one chroot per component, so parallel builds do not share one. */
  readonly uniqueExt?: string;
  readonly signal?: AbortSignal;
}

const ROOT_LOG_TAIL = 40;

/**
 * One component with mock: SRPM in a clean chroot, then the binary build with the local
 * repositories added (`--addrepo`), as azldev does. Returns the same shape as the rpmbuild backend:
 * `log` is mock's output followed by its build.log (and, when the build failed before rpmbuild
 * ran, the end of root.log), so the last lines of `log` are where the build stopped.
 */
export async function runMockBuild(job: MockJob, fs: FileSystem, proc: ProcessRunner): Promise<RpmbuildResult> {
  const log = new MergedLog();
  const errors: string[] = [];
  let seconds = 0;
  const srpmDir = path.join(job.resultDir, 'srpm');
  const rpmDir = path.join(job.resultDir, 'rpm');
  const cfg = path.join(job.resultDir, 'strata-mock.cfg');
  await fs.writeFileAtomic(cfg, mockConfigText(job.config, job.sourceDateEpoch));
  const repos: string[] = [];
  for (const r of job.localRepos) {
    if ((await fs.stat(path.join(r, 'repodata', 'repomd.xml')))?.isFile) repos.push(r);
    else log.note(`strata: ${r} has no repodata/ yet: not passed to mock --addrepo\n`);
  }
  const uniqueExt = job.uniqueExt ?? `strata-${path.basename(job.spec).replace(/\.spec$/, '')}`;
  const [srpmCmd, rpmCmd] = mockCommands({
    config: cfg,
    spec: job.spec,
    sources: job.sources,
    resultDir: job.resultDir,
    srpm: '@SRPM@',
    localRepos: repos,
    uniqueExt,
    ...(job.nocheck ? { nocheck: true } : {}),
    defines: { ...mockReproducibleMacros(), ...job.defines },
    // The SRPM records its spec with macros expanded: pin the CPU count there (see sourcePackageMacros).
    srpmDefines: sourcePackageMacros(),
    ...(job.with ? { with: job.with } : {}),
    ...(job.without ? { without: job.without } : {}),
  });
  const quote = (a: string) => (/[\s'"]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  /** Run one mock command; afterwards its build.log (and on failure root.log) joins the log. */
  const run = async (args: string[], resultDir: string, what: string): Promise<boolean> => {
    log.note(`strata: SOURCE_DATE_EPOCH=${job.sourceDateEpoch} ${job.mock} ${args.map(quote).join(' ')}\n`);
    const outputFrom = log.mark();
    const t0 = performance.now();
    let code: number;
    try {
      const r = await proc.run(job.mock, args, {
        // mock does not pass it into the chroot (the config above does); set for mock itself and its plugins.
        env: { SOURCE_DATE_EPOCH: String(job.sourceDateEpoch) },
        onOutput: (s, c) => log.write(s, c),
        ...(job.signal ? { signal: job.signal } : {}),
      });
      code = r.code;
    } catch (e) {
      log.note(`error: running ${job.mock}: ${(e as Error).message}\n`);
      errors.push(`error: running ${job.mock}: ${(e as Error).message}`);
      code = -1;
    }
    seconds += (performance.now() - t0) / 1000;
    const read = (f: string) => fs.readText(path.join(resultDir, f)).catch(() => '');
    const [buildLog, rootLog] = await Promise.all([read('build.log'), read('root.log')]);
    const mockOutput = log.since(outputFrom);
    if (code !== 0) {
      log.note(`strata: mock ${what} exited with code ${code}\n`);
      if (!buildLog.trim() && rootLog.trim()) {
        // The chroot or its BuildRequires failed: dnf's complaint is in root.log.
        const tail = rootLog.trimEnd().split('\n').slice(-ROOT_LOG_TAIL);
        log.note(`strata: ---- end of ${path.join(resultDir, 'root.log')} ----\n${tail.join('\n')}\n`);
        const dnf = tail.filter((l) => /No matching package|Problem:|Failed to download metadata|nothing provides|Error:/i.test(l)).map((l) => l.replace(/^DEBUG (util\.py:\d+:\s*)?/, '').trim());
        errors.push(`error: mock ${what}: installing the build dependencies failed${dnf.length ? `: ${dnf[0]}` : ` (see root.log)`}`, ...dnf.slice(1).map((l) => `error: ${l}`));
      }
    }
    if (buildLog) log.note(`strata: ---- ${path.join(resultDir, 'build.log')} ----\n${buildLog.endsWith('\n') ? buildLog : `${buildLog}\n`}`);
    if (code !== 0) {
      errors.push(...rpmErrors(buildLog));
      const mockErrors = mockOutput.split('\n').filter((l) => /^ERROR:/.test(l));
      errors.push(...mockErrors);
      // mock's own complaint (a locked chroot, a missing config, …), not its generic "Exception(…)" / "Command failed" lines.
      const said = mockErrors.map((l) => l.replace(/^ERROR:\s*/, '')).find((l) => l && !/^(Exception\(|Command failed)/.test(l));
      if (!errors.some((l) => l.startsWith('error:'))) errors.unshift(`error: mock ${what} failed (exit code ${code})${said ? `: ${said}` : ''}`);
    }
    return code === 0;
  };
  const done = (ok: boolean, srpm?: string, rpms: string[] = []): RpmbuildResult => ({ ok, ...(srpm ? { srpm } : {}), rpms, seconds, log: log.text(), errors: ok ? [] : [...new Set(errors)] });

  if (!(await run(srpmCmd!.slice(1), srpmDir, '--buildsrpm'))) return done(false);
  const srpms = await fs.glob(['*.src.rpm'], srpmDir);
  if (srpms.length !== 1) {
    const msg = `error: mock --buildsrpm: expected exactly one source RPM in ${srpmDir}, found ${srpms.length}`;
    log.note(`${msg}\n`);
    errors.push(msg);
    return done(false);
  }
  const srpm = srpms[0]!;
  if (!(await run(rpmCmd!.slice(1).map((a) => (a === '@SRPM@' ? srpm : a)), rpmDir, '--rebuild'))) return done(false, srpm);
  // mock copies the rebuilt source package beside the binary ones; the one from --buildsrpm is the result.
  const rpms = (await fs.glob(['*.rpm'], rpmDir)).filter((f) => !f.endsWith('.src.rpm'));
  if (!rpms.length) {
    const msg = `error: mock --rebuild succeeded but left no binary RPM in ${rpmDir}`;
    log.note(`${msg}\n`);
    errors.push(msg);
    return done(false, srpm);
  }
  return done(true, srpm, rpms);
}
