import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changelogEpoch, rpmErrors } from './rpmbuild.js';

const epochCases: { name: string; input: string; expected: number | undefined }[] = [
  { name: 'newest entry first', input: 'Name: x\n%changelog\n* Tue Nov 10 2026 A <a@b> - 1-2\n- x\n\n* Mon Nov 02 2026 A <a@b> - 1-1\n- y\n', expected: Date.UTC(2026, 10, 10) / 1000 },
  { name: 'single-digit day', input: '%changelog\n* Mon Feb 2 2026 A - 1\n', expected: Date.UTC(2026, 1, 2) / 1000 },
  { name: 'entry with a time of day (rpm >= 4.14 form)', input: '%changelog\n* Mon Feb 02 13:14:15 UTC 2026 A - 1\n', expected: Date.UTC(2026, 1, 2, 13, 14, 15) / 1000 },
  { name: 'no changelog', input: 'Name: x\n', expected: undefined },
  { name: 'empty changelog', input: '%changelog\n', expected: undefined },
  { name: 'unknown month', input: '%changelog\n* Mon Foo 02 2026 A\n', expected: undefined },
  { name: 'section after an empty changelog', input: '%changelog\n%files\n* Mon Feb 02 2026 not a changelog\n', expected: undefined },
];
for (const c of epochCases) test(`changelogEpoch: ${c.name}`, () => assert.equal(changelogEpoch(c.input), c.expected));

test('rpmErrors: error lines and the RPM build errors block, deduplicated', () => {
  const log = ['+ make', 'error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'noise', 'RPM build errors:', '    Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'after'].join('\n');
  assert.deepEqual(rpmErrors(log), ['error: Bad exit status from /var/tmp/rpm-tmp.X (%build)', 'RPM build errors:', '    Bad exit status from /var/tmp/rpm-tmp.X (%build)']);
});

test('withFixedRootLock: excludes a second holder, takes over a lock whose owner is gone', async () => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { NodeProcessLock } = await import('../adapters/process-lock.js');
  const { withFixedRootLock } = await import('./rpmbuild.js');
  const locker = new NodeProcessLock();
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-lock-'));
  const root = path.join(dir, 'comp');
  const order: string[] = [];
  const slow = (tag: string) =>
    withFixedRootLock(locker, root, async () => {
      order.push(`${tag}+`);
      await new Promise((r) => setTimeout(r, 150));
      order.push(`${tag}-`);
    }, 20);
  await Promise.all([slow('a'), slow('b')]);
  assert.ok(order.join() === 'a+,a-,b+,b-' || order.join() === 'b+,b-,a+,a-', order.join());
  // A holder that died without releasing: a child process takes the lock and exits.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `const { NodeProcessLock } = await import(${JSON.stringify(path.resolve(import.meta.dirname, '../adapters/process-lock.js'))}); await new NodeProcessLock().acquire(${JSON.stringify(`${root}.lock`)});`]);
  assert.equal(child.status, 0, String(child.stderr));
  assert.equal(existsSync(`${root}.lock`), true, 'the dead holder left its lock');
  assert.equal(await withFixedRootLock(locker, root, async () => 'ran', 20), 'ran');
  assert.equal(existsSync(`${root}.lock`), false);
  rmSync(dir, { recursive: true, force: true });
});

test('runRpmbuild: the same SRPM, byte for byte, on two machines (core count, hostname, umask, mtimes, top directory)', async () => {
  const { mkdtempSync, readFileSync, rmSync, chmodSync, utimesSync, readdirSync, cpSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { createHash } = await import('node:crypto');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { NodeFileSystem } = await import('../adapters/node-fs.js');
  const { NodeProcessRunner } = await import('../adapters/node-process.js');
  const { runRpmbuild, SOURCE_PACKAGE_NCPUS } = await import('./rpmbuild.js');
  const { EXAMPLE_MACROS, makeTarballs, prepareExampleUnits } = await import('../testing/example.js');
  type Runner = import('../adapters/types.js').ProcessRunner;
  const fs = new NodeFileSystem();
  const real = new NodeProcessRunner();
  const tmp = mkdtempSync(path.join(tmpdir(), 'strata-srpm-machines-'));
  try {
    const [unit] = prepareExampleUnits(path.join(tmp, 'units'), makeTarballs(path.join(tmp, 'tarballs')), ['libgreet']);
    assert.ok(unit);
    // A different hostname needs a UTS namespace (root or user namespaces); without one the
    // machines differ in everything else.
    const canUnshare = (await real.run('unshare', ['--uts', 'true']).catch(() => ({ code: 1 }))).code === 0;
    // A simulated machine: rpm's CPU count comes from $RPM_BUILD_NCPUS when `_smp_build_ncpus`
    // is not defined; its hostname is what rpm would record without `_buildhost`.
    const machine = (ncpus: number, hostname: string): Runner => ({
      which: (cmd) => real.which(cmd),
      run: (cmd, args, opts = {}) => {
        if (cmd !== 'rpmbuild') return real.run(cmd, args, opts);
        const env = { ...(opts.env ?? {}), RPM_BUILD_NCPUS: String(ncpus) };
        if (!canUnshare) return real.run(cmd, args, { ...opts, env });
        return real.run('unshare', ['--uts', '--', 'sh', '-c', 'hostname "$0" && exec rpmbuild "$@"', hostname, ...args], { ...opts, env });
      },
    });
    const built: { srpm: string; log: string }[] = [];
    for (const m of [{ ncpus: 1, cpus: 1, host: 'builder-a', mode: 0o644, mtime: 946684800 }, { ncpus: 4, cpus: 8, host: 'builder-b.example', mode: 0o664, mtime: Date.now() / 1000 }]) {
      // Each machine has its own checkout (umask, checkout time) and its own top directory; the
      // fixed root is fixed by design.
      const dir = path.join(tmp, `checkout-${m.host}`);
      cpSync(unit.dir, dir, { recursive: true });
      for (const f of readdirSync(dir)) {
        chmodSync(path.join(dir, f), m.mode);
        utimesSync(path.join(dir, f), m.mtime, m.mtime);
      }
      const r = await runRpmbuild(
        { unit: { ...unit, dir, spec: path.join(dir, path.basename(unit.spec)) }, topdir: path.join(tmp, `top-${m.host}`), fixedRoot: path.join(tmp, 'fixed', unit.name), macros: { ...EXAMPLE_MACROS }, binaryMacros: { _smp_build_ncpus: String(m.cpus) }, sourceDateEpoch: 1794268800, sysrootRpms: [] },
        fs,
        machine(m.ncpus, m.host),
      );
      assert.ok(r.ok && r.srpm, `${m.host}: ${r.errors.join('\n')}\n${r.log.slice(-2000)}`);
      built.push({ srpm: r.srpm, log: r.log });
    }
    const [a, b] = built as [{ srpm: string; log: string }, { srpm: string; log: string }];
    const qf = (f: string) => execFileSync('rpm', ['-qp', '--nosignature', '--qf', '%{BUILDHOST} %{BUILDTIME}\n[%{FILEMODES:octal} %{FILEMTIMES} %{FILENAMES}\n]%{SPEC}', f], { encoding: 'utf8' });
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    const [qa, qb] = [qf(a.srpm), qf(b.srpm)];
    assert.equal(qa, qb, 'header fields and the expanded spec (tag SPEC, 5099) differ between the machines');
    assert.equal(sha(a.srpm), sha(b.srpm), 'the SRPMs are not byte-identical');
    assert.match(qa, new RegExp(`^make -j${SOURCE_PACKAGE_NCPUS} `, 'm'), 'the expanded spec records the fixed CPU count');
    assert.match(qa, /^strata-build 1794268800\n/);
    assert.match(qa, /^100644 1794268800 libgreet\.spec$/m);
    // The binary builds still got each machine's CPU share.
    assert.match(a.log, /--rebuild/);
    assert.match(a.log, /make -j1 /);
    assert.match(b.log, /make -j8 /);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('runRpmbuild with reportFlags: the binary build itself reports the flag macros it evaluated, as rpm expands them', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { NodeFileSystem } = await import('../adapters/node-fs.js');
  const { NodeProcessRunner } = await import('../adapters/node-process.js');
  const { runRpmbuild } = await import('./rpmbuild.js');
  const { EXAMPLE_MACROS, makeTarballs, prepareExampleUnits } = await import('../testing/example.js');
  const tmp = mkdtempSync(path.join(tmpdir(), 'strata-flags-'));
  try {
    const [unit] = prepareExampleUnits(path.join(tmp, 'units'), makeTarballs(path.join(tmp, 'tarballs')), ['greet-data']);
    assert.ok(unit);
    const job = { unit, topdir: path.join(tmp, 'top'), fixedRoot: path.join(tmp, 'fixed', unit.name), macros: { ...EXAMPLE_MACROS, _fortify_level: '3' }, binaryMacros: { _smp_build_ncpus: '3' }, sourceDateEpoch: 1794268800, sysrootRpms: [] };
    const r = await runRpmbuild({ ...job, reportFlags: true }, new NodeFileSystem(), new NodeProcessRunner());
    assert.ok(r.ok, r.log.slice(-2000));
    assert.ok(r.flags);
    // the values rpm gives for the same macros on this host
    const rpmEval = (m: string) => execFileSync('rpm', ['--define', '_fortify_level 3', '--eval', `%{?${m}}`], { encoding: 'utf8' }).trim();
    assert.equal(r.flags.optflags, rpmEval('optflags'));
    assert.ok(r.flags.optflags!.length > 0);
    // the binary build's own settings: its CPU share and the job's macros
    assert.equal(r.flags._smp_build_ncpus, '3');
    assert.equal(r.flags._fortify_level, '3');
    // undefined macros are left out, not recorded as empty
    for (const [k, v] of Object.entries(r.flags)) assert.notEqual(v, '', k);
    // without reportFlags: nothing extra is evaluated
    rmSync(job.topdir, { recursive: true, force: true });
    const plain = await runRpmbuild(job, new NodeFileSystem(), new NodeProcessRunner());
    assert.ok(plain.ok);
    assert.equal(plain.flags, undefined);
    assert.doesNotMatch(plain.log, /strata-flag:/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
