/**
 * The signing seam: whatever signs (the project's GnuPG key for repomd.xml, a node:crypto key
 * for attestations) does so through one method, and each kind of signature comes with the
 * verifier that checks it. Callers that only need a detached signature see only `Signer`.
 */

/** How the bytes of a `Signature` are to be read. */
export type SignatureFormat =
  /** An OpenPGP detached signature, ASCII-armored (repomd.xml.asc). */
  | 'openpgp-armored'
  /** An OpenPGP detached signature, binary. */
  | 'openpgp-binary'
  /** A raw Ed25519 signature over the payload (64 bytes). */
  | 'ed25519'
  /** A DER-encoded ECDSA P-256 signature over the SHA-256 of the payload. */
  | 'ecdsa-p256-sha256'
  /** A detached PKCS#7 (CMS SignedData) signature, DER: dm-verity root hash signatures (`.roothash.p7s`). */
  | 'pkcs7-der';

export interface Signature {
  readonly bytes: Uint8Array;
  readonly format: SignatureFormat;
  /** Upper-case hex id of the signing key (OpenPGP: the 16-digit key id; node keys: see `keyIdOf`). */
  readonly keyId: string;
}

export interface SignOptions {
  /** Signature creation time in seconds since the epoch, where the format records one (OpenPGP). */
  readonly time?: number;
}

/** Signs a payload. One method: anything that can produce a detached signature is a Signer. */
export interface Signer {
  sign(payload: Uint8Array, options?: SignOptions): Promise<Signature>;
}

/** A signature to check: as a Signer made it, or read from a file (where the key id may be unknown). */
export interface DetachedSignature {
  readonly bytes: Uint8Array;
  readonly format: SignatureFormat;
  /** When known: OpenPGP signatures name their key themselves; raw node:crypto signatures need it to pick the key. */
  readonly keyId?: string;
}

export interface VerifiedSignature {
  /** The key that made the signature (upper-case hex). */
  readonly keyId: string;
}

/**
 * Checks a detached signature over `payload` against the keys it trusts. Throws a StrataError
 * (TRUST_SIGNATURE_FORMAT, TRUST_SIGNATURE_UNKNOWN_KEY, TRUST_SIGNATURE_INVALID) when it does not verify.
 */
export interface SignatureVerifier {
  verify(payload: Uint8Array, signature: DetachedSignature): Promise<VerifiedSignature>;
}
