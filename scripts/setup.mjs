#!/usr/bin/env node
// Installs what `npm test` / `npm run demo` need on a fresh Debian machine:
//  - npm packages (npm ci when node_modules is missing or older than package-lock.json);
//  - Debian tools via apt-get when running as root; otherwise prints the exact apt command and stops.
// Plain Node, no dependencies: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'test';

// command -> Debian package that provides it
const TOOLS = {
  git: 'git',
  chromium: 'chromium',
  rpmbuild: 'rpm',
  rpmspec: 'rpm',
  rpmsign: 'rpm',
  createrepo_c: 'createrepo-c',
  gpg: 'gnupg',
  'gpg-agent': 'gpg-agent',
  gpgconf: 'gpgconf',
  rpmkeys: 'rpm',
  dnf: 'dnf',
  python3: 'python3',
  cpio: 'cpio',
  xz: 'xz-utils',
  zstd: 'zstd',
  bzip2: 'bzip2',
  bsdtar: 'libarchive-tools',
  'mkfs.erofs': 'erofs-utils',
  veritysetup: 'cryptsetup-bin',
  'fsck.erofs': 'erofs-utils',
  sfdisk: 'fdisk',
  sgdisk: 'gdisk',
  'systemd-dissect': 'systemd-container',
  gcc: 'gcc',
  make: 'make',
  taskset: 'util-linux',
};

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd} || test -x /sbin/${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureNpm() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs)) return;
  console.error('setup: installing npm packages (npm ci)');
  const r = spawnSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function ensureDebian() {
  const missing = [...new Set(Object.entries(TOOLS).filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`setup: these Debian packages are needed for ${purpose}: ${missing.join(' ')}\n  run as root:  sudo sh -c '${cmd}'`);
    process.exit(1);
  }
  console.error(`setup: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

ensureDebian();
ensureNpm();
