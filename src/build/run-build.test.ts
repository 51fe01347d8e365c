// Real builds with rpmbuild (Debian's rpm): order and parallelism, failure isolation,
// incremental no-op, cycles, reproducibility. Small specs written here plus the example distro.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { NodeProcessLock } from '../adapters/process-lock.js';
import type { StrataEvent } from '../adapters/types.js';
import { parseRpm, rpmInfo } from '../rpm/rpm-header.js';
import { requireMock, detectMock } from './mock.js';
import { cpusAllowed, formatCpuList, parseCpuList } from './rpmbuild.js';
import { runBuild, type BuildOptions } from './run-build.js';
import { rpmspecInspector, specModelInspector } from './spec-facts.js';
import { makeTarballs, prepareExampleUnits, type Tarball } from '../testing/example.js';
import type { BuildUnit } from './types.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const lock = new NodeProcessLock();
let tmp: string;
let tarballs: Tarball[];

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-build-test-'));
  tarballs = makeTarballs(path.join(tmp, 'tarballs'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A tiny noarch spec; `br` BuildRequires, optional failing %build or sleep. */
function tinySpec(root: string, name: string, o: { br?: string[]; provides?: string[]; fail?: boolean; sleep?: number; extra?: string; nondeterministic?: boolean; build?: string } = {}): BuildUnit {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const spec = path.join(dir, `${name}.spec`);
  writeFileSync(
    spec,
    `Name: ${name}
Version: 1.0
Release: 1%{?dist}
Summary: test package ${name}
License: MIT
BuildArch: noarch
${(o.br ?? []).map((b) => `BuildRequires: ${b}\n`).join('')}${(o.provides ?? []).map((p) => `Provides: ${p}\n`).join('')}
%description
Test package ${name}.

%build
${o.fail ? 'echo "deliberate failure in %build" >&2\nexit 3' : ''}
${o.sleep ? `sleep ${o.sleep}` : ''}
${o.build ?? ''}

%install
mkdir -p %{buildroot}%{_datadir}/${name}
echo ${name} ${o.extra ?? ''} > %{buildroot}%{_datadir}/${name}/id
${o.nondeterministic ? `date +%s%N > %{buildroot}%{_datadir}/${name}/stamp` : ''}

%files
%{_datadir}/${name}

%changelog
* Mon Nov 02 2026 Tester <t@example.invalid> - 1.0-1
- test
`,
  );
  return { name, dir, spec };
}

function options(root: string, units: BuildUnit[], extra: Partial<BuildOptions> = {}): BuildOptions {
  return {
    units,
    outDir: path.join(root, 'out'),
    workDir: path.join(root, 'work'),
    fixedRootBase: path.join(root, 'fixed'),
    macros: { dist: '.t1' },
    jobs: 2,
    inspector: specModelInspector(fs, rpmspecInspector(proc)),
    localRepo: false,
    ...extra,
  };
}

function recorder() {
  const events: { t: number; e: StrataEvent }[] = [];
  return { events, sink: (e: StrataEvent) => events.push({ t: performance.now(), e }) };
}

test('build order and parallelism: never before what it build-requires; at most -j at once, and 2 at once when possible', async () => {
  const root = path.join(tmp, 'order');
  const units = [
    tinySpec(root, 'app', { br: ['mid >= 1.0'], sleep: 0.2 }),
    tinySpec(root, 'mid', { br: ['virtual(base)'], sleep: 0.2 }),
    tinySpec(root, 'base', { provides: ['virtual(base) = 2'], sleep: 0.2 }),
    tinySpec(root, 'side1', { sleep: 0.2 }),
    tinySpec(root, 'side2', { sleep: 0.2 }),
  ];
  const rec = recorder();
  const r = await runBuild({ fs, proc, sink: rec.sink, lock: new NodeProcessLock() }, options(root, units));
  assert.deepEqual(r.records.map((x) => [x.name, x.status]), [['app', 'built'], ['base', 'built'], ['mid', 'built'], ['side1', 'built'], ['side2', 'built']]);
  assert.deepEqual(r.graph.edges.map((e) => [e.from, e.to]), [['app', 'mid'], ['mid', 'base']]);
  const started = new Map<string, number>();
  const finished = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  for (const { t, e } of rec.events) {
    if (e.kind === 'log' && /^build (\S+): started$/.test(e.message)) {
      started.set(e.message.split(' ')[1]!.replace(':', ''), t);
      maxRunning = Math.max(maxRunning, ++running);
    }
    // A slot is free again when rpmbuild exits (the results are moved while the next build runs).
    if (e.kind === 'log' && /^build (\S+): rpmbuild done$/.test(e.message)) running--;
    if (e.kind === 'item' && e.task === 'build') finished.set(e.item, t);
  }
  for (const e of r.graph.edges) assert.ok(finished.get(e.to)! <= started.get(e.from)!, `${e.from} started before ${e.to} finished`);
  assert.equal(maxRunning, 2, 'two builds ran at the same time and never more');
  assert.equal(running, 0, 'every started build ended');
});

test('a failure skips only its dependents (keep-going), with the log tail and rpm errors', async () => {
  const root = path.join(tmp, 'fail');
  const units = [tinySpec(root, 'broken', { fail: true }), tinySpec(root, 'needs-broken', { br: ['broken'] }), tinySpec(root, 'needs-needs', { br: ['needs-broken'] }), tinySpec(root, 'fine')];
  const r = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units));
  const by = new Map(r.records.map((x) => [x.name, x]));
  assert.equal(by.get('broken')!.status, 'failed');
  assert.equal(by.get('needs-broken')!.status, 'skipped');
  assert.match(by.get('needs-broken')!.reason!, /build-requires broken, which failed/);
  assert.equal(by.get('needs-needs')!.status, 'skipped');
  assert.equal(by.get('fine')!.status, 'built');
  const tail = by.get('broken')!.logTail!.join('\n');
  assert.match(tail, /deliberate failure in %build/);
  assert.match(tail, /Bad exit status/);
  assert.ok(statSync(path.join(root, 'out', 'logs', 'broken.log')).size > 0);
});

test('incremental: a second run is a no-op; a change rebuilds it and its dependents only; --force rebuilds all', async () => {
  const root = path.join(tmp, 'incr');
  const units = [tinySpec(root, 'lower'), tinySpec(root, 'upper', { br: ['lower'] }), tinySpec(root, 'alone')];
  const o = options(root, units);
  const first = await runBuild({ fs, proc, sink: () => {}, lock }, o);
  assert.ok(first.records.every((x) => x.status === 'built'));
  const mtimes = first.records.flatMap((x) => x.rpms).map((f) => statSync(f).mtimeMs);
  const t0 = performance.now();
  const second = await runBuild({ fs, proc, sink: () => {}, lock }, o);
  const noopMs = performance.now() - t0;
  assert.deepEqual(second.records.map((x) => x.status), ['unchanged', 'unchanged', 'unchanged']);
  assert.equal(second.rpmbuildSeconds, 0);
  assert.deepEqual(second.records.flatMap((x) => x.rpms).map((f) => statSync(f).mtimeMs), mtimes);
  assert.ok(noopMs < 2000, `no-op took ${noopMs} ms`);
  appendFileSync(path.join(root, 'lower', 'README'), 'a new file in the prepared sources\n');
  const third = await runBuild({ fs, proc, sink: () => {}, lock }, o);
  assert.deepEqual(third.records.map((x) => [x.name, x.status]), [['alone', 'unchanged'], ['lower', 'built'], ['upper', 'built']]);
  // A publish channel is not a build input: the packages move, nothing is rebuilt.
  const moved = await runBuild({ fs, proc, sink: () => {}, lock }, { ...o, channelOf: (c) => (c === 'alone' ? 'extras' : undefined) });
  assert.deepEqual(moved.records.map((x) => x.status), ['unchanged', 'unchanged', 'unchanged']);
  assert.match(moved.records[0]!.rpms[0]!, /[/]rpms[/]extras[/]alone-1\.0-1\.t1\.noarch\.rpm$/);
  assert.ok(statSync(moved.records[0]!.rpms[0]!).isFile());
  const forced = await runBuild({ fs, proc, sink: () => {}, lock }, { ...o, force: true });
  assert.ok(forced.records.every((x) => x.status === 'built'));
});

test('building only a dependent (-p) uses the last build of what it build-requires, without rebuilding it', async () => {
  const root = path.join(tmp, 'providers');
  const units = prepareExampleUnits(path.join(root, 'prepared'), tarballs, ['libgreet', 'greet']);
  const first = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units));
  assert.ok(first.records.every((x) => x.status === 'built'));
  const greetOnly = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units.filter((u) => u.name === 'greet'), { providers: ['libgreet'], force: true }));
  assert.deepEqual(greetOnly.records.map((x) => [x.name, x.status]), [['greet', 'built']]);
  assert.deepEqual(greetOnly.graph.edges.map((e) => [e.from, e.to]), [['greet', 'libgreet']]);
  // Without the provider, libgreet-devel is outside the graph: greet.h is missing and the build fails clearly.
  const alone = await runBuild({ fs, proc, sink: () => {}, lock }, options(path.join(tmp, 'providers-none'), units.filter((u) => u.name === 'greet')));
  assert.equal(alone.records[0]!.status, 'failed');
  assert.deepEqual([...alone.graph.external.get('greet')!].sort(), ['gcc', 'libgreet-devel >= 1.0', 'make']);
  assert.match(alone.records[0]!.logTail!.join('\n'), /greet\.h/);
});

test('a build dependency cycle is reported with the cycle; the rest still builds', async () => {
  const root = path.join(tmp, 'cycle');
  const units = [tinySpec(root, 'egg', { br: ['hen'] }), tinySpec(root, 'hen', { br: ['egg'] }), tinySpec(root, 'chick', { br: ['hen'] }), tinySpec(root, 'duck')];
  const r = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units));
  const d = r.diagnostics.find((x) => x.code === 'BUILD_CYCLE');
  assert.ok(d, 'BUILD_CYCLE reported');
  assert.match(d.message, /egg -> hen -> egg/);
  const by = new Map(r.records.map((x) => [x.name, x.status]));
  assert.equal(by.get('egg'), 'failed');
  assert.equal(by.get('hen'), 'failed');
  assert.equal(by.get('chick'), 'skipped');
  assert.equal(by.get('duck'), 'built');
});

test('the example packages: libgreet before greet (BuildRequires: libgreet-devel >= 1.0), and greet links against it', async () => {
  const root = path.join(tmp, 'example');
  const units = prepareExampleUnits(path.join(root, 'prepared'), tarballs, ['libgreet', 'greet']);
  const r = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units, { channelOf: (_c, n) => (n.endsWith('-devel') ? 'devel' : 'base') }));
  assert.deepEqual(r.records.map((x) => [x.name, x.status, x.reason]), [['greet', 'built', undefined], ['libgreet', 'built', undefined]]);
  assert.deepEqual(r.graph.edges.map((e) => [e.from, e.to, e.dep, e.via]), [['greet', 'libgreet', 'libgreet-devel >= 1.0', 'libgreet-devel']]);
  const greet = r.records.find((x) => x.name === 'greet')!.rpms[0]!;
  assert.ok(greet.includes(`${path.sep}rpms${path.sep}base${path.sep}`));
  const info = rpmInfo(parseRpm(readFileSync(greet), greet));
  assert.ok(info.requires.some((d) => d.name === 'libgreet.so.1()(64bit)'), 'greet requires the soname of libgreet');
  assert.ok(r.records.find((x) => x.name === 'libgreet')!.rpms.some((f) => f.includes(`${path.sep}devel${path.sep}libgreet-devel-`)));
});

test('two builds of the example packages in different directories are byte-identical', async () => {
  const sums: Map<string, string>[] = [];
  for (const which of ['one', 'two']) {
    const root = path.join(tmp, `repro-${which}`);
    const units = prepareExampleUnits(path.join(root, 'prepared'), tarballs);
    // Same fixed build path base (as every build on a machine), different top/out/work dirs.
    const r = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units, { fixedRootBase: path.join(tmp, 'fixed-shared') }));
    assert.ok(r.records.every((x) => x.status === 'built'), JSON.stringify(r.records.map((x) => [x.name, x.status, x.reason])));
    const m = new Map<string, string>();
    for (const x of r.records) for (const f of [x.srpm!, ...x.rpms]) m.set(path.basename(f), createHash('sha256').update(readFileSync(f)).digest('hex'));
    sums.push(m);
  }
  assert.ok(sums[0]!.size >= 11, `${sums[0]!.size} packages`);
  assert.deepEqual([...sums[0]!].sort(), [...sums[1]!].sort());
});

test('--verify-reproducible: identical for a clean spec, every difference reported for a dirty one', async () => {
  const root = path.join(tmp, 'verify');
  const units = [tinySpec(root, 'clean'), tinySpec(root, 'dirty', { nondeterministic: true })];
  const r = await runBuild(
    { fs, proc, sink: () => {}, lock },
    options(root, units, { verifyReproducible: true }),
  );
  const by = new Map(r.reproducibility.map((x) => [x.name, x]));
  assert.equal(by.get('clean')!.identical, true);
  assert.equal(by.get('dirty')!.identical, false);
  const whats = by.get('dirty')!.differences.map((d) => d.what);
  assert.ok(whats.includes('file /usr/share/dirty/stamp: digest'), whats.join('\n'));
  assert.ok(whats.some((w) => w === 'header tag PAYLOADDIGEST'), whats.join('\n'));
});

test('mock backend: detected when installed, BUILD_MOCK_UNAVAILABLE when absent (fake and real runner)', async () => {
  const absent = { run: async () => ({ code: 127, stdout: '', stderr: '' }), which: async () => undefined };
  await assert.rejects(requireMock(absent), (e: { code?: string; diagnostics?: { hint?: string }[] }) => e.code === 'BUILD_MOCK_UNAVAILABLE' && /--backend rpmbuild/.test(e.diagnostics?.[0]?.hint ?? ''));
  const present = { run: async () => ({ code: 0, stdout: '5.6\n', stderr: '' }), which: async () => '/usr/bin/mock' };
  assert.deepEqual(await detectMock(present), { available: true, path: '/usr/bin/mock', version: '5.6' });
  const real = await detectMock(proc);
  if (real.available) assert.ok(real.path);
  else await assert.rejects(requireMock(proc), { code: 'BUILD_MOCK_UNAVAILABLE' });
});

test('--fail-fast: no new build starts after a failure', async () => {
  const root = path.join(tmp, 'failfast');
  const units = [tinySpec(root, 'a-broken', { fail: true }), tinySpec(root, 'b-fine')];
  const r = await runBuild({ fs, proc, sink: () => {}, lock }, options(root, units, { jobs: 1, failFast: true }));
  assert.deepEqual(r.records.map((x) => [x.name, x.status]), [['a-broken', 'failed'], ['b-fine', 'skipped']]);
  assert.match(r.records[1]!.reason!, /--fail-fast/);
});

test('-j2 pins each build slot to its own CPUs (taskset), with _smp_build_ncpus its share; -j1 and --no-cpu-affinity do not pin', async (t) => {
  const allowed = cpusAllowed(readFileSync('/proc/self/status', 'utf8'));
  if (!allowed || allowed.length < 2) return t.skip(`needs 2 CPUs, this process may use ${allowed?.join(',') ?? 'unknown'}`);
  const cpuSet = allowed.slice(0, 2);
  const root = path.join(tmp, 'affinity');
  // Each build reports the CPUs it may run on and the CPU share rpm announces, and stays long
  // enough for the two builds to overlap.
  const report = 'echo "affinity: $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status) ncpus: %{_smp_build_ncpus}"';
  const units = ['p1', 'p2', 'p3'].map((n) => tinySpec(root, n, { sleep: 0.3, build: report }));
  const seen = async (extra: Partial<BuildOptions>) => {
    const rec = recorder();
    const r = await runBuild({ fs, proc, sink: rec.sink, lock: new NodeProcessLock() }, options(root, units, { force: true, cpus: 2, ...extra }));
    assert.ok(r.records.every((x) => x.status === 'built'), JSON.stringify(r.records));
    const out = new Map<string, { affinity: string; ncpus: string; start: number; end: number }>();
    for (const x of r.records) {
      const m = /^affinity: (\S+) ncpus: (\d+)$/m.exec(readFileSync(x.log!, 'utf8'));
      assert.ok(m, `the build log of ${x.name} has the report:\n${readFileSync(x.log!, 'utf8').slice(-3000)}`);
      const at = (what: string) => rec.events.find(({ e }) => e.kind === 'log' && e.message === `build ${x.name}: ${what}`)!.t;
      out.set(x.name, { affinity: m[1]!, ncpus: m[2]!, start: at('started'), end: at('rpmbuild done') });
    }
    return out;
  };
  const pinned = await seen({ jobs: 2, cpuSet });
  for (const [name, b] of pinned) {
    assert.equal(b.ncpus, '1', `${name}: the share of one of 2 slots on 2 CPUs`);
    assert.ok(b.affinity === String(cpuSet[0]) || b.affinity === String(cpuSet[1]), `${name} ran on ${b.affinity}`);
  }
  const list = [...pinned.values()];
  let overlapping = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, b] = [list[i]!, list[j]!];
      if (a.start < b.end && b.start < a.end) {
        overlapping++;
        assert.notEqual(a.affinity, b.affinity, 'two builds running at the same time share no CPU');
      }
    }
  }
  assert.ok(overlapping >= 1, 'at least two builds overlapped');
  const free = formatCpuList(allowed);
  for (const [name, b] of await seen({ jobs: 1, cpuSet })) assert.deepEqual([name, b.affinity, b.ncpus], [name, free, '2']);
  for (const [name, b] of await seen({ jobs: 2 })) assert.deepEqual([name, b.affinity, b.ncpus], [name, free, '1']);
});

test('CPU lists: parsed and printed as /proc and taskset write them', () => {
  const cases: { input: string; expected: number[] | undefined; printed?: string }[] = [
    { input: '0', expected: [0], printed: '0' },
    { input: '0-3', expected: [0, 1, 2, 3], printed: '0-3' },
    { input: '0-1,4,6-7\n', expected: [0, 1, 4, 6, 7], printed: '0-1,4,6-7' },
    { input: '3,1,2', expected: [1, 2, 3], printed: '1-3' },
    { input: '', expected: undefined },
    { input: '2-1', expected: undefined },
    { input: 'a-b', expected: undefined },
    { input: '0,,1', expected: undefined },
  ];
  for (const c of cases) {
    const got = parseCpuList(c.input);
    assert.deepEqual(got, c.expected, JSON.stringify(c.input));
    if (got && c.printed) assert.equal(formatCpuList(got), c.printed);
  }
});

test('build trees are removed after the run, and so is a trash left by an interrupted run', async () => {
  const root = path.join(tmp, 'sweep');
  const units = [tinySpec(root, 's1'), tinySpec(root, 's2', { br: ['s1'] })];
  const fixed = path.join(root, 'fixed');
  mkdirSync(path.join(fixed, '.trash', 's1-deadbeef-1', 'BUILD'), { recursive: true });
  writeFileSync(path.join(fixed, '.trash', 's1-deadbeef-1', 'BUILD', 'left-over'), 'x');
  const r = await runBuild({ fs, proc, sink: () => {}, lock: new NodeProcessLock() }, options(root, units, { fixedRootBase: fixed }));
  assert.deepEqual(r.records.map((x) => [x.name, x.status]), [['s1', 'built'], ['s2', 'built']]);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(readdirSync(path.join(fixed, '.trash')), [], 'the trash is empty');
  assert.deepEqual(readdirSync(fixed).filter((n) => n !== '.trash'), [], 'no fixed build root is left');
  assert.deepEqual(readdirSync(path.join(root, 'work', 'builds')), [], 'no top directory is left');
});

test('a dependent is staged while what it build-requires builds; it starts once that is done, or is skipped when it fails', async () => {
  const root = path.join(tmp, 'early');
  const fixed = path.join(root, 'fixed');
  const units = [
    tinySpec(root, 'base', { provides: ['virtual(early) = 1'], sleep: 0.5 }),
    tinySpec(root, 'user', { br: ['virtual(early)'] }),
    tinySpec(root, 'side', { sleep: 0.1 }),
    tinySpec(root, 'broken-base', { fail: true, sleep: 0.5 }),
    tinySpec(root, 'broken-user', { br: ['broken-base'] }),
  ];
  const rec = recorder();
  const r = await runBuild({ fs, proc, sink: rec.sink, lock: new NodeProcessLock() }, options(root, units, { fixedRootBase: fixed, jobs: 2 }));
  assert.deepEqual(
    r.records.map((x) => [x.name, x.status]),
    [['base', 'built'], ['broken-base', 'failed'], ['broken-user', 'skipped'], ['side', 'built'], ['user', 'built']],
  );
  assert.match(r.records.find((x) => x.name === 'broken-base')!.reason ?? '', /Bad exit status/);
  assert.equal(r.records.find((x) => x.name === 'broken-user')!.reason, 'build-requires broken-base, which failed');
  const at = (pred: (e: StrataEvent) => boolean) => rec.events.find(({ e }) => pred(e))?.t;
  const log = (m: string) => (e: StrataEvent) => e.kind === 'log' && e.message === m;
  const item = (n: string) => (e: StrataEvent) => e.kind === 'item' && e.item === n;
  for (const [dep, user] of [['base', 'user'], ['broken-base', 'broken-user']] as const) {
    const staged = at(log(`build ${user}: sources staged while ${dep} build(s)`));
    assert.ok(staged !== undefined && staged < at(item(dep))!, `${user} was staged before ${dep} finished`);
  }
  assert.ok(at(log('build user: started'))! > at(item('base'))!, 'user started after base finished');
  assert.ok(at(log('build broken-user: started')) === undefined, 'broken-user never started');
  // user linked against what base produced; nothing of the skipped one is left behind.
  assert.match(readFileSync(r.records.find((x) => x.name === 'user')!.log!, 'utf8'), /unpacked base-1\.0-1\.t1\.noarch\.rpm into the build sysroot/);
  assert.deepEqual(readdirSync(fixed).filter((n) => n !== '.trash'), []);
  assert.deepEqual(readdirSync(path.join(fixed, '.trash')), []);
});
