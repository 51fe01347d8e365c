/**
 * The example distribution (examples/) turned into real inputs: deterministic source tarballs, a
 * Fedora-layout lookaside directory, bare "dist-git" repositories, prepared build directories
 * and a throw-away signing key. Used by `npm run demo`, the build/repo tests and the build
 * benchmark. Test support: it uses node's fs/child_process directly (domain code does not).
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BuildUnit } from '../build/types.js';
import { keyIdOf } from '../trust/key-signer.js';

export function repoRoot(): string {
  return process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
}

export function exampleRoot(): string {
  return path.join(repoRoot(), 'examples');
}

/** The example's upstream packages (dist-git) and the project-local one. */
export const UPSTREAM_PACKAGES = ['libgreet', 'greet', 'greet-banner', 'greet-data', 'fortune-mini'] as const;
export const LOCAL_PACKAGES = ['example-release'] as const;
export const EXAMPLE_MACROS = { dist: '.exl1' } as const;

export interface Tarball {
  readonly pkg: string;
  readonly file: string;
  readonly path: string;
  readonly sha512: string;
}

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Example Packager',
  GIT_AUTHOR_EMAIL: 'packager@example.invalid',
  GIT_COMMITTER_NAME: 'Example Packager',
  GIT_COMMITTER_EMAIL: 'packager@example.invalid',
  LC_ALL: 'C',
  TZ: 'UTC',
};

/** Deterministic `<name>-<version>.tar.gz` of every directory in examples/tarballs (GNU tar, gzip -n). */
export function makeTarballs(dest: string): Tarball[] {
  mkdirSync(dest, { recursive: true });
  const src = path.join(exampleRoot(), 'tarballs');
  const out: Tarball[] = [];
  for (const dir of readdirSync(src).sort()) {
    const file = `${dir}.tar.gz`;
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-C', src, '-cf', '-', dir], { maxBuffer: 1 << 28 });
    const gz = execFileSync('gzip', ['-n', '-9', '-c'], { input: tar, maxBuffer: 1 << 28 });
    const p = path.join(dest, file);
    writeFileSync(p, gz);
    out.push({ pkg: dir.replace(/-[^-]+$/, ''), file, path: p, sha512: createHash('sha512').update(gz).digest('hex') });
  }
  return out;
}

/** Fedora lookaside layout: `<dir>/repo/pkgs/<pkg>/<file>/sha512/<hash>/<file>`. */
export function createLookaside(dir: string, tarballs: readonly Tarball[]): void {
  for (const t of tarballs) {
    const d = path.join(dir, 'repo', 'pkgs', t.pkg, t.file, 'sha512', t.sha512);
    mkdirSync(d, { recursive: true });
    copyFileSync(t.path, path.join(d, t.file));
  }
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: { ...GIT_ENV, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * One bare repository `<dir>/<pkg>.git` per upstream package, branch `main`: the spec, patches
 * and a `sources` file naming the tarball by SHA512 (Fedora's format).
 */
export function createDistGit(dir: string, tarballs: readonly Tarball[]): Map<string, string> {
  const urls = new Map<string, string>();
  const work = mkdtempSync(path.join(tmpdir(), 'strata-distgit-'));
  try {
    for (const pkg of UPSTREAM_PACKAGES) {
      const w = path.join(work, pkg);
      mkdirSync(w, { recursive: true });
      git(w, ['init', '-q', '-b', 'main']);
      const src = path.join(exampleRoot(), 'upstream', pkg);
      for (const f of readdirSync(src).sort()) copyFileSync(path.join(src, f), path.join(w, f));
      const tb = tarballs.filter((t) => t.pkg === pkg);
      if (tb.length) writeFileSync(path.join(w, 'sources'), tb.map((t) => `SHA512 (${t.file}) = ${t.sha512}\n`).join(''));
      git(w, ['add', '-A']);
      const date = '2026-11-02T12:00:00Z';
      git(w, ['commit', '-q', '-m', `Import ${pkg}`], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
      const bare = path.join(dir, `${pkg}.git`);
      rmSync(bare, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      execFileSync('git', ['clone', '-q', '--bare', w, bare], { env: GIT_ENV, stdio: 'ignore' });
      urls.set(pkg, `file://${bare}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return urls;
}

/**
 * Prepared build directories for the example packages without going through render (the
 * upstream specs as they are, the local spec, patches and tarballs): what build tests need.
 */
export function prepareExampleUnits(dest: string, tarballs: readonly Tarball[], only?: readonly string[]): BuildUnit[] {
  const units: BuildUnit[] = [];
  for (const pkg of [...UPSTREAM_PACKAGES, ...LOCAL_PACKAGES]) {
    if (only && !only.includes(pkg)) continue;
    const d = path.join(dest, pkg);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    const src = (UPSTREAM_PACKAGES as readonly string[]).includes(pkg) ? path.join(exampleRoot(), 'upstream', pkg) : path.join(exampleRoot(), 'project', 'local', pkg);
    for (const f of readdirSync(src)) copyFileSync(path.join(src, f), path.join(d, f));
    for (const t of tarballs.filter((x) => x.pkg === pkg)) copyFileSync(t.path, path.join(d, t.file));
    units.push({ name: pkg, dir: d, spec: path.join(d, `${pkg}.spec`), defines: { ...EXAMPLE_MACROS } });
  }
  return units;
}

export interface TestKey {
  readonly secretKeyFile: string;
  readonly publicKeyFile: string;
  readonly fingerprint: string;
}

/** A fresh RSA-3072 signing key without passphrase, exported to files in `dir`. */
export function generateSigningKey(dir: string, uid = 'Strata Example Signing <signing@example.invalid>'): TestKey {
  mkdirSync(dir, { recursive: true });
  const home = mkdtempSync(path.join(tmpdir(), 'strata-keygen-'));
  const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };
  try {
    execFileSync('gpg', ['--batch', '--no-tty', '--passphrase', '', '--quick-gen-key', uid, 'rsa3072', 'sign', 'never'], { env, stdio: 'ignore' });
    const list = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env, encoding: 'utf8' });
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(list)?.[1] ?? '';
    const secretKeyFile = path.join(dir, 'signing-key.asc');
    const publicKeyFile = path.join(dir, 'signing-key.pub.asc');
    writeFileSync(secretKeyFile, execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys', fingerprint], { env }), { mode: 0o600 });
    writeFileSync(publicKeyFile, execFileSync('gpg', ['--batch', '--armor', '--export', fingerprint], { env }));
    return { secretKeyFile, publicKeyFile, fingerprint };
  } finally {
    try {
      execFileSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
    } catch {
      /* no agent */
    }
    rmSync(home, { recursive: true, force: true });
  }
}

export interface TestAttestationKey {
  /** PEM PKCS#8 private key, mode 0600. */
  readonly keyFile: string;
  /** PEM SPKI public key, mode 0644. */
  readonly publicKeyFile: string;
  /** `keyIdOf` the public key (16 upper-case hex digits). */
  readonly keyId: string;
}

/**
 * A fresh attestation key (node:crypto, no passphrase) written to `dir` as
 * `<name>.pem` (0600) and `<name>.pub.pem`: what `[attestation] key-file` names.
 */
export function generateAttestationKey(dir: string, type: 'ed25519' | 'p256' = 'ed25519', name = 'attestation-key'): TestAttestationKey {
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyFile = path.join(dir, `${name}.pem`);
  const publicKeyFile = path.join(dir, `${name}.pub.pem`);
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(keyFile, 0o600); // whatever the umask, and when the file existed already
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return { keyFile, publicKeyFile, keyId: keyIdOf(publicKey) };
}

export function sha256File(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}
