/**
 * A stand-in for `mock` (mock is not packaged for Debian): an executable node script that accepts
 * the options Strata uses the way mock(1) does and really builds with the host's rpmbuild. Test
 * support for src/build/mock.test.ts (and any CLI test of `--backend mock`).
 *
 * What it imitates:
 * - `--version`; `-r NAME` (NAME.cfg in its config directory) or `-r PATH.cfg` (relative to its
 *   working directory); config files with `include('…')` (relative to the config directory),
 *   `config_opts['environment'][K] = '…'`, `config_opts['root']` and
 *   `config_opts['chroot_setup_cmd'] = 'install …'` (what the buildroot provides);
 * - isolation: rpmbuild sees the config's environment only, NOT the caller's (SOURCE_DATE_EPOCH
 *   reaches rpmbuild only through the config, as with mock);
 * - `--resultdir` with build.log (rpmbuild's output), root.log (dependency installation) and
 *   state.log; `--buildsrpm --spec --sources`; `--rebuild SRPM` (also the default mode);
 * - `--addrepo DIR` like mock's dnf config (`skip_if_unavailable=0`): no repodata → failure;
 *   BuildRequires not provided by the buildroot must be provided by an added repository (read
 *   from its primary metadata); those packages (and what they require from the same
 *   repositories) are "installed" by unpacking them into the build's sysroot;
 * - `--define`, `--with`, `--without`, `--nocheck` (passed to rpmbuild as mock's macros would);
 * - `--uniqueext` and the chroot lock: a second process on the same chroot fails with
 *   "Build root is locked by another process.";
 * - exit codes: 0, 1 (build failed), 5 (command line or config), 30 (package manager).
 *
 * Every invocation appends `{argv, env: {SOURCE_DATE_EPOCH}}` as a JSON line to the argv log, then
 * `{configs: [...]}` (the config files read, includes resolved) and `{installed: [...]}` after
 * installing BuildRequires from added repositories.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface MockStandin {
  /** Directory holding the `mock` executable (put it first on PATH). */
  readonly binDir: string;
  readonly mock: string;
  /** mock's config directory (`-r NAME` looks for NAME.cfg here). */
  readonly configDir: string;
  /** JSON lines, one per invocation. */
  readonly argvLog: string;
  /** Where chroot locks live. */
  readonly lockDir: string;
}

export interface StandinCall {
  readonly argv?: string[];
  readonly env?: { SOURCE_DATE_EPOCH: string | null };
  readonly installed?: string[];
  readonly configs?: string[];
}

const SCRIPT = String.raw`#!/usr/bin/env node
import { appendFileSync, closeSync, copyFileSync, existsSync, openSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
const ARGV_LOG = __ARGV_LOG__;
const CONFIG_DIR = __CONFIG_DIR__;
const LOCK_DIR = __LOCK_DIR__;
const argv = process.argv.slice(2);
const record = (o) => appendFileSync(ARGV_LOG, JSON.stringify(o) + '\n');
record({ argv, env: { SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? null } });
if (argv.includes('--version')) { console.log('5.9'); process.exit(0); }
const usage = (m) => { process.stderr.write('usage: mock [options] {--rebuild SRPM | --buildsrpm --spec SPEC --sources DIR}\nmock: error: ' + m + '\n'); process.exit(5); };
const valued = { '-r': 'root', '--root': 'root', '--resultdir': 'resultdir', '--spec': 'spec', '--sources': 'sources', '--uniqueext': 'uniqueext', '--addrepo': 'addrepo', '--define': 'define', '-D': 'define', '--with': 'with', '--without': 'without' };
const multi = new Set(['addrepo', 'define', 'with', 'without']);
const flags = { '--buildsrpm': 'buildsrpm', '--rebuild': 'rebuild', '--nocheck': 'nocheck', '-q': 'quiet', '--quiet': 'quiet', '-v': 'verbose', '--verbose': 'verbose' };
const o = { addrepo: [], define: [], with: [], without: [] };
const pos = [];
for (let i = 0; i < argv.length; i++) {
  let a = argv[i];
  let v;
  if (a.startsWith('--') && a.includes('=')) { v = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
  if (valued[a]) {
    if (v === undefined) { v = argv[++i]; if (v === undefined) usage('argument ' + a + ': expected one argument'); }
    if (multi.has(valued[a])) o[valued[a]].push(v); else o[valued[a]] = v;
  } else if (flags[a] && v === undefined) o[flags[a]] = true;
  else if (a.startsWith('-')) usage('unrecognized arguments: ' + a);
  else pos.push(a);
}
if (o.buildsrpm && o.rebuild) usage('argument --rebuild: not allowed with argument --buildsrpm');
for (const d of o.define) if (!/^%?[A-Za-z_]\w* /.test(d)) { console.log('ERROR: Invalid rpm macro definition: ' + d); process.exit(5); }
const unpy = (s) => s.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
const env = { HOME: '/builddir', PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', TERM: 'vt100' };
const base = new Set();
let rootName = 'default';
const loaded = [];
const loadConfig = (file) => {
  loaded.push(file);
  if (!existsSync(file)) { record({ configs: loaded }); console.log('ERROR: Could not find required config file: ' + file); process.exit(5); }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let m;
    if ((m = /^include\('((?:[^'\\]|\\.)*)'\)/.exec(line))) { const inc = unpy(m[1]); loadConfig(path.isAbsolute(inc) ? inc : path.join(CONFIG_DIR, inc)); }
    else if ((m = /^config_opts\['environment'\]\['(\w+)'\]\s*=\s*'((?:[^'\\]|\\.)*)'/.exec(line))) env[m[1]] = unpy(m[2]);
    else if ((m = /^config_opts\['chroot_setup_cmd'\]\s*=\s*'([^']*)'/.exec(line))) for (const p of m[1].split(/\s+/).slice(1)) base.add(p);
    else if ((m = /^config_opts\['root'\]\s*=\s*'([^']*)'/.exec(line))) rootName = m[1];
  }
};
const cfg = o.root ?? 'default';
loadConfig(cfg.endsWith('.cfg') ? path.resolve(cfg) : path.join(CONFIG_DIR, cfg + '.cfg'));
record({ configs: loaded });
const chroot = rootName + (o.uniqueext ? '-' + o.uniqueext : '');
if (!o.resultdir) { console.log('ERROR: this stand-in needs --resultdir'); process.exit(5); }
const resultdir = path.resolve(o.resultdir);
mkdirSync(resultdir, { recursive: true });
const buildLog = path.join(resultdir, 'build.log');
const rootLog = path.join(resultdir, 'root.log');
writeFileSync(buildLog, '');
writeFileSync(rootLog, '');
const state = (m) => { appendFileSync(path.join(resultdir, 'state.log'), m + '\n'); console.log('INFO: ' + m); };
const root = (m) => appendFileSync(rootLog, 'DEBUG util.py:446:  ' + m + '\n');
mkdirSync(LOCK_DIR, { recursive: true });
const lock = path.join(LOCK_DIR, chroot + '.lock');
try { mkdirSync(lock); } catch { console.log('ERROR: Build root is locked by another process.'); process.exit(1); }
const work = path.join(resultdir, '.chroot-' + process.pid);
const exit = (code) => { rmSync(work, { recursive: true, force: true }); rmSync(lock, { recursive: true, force: true }); process.exit(code); };
state('mock.py version 5.9 starting (stand-in)... chroot ' + chroot);
const top = path.join(work, 'builddir', 'build');
const sysroot = path.join(work, 'sysroot');
mkdirSync(path.join(top, 'SOURCES'), { recursive: true });
mkdirSync(sysroot, { recursive: true });
const macros = ['--define', '_topdir ' + top, '--define', '_dbpath ' + path.join(work, 'rpmdb'), '--define', '__gpg /usr/bin/gpg', ...o.define.flatMap((d) => ['--define', d.replace(/^%/, '')])];
const conditionals = [...o.with.flatMap((w) => ['--with', w]), ...o.without.flatMap((w) => ['--without', w])];
const libdirs = ['usr/lib64', 'usr/lib'].map((d) => path.join(sysroot, d)).join(':');
const buildEnv = { ...env, CPATH: path.join(sysroot, 'usr/include'), LIBRARY_PATH: libdirs, LD_LIBRARY_PATH: libdirs, PKG_CONFIG_PATH: path.join(sysroot, 'usr/lib64/pkgconfig') };
const rpmbuild = (args) => {
  appendFileSync(buildLog, 'Executing: rpmbuild ' + args.join(' ') + '\n');
  // stdout and stderr into build.log in the order they were written (as mock logs them).
  const fd = openSync(buildLog, 'a');
  const r = spawnSync('rpmbuild', [...macros, '--nodeps', ...args], { env: buildEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (r.status !== 0) {
    appendFileSync(buildLog, 'Child return code was: ' + r.status + '\n');
    console.log('ERROR: Exception(' + (pos[0] ?? o.spec) + ') Config(' + chroot + ') 0 minutes 1 seconds');
    console.log('INFO: Results and/or logs in: ' + resultdir);
    console.log('ERROR: Command failed: \n # rpmbuild ' + args.join(' '));
    exit(1);
  }
};
const decompress = (file) => {
  const bytes = readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(bytes).toString('utf8');
  const tool = file.endsWith('.zst') ? 'zstd' : file.endsWith('.xz') ? 'xz' : file.endsWith('.bz2') ? 'bzip2' : undefined;
  return tool ? spawnSync(tool, ['-dc'], { input: bytes, encoding: 'utf8', maxBuffer: 1 << 28 }).stdout : bytes.toString('utf8');
};
/** Packages of the added repositories, from their primary metadata (mock: skip_if_unavailable=0). */
const repoPackages = () => {
  const out = [];
  for (const [i, repo] of o.addrepo.entries()) {
    const dir = repo.replace(/^file:\/\//, '');
    const repomd = path.join(dir, 'repodata', 'repomd.xml');
    const id = dir.replace(/[^a-zA-Z0-9_]/g, '');
    if (!existsSync(repomd)) {
      root('Errors during downloading metadata for repository \'' + id + '\':');
      root('  - Curl error (37): Couldn\'t read a file:// file for file://' + repomd + ' [Couldn\'t open file ' + repomd + ']');
      root('Error: Failed to download metadata for repo \'' + id + '\': Cannot download repomd.xml: Cannot download repodata/repomd.xml: All mirrors were tried');
      console.log('ERROR: Command failed: \n # /usr/bin/dnf-3 builddep --installroot ' + chroot + ' ' + (pos[0] ?? ''));
      exit(30);
    }
    const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(readFileSync(repomd, 'utf8'))?.[1];
    const xml = decompress(path.join(dir, href));
    for (const block of xml.split('<package type="rpm">').slice(1)) {
      const name = /<name>([^<]+)<\/name>/.exec(block)?.[1];
      const ver = /<version epoch="\d+" ver="([^"]+)" rel="([^"]+)"/.exec(block);
      const loc = /<location href="([^"]+)"/.exec(block)?.[1];
      const section = (tag) => [...(new RegExp('<rpm:' + tag + '>([\\s\\S]*?)</rpm:' + tag + '>').exec(block)?.[1] ?? '').matchAll(/<rpm:entry name="([^"]+)"/g)].map((m) => m[1]);
      const files = [...block.matchAll(/<file(?: type="[^"]*")?>([^<]+)<\/file>/g)].map((m) => m[1]);
      out.push({ name, nvr: name + '-' + ver?.[1] + '-' + ver?.[2], file: path.join(dir, loc), provides: [name, ...section('provides'), ...files], requires: section('requires'), repo: i });
    }
  }
  return out;
};
if (o.buildsrpm) {
  if (!o.spec || !o.sources) usage('--buildsrpm needs --spec and --sources');
  state('Start: buildsrpm');
  for (const f of readdirSync(o.sources)) if (!f.startsWith('.')) copyFileSync(path.join(o.sources, f), path.join(top, 'SOURCES', f));
  repoPackages(); // mock sets up the chroot (and its repositories) for --buildsrpm too
  rpmbuild(['--define', '_sourcedir ' + path.join(top, 'SOURCES'), '-bs', o.spec]);
  for (const f of readdirSync(path.join(top, 'SRPMS'))) copyFileSync(path.join(top, 'SRPMS', f), path.join(resultdir, f));
  state('Finish: buildsrpm');
  exit(0);
}
const srpm = pos[0];
if (!srpm) usage('--rebuild needs a source package');
if (!existsSync(srpm)) { console.log('ERROR: Cannot find/open srpm: ' + srpm); exit(50); }
state('Start: installing build dependencies');
const packages = repoPackages();
const q = spawnSync('rpm', ['-qp', '--requires', '--define', '_dbpath ' + path.join(work, 'rpmdb'), srpm], { encoding: 'utf8' });
const wanted = q.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('rpmlib('));
const installed = [];
const install = (req, direct) => {
  const name = req.split(/\s+/)[0];
  if (base.has(name)) { if (direct) root('buildroot provides ' + req); return true; }
  const pkg = packages.find((p) => p.provides.includes(name));
  if (!pkg) {
    if (!direct) return true; // from the distribution's repositories in a real chroot
    root('No matching package to install: \'' + req + '\'');
    root('Not all dependencies satisfied');
    root('Error: Some packages could not be found.');
    console.log('ERROR: Command failed: \n # /usr/bin/dnf-3 builddep --installroot ' + chroot + ' ' + srpm);
    exit(30);
  }
  if (installed.includes(pkg.nvr)) return true;
  installed.push(pkg.nvr);
  root('Installing: ' + pkg.nvr + ' from ' + o.addrepo[pkg.repo]);
  const x = spawnSync('bsdtar', ['-x', '-f', pkg.file, '-C', sysroot, '--no-same-owner'], { encoding: 'utf8' });
  if (x.status !== 0) { root('Error: unpacking ' + pkg.file + ': ' + x.stderr); exit(30); }
  for (const r of pkg.requires) install(r, false);
  return true;
};
for (const r of wanted) install(r, true);
record({ installed });
state('Finish: installing build dependencies');
state('Start: rpmbuild ' + path.basename(srpm));
rpmbuild([...conditionals, ...(o.nocheck ? ['--nocheck'] : []), '--rebuild', srpm]);
copyFileSync(srpm, path.join(resultdir, path.basename(srpm)));
for (const arch of readdirSync(path.join(top, 'RPMS'))) for (const f of readdirSync(path.join(top, 'RPMS', arch))) copyFileSync(path.join(top, 'RPMS', arch, f), path.join(resultdir, f));
state('Finish: rpmbuild ' + path.basename(srpm));
exit(0);
`;

/**
 * Write the stand-in into `dir`: `<dir>/bin/mock`, the config directory `<dir>/etc-mock` with
 * `<configName>.cfg` (what the buildroot provides: `buildroot`), the argv log and the lock directory.
 */
export function writeMockStandin(dir: string, configName = 'strata-test-x86_64', buildroot: readonly string[] = ['gcc', 'make', 'coreutils', 'pkgconfig']): MockStandin {
  const binDir = path.join(dir, 'bin');
  const configDir = path.join(dir, 'etc-mock');
  const argvLog = path.join(dir, 'mock-argv.jsonl');
  const lockDir = path.join(dir, 'locks');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  const mock = path.join(binDir, 'mock');
  writeFileSync(
    mock,
    SCRIPT.replace('__ARGV_LOG__', JSON.stringify(argvLog)).replace('__CONFIG_DIR__', JSON.stringify(configDir)).replace('__LOCK_DIR__', JSON.stringify(lockDir)),
  );
  chmodSync(mock, 0o755);
  writeFileSync(
    path.join(configDir, `${configName}.cfg`),
    `config_opts['root'] = '${configName}'\nconfig_opts['chroot_setup_cmd'] = 'install ${buildroot.join(' ')}'\nconfig_opts['environment']['LANG'] = 'C.UTF-8'\n`,
  );
  return { binDir, mock, configDir, argvLog, lockDir };
}
