/**
 * The project's OpenPGP signing key in an isolated GnuPG home (never the user's keyring), and
 * the two signing operations publishing needs: `rpmsign --addsign` over packages and a detached
 * armored signature of repomd.xml. Signature times are pinned (`--faked-system-time`) so that
 * publishing the same packages twice gives the same bytes.
 */
import * as path from 'node:path';
import { StrataError, error, type SourceSpan } from '../diag/index.js';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';

export interface SigningKeyOptions {
  /** Armored (or binary) secret key to import into a fresh GnuPG home. */
  readonly keyFile?: string;
  /** Use this existing GnuPG home instead of importing. */
  readonly gpgHome?: string;
  /** Pick this key (fingerprint or long key id) when there are several. */
  readonly keyId?: string;
  /** The `[signing]` table: where SIGN_NO_KEY points. */
  readonly definedAt?: SourceSpan;
  /** The `key-file` (or `gpg-home`) value: where problems with the key file point. */
  readonly keyFileAt?: SourceSpan;
  /** The `key-id` value: where SIGN_KEY_NOT_FOUND points when a key id was asked for. */
  readonly keyIdAt?: SourceSpan;
}

export interface SigningKey {
  readonly gpgHome: string;
  readonly fingerprint: string;
  readonly uid: string;
  /** Creation time of the signing key (seconds). */
  readonly created: number;
  readonly publicKeyArmored: string;
  /** Removes the temporary GnuPG home (and stops its agent). */
  dispose(): Promise<void>;
}

function keyError(code: string, message: string, o: SigningKeyOptions, hint: string, at: 'table' | 'key-file' | 'key-id' = 'key-file'): StrataError {
  const span = (at === 'key-id' ? o.keyIdAt : undefined) ?? (at !== 'table' ? o.keyFileAt : undefined) ?? o.definedAt;
  return new StrataError(error(code, message, { ...(span ? { span } : {}), hint }));
}

export async function loadSigningKey(fs: FileSystem, proc: ProcessRunner, o: SigningKeyOptions): Promise<SigningKey> {
  let home = o.gpgHome;
  let temp = false;
  if (!home) {
    if (!o.keyFile) throw keyError('SIGN_NO_KEY', 'no signing key is configured', o, 'add a [signing] table with key-file = "path/to/secret-key.asc" (a Strata extension) to the project', 'table');
    // a key file is often a link into a secrets mount: follow it
    const keySt = await fs.stat(o.keyFile).then(async (st) => (st?.isSymbolicLink ? fs.stat(await fs.realpath(o.keyFile!)).catch(() => undefined) : st));
    if (keySt?.isDirectory) throw keyError('SIGN_KEY_MISSING', `signing key file ${o.keyFile} is a directory`, o, 'key-file names the exported secret key file (gpg --armor --export-secret-keys KEYID > key.asc)');
    if (!keySt?.isFile) throw keyError('SIGN_KEY_MISSING', `signing key file ${o.keyFile} does not exist`, o, 'generate one with `gpg --quick-gen-key` and export it with `gpg --armor --export-secret-keys`');
    // Short path: gpg-agent's socket path must stay under 108 bytes.
    home = await fs.mkdtemp('strata-gpg-');
    temp = true;
  }
  const env = { GNUPGHOME: home, LC_ALL: 'C' };
  const gpg = (args: string[], input?: string) => proc.run('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, ...(input !== undefined ? { input } : {}) });
  const dispose = async () => {
    if (!temp) return;
    await proc.run('gpgconf', ['--kill', 'all'], { env }).catch(() => undefined);
    await fs.remove(home!);
  };
  try {
    if (o.keyFile && temp) {
      const imp = await gpg(['--import', o.keyFile]);
      if (imp.code !== 0) throw keyError('SIGN_KEY_IMPORT', `cannot import signing key ${o.keyFile}: ${imp.stderr.trim().split('\n').pop()}`, o, 'key-file must hold an OpenPGP secret key without a passphrase (armored or binary)');
    }
    const list = await gpg(['--with-colons', '--fixed-list-mode', '--list-secret-keys']);
    const keys: { fpr: string; created: number; uid: string }[] = [];
    let cur: { fpr: string; created: number; uid: string } | undefined;
    let wantFpr = false;
    for (const line of list.stdout.split('\n')) {
      const f = line.split(':');
      if (f[0] === 'sec') {
        cur = { fpr: '', created: Number(f[5] ?? 0), uid: '' };
        keys.push(cur);
        wantFpr = true;
      } else if (f[0] === 'ssb') wantFpr = false;
      else if (f[0] === 'fpr' && cur && wantFpr && !cur.fpr) cur.fpr = f[9] ?? '';
      else if (f[0] === 'uid' && cur && !cur.uid) cur.uid = (f[9] ?? '').replace(/\\x3a/g, ':');
    }
    const want = o.keyId?.toUpperCase().replace(/^0X/, '');
    const key = want ? keys.find((k) => k.fpr.toUpperCase().endsWith(want)) : keys[0];
    if (!key) throw keyError('SIGN_KEY_NOT_FOUND', want ? `no secret key ${o.keyId} in the signing keyring` : 'the signing keyring holds no secret key', o, 'check key-file / key-id in the [signing] table', want ? 'key-id' : 'key-file');
    const pub = await gpg(['--armor', '--export', key.fpr]);
    if (pub.code !== 0 || !pub.stdout.includes('BEGIN PGP PUBLIC KEY')) throw keyError('SIGN_KEY_EXPORT', `cannot export the public key of ${key.fpr}`, o, 'check the GnuPG home');
    return { gpgHome: home, fingerprint: key.fpr, uid: key.uid, created: key.created, publicKeyArmored: pub.stdout, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/**
 * Split `files` into consecutive batches of at most `maxFiles` names and `maxBytes` bytes of
 * argument text each (a name longer than the budget gets a batch of its own), in order, so that
 * one command per batch stays far below the kernel's argument-length limit (ARG_MAX, and
 * MAX_ARG_STRLEN per string) however many packages a channel holds.
 */
export function batchArgs(files: readonly string[], maxFiles = 200, maxBytes = 64 * 1024): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const n = Buffer.byteLength(f) + 1;
    if (cur.length && (cur.length >= maxFiles || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Sign packages in place with rpmsign (header signature), at a pinned signature time. One
 * rpmsign call per batch of `batchArgs(files)`, in the given order: the result does not depend
 * on the batching (each package's signature depends only on that package, the key and the time).
 */
export async function signRpms(proc: ProcessRunner, key: SigningKey, files: readonly string[], signTime: number): Promise<void> {
  if (!files.length) return;
  const t = Math.max(signTime, key.created);
  for (const batch of batchArgs(files)) {
    const r = await proc.run(
      'rpmsign',
      [
        '--addsign',
        '--define', '__gpg /usr/bin/gpg',
        '--define', `_gpg_name ${key.fingerprint}`,
        '--define', `_gpg_path ${key.gpgHome}`,
        '--define', '_gpg_digest_algo sha256',
        '--define', `_gpg_sign_cmd_extra_args --faked-system-time ${t}! --pinentry-mode loopback --passphrase ''`,
        ...batch,
      ],
      { env: { GNUPGHOME: key.gpgHome, LC_ALL: 'C' } },
    );
    if (r.code !== 0) {
      throw new StrataError(error('SIGN_RPM_FAILED', `rpmsign failed: ${r.stderr.trim().split('\n').filter((l) => /error/i.test(l)).join('; ') || r.stderr.trim()}`, { hint: 'the signing key must be usable without a passphrase; rpmsign uses /usr/bin/gpg' }));
    }
  }
}

/** Write `<file>.asc`, an armored detached signature, at a pinned signature time. */
export async function signDetached(proc: ProcessRunner, key: SigningKey, file: string, signTime: number): Promise<string> {
  const out = `${file}.asc`;
  const t = Math.max(signTime, key.created);
  const r = await proc.run('gpg', ['--batch', '--no-tty', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--faked-system-time', `${t}!`, '--digest-algo', 'SHA256', '-u', key.fingerprint, '--armor', '--detach-sign', '-o', out, file], { env: { GNUPGHOME: key.gpgHome, LC_ALL: 'C' } });
  if (r.code !== 0) throw new StrataError(error('SIGN_METADATA_FAILED', `cannot sign ${path.basename(file)}: ${r.stderr.trim()}`));
  return out;
}
