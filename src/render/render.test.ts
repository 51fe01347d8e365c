/**
 * The render pipeline end to end with real git (file:// dist-git), through `component render`'s
 * use case (load, runRender) and the CLI's view of its summary (table, text, JSON, exit code):
 * output layout, Release bump by synthetic commits (+1 for uncommitted input changes), render
 * stamps (second render skips), --check-only, failure markers that keep the previous output,
 * --clean-stale, --dry-run diffs, and an archive overlay on a local component.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { NodeScratchWriter } from '../adapters/scratch-fs.js';
import { runRender, withDefaultEngines, type RenderCommandOptions } from './command.js';
import { loadSelected, type ProjectSelection } from '../config/load-selected.js';
import { renderCommandResult } from '../cli/commands/component-render.js';
import type { RenderDeps } from './render.js';
import { formatDiagnostic } from '../diag/index.js';

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'P', GIT_AUTHOR_EMAIL: 'p@x', GIT_COMMITTER_NAME: 'P', GIT_COMMITTER_EMAIL: 'p@x' };
function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, env: { ...env, HOME: cwd }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const SPEC = `Name:           hello
Version:        1.0
Release:        3%{?dist}
Summary:        Hello
License:        MIT
Source0:        https://example.org/hello-%{version}.tar.gz
Patch0:         fix.patch

%description
Hello.

%prep
%autosetup

%build
%configure
%make_build

%install
%make_install

%check
make check

%files
/usr/bin/hello

%changelog
* Mon Jan 05 2026 P <p@x> - 1.0-3
- rebuilt
`;

function setup(): { root: string; project: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'render-e2e-'));
  const work = path.join(root, 'up');
  mkdirSync(work);
  writeFileSync(path.join(work, 'hello.spec'), SPEC);
  writeFileSync(path.join(work, 'fix.patch'), '--- a\n+++ b\n');
  writeFileSync(path.join(work, 'README.md'), 'dist-git readme\n');
  writeFileSync(path.join(work, 'sources'), `SHA512 (hello-1.0.tar.gz) = ${'ab'.repeat(64)}\n`);
  git(work, 'init', '-q', '-b', 'f43');
  git(work, 'add', '-A');
  spawnSync('git', ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Import'], { cwd: work, env: { ...env, HOME: work, GIT_AUTHOR_DATE: '2026-02-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-02-01T00:00:00Z' } });
  mkdirSync(path.join(root, 'distgit'));
  git(root, 'clone', '-q', '--bare', work, path.join(root, 'distgit', 'hello.git'));
  // A %autorelease/%autochangelog package.
  const work2 = path.join(root, 'up2');
  mkdirSync(work2);
  writeFileSync(path.join(work2, 'auto.spec'), SPEC.replace(/hello/g, 'auto').replace('Release:        3%{?dist}', 'Release:        %autorelease').replace(/%changelog\n[\s\S]*$/, '%changelog\n%autochangelog\n'));
  writeFileSync(path.join(work2, 'fix.patch'), '--- a\n+++ b\n');
  git(work2, 'init', '-q', '-b', 'f43');
  git(work2, 'add', '-A');
  spawnSync('git', ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Update to 1.0'], { cwd: work2, env: { ...env, HOME: work2, GIT_AUTHOR_NAME: 'Fedora Packager', GIT_AUTHOR_EMAIL: 'fp@fedoraproject.org', GIT_AUTHOR_DATE: '2026-02-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-02-01T00:00:00Z' } });
  git(root, 'clone', '-q', '--bare', work2, path.join(root, 'distgit', 'auto.git'));

  const project = path.join(root, 'project');
  mkdirSync(path.join(project, 'comps', 'hello'), { recursive: true });
  mkdirSync(path.join(project, 'comps', 'local1'), { recursive: true });
  mkdirSync(path.join(project, 'comps', 'auto'), { recursive: true });
  writeFileSync(path.join(project, 'comps', 'auto', 'auto.comp.toml'), `[components.auto]\nbuild.emit-upstream-provenance = true\n`);
  writeFileSync(
    path.join(project, 'azldev.toml'),
    `includes = ["comps/**/*.comp.toml"]\n\n[project]\ndefault-distro = { name = "azl" }\nrendered-specs-dir = "specs"\nwork-dir = "build/work"\n\n` +
      `[distros.fedora]\ndefault-version = "43"\ndist-git-base-uri = "file://${root}/distgit/$pkg.git"\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\ndist-git-branch = "f43"\n\n` +
      `[distros.azl]\ndefault-version = "4.0"\n\n[distros.azl.versions.'4.0']\nrelease-ver = "4.0"\n\n` +
      `[distros.azl.versions.'4.0'.default-component-config]\nspec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }\n`,
  );
  writeFileSync(
    path.join(project, 'comps', 'hello', 'hello.comp.toml'),
    `[components.hello]\nbuild.check = { skip = true, skip_reason = "needs network" }\nbuild.with = ["feature"]\n\n` +
      `[[components.hello.overlays]]\ndescription = "use clang"\ntype = "spec-search-replace"\nsection = "%build"\nregex = '^%configure$'\nreplacement = "%configure CC=clang"\n`,
  );
  // A local component whose source archive is edited by an archive overlay.
  const l = path.join(project, 'comps', 'local1');
  mkdirSync(path.join(l, 'src', 'local1-1.0'), { recursive: true });
  writeFileSync(path.join(l, 'src', 'local1-1.0', 'a.c'), 'OLD\n');
  const tgz = spawnSync('sh', ['-c', `tar -C "${path.join(l, 'src')}" -cf - local1-1.0 | gzip -n -c`], { maxBuffer: 1 << 24 }).stdout;
  writeFileSync(path.join(l, 'local1-1.0.tar.gz'), tgz);
  writeFileSync(path.join(l, 'sources'), `SHA512 (local1-1.0.tar.gz) = ${createHash('sha512').update(tgz).digest('hex')}\n`);
  rmSync(path.join(l, 'src'), { recursive: true });
  writeFileSync(path.join(l, 'local1.spec'), SPEC.replace(/hello/g, 'local1').replace('https://example.org/local1-%{version}.tar.gz', 'local1-%{version}.tar.gz').replace('Patch0:         fix.patch\n', '').replace('%check\nmake check\n\n', ''));
  writeFileSync(path.join(l, 'local1.comp.toml'), `[components.local1]\nspec = { type = "local", path = "local1.spec" }\n`);
  writeFileSync(path.join(project, '.gitignore'), 'build/\nspecs/\n');
  git(project, 'init', '-q', '-b', 'main');
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'Add components');
  return { root, project };
}

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const deps = { fs, proc, git: new SystemGit(proc), clock: { now: () => new Date('2026-05-01T00:00:00Z') }, sink: () => {}, scratch: new NodeScratchWriter() };
type Options = RenderCommandOptions & ProjectSelection & { failOnError?: boolean };
const base = (project: string, over: Partial<Options> = {}): Options => ({ cwd: project, all: true, names: [], checkOnly: false, cleanStale: false, dryRun: false, jobs: 2, ...over });
/** What `strata component render` does: load and select, render, print the summary. */
async function runRenderCommand(deps: RenderDeps, opts: Options) {
  const { project, components } = await loadSelected(deps, opts);
  return renderCommandResult(await runRender(await withDefaultEngines(deps), project, components, opts), opts);
}
type J = { results: { component: string; status: string; changed: boolean; cached?: boolean; syntheticCommits: number; diagnostics: { code: string }[]; overlayDiffs?: { overlay: string; diff: string }[] }[]; stale: string[] };

test('render pipeline end to end', { timeout: 120_000 }, async () => {
  const { root, project } = setup();
  try {
    const out = path.join(project, 'specs');
    const r1 = await runRenderCommand(deps, base(project));
    const j1 = r1.json as J;
    assert.equal(r1.exitCode, 0, JSON.stringify(j1.results.map((r) => r.diagnostics)));
    const dir = path.join(out, 'h', 'hello');
    const spec = readFileSync(path.join(dir, 'hello.spec'), 'utf8');
    assert.ok(spec.startsWith('# This spec file has been modified by azldev to include build configuration overlays.\n# Do not edit manually; changes may be overwritten.\n\n# All Azure Linux specs with overlays include this macro file'));
    assert.match(spec, /^Release: 4%\{\?dist\}$/m, 'one synthetic commit bumps 3 → 4');
    assert.match(spec, /^Source9999: hello\.azl\.macros$/m);
    assert.match(spec, /^%check\n# Check section disabled: needs network\nexit 0\n\nmake check$/m);
    assert.match(spec, /^%configure CC=clang$/m);
    assert.equal(readFileSync(path.join(dir, 'hello.azl.macros'), 'utf8'), '# Macros file automatically generated by azldev.\n# Do not edit manually; changes will be overwritten.\n%_with_feature 1\n');
    assert.ok(!existsSync(path.join(dir, 'README.md')), 'unreferenced dist-git file filtered');
    assert.ok(existsSync(path.join(dir, 'fix.patch')) && existsSync(path.join(dir, 'sources')));
    assert.ok(!existsSync(path.join(dir, '.git')));
    // The local component: its comp.toml is filtered out (not a Source), its archive kept.
    assert.ok(existsSync(path.join(out, 'l', 'local1', 'local1-1.0.tar.gz')));
    assert.ok(!existsSync(path.join(out, 'l', 'local1', 'local1.comp.toml')));

    // %autorelease/%autochangelog: rpmautospec's blocks, the synthetic commit counted.
    const auto = readFileSync(path.join(out, 'a', 'auto', 'auto.spec'), 'utf8');
    assert.ok(auto.startsWith('## START: Set by rpmautospec\n## (rpmautospec version 0.8.4)\n## RPMAUTOSPEC: autorelease, autochangelog\n'), auto.slice(0, 300));
    assert.match(auto, /release_number = 2;/);
    // Provenance macros: the pristine upstream Version and %autorelease (1 upstream commit) + .fc43.
    assert.equal(readFileSync(path.join(out, 'a', 'auto', 'auto.azl.macros'), 'utf8'), '# Macros file automatically generated by azldev.\n# Do not edit manually; changes will be overwritten.\n%fedora_upstream_release 1.fc43\n%fedora_upstream_version 1.0\n');
    assert.match(auto, /## START: Generated by rpmautospec\n\* \w{3} \w{3} \d\d \d{4} P <p@x> - 1\.0-2\n- Add components\n\n\* Sun Feb 01 2026 Fedora Packager <fp@fedoraproject\.org> - 1\.0-1\n- Update to 1\.0\n\n?## END: Generated by rpmautospec\n/);

    // Second render: nothing changed, served from the render stamp.
    const j2 = (await runRenderCommand(deps, base(project))).json as J;
    assert.ok(j2.results.every((r) => !r.changed && r.cached), JSON.stringify(j2.results));

    // --check-only after editing the output: exit 1, output untouched.
    writeFileSync(path.join(dir, 'sources'), 'edited\n');
    const r3 = await runRenderCommand(deps, base(project, { checkOnly: true, names: ['hello'], all: false }));
    assert.equal(r3.exitCode, 1);
    assert.match(r3.text ?? '', /would change: hello/);
    assert.equal(readFileSync(path.join(dir, 'sources'), 'utf8'), 'edited\n');

    // Uncommitted change of an input: one more synthetic commit (3 → 5), stamp invalidated.
    const toml = path.join(project, 'comps', 'hello', 'hello.comp.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8') + `\n[[components.hello.overlays]]\ndescription = "no make"\ntype = "spec-search-replace"\nregex = '^%make_build$'\nreplacement = "%{__make}"\n`);
    const j4 = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false }))).json as J;
    assert.equal(j4.results[0]!.syntheticCommits, 2);
    assert.match(readFileSync(path.join(dir, 'hello.spec'), 'utf8'), /^Release: 5%\{\?dist\}$/m);

    // --dry-run: the diff each overlay makes, nothing written.
    const before = readFileSync(path.join(dir, 'hello.spec'), 'utf8');
    const j5 = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false, dryRun: true }))).json as J;
    const diffs = j5.results[0]!.overlayDiffs!;
    assert.ok(diffs.some((d) => d.overlay.includes('hello.comp.toml') && d.diff.includes('-%make_build') && d.diff.includes('+%{__make}')));
    assert.equal(readFileSync(path.join(dir, 'hello.spec'), 'utf8'), before);

    // A failing overlay: RENDER_FAILED beside the intact previous output, error with file:line.
    writeFileSync(toml, readFileSync(toml, 'utf8') + `\n[[components.hello.overlays]]\ndescription = "gone"\ntype = "spec-remove-tag"\ntag = "Obsoletes"\n`);
    const r6 = await runRenderCommand(deps, base(project, { names: ['hello'], all: false }));
    assert.equal((await runRenderCommand(deps, base(project, { names: ['hello'], all: false, failOnError: false }))).exitCode, 0, 'with --no-fail-on-error failures are only marked');
    const j6 = r6.json as J;
    assert.equal(r6.exitCode, 1);
    assert.equal(j6.results[0]!.status, 'error');
    assert.equal(j6.results[0]!.diagnostics[0]!.code, 'OVERLAY_NO_SUCH_TAG');
    assert.match(formatDiagnostic(r6.diagnostics![0]!), /hello\.comp\.toml:\d+:1: error\[OVERLAY_NO_SUCH_TAG\]/);
    assert.equal(readFileSync(path.join(dir, 'RENDER_FAILED'), 'utf8'), 'Rendering failed. See azldev logs for details.\n');
    assert.equal(readFileSync(path.join(dir, 'hello.spec'), 'utf8'), before);

    // --clean-stale removes directories of components that no longer exist.
    mkdirSync(path.join(out, 'g', 'gone-component'), { recursive: true });
    writeFileSync(path.join(out, 'g', 'gone-component', 'x.spec'), 'x');
    const r7 = await runRenderCommand(deps, base(project, { names: ['local1'], all: false, cleanStale: true, checkOnly: true }));
    assert.equal(r7.exitCode, 1);
    assert.deepEqual((r7.json as J).stale, ['g/gone-component']);
    await runRenderCommand(deps, base(project, { names: ['local1'], all: false, cleanStale: true }));
    assert.ok(!existsSync(path.join(out, 'g', 'gone-component')));
    assert.ok(existsSync(path.join(out, 'l', 'local1', 'local1.spec')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('archive overlay on a local component: repacked, hash recorded and checked', { timeout: 60_000 }, async () => {
  const { root, project } = setup();
  try {
    const l = path.join(project, 'comps', 'local1');
    const toml = path.join(l, 'local1.comp.toml');
    const ov = `\n[[components.local1.overlays]]\ndescription = "fix a.c"\ntype = "file-search-replace"\narchive = "local1-1.0.tar.gz"\nfile = "a.c"\nregex = "OLD"\nreplacement = "NEW"\n`;
    // First with a wrong recorded hash: the render fails with the hash it got.
    writeFileSync(toml, readFileSync(toml, 'utf8') + `\n[[components.local1.source-files]]\nfilename = "local1-1.0.tar.gz"\nhash = "${'00'.repeat(64)}"\nhash-type = "SHA512"\norigin = { type = "overlay" }\nreplace-upstream = true\nreplace-reason = "edited by overlay"\n` + ov);
    const r1 = await runRenderCommand(deps, base(project, { names: ['local1'], all: false }));
    const d = (r1.json as J).results[0]!.diagnostics[0] as { code: string; hint?: string };
    assert.equal(d.code, 'ARCHIVE_HASH_MISMATCH', JSON.stringify((r1.json as J).results[0]));
    const good = /hash = "([0-9a-f]{128})"/.exec(d.hint ?? '')![1]!;
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('00'.repeat(64), good));
    const r2 = await runRenderCommand(deps, base(project, { names: ['local1'], all: false }));
    assert.equal(r2.exitCode, 0, JSON.stringify(r2.json));
    const outTgz = readFileSync(path.join(project, 'specs', 'l', 'local1', 'local1-1.0.tar.gz'));
    assert.equal(createHash('sha512').update(outTgz).digest('hex'), good);
    assert.match(spawnSync('sh', ['-c', 'gzip -dc | tar -xOf - local1-1.0/a.c'], { input: outTgz }).stdout.toString(), /^NEW$/m);
    assert.equal(readFileSync(path.join(project, 'specs', 'l', 'local1', 'sources'), 'utf8'), `SHA512 (local1-1.0.tar.gz) = ${good}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lock-file history: one synthetic commit per committed fingerprint change, +1 when inputs drift', { timeout: 120_000 }, async () => {
  const { root, project } = setup();
  try {
    const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'strata');
    const upd = spawnSync(bin, ['component', 'update', '-p', 'hello'], { cwd: project, encoding: 'utf8' });
    assert.equal(upd.status, 0, upd.stdout + upd.stderr);
    assert.ok(existsSync(path.join(project, 'locks', 'hello.lock')));
    git(project, 'add', '-A');
    git(project, 'commit', '-q', '-m', 'Lock hello');
    const rel = (j: J) => j.results[0]!.syntheticCommits;
    const specOut = () => readFileSync(path.join(project, 'specs', 'h', 'hello', 'hello.spec'), 'utf8');
    let j = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false }))).json as J;
    assert.equal(rel(j), 1, 'the commit that created the lock');
    assert.match(specOut(), /^Release: 4%\{\?dist\}$/m);
    // Committing a config change without re-locking: inputs differ from the lock at HEAD → +1.
    const toml = path.join(project, 'comps', 'hello', 'hello.comp.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('needs network', 'needs the network'));
    git(project, 'commit', '-q', '-am', 'Reword');
    j = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false }))).json as J;
    assert.equal(rel(j), 2);
    // Re-lock and commit: two fingerprint changes, no drift.
    assert.equal(spawnSync(bin, ['component', 'update', '-p', 'hello'], { cwd: project }).status, 0);
    git(project, 'commit', '-q', '-am', 'Relock hello');
    j = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false }))).json as J;
    assert.equal(rel(j), 2);
    assert.match(specOut(), /^Release: 5%\{\?dist\}$/m);
    // A lock that does not parse is a coded error, not a silent fall-back to the branch head.
    writeFileSync(path.join(project, 'locks', 'hello.lock'), "version = 1\nupstream-commit = 'not-a-commit'\n");
    j = (await runRenderCommand(deps, base(project, { names: ['hello'], all: false }))).json as J;
    assert.equal(j.results[0]!.status, 'error');
    assert.deepEqual(j.results[0]!.diagnostics.map((d) => d.code), ['LOCK_INVALID']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('one render at a time into one output directory: a second waits for the lock, then renders', { timeout: 60_000 }, async () => {
  const { root, project } = setup();
  try {
    const { NodeProcessLock } = await import('../adapters/process-lock.js');
    const lock = new NodeProcessLock();
    const events: string[] = [];
    const locked = { ...deps, lock, sink: (e: { kind: string; message?: string }) => void (e.kind === 'log' && e.message && events.push(e.message)) };
    // Someone else (another process, as far as the lock can tell) renders into specs/ right now.
    const lockPath = path.join(project, 'build', 'work', 'locks', `render-${createHash('sha256').update(path.join(project, 'specs')).digest('hex').slice(0, 16)}.lock`);
    mkdirSync(path.dirname(lockPath), { recursive: true });
    const release = await lock.acquire(lockPath);
    let finished = false;
    const render = runRenderCommand(locked, base(project)).then((r) => ((finished = true), r));
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(finished, false, 'the render waits while the lock is held');
    assert.ok(!existsSync(path.join(project, 'specs', 'h', 'hello')), 'nothing was written meanwhile');
    assert.ok(events.some((m) => m.startsWith('waiting for another render into')), events.join('\n'));
    await release();
    const r = await render;
    assert.equal(r.exitCode, 0);
    assert.ok(existsSync(path.join(project, 'specs', 'h', 'hello', 'hello.spec')));
    assert.ok(!existsSync(lockPath), 'the lock is released');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
