/**
 * Render throughput: N generated components (default 2,000; STRATA_BENCH_COMPONENTS overrides),
 * each with its own local dist-git repository (file://), some overlays, a %check skip on every
 * 10th and a macros file on every 25th; every other spec uses %autorelease + %autochangelog (as
 * about half of Fedora does), so rpmautospec processing runs on its dist-git history. Measures a full render with a warm mirror cache and the
 * no-change `--check-only` re-render. Targets: < 60 s and < 15 s on 2 cores.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { NodeScratchWriter } from '../adapters/scratch-fs.js';
import { loadProject } from '../config/index.js';
import { runRender, withDefaultEngines } from './command.js';

const N = Number(process.env.STRATA_BENCH_COMPONENTS ?? 2000);
const root = mkdtempSync(path.join(os.tmpdir(), 'render-bench-'));
const distgit = path.join(root, 'distgit');
const project = path.join(root, 'project');
mkdirSync(distgit, { recursive: true });
mkdirSync(path.join(project, 'comps'), { recursive: true });

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root, GIT_AUTHOR_NAME: 'F', GIT_AUTHOR_EMAIL: 'f@x', GIT_COMMITTER_NAME: 'F', GIT_COMMITTER_EMAIL: 'f@x' };
function git(args: string[], cwd: string, input?: string): void {
  const r = spawnSync('git', args, { cwd, env, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

function specFor(name: string, i: number): string {
  return `Name:           ${name}
Version:        1.${i}
Release:        ${i % 2 ? '%autorelease' : `${1 + (i % 5)}%{?dist}`}
Summary:        Generated component ${i}
License:        MIT
URL:            https://example.org/${name}
Source0:        https://example.org/${name}-%{version}.tar.gz
Patch0:         ${name}-fix.patch
BuildRequires:  gcc
BuildRequires:  make
%if %{with docs}
BuildRequires:  doxygen
%endif

%description
Component ${i}.

%package devel
Summary:        Development files
Requires:       %{name} = %{version}-%{release}

%description devel
Headers.

%prep
%autosetup -p1

%build
%configure
%make_build

%install
%make_install

%check
make check

%files
%license LICENSE
/usr/bin/${name}

%files devel
/usr/include/${name}.h

%changelog
${i % 2 ? '%autochangelog' : `* Mon Jan 05 2026 Packager <p@example.org> - 1.${i}-1\n- Initial package`}
`;
}

const t0 = Date.now();
const ts = 1767600000;
for (let i = 0; i < N; i++) {
  const name = `comp${String(i).padStart(5, '0')}`;
  const repo = path.join(distgit, `${name}.git`);
  git(['init', '-q', '--bare', '-b', 'f43', repo], root);
  const files: [string, string][] = [
    [`${name}.spec`, specFor(name, i)],
    ['sources', `SHA512 (${name}-1.${i}.tar.gz) = ${'ab'.repeat(64)}\n`],
    [`${name}-fix.patch`, `--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`],
    ['README.md', 'dist-git readme\n'],
    ['gating.yaml', '--- !Policy\n'],
  ];
  let fi = `commit refs/heads/f43\ncommitter F <f@x> ${ts} +0000\ndata 7\nImport\n`;
  for (const [f, c] of files) fi += `M 100644 inline ${f}\ndata ${Buffer.byteLength(c)}\n${c}\n`;
  git(['fast-import', '--quiet'], repo, fi + 'done\n');
  const overlays =
    `[components.${name}]\n` +
    (i % 10 === 0 ? `build.check = { skip = true, skip_reason = "flaky" }\n` : '') +
    (i % 25 === 0 ? `build.without = ["docs"]\n` : '') +
    `\n[[components.${name}.overlays]]\ndescription = "use clang"\ntype = "spec-search-replace"\nsection = "%build"\nregex = '^%configure$'\nreplacement = "%configure CC=clang"\n` +
    `\n[[components.${name}.overlays]]\ndescription = "add a requirement"\ntype = "spec-add-tag"\ntag = "Requires"\nvalue = "bash"\n` +
    `\n[[components.${name}.overlays]]\ndescription = "drop make"\ntype = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "make"\n`;
  writeFileSync(path.join(project, 'comps', `${name}.comp.toml`), overlays);
}
writeFileSync(
  path.join(project, 'azldev.toml'),
  `includes = ["comps/*.comp.toml"]\n\n[project]\ndefault-distro = { name = "azl" }\nrendered-specs-dir = "specs"\nwork-dir = "build/work"\n\n` +
    `[distros.fedora]\ndefault-version = "43"\ndist-git-base-uri = "file://${distgit}/$pkg.git"\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\ndist-git-branch = "f43"\n\n` +
    `[distros.azl]\ndefault-version = "4.0"\n\n[distros.azl.versions.'4.0']\nrelease-ver = "4.0"\n\n` +
    `[distros.azl.versions.'4.0'.default-component-config]\nspec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }\n`,
);
writeFileSync(path.join(project, '.gitignore'), 'build/\nspecs/\n');
git(['init', '-q', '-b', 'main'], project);
git(['add', '-A'], project);
git(['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Add components'], project);
const setupS = (Date.now() - t0) / 1000;

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const deps = await withDefaultEngines({ fs, git: new SystemGit(proc), proc, scratch: new NodeScratchWriter(), clock: { now: () => new Date() }, sink: () => {} });
const { project: p } = await loadProject({ fs, projectDir: project });
const comps = [...p.components.values()];
const cpus = os.availableParallelism();
const base = { cwd: project, all: true, names: [], checkOnly: false, cleanStale: false, dryRun: false } as const;

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
async function timed(label: string, opts: Parameters<typeof runRender>[3]): Promise<number> {
  const s = Date.now();
  const r = await runRender(deps, p, comps, opts, cpus);
  const secs = (Date.now() - s) / 1000;
  const res = r.results;
  const failed = res.filter((x) => x.status !== "ok").length;
  if (failed) console.log(JSON.stringify(res.find((x) => x.status !== "ok")?.diagnostics?.[0]));
  const changed = res.filter((x) => x.changed).length;
  console.log(`${label}: ${N} components in ${secs.toFixed(1)} s = ${(N / secs).toFixed(1)} components/s (changed ${changed}, failed ${failed}, exit ${r.failed.length || r.outOfDate ? 1 : 0})`);
  return secs;
}

console.log(`setup: ${N} dist-git repos + project in ${setupS.toFixed(1)} s; ${cpus} CPUs`);
await timed('cold (fills the mirror cache)', { ...base, outputDir: path.join(root, 'out-cold') });
const warm = await timed('warm render', { ...base, outputDir: path.join(root, 'out') });
const check = await timed('no-change --check-only', { ...base, outputDir: path.join(root, 'out'), checkOnly: true });
const fresh = await timed('no-change --check-only --no-cache (a fresh clone: no render stamps)', { ...base, outputDir: path.join(root, 'out'), checkOnly: true, noCache: true });
clearInterval(sampler);
console.log(`peak RSS: ${(peak / 1048576).toFixed(0)} MiB`);
const scale = 2000 / N;
console.log(`targets for 2,000 (projected linearly from ${N}): warm ${(warm * scale).toFixed(0)} s < 60 s ${warm * scale < 60 ? 'OK' : 'MISSED'}; --check-only ${(check * scale).toFixed(0)} s < 15 s ${check * scale < 15 ? 'OK' : 'MISSED'} (without stamps ${(fresh * scale).toFixed(0)} s)`);
rmSync(root, { recursive: true, force: true });
