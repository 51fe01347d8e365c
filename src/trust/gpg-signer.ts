/**
 * The project's OpenPGP signing key in an isolated GnuPG home (never the user's keyring), run
 * through the ProcessRunner adapter. `loadGpgKey` imports the key (or opens a configured home)
 * and returns a `GpgKey`: its `signer` makes detached signatures (repomd.xml.asc), and the home
 * and fingerprint it exposes are what rpmsign needs to sign packages with the same key.
 * Signature times are pinned (`--faked-system-time`) so that signing the same bytes twice at the
 * same time gives the same signature.
 */
import { StrataError, error, type DiagnosticCode, type SourceSpan } from '../diag/index.js';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import type { Signature, SignOptions, Signer } from './signer.js';

export interface GpgKeyOptions {
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

/** What rpmsign needs to sign with the key: its GnuPG home, its fingerprint, and its creation time (no signature may predate it). */
export interface GpgKeyHome {
  readonly gpgHome: string;
  readonly fingerprint: string;
  /** Creation time of the signing key (seconds). */
  readonly created: number;
}

export interface GpgKey extends GpgKeyHome {
  readonly uid: string;
  readonly publicKeyArmored: string;
  /** Armored detached signatures by this key. */
  readonly signer: Signer;
  /** Removes the temporary GnuPG home (and stops its agent). */
  dispose(): Promise<void>;
}

function keyError(code: DiagnosticCode, message: string, o: GpgKeyOptions, hint: string, at: 'table' | 'key-file' | 'key-id' = 'key-file'): StrataError {
  const span = (at === 'key-id' ? o.keyIdAt : undefined) ?? (at !== 'table' ? o.keyFileAt : undefined) ?? o.definedAt;
  return new StrataError(error(code, message, { ...(span ? { span } : {}), hint }));
}

const GPG_BATCH = ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];

export async function loadGpgKey(fs: FileSystem, proc: ProcessRunner, o: GpgKeyOptions): Promise<GpgKey> {
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
  const gpgHome = home;
  const env = { GNUPGHOME: gpgHome, LC_ALL: 'C' };
  const gpg = (args: string[]) => proc.run('gpg', [...GPG_BATCH, ...args], { env });
  const dispose = async () => {
    if (!temp) return;
    await proc.run('gpgconf', ['--kill', 'all'], { env }).catch(() => undefined);
    await fs.remove(gpgHome);
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
    const home: GpgKeyHome = { gpgHome, fingerprint: key.fpr, created: key.created };
    return { ...home, uid: key.uid, publicKeyArmored: pub.stdout, signer: gpgSigner(proc, home), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/**
 * Armored detached signatures (SHA-256) by the key in `home`, made by gpg over the payload on
 * its standard input, at `options.time` (never before the key's creation; default: the key's
 * creation time, so that signatures never depend on the clock).
 */
export function gpgSigner(proc: ProcessRunner, home: GpgKeyHome): Signer {
  return {
    async sign(payload: Uint8Array, options: SignOptions = {}): Promise<Signature> {
      const t = Math.max(options.time ?? home.created, home.created);
      const r = await proc.run('gpg', [...GPG_BATCH, '--faked-system-time', `${t}!`, '--digest-algo', 'SHA256', '-u', home.fingerprint, '--armor', '--detach-sign', '-o', '-'], { env: { GNUPGHOME: home.gpgHome, LC_ALL: 'C' }, input: payload });
      if (r.code !== 0 || !r.stdout.includes('BEGIN PGP SIGNATURE')) throw new StrataError(error('SIGN_METADATA_FAILED', r.stderr.trim() || `gpg exited with ${r.code}`));
      const openpgp = await import('openpgp');
      const sig = await openpgp.readSignature({ armoredSignature: r.stdout });
      const keyId = sig.getSigningKeyIDs()[0]?.toHex().toUpperCase() ?? home.fingerprint.slice(-16);
      return { bytes: new TextEncoder().encode(r.stdout), format: 'openpgp-armored', keyId };
    },
  };
}
