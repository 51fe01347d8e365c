// The CLI surface of issue 6 on a small azldev-format project: component build (channels from
// package-groups, summary, JSON, exit codes), repo publish with the [signing] key, repo verify.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeProcessRunner } from '../../adapters/node-process.js';
import { generateSigningKey, makeTarballs, prepareExampleUnits } from '../../testing/example.js';
import { runCli } from '../../testing/cli.js';

let tmp: string;
let project: string;
let prepared: string;

function strata(args: string[], cwd = project) {
  return runCli(cwd, args, { env: { ...process.env, NO_COLOR: '1' } });
}

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-cli-build-'));
  project = path.join(tmp, 'project');
  mkdirSync(project, { recursive: true });
  prepared = path.join(tmp, 'prepared');
  prepareExampleUnits(prepared, makeTarballs(path.join(tmp, 'tb')), ['libgreet', 'greet', 'greet-data']);
  generateSigningKey(path.join(project, 'keys'));
  mkdirSync(path.join(project, 'specs'));
  for (const c of ['libgreet', 'greet', 'greet-data']) copyFileSync(path.join(prepared, c, `${c}.spec`), path.join(project, 'specs', `${c}.spec`));
  writeFileSync(
    path.join(project, 'azldev.toml'),
    `[project]
output-dir = "out"
work-dir = "build/work"
default-distro = { name = "t", version = "1" }

[signing]
key-file = "keys/signing-key.asc"

[distros.t]
default-version = "1"
[distros.t.versions.1]
release-ver = "1"
default-component-config = { build = { defines = { dist = ".t1" } } }

[components.libgreet]
spec = { type = "local", path = "specs/libgreet.spec" }
[components.greet]
spec = { type = "local", path = "specs/greet.spec" }
[components.greet-data]
spec = { type = "local", path = "specs/greet-data.spec" }

[default-package-config.publish]
rpm-channel = "base"

[package-groups.devel]
packages = ["libgreet-devel"]
default-package-config.publish.rpm-channel = "devel"
`,
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('component build: graph order, channels from package-groups, summary; a second run is a no-op', async () => {
  const r = await strata(['component', 'build', '-a', '-j', '2', '--prepared', prepared, '--build-paths', path.join(tmp, 'fixed')]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /build order: greet-data, libgreet, greet/);
  assert.match(r.out, /3 built, 0 unchanged, 0 failed, 0 skipped/);
  assert.deepEqual(readdirSync(path.join(project, 'out', 'rpms')).sort(), ['base', 'devel']);
  assert.deepEqual(readdirSync(path.join(project, 'out', 'rpms', 'devel')), ['libgreet-devel-1.0-3.t1.x86_64.rpm']);
  assert.equal(readdirSync(path.join(project, 'out', 'srpms')).length, 3);
  assert.ok(readFileSync(path.join(project, 'out', 'logs', 'greet.log'), 'utf8').includes('rpmbuild'));
  const again = await strata(['-o', 'json', 'component', 'build', '-a', '--prepared', prepared, '--build-paths', path.join(tmp, 'fixed')]);
  assert.equal(again.code, 0);
  const j = JSON.parse(again.out) as { ok: boolean; records: { name: string; status: string }[] };
  assert.ok(j.ok);
  assert.deepEqual(j.records.map((x) => x.status), ['unchanged', 'unchanged', 'unchanged']);
  if (availableParallelism() >= 2) {
    // -j2 on 2+ CPUs: each build runs under taskset on its slot's CPUs; --no-cpu-affinity does not pin.
    assert.match(readFileSync(path.join(project, 'out', 'logs', 'greet.log'), 'utf8'), /^strata: SOURCE_DATE_EPOCH=\d+ taskset -c \d+ rpmbuild /m);
    const unpinned = await strata(['component', 'build', '-p', 'greet-data', '-j', '2', '--force', '--no-cpu-affinity', '--prepared', prepared, '--build-paths', path.join(tmp, 'fixed')]);
    assert.equal(unpinned.code, 0, unpinned.out + unpinned.err);
    const log = readFileSync(path.join(project, 'out', 'logs', 'greet-data.log'), 'utf8');
    assert.match(log, /^strata: SOURCE_DATE_EPOCH=\d+ rpmbuild /m);
    assert.doesNotMatch(log, /taskset/);
  }
});

test('component build --backend mock says clearly that mock is missing (Debian)', async () => {
  const r = await strata(['component', 'build', '-a', '--backend', 'mock', '--prepared', prepared]);
  const hasMock = !!(await new NodeProcessRunner().which('mock'));
  if (hasMock) return;
  assert.equal(r.code, 1);
  assert.match(r.err, /error\[BUILD_MOCK_UNAVAILABLE\]/);
  assert.match(r.err, /--backend rpmbuild/);
});

test('component build: a component without a prepared spec is a coded error at its config line', async () => {
  const r = await strata(['component', 'build', '-p', 'greet', '--prepared', path.join(tmp, 'nowhere')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /azldev\.toml:\d+:\d+: error\[BUILD_NO_SPEC\]/);
});

test('repo publish signs with the [signing] key; repo verify passes, then fails on a tampered package', async () => {
  const p = await strata(['repo', 'publish']);
  assert.equal(p.code, 0, p.out + p.err);
  assert.match(p.out, /base\s+3\s+\d+\s+yes/);
  assert.match(p.out, /devel\s+1\s+\d+\s+yes/);
  const base = path.join(project, 'out', 'repos', 'base');
  const v = await strata(['repo', 'verify', base]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.match(v.out, /3 package\(s\) and the metadata verify against out\/repos\/base\/RPM-GPG-KEY-t/);
  const victim = readdirSync(base).find((f) => f.startsWith('greet-data'))!;
  const bytes = readFileSync(path.join(base, victim));
  bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 1;
  writeFileSync(path.join(base, victim), bytes);
  const bad = await strata(['repo', 'verify', base]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, new RegExp(`${victim.replace(/[.+]/g, '\\$&')}\\s+BAD`));
  assert.match(bad.out, /verification FAILED: metadata ok, 1 bad package\(s\) of 3/);
  const none = await strata(['repo', 'verify', path.join(tmp, 'not-a-repo')]);
  assert.equal(none.code, 1);
  assert.match(none.err, /error\[REPO_NOT_FOUND\]/);
});

test('SIGN_KEY_* diagnostics point at the key-file / public-key-file line, not at [signing]', async () => {
  const other = path.join(tmp, 'signing-lines');
  mkdirSync(other, { recursive: true });
  const toml = (signing: string) => writeFileSync(path.join(other, 'azldev.toml'), `[project]\noutput-dir = "out"\n\n[signing]\n# the project key\n${signing}\n`);
  const run = () => strata(['repo', 'publish'], other);
  toml('key-file = "keys/missing.asc"');
  let r = await run();
  assert.equal(r.code, 1);
  assert.match(r.err, /azldev\.toml:6:12: error\[SIGN_KEY_MISSING\]/, r.err);
  mkdirSync(path.join(other, 'keys', 'dir.asc'), { recursive: true });
  toml('public-key-file = "keys/public.asc"\nkey-file = "keys/dir.asc"');
  r = await run();
  assert.match(r.err, /azldev\.toml:6:19: error\[SIGN_KEY_MISSING\]: public key file/, r.err);
  copyFileSync(path.join(project, 'keys', 'signing-key.pub.asc'), path.join(other, 'keys', 'public.asc'));
  r = await run();
  assert.match(r.err, /azldev\.toml:7:12: error\[SIGN_KEY_MISSING\]: signing key file .* is a directory/, r.err);
});
