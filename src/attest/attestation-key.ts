/**
 * The project's attestation key (`[attestation]` in the project config), read through the
 * FileSystem adapter: a PEM private key (PKCS#8; node also reads SEC1 EC keys) of type Ed25519 or
 * ECDSA P-256 that only its owner can read, its public half (from `public-key-file`, which must
 * match, or derived), and the extra public keys (`trusted-keys`) verification accepts.
 *
 * Every problem is a coded diagnostic at the line of the value that names the file (the
 * `[attestation]` table when no value does), with the table as related information; problems
 * of different files are reported together.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { FileSystem, FileStat } from '../adapters/types.js';
import type { AttestationConfig } from '../config/types.js';
import { StrataError, error, type Diagnostic, type DiagnosticCode, type SourceSpan } from '../diag/index.js';
import { keyIdOf, keySigner, keyVerifier } from '../trust/key-signer.js';
import type { SignatureVerifier, Signer } from '../trust/signer.js';

export interface AttestationKey {
  /** Signs with the private key (envelope keyid = `keyId`). */
  readonly signer: Signer;
  /** Accepts signatures of the project key and of every `trusted-keys` key. */
  readonly verifier: SignatureVerifier;
  /** `keyIdOf` the project public key (16 upper-case hex digits). */
  readonly keyId: string;
  /** The project public key, PEM SPKI: what to publish beside the attestations. */
  readonly publicKeyPem: string;
  /** Key ids of the `trusted-keys`, in config order. */
  readonly trustedKeyIds: readonly string[];
}

const GENERATE = 'generate one with `openssl genpkey -algorithm ed25519 -out attestation-key.pem` (or -algorithm EC -pkeyopt ec_paramgen_curve:P-256), then chmod 600 it';

/** 'ed25519' | 'p256', or a description of the unsupported type. */
function keyType(key: KeyObject): { ok: true } | { ok: false; what: string } {
  if (key.asymmetricKeyType === 'ed25519') return { ok: true };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { ok: true };
  const t = key.asymmetricKeyType;
  return { ok: false, what: t === 'ec' ? `an EC key on curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}` : t === 'rsa' || t === 'rsa-pss' ? 'an RSA key' : `a ${t ?? 'symmetric'} key` };
}

async function statFollowing(fs: FileSystem, p: string): Promise<FileStat | undefined> {
  const st = await fs.stat(p);
  if (!st?.isSymbolicLink) return st;
  // a key file is often a link into a secrets mount: follow it
  return fs.stat(await fs.realpath(p)).catch(() => undefined);
}

/** Load, check and wrap the `[attestation]` keys. Throws a StrataError with every problem found. */
export async function loadAttestationKey(fs: FileSystem, cfg: AttestationConfig): Promise<AttestationKey> {
  const problems: Diagnostic[] = [];
  const related = [{ message: 'in this [attestation] table', span: cfg.definedAt }];
  const report = (code: DiagnosticCode, message: string, at: SourceSpan | undefined, hint: string) => problems.push(error(code, message, { span: at ?? cfg.definedAt, hint, ...(at ? { related } : {}) }));

  /** The file's text, or undefined after reporting why it cannot be used. */
  const readKeyFile = async (file: string, what: string, at: SourceSpan | undefined, secret: boolean): Promise<string | undefined> => {
    const st = await statFollowing(fs, file);
    if (st?.isDirectory) return void report('ATTEST_KEY_MISSING', `${what} ${file} is a directory`, at, 'name the PEM file itself');
    if (!st?.isFile) return void report('ATTEST_KEY_MISSING', `${what} ${file} does not exist`, at, secret ? GENERATE : 'export it with `openssl pkey -in attestation-key.pem -pubout -out attestation-key.pub.pem`');
    if (secret && (st.mode & 0o077) !== 0) return void report('ATTEST_KEY_PERMISSIONS', `${what} ${file} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: group or others can read the private key`, at, `chmod 600 ${file}`);
    return fs.readText(file);
  };

  /** A supported public key from PEM text, or undefined after reporting. */
  const publicKeyFrom = (text: string, file: string, what: string, at: SourceSpan | undefined): KeyObject | undefined => {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return void report('ATTEST_KEY_INVALID', `${what} ${file} holds a private key, not a public key`, at, 'publish only the public half: `openssl pkey -in KEY.pem -pubout`');
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch (e) {
      return void report('ATTEST_KEY_INVALID', `${what} ${file} is not a PEM public key (${(e as Error).message})`, at, 'a public key file is PEM SPKI: -----BEGIN PUBLIC KEY-----');
    }
    const t = keyType(key);
    if (!t.ok) return void report('ATTEST_KEY_INVALID', `${what} ${file} is ${t.what}, which cannot verify attestations here`, at, 'attestation keys are Ed25519 or ECDSA P-256');
    return key;
  };

  let privateKey: KeyObject | undefined;
  if (!cfg.keyFile) report('ATTEST_KEY_MISSING', 'the [attestation] table has no key-file', undefined, 'add key-file = "keys/attestation-key.pem" (a PEM Ed25519 or ECDSA P-256 private key) to [attestation]');
  else {
    const at = cfg.origins.get('key-file');
    const text = await readKeyFile(cfg.keyFile, 'attestation key file', at, true);
    if (text !== undefined) {
      try {
        privateKey = createPrivateKey(text);
      } catch (e) {
        const msg = (e as Error).message;
        const pub = /-----BEGIN PUBLIC KEY-----/.test(text);
        report('ATTEST_KEY_INVALID', `attestation key file ${cfg.keyFile} is not a PEM private key (${pub ? 'it holds a public key' : /passphrase/i.test(msg) ? 'it is encrypted' : msg})`, at, pub ? 'key-file names the private key; the public key goes in public-key-file' : /passphrase/i.test(msg) ? 'store the key without a passphrase (openssl pkey -in KEY.pem -out plain.pem), mode 0600' : GENERATE);
      }
      const t = privateKey && keyType(privateKey);
      if (t && !t.ok) {
        report('ATTEST_KEY_INVALID', `attestation key file ${cfg.keyFile} is ${t.what}, which is not supported here`, at, `attestation keys are Ed25519 or ECDSA P-256: ${GENERATE}`);
        privateKey = undefined;
      }
    }
  }

  const derived = privateKey && createPublicKey(privateKey);
  let publicKey = derived;
  if (cfg.publicKeyFile) {
    const at = cfg.origins.get('public-key-file');
    const text = await readKeyFile(cfg.publicKeyFile, 'attestation public key file', at, false);
    const given = text === undefined ? undefined : publicKeyFrom(text, cfg.publicKeyFile, 'attestation public key file', at);
    if (given && derived && !given.equals(derived)) {
      report('ATTEST_KEY_MISMATCH', `attestation public key file ${cfg.publicKeyFile} (key ${keyIdOf(given)}) is not the public half of ${cfg.keyFile} (key ${keyIdOf(derived)})`, at, 'write it again from the private key: `openssl pkey -in KEY.pem -pubout -out PUB.pem`, or drop public-key-file to derive it');
      publicKey = undefined;
    }
  }

  const trusted: KeyObject[] = [];
  for (const [i, file] of cfg.trustedKeys.entries()) {
    const at = cfg.origins.get(`trusted-keys[${i}]`) ?? cfg.origins.get('trusted-keys');
    const text = await readKeyFile(file, 'trusted attestation key', at, false);
    const key = text === undefined ? undefined : publicKeyFrom(text, file, 'trusted attestation key', at);
    if (key) trusted.push(key);
  }

  if (problems.length || !privateKey || !publicKey) throw new StrataError(problems.length ? problems : error('ATTEST_KEY_INVALID', 'the attestation key cannot be used', { span: cfg.definedAt }));
  return {
    signer: keySigner(privateKey),
    verifier: keyVerifier([publicKey, ...trusted]),
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    trustedKeyIds: trusted.map(keyIdOf),
  };
}
