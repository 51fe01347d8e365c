/**
 * In-process verification of one RPM package as named steps (sigstore-js style): each step
 * either passes or yields a coded problem. Digests: SHA256HEADER/SHA1HEADER over the main
 * header, PAYLOADDIGEST over the compressed payload, the legacy MD5 and SIZE over header +
 * payload. Signature: the OpenPGP RSAHEADER/DSAHEADER signature over the main header, checked
 * with openpgp.js against the given public keys (no gpg, no rpmdb).
 */
import { createHash } from 'node:crypto';
import type { Key } from 'openpgp';
import type { DiagnosticCode } from '../diag/index.js';
import { SigTag, Tag, type RpmPackage } from './rpm-header.js';

export interface RpmProblem {
  readonly code: DiagnosticCode;
  readonly message: string;
}

export interface RpmSignatureInfo {
  readonly keyId: string;
  readonly algorithm: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Every digest the package carries, recomputed. */
export function checkRpmDigests(pkg: RpmPackage): RpmProblem[] {
  const problems: RpmProblem[] = [];
  const sig = pkg.signature;
  const header = pkg.header.bytes;
  const payload = pkg.bytes.subarray(pkg.payloadOffset);
  const s256 = sig.string(SigTag.SHA256HEADER);
  const s1 = sig.string(SigTag.SHA1HEADER);
  if (!s256 && !s1) problems.push({ code: 'RPM_NO_HEADER_DIGEST', message: 'the signature header has no header digest (SHA256HEADER/SHA1HEADER)' });
  if (s256 && createHash('sha256').update(header).digest('hex') !== s256) problems.push({ code: 'RPM_HEADER_DIGEST_MISMATCH', message: 'SHA256 header digest does not match: the header was modified' });
  if (s1 && createHash('sha1').update(header).digest('hex') !== s1) problems.push({ code: 'RPM_HEADER_DIGEST_MISMATCH', message: 'SHA1 header digest does not match: the header was modified' });
  const pd = pkg.header.strings(Tag.PAYLOADDIGEST)[0];
  if (pd) {
    const algo = pkg.header.numbers(Tag.PAYLOADDIGESTALGO)[0] ?? 8;
    const name = algo === 8 ? 'sha256' : algo === 10 ? 'sha512' : algo === 9 ? 'sha384' : algo === 2 ? 'sha1' : undefined;
    if (!name) problems.push({ code: 'RPM_UNKNOWN_DIGEST', message: `payload digest algorithm ${algo} is not supported` });
    else if (createHash(name).update(payload).digest('hex') !== pd) problems.push({ code: 'RPM_PAYLOAD_DIGEST_MISMATCH', message: 'payload digest does not match: the payload was modified' });
  }
  const md5 = sig.bin(SigTag.MD5);
  if (md5 && createHash('md5').update(header).update(payload).digest('hex') !== hex(md5)) problems.push({ code: 'RPM_MD5_MISMATCH', message: 'MD5 over header and payload does not match' });
  const size = sig.numbers(SigTag.SIZE)[0] ?? sig.numbers(SigTag.LONGSIZE)[0];
  if (size !== undefined && size !== header.length + payload.length) problems.push({ code: 'RPM_SIZE_MISMATCH', message: `header+payload size is ${header.length + payload.length}, the signature header says ${size}` });
  return problems;
}

/** Verify the header signature. Returns the signing key on success, a problem otherwise. */
export async function checkRpmSignature(pkg: RpmPackage, keys: readonly Key[]): Promise<{ ok: true; info: RpmSignatureInfo } | { ok: false; problem: RpmProblem }> {
  const rsa = pkg.signature.bin(SigTag.RSAHEADER);
  const dsa = pkg.signature.bin(SigTag.DSAHEADER);
  const sigBytes = rsa ?? dsa;
  if (!sigBytes) return { ok: false, problem: { code: 'RPM_UNSIGNED', message: 'the package has no header signature (RSAHEADER/DSAHEADER)' } };
  const openpgp = await import('openpgp');
  let signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: sigBytes });
  } catch (e) {
    return { ok: false, problem: { code: 'RPM_BAD_SIGNATURE', message: `the header signature cannot be read: ${(e as Error).message}` } };
  }
  const message = await openpgp.createMessage({ binary: pkg.header.bytes });
  const signer = signature.getSigningKeyIDs().map((k) => k.toHex().toUpperCase());
  if (!keys.some((k) => k.getKeys().some((sk) => signer.includes(sk.getKeyID().toHex().toUpperCase())))) {
    return { ok: false, problem: { code: 'RPM_SIGNATURE_UNKNOWN_KEY', message: `signed by key ${signer.join(', ')}, which is not among the trusted keys` } };
  }
  try {
    const res = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary' });
    const first = res.signatures[0];
    if (!first) return { ok: false, problem: { code: 'RPM_BAD_SIGNATURE', message: 'no signature to verify' } };
    await first.verified;
    return { ok: true, info: { keyId: first.keyID.toHex().toUpperCase(), algorithm: rsa ? 'RSAHEADER' : 'DSAHEADER' } };
  } catch (e) {
    return { ok: false, problem: { code: 'RPM_BAD_SIGNATURE', message: `header signature does not verify: ${(e as Error).message}` } };
  }
}
