/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse, v1.0) over the signing seam of
 * `src/trust`: `signEnvelope` signs the pre-authentication encoding (`pae`) of a payload with any
 * `Signer`, and `verifyEnvelope` checks an envelope with a `SignatureVerifier` in the order the
 * protocol prescribes — decode, pick the key by keyid, verify the signature over the PAE, then
 * reject a payload type the caller does not expect — and hands back the bytes it verified: the
 * envelope's `payload` is never read again after its signature was checked.
 *
 * The same checks are available as named steps (`envelopeParsedStep` → `envelopeSignatureStep`
 * → `payloadTypeStep`, or `runEnvelopeSteps`) for a larger `VerifyRun` chain; the caller adds
 * the step that parses the verified payload (e.g. `statement parsed`).
 */
import { StrataError, error, positionAt, type DiagnosticCode, type SourceSpan } from '../diag/index.js';
import type { DetachedSignature, SignatureFormat, SignatureVerifier, Signer } from '../trust/signer.js';
import { isBroken, step, type Link, type VerifyRun, type VerifyStep } from '../trust/verify-steps.js';

/** The payload type of an in-toto Statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  /** Unauthenticated hint naming the key (Strata writes `keyIdOf` of the signing key). Absent or empty: no hint. */
  readonly keyid?: string;
  /** Base64 of the signature over `pae(payloadType, payload)`. */
  readonly sig: string;
}

export interface DsseEnvelope {
  /** Base64 (standard or URL-safe) of the payload bytes. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

/** What `verifyEnvelope` established: the verified payload bytes, their type and the key that signed them. */
export interface VerifiedPayload {
  readonly payloadType: string;
  /** The bytes the signature covers (decoded once, before verification). */
  readonly payload: Uint8Array;
  /** The key that made the signature that verified (upper-case hex, as the verifier names it). */
  readonly keyId: string;
}

export interface VerifyEnvelopeOptions {
  /** The payload types the caller accepts (e.g. `[IN_TOTO_PAYLOAD_TYPE]`); any other is ATTEST_PAYLOAD_TYPE. */
  readonly payloadTypes: readonly string[];
  /** The envelope's file, for the diagnostics' spans. */
  readonly file?: string;
}

const encoder = new TextEncoder();

/** `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, with LEN the decimal byte length. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} `);
  const mid = encoder.encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + mid.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  out.set(payload, head.length + type.length + mid.length);
  return out;
}

const toBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Sign `payload` as `payloadType`: an envelope with one signature, whose keyid is the signer's key id. */
export async function signEnvelope(signer: Signer, payloadType: string, payload: Uint8Array): Promise<DsseEnvelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return { payload: toBase64(payload), payloadType, signatures: [{ keyid: sig.keyId, sig: toBase64(sig.bytes) }] };
}

/** The envelope as one line of JSON (no newline), fields in a fixed order: a line of an `.intoto.jsonl` file. */
export function serializeEnvelope(env: DsseEnvelope): string {
  return JSON.stringify({ payload: env.payload, payloadType: env.payloadType, signatures: env.signatures.map((s) => (s.keyid === undefined ? { sig: s.sig } : { keyid: s.keyid, sig: s.sig })) });
}

const spanOf = (file: string | undefined, text?: string, offset?: number): { span?: SourceSpan } => {
  if (file === undefined) return {};
  if (text === undefined || offset === undefined) return { span: { file, line: 1, col: 1 } };
  return { span: { file, ...positionAt(text, offset), offset } };
};

function fail(code: DiagnosticCode, message: string, file: string | undefined, hint: string, text?: string, offset?: number, cause?: unknown): StrataError {
  return new StrataError(error(code, message, { ...spanOf(file, text, offset), hint }), cause === undefined ? undefined : { cause });
}

/** Standard or URL-safe base64, padded or not (DSSE verifiers must accept both alphabets). */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
function isBase64(s: string): boolean {
  return BASE64.test(s) && s.replace(/=+$/, '').length % 4 !== 1 && (!s.includes('=') || s.length % 4 === 0);
}

function decodeBase64(s: string, what: string, file: string | undefined): Uint8Array {
  if (!isBase64(s)) throw fail('ATTEST_ENVELOPE_FIELD', `envelope ${what} is not base64`, file, 'payload and sig hold standard or URL-safe base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/**
 * Read a DSSE envelope from JSON text. Not JSON (or cut short) → ATTEST_ENVELOPE_MALFORMED at
 * the position where it breaks; a missing field, a field of the wrong type or a value that is not
 * base64 → ATTEST_ENVELOPE_FIELD. Unknown fields are ignored (DSSE says so).
 */
export function parseEnvelope(text: string, file?: string): DsseEnvelope {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const offset = jsonErrorOffset(text);
    const truncated = offset >= text.length;
    throw fail('ATTEST_ENVELOPE_MALFORMED', `not a DSSE envelope: ${truncated ? 'the JSON is cut short' : `not JSON (${msg})`}`, file, 'an envelope is one JSON object {"payload", "payloadType", "signatures"}; was the file truncated?', text, offset, e);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('ATTEST_ENVELOPE_MALFORMED', `not a DSSE envelope: the JSON is ${Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`}, not an object`, file, 'an envelope is one JSON object {"payload", "payloadType", "signatures"}');
  const o = v as Record<string, unknown>;
  const field = (msg: string) => fail('ATTEST_ENVELOPE_FIELD', `DSSE envelope: ${msg}`, file, 'an envelope has "payload" (base64), "payloadType" (a string) and "signatures" ([{"keyid", "sig"}])');
  const { payload, payloadType, signatures } = o;
  if (typeof payload !== 'string') throw field(payload === undefined ? 'no "payload"' : '"payload" is not a string');
  if (typeof payloadType !== 'string' || payloadType === '') throw field(payloadType === undefined ? 'no "payloadType"' : '"payloadType" is not a non-empty string');
  if (!Array.isArray(signatures)) throw field(signatures === undefined ? 'no "signatures"' : '"signatures" is not an array');
  if (signatures.length === 0) throw field('"signatures" is empty: the envelope is not signed');
  if (!isBase64(payload)) throw field('"payload" is not base64');
  const sigs = signatures.map((s: unknown, i): DsseSignature => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw field(`signatures[${i}] is not an object`);
    const { keyid, sig } = s as Record<string, unknown>;
    if (typeof sig !== 'string' || sig === '') throw field(sig === undefined ? `signatures[${i}] has no "sig"` : `signatures[${i}].sig is not a non-empty string`);
    if (!isBase64(sig)) throw field(`signatures[${i}].sig is not base64`);
    if (keyid !== undefined && typeof keyid !== 'string') throw field(`signatures[${i}].keyid is not a string`);
    return keyid === undefined ? { sig } : { keyid, sig };
  });
  return { payload, payloadType, signatures: sigs };
}

/**
 * Where JSON.parse gives up on `text` (node 20's messages do not always say): the offset of the
 * first character that cannot continue a JSON value, or `text.length` when the text ends early.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string) => {
    for (const ch of w) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          }
        } else if (i >= text.length || !'"\\/bfnrt'.includes(text[i]!)) fail();
      }
      i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    return num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(typeof at === 'number' ? at : 0, text.length);
  }
}

/** Raw signature formats, most likely first: an Ed25519 signature is 64 bytes, an ECDSA one DER (0x30 …). */
function formatsFor(sig: Uint8Array): SignatureFormat[] {
  return sig.length === 64 && sig[0] !== 0x30 ? ['ed25519', 'ecdsa-p256-sha256'] : ['ecdsa-p256-sha256', 'ed25519'];
}

async function verifyOne(verifier: SignatureVerifier, signed: Uint8Array, sig: Uint8Array, keyId: string | undefined): Promise<{ keyId: string }> {
  let last: unknown;
  for (const format of formatsFor(sig)) {
    const detached: DetachedSignature = { bytes: sig, format, ...(keyId ? { keyId } : {}) };
    try {
      return await verifier.verify(signed, detached);
    } catch (e) {
      // the key makes signatures of the other format: try that one
      if (e instanceof StrataError && e.code === 'TRUST_SIGNATURE_FORMAT') {
        last = e;
        continue;
      }
      throw e;
    }
  }
  throw last;
}

/**
 * Steps 1–3 of DSSE verification: decode, pick the key by keyid, verify the signature over the
 * PAE. An envelope verifies when one of its signatures does; otherwise every signature's problem
 * is reported (TRUST_SIGNATURE_UNKNOWN_KEY naming the key, TRUST_SIGNATURE_INVALID, …).
 */
export async function verifyEnvelopeSignature(env: DsseEnvelope, verifier: SignatureVerifier, file?: string): Promise<VerifiedPayload> {
  // 1. decode, once: these bytes are what is verified and what is returned
  const payload = decodeBase64(env.payload, 'payload', file);
  const signed = pae(env.payloadType, payload);
  if (env.signatures.length === 0) throw fail('ATTEST_ENVELOPE_FIELD', 'DSSE envelope has no signatures', file, 'sign the envelope');
  const problems: StrataError[] = [];
  for (const [i, s] of env.signatures.entries()) {
    const sig = decodeBase64(s.sig, `signatures[${i}].sig`, file);
    try {
      // 2. + 3. the verifier picks its key by the keyid hint and checks the signature over the PAE
      const { keyId } = await verifyOne(verifier, signed, sig, s.keyid);
      return { payloadType: env.payloadType, payload, keyId };
    } catch (e) {
      if (!(e instanceof StrataError)) throw e;
      problems.push(e);
    }
  }
  const at = spanOf(file);
  const many = env.signatures.length > 1;
  throw new StrataError(
    problems.flatMap((p, i) =>
      p.diagnostics.map((d) => ({
        ...d,
        message: `DSSE envelope${many ? ` signature ${i + 1}` : ''}: ${d.message}`,
        ...at,
        hint: d.code === 'TRUST_SIGNATURE_UNKNOWN_KEY' ? 'the envelope was signed with another key: add its public key to [attestation] trusted-keys, or re-sign it with the project key' : d.code === 'TRUST_SIGNATURE_INVALID' ? 'the payload, its type or the signature was changed after signing' : (d.hint ?? 'the signature is not a raw Ed25519 or DER ECDSA P-256 signature'),
      })),
    ),
    { cause: problems[0] },
  );
}

/** Step 4: a payload type the caller does not expect is ATTEST_PAYLOAD_TYPE (checked after the signature, as DSSE prescribes). */
export function checkPayloadType(v: VerifiedPayload, payloadTypes: readonly string[], file?: string): VerifiedPayload {
  if (!payloadTypes.includes(v.payloadType)) throw fail('ATTEST_PAYLOAD_TYPE', `DSSE envelope payload type "${v.payloadType}" is not ${payloadTypes.map((t) => `"${t}"`).join(' or ')}`, file, `an attestation envelope carries ${payloadTypes[0] ?? 'a known payload type'}`);
  return v;
}

/** Verify `env` (signature over the PAE, then payload type) and return the verified bytes and the signing key. */
export async function verifyEnvelope(env: DsseEnvelope, verifier: SignatureVerifier, opts: VerifyEnvelopeOptions): Promise<VerifiedPayload> {
  return checkPayloadType(await verifyEnvelopeSignature(env, verifier, opts.file), opts.payloadTypes, opts.file);
}

/** An envelope's text and where it came from: the input of `envelopeParsedStep`. */
export interface EnvelopeText {
  readonly text: string;
  readonly file?: string;
}

/** `envelope parsed`: text → envelope (ATTEST_ENVELOPE_MALFORMED / ATTEST_ENVELOPE_FIELD). */
export const envelopeParsedStep: VerifyStep<EnvelopeText, DsseEnvelope & { readonly file?: string }> = step('envelope parsed', 'ATTEST_ENVELOPE_MALFORMED', (input: EnvelopeText) => ({ ...parseEnvelope(input.text, input.file), ...(input.file === undefined ? {} : { file: input.file }) }));

/** `envelope signature`: envelope → verified payload, with `verifier`. */
export function envelopeSignatureStep(verifier: SignatureVerifier): VerifyStep<DsseEnvelope & { readonly file?: string }, VerifiedPayload & { readonly file?: string }> {
  return step('envelope signature', 'TRUST_SIGNATURE_INVALID', async (env: DsseEnvelope & { readonly file?: string }) => ({ ...(await verifyEnvelopeSignature(env, verifier, env.file)), ...(env.file === undefined ? {} : { file: env.file }) }));
}

/** `payload type`: the verified payload passes on when its type is one of `payloadTypes`. */
export function payloadTypeStep(payloadTypes: readonly string[]): VerifyStep<VerifiedPayload & { readonly file?: string }, VerifiedPayload & { readonly file?: string }> {
  return step('payload type', 'ATTEST_PAYLOAD_TYPE', (v: VerifiedPayload & { readonly file?: string }) => checkPayloadType(v, payloadTypes, v.file));
}

/**
 * Run `envelope parsed` → `envelope signature` → `payload type` in `run`; the result is the
 * verified payload (or a broken link) for the caller's next step, e.g. `statement parsed`.
 */
export async function runEnvelopeSteps(run: VerifyRun, input: Link<EnvelopeText>, opts: { readonly verifier: SignatureVerifier; readonly payloadTypes: readonly string[]; readonly subject?: string }): Promise<Link<VerifiedPayload>> {
  const subject = opts.subject ?? (isBroken(input) ? undefined : input.file);
  const env = await run.run(envelopeParsedStep, input, subject);
  const verified = await run.run(envelopeSignatureStep(opts.verifier), env, subject);
  return run.run(payloadTypeStep(opts.payloadTypes), verified, subject);
}
