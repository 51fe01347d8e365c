/**
 * A signer over a node:crypto key (Ed25519, or ECDSA P-256 with SHA-256) and its verifier:
 * the key material attestations (DSSE) are signed with. No process, no keyring.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { StrataError, error } from '../diag/index.js';
import type { DetachedSignature, Signature, SignatureFormat, SignatureVerifier, Signer, VerifiedSignature } from './signer.js';

/** The signature format a key produces; undefined for key types this signer does not support. */
function formatOf(key: KeyObject): SignatureFormat | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256-sha256';
  return undefined;
}

function checkedFormat(key: KeyObject): SignatureFormat {
  const format = formatOf(key);
  if (!format) throw new StrataError(error('TRUST_KEY_UNSUPPORTED', `a ${key.asymmetricKeyType ?? key.type} key cannot sign here`, { hint: 'use an Ed25519 or an ECDSA P-256 key' }));
  return format;
}

/** The key id of a public key: the first 16 hex digits (upper case) of the SHA-256 of its SPKI DER form. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16).toUpperCase();
}

/** A Signer over `privateKey` (a KeyObject, or a PEM private key). */
export function keySigner(privateKey: KeyObject | string): Signer {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const format = checkedFormat(key);
  const keyId = keyIdOf(createPublicKey(key));
  return {
    async sign(payload: Uint8Array): Promise<Signature> {
      const bytes = sign(format === 'ed25519' ? null : 'sha256', payload, key);
      return { bytes: new Uint8Array(bytes), format, keyId };
    },
  };
}

/** A verifier of signatures made with the private half of one of `publicKeys` (KeyObjects or PEM). */
export function keyVerifier(publicKeys: readonly (KeyObject | string)[]): SignatureVerifier {
  const byId = new Map<string, KeyObject>();
  for (const k of publicKeys) {
    const key = typeof k === 'string' ? createPublicKey(k) : k;
    checkedFormat(key);
    byId.set(keyIdOf(key), key);
  }
  return {
    async verify(payload: Uint8Array, sig: DetachedSignature): Promise<VerifiedSignature> {
      // A raw signature names no key: without a key id, every trusted key of its format is tried.
      const candidates = sig.keyId === undefined ? [...byId].filter(([, k]) => formatOf(k) === sig.format) : [...byId].filter(([id]) => id === sig.keyId!.toUpperCase());
      if (!candidates.length) throw new StrataError(error('TRUST_SIGNATURE_UNKNOWN_KEY', `signed by key ${sig.keyId ?? `(unnamed, ${sig.format})`}, which is not among the trusted keys`));
      for (const [id, key] of candidates) {
        const format = checkedFormat(key);
        if (sig.format !== format) throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `key ${id} makes ${format} signatures, not ${sig.format}`));
        let ok: boolean;
        try {
          ok = verify(format === 'ed25519' ? null : 'sha256', payload, key, sig.bytes);
        } catch (e) {
          throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `not a ${format} signature: ${(e as Error).message}`), { cause: e });
        }
        if (ok) return { keyId: id };
      }
      throw new StrataError(error('TRUST_SIGNATURE_INVALID', `the ${sig.format} signature${sig.keyId ? ` of key ${sig.keyId}` : ''} does not verify`));
    },
  };
}
