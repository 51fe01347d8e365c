// The mock backend against a stand-in `mock` (testing/mock-standin.ts): a script that takes
// mock's options and really builds with the host's rpmbuild, isolating the environment and
// resolving BuildRequires from `--addrepo` repositories as mock's dnf would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { NodeProcessLock } from '../adapters/process-lock.js';
import { formatDiagnostic, type Diagnostic } from '../diag/index.js';
import { parseRpm, rpmInfo } from '../rpm/rpm-header.js';
import type { CliContext } from '../cli/context.js';
import { main } from '../cli/main.js';
import { detectMock, mockCommands, mockConfigText, requireMock, runMockBuild, type MockJob } from './mock.js';
import { changelogEpoch } from './rpmbuild.js';
import { runBuild, type BuildOptions } from './run-build.js';
import { rpmspecInspector, specModelInspector } from './spec-facts.js';
import { makeTarballs, prepareExampleUnits, type Tarball } from '../testing/example.js';
import { writeMockStandin, type MockStandin, type StandinCall } from '../testing/mock-standin.js';
import type { BuildUnit } from './types.js';

const fs = new NodeFileSystem();
let tmp: string;
let tarballs: Tarball[];
let standin: MockStandin;
/** A runner that finds the stand-in as `mock` on PATH. */
let proc: NodeProcessRunner;
const CONFIG = 'strata-test-x86_64';

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-mock-test-'));
  tarballs = makeTarballs(path.join(tmp, 'tarballs'));
  standin = writeMockStandin(path.join(tmp, 'standin'), CONFIG);
  proc = new NodeProcessRunner({ ...process.env, PATH: `${standin.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function calls(): StandinCall[] {
  let text = '';
  try {
    text = readFileSync(standin.argvLog, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StandinCall);
}
function resetCalls(): void {
  rmSync(standin.argvLog, { force: true });
}
/** The value after `flag` in argv (every occurrence). */
function values(argv: readonly string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag && i + 1 < argv.length ? [argv[i + 1]!] : []));
}

/** A small noarch spec: bconds, a define, a failing %check (so --nocheck matters), optional failing %build / BuildRequires. */
function tinySpec(root: string, name: string, o: { br?: string[]; failBuild?: boolean } = {}): BuildUnit {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const spec = path.join(dir, `${name}.spec`);
  writeFileSync(
    spec,
    `%bcond_with extra
%bcond_without docs
Name: ${name}
Version: 1.0
Release: 1%{?dist}
Summary: test package ${name}
License: MIT
BuildArch: noarch
${(o.br ?? []).map((b) => `BuildRequires: ${b}\n`).join('')}
%description
Test package ${name}.

%build
${o.failBuild ? 'echo "deliberate failure in %build" >&2\nexit 3' : ''}

%install
mkdir -p %{buildroot}%{_datadir}/${name}
echo "extra=%{with extra} docs=%{with docs} motto=%{?motto}" > %{buildroot}%{_datadir}/${name}/id

%check
echo "the test suite fails" >&2
exit 1

%files
%{_datadir}/${name}

%changelog
* Tue Nov 03 2026 Tester <t@example.invalid> - 1.0-1
- test
`,
  );
  return { name, dir, spec };
}

function job(u: BuildUnit, resultDir: string, extra: Partial<MockJob> = {}): MockJob {
  return {
    mock: standin.mock,
    config: CONFIG,
    spec: u.spec,
    sources: u.dir,
    resultDir,
    localRepos: [],
    defines: { dist: '.t1' },
    sourceDateEpoch: changelogEpoch(readFileSync(u.spec, 'utf8'))!,
    ...extra,
  };
}

function buildOptions(root: string, units: BuildUnit[], extra: Partial<BuildOptions> = {}): BuildOptions {
  return {
    units,
    outDir: path.join(root, 'out'),
    workDir: path.join(root, 'work'),
    fixedRootBase: path.join(root, 'fixed'),
    macros: { dist: '.exl1' },
    jobs: 2,
    inspector: specModelInspector(fs, rpmspecInspector(proc)),
    backend: 'mock',
    mock: { path: standin.mock, config: CONFIG },
    ...extra,
  };
}

/** A payload file of an RPM (bsdtar reads RPMs directly). */
function rpmFile(rpm: string, file: string): string {
  return execFileSync('bsdtar', ['-x', '-O', '-f', rpm, `.${file}`], { encoding: 'utf8' });
}

test('mock detection: the stand-in on PATH is found with its version; without mock, BUILD_MOCK_UNAVAILABLE says what to do', async () => {
  assert.deepEqual(await detectMock(proc), { available: true, path: standin.mock, version: '5.9' });
  assert.equal((await requireMock(proc)).path, standin.mock);
  const empty = path.join(tmp, 'empty-bin');
  mkdirSync(empty, { recursive: true });
  const without = new NodeProcessRunner({ ...process.env, PATH: empty });
  assert.deepEqual(await detectMock(without), { available: false });
  const e = await requireMock(without).then(
    () => assert.fail('requireMock accepted a machine without mock'),
    (x: { code?: string; diagnostics?: Diagnostic[] }) => x,
  );
  assert.equal(e.code, 'BUILD_MOCK_UNAVAILABLE');
  const printed = formatDiagnostic(e.diagnostics![0]!);
  assert.match(printed, /^error\[BUILD_MOCK_UNAVAILABLE\]: the mock backend needs `mock`, which is not installed on this machine/);
  assert.match(printed, /--backend rpmbuild/);
  assert.match(printed, /dnf install mock/);
});

test('mockCommands: the documented mock options, the source package last', () => {
  const [srpm, rpm] = mockCommands({ config: '/c/x.cfg', spec: '/s/a.spec', sources: '/s', resultDir: '/r', srpm: '/r/srpm/a-1-1.src.rpm', localRepos: ['/repo1', '/repo2'], nocheck: true, uniqueExt: 'strata-a', defines: { dist: '.t1', b: 'x y' }, srpmDefines: { _smp_build_ncpus: '1' }, with: ['w'], without: ['wo'] });
  assert.deepEqual(srpm, ['mock', '-r', '/c/x.cfg', '--uniqueext', 'strata-a', '--addrepo', '/repo1', '--addrepo', '/repo2', '--resultdir', '/r/srpm', '--define', '_smp_build_ncpus 1', '--define', 'b x y', '--define', 'dist .t1', '--with', 'w', '--without', 'wo', '--buildsrpm', '--spec', '/s/a.spec', '--sources', '/s']);
  assert.deepEqual(rpm, ['mock', '-r', '/c/x.cfg', '--uniqueext', 'strata-a', '--addrepo', '/repo1', '--addrepo', '/repo2', '--resultdir', '/r/rpm', '--define', 'b x y', '--define', 'dist .t1', '--with', 'w', '--without', 'wo', '--nocheck', '--rebuild', '/r/srpm/a-1-1.src.rpm']);
  // A project define of a pinned source-package macro wins over the pin.
  const [s2] = mockCommands({ config: 'c', spec: 's', sources: 'd', resultDir: '/r', srpm: 'x', localRepos: [], defines: { _smp_build_ncpus: '4' }, srpmDefines: { _smp_build_ncpus: '1' } });
  assert.deepEqual(values(s2!, '--define'), ['_smp_build_ncpus 4']);
  assert.equal(mockConfigText("/etc/it's.cfg", 5), mockConfigText("/etc/it's.cfg", 5));
  assert.match(mockConfigText("/p/it's.cfg", 1700000000), /^include\('\/p\/it\\'s\.cfg'\)$/m);
  assert.match(mockConfigText('fedora-43-x86_64', 1700000000), /^include\('fedora-43-x86_64\.cfg'\)$\n^config_opts\['environment'\]\['SOURCE_DATE_EPOCH'\] = '1700000000'$/m);
});

test('runMockBuild: config, resultdir, defines, --with/--without, --nocheck, local repos mapped; real RPMs collected; SOURCE_DATE_EPOCH reaches rpmbuild', async () => {
  const root = path.join(tmp, 'mapping');
  const u = tinySpec(path.join(root, 'src'), 'mapped');
  const repoWith = path.join(root, 'repo-with');
  const repoWithout = path.join(root, 'repo-without');
  mkdirSync(repoWith, { recursive: true });
  mkdirSync(repoWithout, { recursive: true });
  execFileSync('createrepo_c', ['--quiet', repoWith]);
  resetCalls();
  const resultDir = path.join(root, 'result');
  const j = job(u, resultDir, { defines: { dist: '.t1', motto: 'hello mock' }, with: ['extra'], without: ['docs'], nocheck: true, localRepos: [repoWith, repoWithout] });
  const r = await runMockBuild(j, fs, proc);
  assert.equal(r.ok, true, r.log);
  const [c1, c2, ...more] = calls().filter((c) => c.argv);
  assert.equal(more.length, 0, 'two mock runs: --buildsrpm and --rebuild');
  const cfg = path.join(resultDir, 'strata-mock.cfg');
  for (const c of [c1!, c2!]) {
    assert.deepEqual(values(c.argv!, '-r'), [cfg]);
    assert.deepEqual(values(c.argv!, '--addrepo'), [repoWith], 'a repository without repodata/ is not passed (mock: skip_if_unavailable=0)');
    assert.deepEqual(values(c.argv!, '--uniqueext'), ['strata-mapped']);
    assert.deepEqual(values(c.argv!, '--with'), ['extra']);
    assert.deepEqual(values(c.argv!, '--without'), ['docs']);
    assert.ok(values(c.argv!, '--define').includes('motto hello mock'));
    assert.ok(values(c.argv!, '--define').includes('dist .t1'));
    assert.equal(c.env?.SOURCE_DATE_EPOCH, String(j.sourceDateEpoch));
  }
  assert.ok(c1!.argv!.includes('--buildsrpm'));
  assert.deepEqual(values(c1!.argv!, '--spec'), [u.spec]);
  assert.deepEqual(values(c1!.argv!, '--sources'), [u.dir]);
  assert.deepEqual(values(c1!.argv!, '--resultdir'), [path.join(resultDir, 'srpm')]);
  assert.ok(values(c1!.argv!, '--define').includes('_smp_build_ncpus 1'), 'the source package gets the pinned CPU count');
  assert.ok(!c1!.argv!.includes('--nocheck'));
  assert.deepEqual(values(c2!.argv!, '--resultdir'), [path.join(resultDir, 'rpm')]);
  assert.ok(!values(c2!.argv!, '--define').includes('_smp_build_ncpus 1'));
  assert.ok(c2!.argv!.includes('--nocheck'), '%check fails in this spec: --nocheck must reach rpmbuild');
  assert.equal(c2!.argv!.at(-2), '--rebuild');
  assert.equal(c2!.argv!.at(-1), r.srpm);
  assert.match(readFileSync(cfg, 'utf8'), new RegExp(`^include\\('${CONFIG}\\.cfg'\\)$`, 'm'));
  // Results: the source package from --buildsrpm, the binary ones from --rebuild (not mock's copy of the source package).
  assert.equal(r.srpm, path.join(resultDir, 'srpm', 'mapped-1.0-1.t1.src.rpm'));
  assert.deepEqual(r.rpms, [path.join(resultDir, 'rpm', 'mapped-1.0-1.t1.noarch.rpm')]);
  assert.ok(readdirSync(path.join(resultDir, 'rpm')).includes('mapped-1.0-1.t1.src.rpm'), 'the stand-in, like mock, leaves the source package beside the binaries');
  const info = rpmInfo(parseRpm(readFileSync(r.rpms[0]!), r.rpms[0]!));
  assert.equal(info.release, '1.t1');
  assert.equal(info.buildTime, j.sourceDateEpoch, 'BUILDTIME is SOURCE_DATE_EPOCH: it reached rpmbuild inside the chroot');
  assert.equal(rpmInfo(parseRpm(readFileSync(r.srpm!), r.srpm!)).buildTime, j.sourceDateEpoch);
  assert.equal(rpmFile(r.rpms[0]!, '/usr/share/mapped/id').trim(), 'extra=1 docs=0 motto=hello mock');
  // The log: every command line, mock's output and both build.logs.
  assert.match(r.log, /strata: SOURCE_DATE_EPOCH=\d+ \S+\/mock -r /);
  assert.match(r.log, /repo-without has no repodata\/ yet: not passed to mock --addrepo/);
  assert.match(r.log, /---- \S+\/srpm\/build\.log ----\nExecuting: rpmbuild/);
  assert.match(r.log, /---- \S+\/rpm\/build\.log ----\nExecuting: rpmbuild/);
  assert.deepEqual(r.errors, []);
  assert.ok(r.seconds > 0);
});

test('runMockBuild: a failing %build is reported with the end of build.log and rpm\'s errors', async () => {
  const root = path.join(tmp, 'failing');
  const u = tinySpec(path.join(root, 'src'), 'broken', { failBuild: true });
  const r = await runMockBuild(job(u, path.join(root, 'result')), fs, proc);
  assert.equal(r.ok, false);
  assert.ok(r.srpm, 'the source package was built');
  assert.deepEqual(r.rpms, []);
  const tail = r.log.trimEnd().split('\n').slice(-10).join('\n');
  assert.match(tail, /deliberate failure in %build/);
  assert.match(tail, /Bad exit status from .* \(%build\)/);
  assert.match(r.errors[0]!, /^error: Bad exit status from .* \(%build\)$/);
  assert.ok(r.errors.includes('RPM build errors:'));
  assert.ok(r.errors.some((l) => /^ERROR: Exception\(/.test(l)), 'mock\'s own ERROR lines are kept');
  assert.match(r.log, /strata: mock --rebuild exited with code 1/);
});

test('runMockBuild: BuildRequires the repositories do not have: the dnf error from root.log', async () => {
  const root = path.join(tmp, 'missing-dep');
  const u = tinySpec(path.join(root, 'src'), 'needy', { br: ['not-packaged-anywhere >= 2'] });
  const r = await runMockBuild(job(u, path.join(root, 'result')), fs, proc);
  assert.equal(r.ok, false);
  assert.match(r.errors[0]!, /^error: mock --rebuild: installing the build dependencies failed: No matching package to install: 'not-packaged-anywhere >= 2'$/);
  assert.match(r.log, /---- end of \S+\/rpm\/root\.log ----/);
  assert.match(r.log.trimEnd().split('\n').slice(-10).join('\n'), /Some packages could not be found/);
});

test('runMockBuild: mock\'s own complaint becomes the error (a config mock cannot find)', async () => {
  const root = path.join(tmp, 'no-config');
  const u = tinySpec(path.join(root, 'src'), 'noconfig');
  const r = await runMockBuild(job(u, path.join(root, 'result'), { config: 'no-such-config' }), fs, proc);
  assert.equal(r.ok, false);
  assert.equal(r.errors[0], `error: mock --buildsrpm failed (exit code 5): Could not find required config file: ${path.join(standin.configDir, 'no-such-config.cfg')}`);
});

test('runMockBuild: a mock that cannot start is a failed build, not an exception', async () => {
  const root = path.join(tmp, 'no-mock');
  const u = tinySpec(path.join(root, 'src'), 'nomock');
  const r = await runMockBuild(job(u, path.join(root, 'result'), { mock: path.join(root, 'missing', 'mock') }), fs, proc);
  assert.equal(r.ok, false);
  assert.match(r.errors[0]!, /^error: running \S+\/missing\/mock: .*ENOENT/);
});

test('runBuild with backend mock: libgreet, then greet against libgreet-devel from the refreshed local repository (--addrepo)', async () => {
  const root = path.join(tmp, 'example');
  const units = prepareExampleUnits(path.join(root, 'prepared'), tarballs, ['libgreet', 'greet']);
  resetCalls();
  const r = await runBuild({ fs, proc, sink: () => undefined, lock: new NodeProcessLock() }, buildOptions(root, units));
  assert.deepEqual(
    r.records.map((x) => [x.name, x.status]),
    [['greet', 'built'], ['libgreet', 'built']],
    r.records.map((x) => `${x.name}: ${x.reason ?? ''}\n${(x.logTail ?? []).join('\n')}`).join('\n'),
  );
  const localRepo = path.join(root, 'work', 'local-repo');
  assert.equal(r.localRepo, localRepo);
  const all = calls();
  const runs = all.filter((c) => c.argv);
  const of = (name: string) => runs.filter((c) => values(c.argv!, '--uniqueext')[0] === `strata-${name}`);
  assert.equal(of('libgreet').length, 2);
  assert.equal(of('greet').length, 2);
  // libgreet came first, when the local repository had no metadata: no --addrepo.
  for (const c of of('libgreet')) assert.deepEqual(values(c.argv!, '--addrepo'), []);
  // greet: the refreshed local repository, and libgreet-devel was installed from it.
  for (const c of of('greet')) assert.deepEqual(values(c.argv!, '--addrepo'), [localRepo]);
  assert.ok(runs.indexOf(of('greet')[0]!) > runs.indexOf(of('libgreet')[1]!), 'greet ran after libgreet');
  const installed = all.filter((c) => c.installed).map((c) => c.installed!);
  assert.deepEqual(installed, [[], ['libgreet-devel-1.0-3.exl1', 'libgreet-1.0-3.exl1']]);
  // Real packages in out/, greet linked against libgreet.
  const greet = r.records.find((x) => x.name === 'greet')!;
  const bin = greet.rpms.find((f) => /greet-1\.0-2\.exl1\.x86_64\.rpm$/.test(f));
  assert.ok(bin, greet.rpms.join(' '));
  const info = rpmInfo(parseRpm(readFileSync(bin), bin));
  assert.ok(info.requires.some((d) => d.name.startsWith('libgreet.so.1')), info.requires.map((d) => d.name).join(' '));
  assert.equal(info.buildTime, greet.sourceDateEpoch);
  assert.match(readFileSync(greet.log!, 'utf8'), /---- \S+\/rpm\/build\.log ----/);
  // The local repository holds both components' packages.
  assert.ok(readdirSync(localRepo).some((f) => f.startsWith('greet-1.0-2')));
  // A second run builds nothing.
  resetCalls();
  const again = await runBuild({ fs, proc, sink: () => undefined, lock: new NodeProcessLock() }, buildOptions(root, units));
  assert.deepEqual(again.records.map((x) => x.status), ['unchanged', 'unchanged']);
  assert.equal(calls().length, 0);
});

test('runBuild with backend mock: a failure is reported with the tail of build.log; its dependent is skipped', async () => {
  const root = path.join(tmp, 'example-fail');
  const bad = tinySpec(path.join(root, 'src'), 'base-broken', { failBuild: true });
  const user = tinySpec(path.join(root, 'src'), 'base-user', { br: ['base-broken'] });
  // Independent components run at the same time (-j 2): each in a chroot of its own (--uniqueext),
  // or the second would fail on mock's buildroot lock.
  const sides = ['side-a', 'side-b', 'side-c'].map((n): BuildUnit => ({ ...tinySpec(path.join(root, 'src'), n), skipCheck: true }));
  resetCalls();
  const r = await runBuild({ fs, proc, sink: () => undefined, lock: new NodeProcessLock() }, buildOptions(root, [bad, user, ...sides]));
  assert.deepEqual(r.records.filter((x) => x.name.startsWith('side-')).map((x) => x.status), ['built', 'built', 'built'], r.records.map((x) => `${x.name}: ${x.reason ?? ''}`).join('\n'));
  assert.deepEqual(new Set(calls().filter((c) => c.argv).map((c) => values(c.argv!, '--uniqueext')[0])), new Set(['strata-base-broken', 'strata-side-a', 'strata-side-b', 'strata-side-c']));
  const [rb, ru] = [r.records.find((x) => x.name === 'base-broken')!, r.records.find((x) => x.name === 'base-user')!];
  assert.equal(rb.status, 'failed');
  assert.match(rb.reason ?? '', /^Bad exit status from .* \(%build\)$/);
  assert.ok(rb.logTail?.some((l) => /deliberate failure in %build/.test(l)), (rb.logTail ?? []).join('\n'));
  assert.equal(ru.status, 'skipped');
  assert.match(readFileSync(rb.log!, 'utf8'), /---- \S+\/rpm\/build\.log ----/);
});

test('CLI: component build --backend mock with the stand-in, the mock-config path relative to the distro file', async () => {
  const root = path.join(tmp, 'cli');
  const project = path.join(root, 'project');
  const prepared = path.join(root, 'prepared');
  prepareExampleUnits(prepared, tarballs, ['libgreet', 'greet']);
  mkdirSync(path.join(project, 'specs'), { recursive: true });
  mkdirSync(path.join(project, 'distro', 'mock'), { recursive: true });
  for (const c of ['libgreet', 'greet']) copyFileSync(path.join(prepared, c, `${c}.spec`), path.join(project, 'specs', `${c}.spec`));
  // A project mock config that includes the stand-in's, found relative to the distro file.
  writeFileSync(path.join(project, 'distro', 'mock', 'test.cfg'), `include('${CONFIG}.cfg')\n`);
  writeFileSync(
    path.join(project, 'azldev.toml'),
    `includes = ["distro/*.distro.toml"]
[project]
output-dir = "out"
work-dir = "build/work"
default-distro = { name = "t", version = "1" }

[components.libgreet]
spec = { type = "local", path = "specs/libgreet.spec" }
[components.greet]
spec = { type = "local", path = "specs/greet.spec" }
`,
  );
  const distro = (mockConfig: string) =>
    writeFileSync(
      path.join(project, 'distro', 't.distro.toml'),
      `[distros.t]
default-version = "1"
[distros.t.versions.1]
release-ver = "1"
${mockConfig}
default-component-config = { build = { defines = { dist = ".t1" } } }
`,
    );
  const strata = async (args: string[], runner: NodeProcessRunner) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = { cwd: project, env: { ...process.env, NO_COLOR: '1' }, out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false, color: false, fs, proc: runner, git: new SystemGit(runner), clock: { now: () => new Date() }, lock: new NodeProcessLock() };
    const code = await main(args, ctx);
    return { code, out: out.join(''), err: err.join('') };
  };
  const args = ['component', 'build', '-a', '-j', '2', '--backend', 'mock', '--prepared', prepared];
  // No mock on the machine.
  distro('mock-config = "mock/test.cfg"');
  const empty = path.join(tmp, 'empty-bin');
  mkdirSync(empty, { recursive: true });
  const absent = await strata(args, new NodeProcessRunner({ ...process.env, PATH: `${empty}:/usr/bin:/bin` }));
  if (!(await new NodeProcessRunner({ ...process.env, PATH: `${empty}:/usr/bin:/bin` }).which('mock'))) {
    assert.equal(absent.code, 1);
    assert.match(absent.err, /error\[BUILD_MOCK_UNAVAILABLE\]: the mock backend needs `mock`/);
    assert.match(absent.err, /--backend rpmbuild/);
  }
  // mock present, no mock config.
  distro('');
  const noConfig = await strata(args, proc);
  assert.equal(noConfig.code, 1);
  assert.match(noConfig.err, /t\.distro\.toml:\d+:\d+: error\[BUILD_MOCK_CONFIG\]: the mock backend needs a mock config/);
  assert.match(noConfig.err, /mock-config-x86_64 \(or mock-config\)/);
  // mock present, a config path relative to the distro file.
  distro('mock-config = "mock/test.cfg"');
  resetCalls();
  const r = await strata(args, proc);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /2 built, 0 unchanged, 0 failed, 0 skipped/);
  const all = calls();
  assert.equal(all.filter((c) => c.argv && !c.argv.includes('--version')).length, 4);
  // Every build read Strata's config, the project's (resolved against the distro file) and the one it includes.
  const configs = all.filter((c) => c.configs).map((c) => c.configs!.slice(1));
  assert.deepEqual(configs, Array(4).fill([path.join(project, 'distro', 'mock', 'test.cfg'), path.join(standin.configDir, `${CONFIG}.cfg`)]));
  assert.deepEqual(readdirSync(path.join(project, 'out', 'srpms')).sort(), ['greet-1.0-2.t1.src.rpm', 'libgreet-1.0-3.t1.src.rpm']);
});
