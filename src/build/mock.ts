/**
 * The mock backend. mock is how Fedora and azldev build (a clean chroot per build, BuildRequires
 * installed from repositories, `--addrepo` for the local repository). It is not packaged for
 * Debian, so on this kind of machine Strata says so clearly and points at the rpmbuild backend.
 */
import { StrataError, error } from '../diag/index.js';
import type { ProcessRunner } from '../adapters/types.js';
import { sourcePackageMacros } from './rpmbuild.js';

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

/** The mock command lines for one component (what the mock backend runs). */
export function mockCommands(o: { config: string; spec: string; sources: string; resultDir: string; srpm: string; localRepos: readonly string[]; nocheck?: boolean }): string[][] {
  const repos = o.localRepos.flatMap((r) => ['--addrepo', r]);
  return [
    ['mock', '-r', o.config, '--buildsrpm', '--spec', o.spec, '--sources', o.sources, '--resultdir', `${o.resultDir}/srpm`, ...repos],
    ['mock', '-r', o.config, '--resultdir', `${o.resultDir}/rpm`, ...repos, ...(o.nocheck ? ['--nocheck'] : []), '--rebuild', o.srpm],
  ];
}

export interface MockJob {
  readonly mock: string;
  /** mock -r argument (a config name or a .cfg path from the distro version). */
  readonly config: string;
  readonly spec: string;
  readonly sources: string;
  readonly resultDir: string;
  readonly localRepos: readonly string[];
  readonly nocheck?: boolean;
  readonly defines: Readonly<Record<string, string>>;
  readonly with?: readonly string[];
  readonly without?: readonly string[];
  readonly sourceDateEpoch: number;
}

/**
 * One component with mock: SRPM in a clean chroot, then the binary build with the local
 * repositories added (`--addrepo`), as azldev does. Returns the same shape as the rpmbuild backend.
 */
export async function runMockBuild(job: MockJob, fs: import('../adapters/types.js').FileSystem, proc: ProcessRunner): Promise<{ ok: boolean; srpm?: string; rpms: string[]; seconds: number; log: string; errors: string[] }> {
  const logParts: string[] = [];
  let seconds = 0;
  const macroArgs = [
    ...Object.keys(job.defines).sort().flatMap((k) => ['--define', `${k} ${job.defines[k]}`]),
    ...(job.with ?? []).flatMap((w) => ['--with', w]),
    ...(job.without ?? []).flatMap((w) => ['--without', w]),
  ];
  const run = async (args: string[]) => {
    logParts.push(`strata: mock ${args.join(' ')}\n`);
    const t0 = performance.now();
    const r = await proc.run(job.mock, args, { env: { SOURCE_DATE_EPOCH: String(job.sourceDateEpoch) }, onOutput: (_s, c) => logParts.push(Buffer.from(c).toString('utf8')) });
    seconds += (performance.now() - t0) / 1000;
    return r.code === 0;
  };
  const [srpmCmd, rpmCmdTemplate] = mockCommands({ ...job, srpm: '@SRPM@' });
  const srpmDir = `${job.resultDir}/srpm`;
  // The SRPM records its spec with macros expanded: pin the CPU count there (see sourcePackageMacros).
  const srpmDefines = Object.entries(sourcePackageMacros()).filter(([k]) => !(k in job.defines)).flatMap(([k, v]) => ['--define', `${k} ${v}`]);
  const okSrpm = await run([...srpmCmd!.slice(1), ...srpmDefines, ...macroArgs]);
  const srpm = okSrpm ? (await fs.glob(['*.src.rpm'], srpmDir))[0] : undefined;
  if (!srpm) return { ok: false, rpms: [], seconds, log: logParts.join(''), errors: ['error: mock --buildsrpm failed'] };
  const ok = await run([...rpmCmdTemplate!.slice(1).map((a) => (a === '@SRPM@' ? srpm : a)), ...macroArgs]);
  const rpms = ok ? (await fs.glob(['*.rpm'], `${job.resultDir}/rpm`)).filter((f) => !f.endsWith('.src.rpm')) : [];
  const log = logParts.join('');
  return { ok, srpm, rpms, seconds, log, errors: ok ? [] : log.split('\n').filter((l) => /^error: |^ERROR:/.test(l)) };
}
