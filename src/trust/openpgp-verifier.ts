/**
 * Verification of OpenPGP detached signatures with OpenPGP.js (no gpg, no keyring): what the
 * GnuPG signer writes, checked in process.
 */
import type { Key } from 'openpgp';
import { StrataError, error } from '../diag/index.js';
import type { DetachedSignature, SignatureVerifier, VerifiedSignature } from './signer.js';

/** Read armored or binary OpenPGP public keys. */
export async function readPublicKeys(data: Uint8Array): Promise<Key[]> {
  const openpgp = await import('openpgp');
  const text = Buffer.from(data).toString('utf8');
  if (text.includes('-----BEGIN PGP')) return openpgp.readKeys({ armoredKeys: text });
  return openpgp.readKeys({ binaryKeys: data });
}

/** The 16-digit key ids (primary and subkeys) of `keys`, upper case. */
function keyIdsOf(keys: readonly Key[]): Set<string> {
  return new Set(keys.flatMap((k) => k.getKeys().map((sk) => sk.getKeyID().toHex().toUpperCase())));
}

/** A verifier of OpenPGP detached signatures (armored or binary) made by one of `keys`. */
export function openPgpVerifier(keys: readonly Key[]): SignatureVerifier {
  const trusted = keyIdsOf(keys);
  return {
    async verify(payload: Uint8Array, sig: DetachedSignature): Promise<VerifiedSignature> {
      if (sig.format !== 'openpgp-armored' && sig.format !== 'openpgp-binary') {
        throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `an OpenPGP verifier cannot check a ${sig.format} signature`));
      }
      const openpgp = await import('openpgp');
      let signature;
      try {
        signature = sig.format === 'openpgp-armored' ? await openpgp.readSignature({ armoredSignature: Buffer.from(sig.bytes).toString('utf8') }) : await openpgp.readSignature({ binarySignature: sig.bytes });
      } catch (e) {
        throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `not an OpenPGP signature: ${(e as Error).message}`), { cause: e });
      }
      const signers = signature.getSigningKeyIDs().map((k) => k.toHex().toUpperCase());
      if (!signers.some((id) => trusted.has(id))) {
        throw new StrataError(error('TRUST_SIGNATURE_UNKNOWN_KEY', `signed by key ${signers.join(', ') || '(none)'}, which is not among the trusted keys`));
      }
      const message = await openpgp.createMessage({ binary: payload });
      try {
        const res = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary' });
        const first = res.signatures[0];
        if (!first) throw new Error('no signature found');
        await first.verified;
        return { keyId: first.keyID.toHex().toUpperCase() };
      } catch (e) {
        throw new StrataError(error('TRUST_SIGNATURE_INVALID', `the signature does not verify: ${(e as Error).message}`), { cause: e });
      }
    },
  };
}
