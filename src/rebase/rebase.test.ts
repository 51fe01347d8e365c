// `strata rebase check` / `apply` end to end with real git: a local dist-git whose f43 branch is
// the old upstream and whose rawhide branch is the new one, a project on f43 with overlays of
// every class; the bad inputs (unknown version, a spec that does not parse, a TOML file that
// cannot be edited, a shared version, an interrupted or failing write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { SystemGit } from '../adapters/git.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { loadSelected } from '../config/load-selected.js';
import { isStrataError } from '../diag/index.js';
import { runCli } from '../testing/cli.js';
import { FakeDistGit } from '../testing/git-fixtures.js';
import { writeTestProject } from '../testing/project.js';
import { writeTar } from '../util/tar.js';
import { LookasideServer } from '../testing/http-server.js';
import { runRebaseCheck } from './check.js';
import { planRebaseApply, writeRebaseEdits, type FileEdit } from './apply.js';

const greetOld = 'void greet(void) {\n  puts("Hello");\n}\n';
const greetNew = 'void greet(void) {\n  puts("Hello, world");\n}\n';
const BACKPORT = createTwoFilesPatch('a/src/greet.c', 'b/src/greet.c', greetOld, greetNew);

function spec(version: string, body: { build: string; install: string; patches?: string }): string {
  return `Name:           hello
Version:        ${version}
Release:        1%{?dist}
Summary:        Hello
License:        MIT
Source0:        hello-%{version}.tar
${body.patches ?? ''}BuildRequires:  gcc

%description
Hello.

%prep
%autosetup -p1

%build
${body.build}

%install
${body.install}

%files
/usr/bin/hello

%changelog
* Mon Jan 05 2026 P <p@x> - ${version}-1
- build
`;
}

const OLD = spec('1.0', { build: '%configure --enable-gtk\n%make_build', install: '%make_install' });
const NEW = spec('2.0', { build: '%meson -Dgtk=enabled\n%meson_build', install: '%meson_install\nrm -f %{buildroot}%{_libdir}/*.a', patches: 'Patch0:         fix-build.patch\n' });

const COMP = `[components.hello]

# Backport from rawhide: no static libraries.
[[components.hello.overlays]]
description = "drop static libraries"
type = "spec-append-lines"
section = "%install"
lines = ["rm -f %{buildroot}%{_libdir}/*.a"]

[[components.hello.overlays]]
description = "azl release"
type = "spec-set-tag"
tag = "Release"
value = "1%{?dist}.azl1"

[[components.hello.overlays]]
description = "backport the greeting fix"
type = "patch-add"
source = "greet.patch"
[components.hello.overlays.metadata]
category = "upstream-backport"
upstream-status = "upstreamed"
commits = [{ url = "https://example.org/c/1" }]

[[components.hello.overlays]]
description = "build fix"
type = "patch-add"
source = "fix-build.patch"
`;
const BROKEN_OVERLAY = `
[[components.hello.overlays]]
description = "no gtk"
type = "spec-search-replace"
regex = "--enable-gtk"
replacement = "--disable-gtk"
`;

const FEDORA = (dg: string, lookaside = 'http://127.0.0.1:9/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename') => `[distros.fedora]
description = "Fedora Linux"
default-version = "43"
dist-git-base-uri = "file://${dg}/$pkg.git"
lookaside-base-uri = "${lookaside}"

[distros.fedora.versions.43]
release-ver = "43"
dist-git-branch = "f43"

[distros.fedora.versions.rawhide]
release-ver = "rawhide"
dist-git-branch = "rawhide"
`;

interface Fixture {
  readonly dir: string;
  readonly dist: FakeDistGit;
  readonly f43: string;
  readonly rawhide: string;
}

function fixture(comp: string, extra: Record<string, string> = {}, lookaside?: { template: string; sources: string }): Fixture {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-rebase-'));
  const dg = path.join(root, 'rpms');
  const dist = new FakeDistGit(root, 'hello');
  const f43 = dist.commit('f43', { 'hello.spec': OLD, sources: '' }, 'f43: 1.0', '2026-01-10T00:00:00Z');
  dist.commit('rawhide', {}, 'branch', '2026-03-01T00:00:00Z');
  dist.commit('rawhide', { 'hello.spec': NEW, 'fix-build.patch': 'x\n' }, 'Update to 2.0', '2026-05-01T00:00:00Z');
  const rawhide = dist.commit('rawhide', { 'hello.spec': NEW.replace('- build', '- build\n- rebuilt'), ...(lookaside ? { sources: lookaside.sources } : {}) }, 'Rebuilt', '2026-06-01T00:00:00Z');
  const plain = new FakeDistGit(root, 'plain');
  plain.commit('f43', { 'plain.spec': OLD.replace(/hello/g, 'plain') }, 'f43', '2026-01-10T00:00:00Z');
  plain.commit('rawhide', { 'plain.spec': NEW.replace(/hello/g, 'plain') }, 'rawhide', '2026-05-01T00:00:00Z');
  const dir = path.join(root, 'project');
  writeTestProject(dir, {
    distGitDir: dg,
    snapshot: '2026-02-24T00:00:00-08:00',
    components: { hello: comp, plain: '[components.plain]\n' },
    files: { 'distro/fedora.distro.toml': FEDORA(dg, lookaside?.template), 'base/comps/hello/greet.patch': BACKPORT, 'base/comps/hello/fix-build.patch': 'x\n', ...extra },
  });
  return { dir, dist, f43, rawhide };
}

const SNAP = '2026-08-22T00:00:00-07:00';
const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const deps = { fs, git: new SystemGit(proc), proc };

test('rebase check --to rawhide: the upstream move and a class for every overlay (library, with the new sources)', async () => {
  const fx = fixture(COMP + BROKEN_OVERLAY);
  const { project, components } = await loadSelected({ fs }, { cwd: fx.dir, all: true, names: [] });
  const tar = await writeTar([
    { path: 'hello-2.0/', type: 'dir', mode: 0o755, data: new Uint8Array(), linkname: '' },
    { path: 'hello-2.0/src/greet.c', type: 'file', mode: 0o644, data: new TextEncoder().encode(greetNew), linkname: '' },
  ]);
  const r = await runRebaseCheck({ ...deps, fetchArchives: async () => new Map([['hello-2.0.tar', tar]]) }, project, components, { to: 'rawhide', snapshot: SNAP });
  assert.deepEqual(r.target, { distro: 'fedora', version: 'rawhide', branch: 'rawhide', snapshot: SNAP });
  assert.deepEqual(r.skipped, ['plain']);
  const c = r.components[0]!;
  assert.equal(c.status, 'ok');
  assert.equal(c.move!.from!.version, '1.0');
  assert.equal(c.move!.from!.commit, fx.f43);
  assert.equal(c.move!.to.version, '2.0');
  assert.equal(c.move!.to.commit, fx.rawhide);
  assert.equal(c.move!.commits, 3);
  assert.equal(c.move!.diverged, false);
  assert.deepEqual(c.overlays.map((o) => [o.type, o.class]), [
    ['spec-append-lines', 'redundant'],
    ['spec-set-tag', 'applies'],
    ['patch-add', 'already-upstream'],
    ['patch-add', 'already-upstream'],
    ['spec-search-replace', 'no-longer-applies'],
  ]);
  assert.match(c.overlays[2]!.reason, /applies in reverse/);
  assert.equal(c.overlays[2]!.upstreamStatus, 'upstreamed');
  assert.match(c.overlays[3]!.reason, /patch list already carries Patch0: fix-build.patch/);
  assert.equal(c.overlays[4]!.diagnostic!.span!.line, 30);
  assert.deepEqual(r.counts, { applies: 1, 'no-longer-applies': 1, redundant: 1, 'already-upstream': 2 });
});

test('rebase check (CLI): table, summary, -o json with file, line and class per overlay; exit 1 when an overlay no longer applies', async () => {
  const fx = fixture(COMP + BROKEN_OVERLAY);
  const t = await runCli(fx.dir, ['rebase', 'check', '--to', 'rawhide', '--snapshot', SNAP, '-a']);
  assert.equal(t.code, 1, t.err);
  assert.match(t.out, /hello: 1\.0-1 \(\w{12} f43 \(snapshot\)\) → 2\.0-1 \(\w{12} rawhide \(snapshot\)\), 3 commit\(s\) between/);
  // without the new sources the backport patch is kept as `applies` (unverified)
  assert.match(t.out, /5 overlay\(s\) in 1 component\(s\): 2 applies, 1 no longer applies, 1 redundant, 1 already upstream \(1 kept as applies without the sources to check them\)/);
  assert.match(t.err, /hello\.comp\.toml:30:1: error\[OVERLAY_NO_MATCH\]: spec-search-replace "no gtk"/);
  assert.match(t.err, /nearest candidate: %meson -Dgtk=enabled/);
  const j = await runCli(fx.dir, ['rebase', 'check', '--to', 'fedora/rawhide', '--snapshot', SNAP, '-a', '-o', 'json']);
  const v = JSON.parse(j.out) as { overlays: { file: string; line: number; class: string }[]; summary: Record<string, number> };
  assert.deepEqual(v.overlays.map((o) => [o.file, o.line, o.class]), [
    ['base/comps/hello/hello.comp.toml', 4, 'redundant'],
    ['base/comps/hello/hello.comp.toml', 10, 'applies'],
    ['base/comps/hello/hello.comp.toml', 16, 'applies'],
    ['base/comps/hello/hello.comp.toml', 25, 'already-upstream'],
    ['base/comps/hello/hello.comp.toml', 30, 'no-longer-applies'],
  ]);
  assert.equal(v.summary.unverified, 1);
});

test('rebase check --with-sources: the new archives come from the lookaside; a backport that applies in reverse is already-upstream', async () => {
  const tar = await writeTar([
    { path: 'hello-2.0/', type: 'dir', mode: 0o755, data: new Uint8Array(), linkname: '' },
    { path: 'hello-2.0/src/greet.c', type: 'file', mode: 0o644, data: new TextEncoder().encode(greetNew), linkname: '' },
  ]);
  const gz = (await import('node:zlib')).gzipSync(tar);
  const server = new LookasideServer();
  const sha = server.addLookaside('hello', 'hello-2.0.tar.gz', gz);
  await server.start();
  try {
    const fx = fixture(COMP, {}, { template: server.template, sources: `SHA512 (hello-2.0.tar.gz) = ${sha}\n` });
    const r = await runCli(fx.dir, ['rebase', 'check', '--to', 'rawhide', '--snapshot', SNAP, '-a', '--with-sources', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const v = JSON.parse(r.out) as { overlays: { line: number; class: string; reason: string; basis: string }[]; summary: { unverified: number } };
    const greet = v.overlays.find((o) => o.line === 16)!;
    assert.equal(greet.class, 'already-upstream');
    assert.match(greet.reason, /applies in reverse to the new sources/);
    assert.equal(greet.basis, 'spec+sources');
    assert.equal(v.summary.unverified, 0);
    assert.ok(server.requests.some((p) => p.endsWith('/hello-2.0.tar.gz')));
    const bad = await runCli(fx.dir, ['rebase', 'check', '--upstream-specs', fx.dir, '--with-sources', '-a']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /error\[CLI_USAGE\]: --with-sources needs --to/);
  } finally {
    await server.stop();
  }
});

test('rebase check: a target version that does not exist is REBASE_UNKNOWN_VERSION with a did-you-mean', async () => {
  const fx = fixture(COMP);
  const r = await runCli(fx.dir, ['rebase', 'check', '--to', 'rawhid', '-a']);
  assert.equal(r.code, 1);
  assert.match(r.err, /fedora\.distro\.toml:1:1: error\[REBASE_UNKNOWN_VERSION\]: distro fedora has no version "rawhid"/);
  assert.match(r.err, /did you mean `rawhide`\?/);
  const d = await runCli(fx.dir, ['rebase', 'check', '--to', 'fedorra/rawhide', '-a']);
  assert.match(d.err, /error\[REBASE_UNKNOWN_VERSION\]: no distro "fedorra".*\n[\s\S]*did you mean `fedora\/rawhide`\?/);
});

test('rebase check --upstream-specs: a spec that does not parse is REBASE_UPSTREAM_SPEC_INVALID at its line; a missing one a warning', async () => {
  const fx = fixture(COMP, { 'base/comps/other/other.comp.toml': '[components.other]\n\n[[components.other.overlays]]\ntype = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "gcc"\n' });
  const specs = mkdtempSync(path.join(os.tmpdir(), 'strata-specs-'));
  writeFileSync(path.join(specs, 'hello.spec'), NEW.replace('%build\n', '%build\n%if 0%{?fedora}\n'));
  const r = await runCli(fx.dir, ['rebase', 'check', '--upstream-specs', specs, '-a', '-o', 'json']);
  assert.equal(r.code, 1);
  const v = JSON.parse(r.out) as { components: { component: string; status: string; diagnostics: { code: string; line: number }[] }[] };
  const hello = v.components.find((c) => c.component === 'hello')!;
  assert.equal(hello.status, 'error');
  assert.equal(hello.diagnostics[0]!.code, 'REBASE_UPSTREAM_SPEC_INVALID');
  assert.equal(hello.diagnostics[0]!.line, 17);
  assert.equal(v.components.find((c) => c.component === 'other')!.status, 'missing');
  assert.match(r.err, /"code":"REBASE_UPSTREAM_SPEC_MISSING"/);
  // a text that is not a spec at all
  writeFileSync(path.join(specs, 'hello.spec'), new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
  const b = await runCli(fx.dir, ['rebase', 'check', '--upstream-specs', specs, '-p', 'hello']);
  assert.match(b.err, /error\[REBASE_UPSTREAM_SPEC_INVALID\]: the upstream spec .*hello\.spec is not a text file/);
});

test('rebase apply: dry run by default (a diff, nothing written); --write switches the version, drops the overlays losslessly, re-locks and re-renders', async () => {
  const fx = fixture(COMP);
  const files = ['distro/azurelinux.distro.toml', 'base/comps/hello/hello.comp.toml', 'distro/fedora.distro.toml'].map((f) => path.join(fx.dir, f));
  const before = files.map((f) => readFileSync(f, 'utf8'));
  const dry = await runCli(fx.dir, ['rebase', 'apply', '--to', 'rawhide', '--snapshot', SNAP, '-a']);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /-spec = \{ type = "upstream", upstream-distro = \{ name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" \} \}\n\+spec = \{ type = "upstream", upstream-distro = \{ name = "fedora", version = "rawhide", snapshot = "2026-08-22T00:00:00-07:00" \} \}/);
  assert.match(dry.out, /^--- a\/base\/comps\/hello\/hello\.comp\.toml\n\+\+\+ b\/base\/comps\/hello\/hello\.comp\.toml\n[\s\S]*^-# Backport from rawhide: no static libraries\.\n \[\[components\.hello\.overlays\]\]\n-description = "drop static libraries"$/m);
  assert.match(dry.out, /dry run: 2 file\(s\) would change, 2 overlay\(s\) would be dropped; run with --write/);
  assert.deepEqual(files.map((f) => readFileSync(f, 'utf8')), before);
  assert.ok(!existsSync(path.join(fx.dir, 'locks')));

  const w = await runCli(fx.dir, ['rebase', 'apply', '--to', 'rawhide', '--snapshot', SNAP, '-a', '--write', '-o', 'json']);
  assert.equal(w.code, 0, w.err);
  const v = JSON.parse(w.out) as { written: boolean; dropped: { line: number; class: string }[]; render: { rendered: number; failed: number } };
  assert.equal(v.written, true);
  assert.deepEqual(v.dropped.map((d) => [d.line, d.class]), [[4, 'redundant'], [25, 'already-upstream']]);
  assert.deepEqual(v.render, { rendered: 2, changed: 2, failed: 0 });
  assert.equal(readFileSync(files[0]!, 'utf8'), before[0]!.replace('version = "43", snapshot = "2026-02-24T00:00:00-08:00"', 'version = "rawhide", snapshot = "2026-08-22T00:00:00-07:00"'));
  assert.equal(readFileSync(files[1]!, 'utf8'), `[components.hello]

[[components.hello.overlays]]
description = "azl release"
type = "spec-set-tag"
tag = "Release"
value = "1%{?dist}.azl1"

[[components.hello.overlays]]
description = "backport the greeting fix"
type = "patch-add"
source = "greet.patch"
[components.hello.overlays.metadata]
category = "upstream-backport"
upstream-status = "upstreamed"
commits = [{ url = "https://example.org/c/1" }]
`);
  assert.equal(readFileSync(files[2]!, 'utf8'), before[2]);
  assert.match(readFileSync(path.join(fx.dir, 'locks/hello.lock'), 'utf8'), new RegExp(`upstream-commit = '${fx.rawhide}'`));
  const rendered = readFileSync(path.join(fx.dir, 'specs/h/hello/hello.spec'), 'utf8');
  assert.match(rendered, /^Version:        2\.0$/m);
  assert.match(rendered, /^Release: 1%\{\?dist\}\.azl1$/m);
  // A second check on the new upstream: everything left applies.
  const again = await runCli(fx.dir, ['rebase', 'check', '--to', 'rawhide', '--snapshot', SNAP, '-a', '-o', 'json']);
  assert.deepEqual((JSON.parse(again.out) as { overlays: { class: string }[] }).overlays.map((o) => o.class), ['applies', 'applies']);
});

test('rebase apply: a TOML file that cannot be edited losslessly is refused and nothing is written', async () => {
  const fx = fixture('[components.hello]\noverlay-files = ["*.overlay.toml"]\n', {
    'base/comps/hello/static.overlay.toml': '[metadata]\ncategory = "azl-compatibility"\nupstream-status = "unknown"\n\n[[overlays]]\ntype = "spec-append-lines"\nsection = "%install"\nlines = ["rm -f %{buildroot}%{_libdir}/*.a"]\n',
  });
  const files = ['distro/azurelinux.distro.toml', 'base/comps/hello/static.overlay.toml'].map((f) => path.join(fx.dir, f));
  const before = files.map((f) => readFileSync(f, 'utf8'));
  const r = await runCli(fx.dir, ['rebase', 'apply', '--to', 'rawhide', '-a', '--write']);
  assert.equal(r.code, 1);
  assert.match(r.err, /error\[REBASE_TOML_UNEDITABLE\]: .*static\.overlay\.toml: cannot edit without losing formatting: every overlay of this overlay file would go/);
  assert.deepEqual(files.map((f) => readFileSync(f, 'utf8')), before);
});

test('rebase apply -p NAME: a version shared with unselected components is REBASE_VERSION_SHARED', async () => {
  const fx = fixture(COMP);
  const r = await runCli(fx.dir, ['rebase', 'apply', '--to', 'rawhide', '-p', 'hello']);
  assert.equal(r.code, 1);
  assert.match(r.err, /azurelinux\.distro\.toml:8:\d+: error\[REBASE_VERSION_SHARED\]: spec\.upstream-distro\.version of hello is set at distro\/azurelinux\.distro\.toml:8 for 1 other component\(s\) too \(plain\)/);
});

test('rebase apply: a failing or interrupted write puts back the files already written', async () => {
  const fx = fixture(COMP);
  const { project, components } = await loadSelected({ fs }, { cwd: fx.dir, all: true, names: [] });
  const report = await runRebaseCheck(deps, project, components, { to: 'rawhide', snapshot: SNAP });
  const plan = await planRebaseApply((f) => fs.readText(f), project, components, report, { distro: 'fedora', version: 'rawhide', snapshot: SNAP });
  assert.equal(plan.edits.length, 2);
  const before = plan.edits.map((e: FileEdit) => readFileSync(e.file, 'utf8'));
  // the second file's write fails (ENOSPC)
  let n = 0;
  const failing = Object.assign(Object.create(Object.getPrototypeOf(fs)) as NodeFileSystem, fs, {
    writeFileAtomic: async (p: string, d: string | Uint8Array) => {
      if (++n === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return fs.writeFileAtomic(p, d);
    },
  });
  await assert.rejects(writeRebaseEdits(failing, plan.edits), (e: unknown) => isStrataError(e) && e.code === 'REBASE_WRITE_FAILED' && /1 file\(s\) already written were put back/.test(e.message));
  assert.deepEqual(plan.edits.map((e) => readFileSync(e.file, 'utf8')), before);
  // interrupted after the first file
  const abort = new AbortController();
  const interrupting = Object.assign(Object.create(Object.getPrototypeOf(fs)) as NodeFileSystem, fs, {
    writeFileAtomic: async (p: string, d: string | Uint8Array) => {
      await fs.writeFileAtomic(p, d);
      abort.abort();
    },
  });
  await assert.rejects(writeRebaseEdits(interrupting, plan.edits, abort.signal), (e: unknown) => isStrataError(e) && e.code === 'REBASE_INTERRUPTED');
  assert.deepEqual(plan.edits.map((e) => readFileSync(e.file, 'utf8')), before);
  // a file edited between plan and write
  writeFileSync(plan.edits[1]!.file, before[1] + '\n# edited\n');
  await assert.rejects(writeRebaseEdits(fs, plan.edits), (e: unknown) => isStrataError(e) && e.code === 'REBASE_FILE_CHANGED');
  assert.equal(readFileSync(plan.edits[0]!.file, 'utf8'), before[0]);
});
