/**
 * PKCS#7 (CMS SignedData, DER) detached signatures over a verity root hash, as the kernel's
 * dm-verity (`root_hash_sig_key_desc`) and systemd (`.roothash.p7s`, the verity-sig partition)
 * check them, behind the `Signer` / `SignatureVerifier` seam with format `pkcs7-der`.
 *
 * What is signed is the lowercase hex root hash, no newline. The signature is the shape
 * `openssl smime -sign -nocerts -noattr -binary -outform der` makes, byte for byte: SignedData
 * version 1, SHA-256, no encapsulated content, no signed attributes, one SignerInfo by issuer and
 * serial number whose signature algorithm is `rsaEncryption` (1.2.840.113549.1.1.1 with NULL
 * parameters) — pkijs writes `sha256WithRSAEncryption`, which Linux 6.1's PKCS#7 parser refuses
 * (-ENOPKG), so it is replaced after signing (the signature bytes do not depend on it). With
 * `embedCertificate` the signer's certificate is included (as systemd-repart does).
 *
 * Verification trusts pinned certificates only (embedded certificates are ignored, as systemd's
 * `PKCS7_NOINTERN`), with no chain or expiry check (as `PKCS7_NOVERIFY`).
 */
import { X509Certificate, createHash, createPrivateKey, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { StrataError, error } from '../diag/index.js';
import { keyIdOf } from '../trust/key-signer.js';
import type { DetachedSignature, Signature, SignatureVerifier, Signer, VerifiedSignature } from '../trust/signer.js';

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ID_DATA = '1.2.840.113549.1.7.1';
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';

function engine(): pkijs.CryptoEngine {
  return new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
}

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function pemToDer(pem: string, label: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(pem);
  if (!m) throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `not a PEM ${label.toLowerCase()}`, { hint: 'give the PEM certificate (openssl req -x509 … -out cert.pem)' }));
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** A certificate: PEM (text or bytes) or DER bytes. */
export type CertificateInput = string | Uint8Array;

export interface PinnedCertificate {
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  /** `keyIdOf` of its public key (upper-case hex, 16 digits). */
  readonly keyId: string;
  /** SHA-256 of the DER, lowercase hex (systemd's `certificateFingerprint`). */
  readonly fingerprint: string;
  readonly subject: string;
}

export function readCertificate(input: CertificateInput): PinnedCertificate {
  let der: Uint8Array;
  let x: X509Certificate;
  try {
    const text = typeof input === 'string' ? input : input[0] === 0x2d ? Buffer.from(input).toString('latin1') : undefined;
    der = text !== undefined ? pemToDer(text, 'CERTIFICATE') : (input as Uint8Array);
    x = new X509Certificate(der);
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `not an X.509 certificate: ${(e as Error).message}`, { hint: 'give the PEM certificate of the layer signing key' }), { cause: e });
  }
  return { der, cert: pkijs.Certificate.fromBER(ab(der)), keyId: keyIdOf(x.publicKey), fingerprint: createHash('sha256').update(der).digest('hex'), subject: x.subject.replaceAll('\n', ', ') };
}

export interface Pkcs7SignerOptions {
  /** PEM private key (PKCS#8 or PKCS#1 RSA). */
  readonly privateKeyPem: string;
  readonly certificate: CertificateInput;
  /** Include the signer's certificate in the SignedData (default false: as `openssl smime -nocerts`). */
  readonly embedCertificate?: boolean;
}

export interface Pkcs7Signer extends Signer {
  readonly certificate: PinnedCertificate;
}

/** A Signer making detached PKCS#7 signatures with an RSA key and its certificate. */
export async function pkcs7Signer(opts: Pkcs7SignerOptions): Promise<Pkcs7Signer> {
  const cert = readCertificate(opts.certificate);
  let keyObj;
  try {
    keyObj = createPrivateKey(opts.privateKeyPem);
  } catch (e) {
    throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `the layer signing key is not a PEM private key: ${(e as Error).message}`, { hint: 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem' }), { cause: e });
  }
  if (keyObj.asymmetricKeyType !== 'rsa') throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `the layer signing key is ${keyObj.asymmetricKeyType ?? keyObj.type}, not RSA`, { hint: 'dm-verity root hash signatures are checked by the kernel: use an RSA key (2048 bits or more)' }));
  const x = new X509Certificate(cert.der);
  if (!x.checkPrivateKey(keyObj)) throw new StrataError(error('LAYER_SIGNING_KEY_INVALID', `the layer signing key is not the key of certificate ${cert.subject}`, { hint: 'give the certificate made for this key' }));
  const crypto = engine();
  const pkcs8 = keyObj.export({ type: 'pkcs8', format: 'der' });
  const key = await crypto.importKey('pkcs8', ab(pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  return {
    certificate: cert,
    async sign(payload: Uint8Array): Promise<Signature> {
      const sd = new pkijs.SignedData({
        version: 1,
        encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: ID_DATA }),
        signerInfos: [
          new pkijs.SignerInfo({
            version: 1,
            sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.cert.issuer, serialNumber: cert.cert.serialNumber }),
          }),
        ],
        ...(opts.embedCertificate ? { certificates: [cert.cert] } : {}),
      });
      await sd.sign(key, 0, 'SHA-256', ab(payload), crypto);
      sd.signerInfos[0]!.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: RSA_ENCRYPTION, algorithmParams: new asn1js.Null() });
      const ci = new pkijs.ContentInfo({ contentType: ID_SIGNED_DATA, content: sd.toSchema(true) });
      return { bytes: new Uint8Array(ci.toSchema().toBER(false)), format: 'pkcs7-der', keyId: cert.keyId };
    },
  };
}

function sameSigner(si: pkijs.SignerInfo, c: PinnedCertificate): boolean {
  if (!(si.sid instanceof pkijs.IssuerAndSerialNumber)) return false;
  return si.sid.issuer.isEqual(c.cert.issuer) && si.sid.serialNumber.isEqual(c.cert.serialNumber);
}

/** The SignedData of a DER ContentInfo (TRUST_SIGNATURE_FORMAT when it is not one). */
export function parsePkcs7(bytes: Uint8Array): pkijs.SignedData {
  try {
    const asn = asn1js.fromBER(ab(bytes));
    if (asn.offset === -1) throw new Error(asn.result.error || 'not DER');
    const ci = new pkijs.ContentInfo({ schema: asn.result });
    if (ci.contentType !== ID_SIGNED_DATA) throw new Error(`content type ${ci.contentType} is not signedData`);
    const sd = new pkijs.SignedData({ schema: ci.content });
    if (sd.signerInfos.length !== 1) throw new Error(`${sd.signerInfos.length} signers (expected one)`);
    return sd;
  } catch (e) {
    throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `not a PKCS#7 detached signature: ${(e as Error).message}`), { cause: e });
  }
}

/** A verifier of `pkcs7-der` signatures by the keys of `certificates` (pinned; embedded ones ignored). */
export function pkcs7Verifier(certificates: readonly CertificateInput[]): SignatureVerifier & { readonly certificates: readonly PinnedCertificate[] } {
  const pinned = certificates.map(readCertificate);
  return {
    certificates: pinned,
    async verify(payload: Uint8Array, sig: DetachedSignature): Promise<VerifiedSignature> {
      if (sig.format !== 'pkcs7-der') throw new StrataError(error('TRUST_SIGNATURE_FORMAT', `a ${sig.format} signature is not a PKCS#7 signature`));
      const sd = parsePkcs7(sig.bytes);
      const si = sd.signerInfos[0]!;
      const cert = pinned.find((c) => sameSigner(si, c));
      if (!cert) {
        const sid = si.sid instanceof pkijs.IssuerAndSerialNumber ? `issuer ${si.sid.issuer.typesAndValues.map((t) => t.value.valueBlock.value).join(', ')}, serial ${Buffer.from(si.sid.serialNumber.valueBlock.valueHexView).toString('hex')}` : 'a subject key identifier';
        throw new StrataError(error('TRUST_SIGNATURE_UNKNOWN_KEY', `the PKCS#7 signature was made by ${sid}, which is not among the trusted certificates`));
      }
      sd.certificates = [cert.cert];
      let ok: boolean;
      try {
        ok = (await sd.verify({ signer: 0, data: ab(payload), checkChain: false, extendedMode: false }, engine())) as unknown as boolean;
      } catch (e) {
        const msg = e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String((e as { message: unknown }).message) : String(e);
        throw new StrataError(error('TRUST_SIGNATURE_INVALID', `the PKCS#7 signature does not verify: ${msg}`), { cause: e });
      }
      if (!ok) throw new StrataError(error('TRUST_SIGNATURE_INVALID', `the PKCS#7 signature of ${cert.subject} does not verify: the root hash or the signature was altered`));
      return { keyId: cert.keyId };
    },
  };
}
