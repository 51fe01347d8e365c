// DSSE envelopes: PAE byte for byte (and against @sigstore/core), sign → verify for Ed25519 and
// ECDSA P-256 keys, the coded failures (edited payload, another key, truncated, not JSON, unknown
// payload type), URL-safe base64, the named steps, and interop with sigstore-js's verifier
// (recipe: shared/research/supply-chain.md §2.3) on the same envelopes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { dsse } from '@sigstore/core';
import { Verifier, toSignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { StrataError } from '../diag/index.js';
import { keyIdOf, keySigner, keyVerifier } from '../trust/key-signer.js';
import { VerifyRun, step } from '../trust/verify-steps.js';
import { IN_TOTO_PAYLOAD_TYPE, jsonErrorOffset, pae, parseEnvelope, runEnvelopeSteps, serializeEnvelope, signEnvelope, verifyEnvelope, type DsseEnvelope, type VerifiedPayload } from './dsse.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const statement = enc.encode(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'greet-1.0-1.exl1.x86_64.rpm', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} }));
const opts = { payloadTypes: [IN_TOTO_PAYLOAD_TYPE] };

const isCode = (code: string, re?: RegExp) => (e: StrataError) => {
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

test('pae: the DSSE example, byte lengths, and @sigstore/core agrees', () => {
  assert.equal(dec.decode(pae(IN_TOTO_PAYLOAD_TYPE, enc.encode('hi'))), 'DSSEv1 28 application/vnd.in-toto+json 2 hi');
  assert.equal(dec.decode(pae('', new Uint8Array())), 'DSSEv1 0  0 ');
  // multi-byte: LEN counts bytes, not characters
  assert.equal(dec.decode(pae('tÿpe', enc.encode('é'))), 'DSSEv1 5 tÿpe 2 é');
  for (const [type, body] of [[IN_TOTO_PAYLOAD_TYPE, statement], ['text/plain', enc.encode('ünïcödé ✓')], ['x', new Uint8Array([0, 255, 32, 10])]] as const) {
    assert.deepEqual(Buffer.from(pae(type, body)), dsse.preAuthEncoding(type, Buffer.from(body)));
  }
});

type KeyType = 'ed25519' | 'p256';
const gen = (t: KeyType) => (t === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' }));

/** The envelope in a Sigstore bundle v0.3 with a public-key hint, verified offline by sigstore-js with `key` as the only trust. */
function sigstoreVerify(env: DsseEnvelope, key: KeyObject): void {
  const bundle = bundleFromJSON({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'attestation-key' }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: env,
  });
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: (hint) => {
      if (hint !== 'attestation-key') throw new Error(`no key ${hint}`);
      return { publicKey: key, validFor: () => true };
    },
  };
  new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
}

/** `env` with one byte of the payload flipped (the signature left as it was). */
function flipPayloadByte(env: DsseEnvelope, at = 10): DsseEnvelope {
  const body = Buffer.from(env.payload, 'base64');
  body[at] = body[at]! ^ 0x01;
  return { ...env, payload: body.toString('base64') };
}

for (const t of ['ed25519', 'p256'] as const) {
  describe(`DSSE with an ${t} key`, () => {
    const mine = gen(t);
    const other = gen(t);
    const signer = keySigner(mine.privateKey);
    const verifier = keyVerifier([mine.publicKey]);

    test('sign → serialize → parse → verify returns the verified bytes and the key', async () => {
      const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
      assert.equal(env.signatures.length, 1);
      assert.equal(env.signatures[0]!.keyid, keyIdOf(mine.publicKey));
      const line = serializeEnvelope(env);
      assert.ok(!line.includes('\n'));
      assert.equal(serializeEnvelope(parseEnvelope(line)), line, 'deterministic, round-trips');
      assert.deepEqual(Object.keys(JSON.parse(line)), ['payload', 'payloadType', 'signatures']);
      const v = await verifyEnvelope(parseEnvelope(line), verifier, opts);
      assert.deepEqual(v.payload, statement);
      assert.equal(v.keyId, keyIdOf(mine.publicKey));
      assert.equal(v.payloadType, IN_TOTO_PAYLOAD_TYPE);
    });

    test('a flipped payload byte is TRUST_SIGNATURE_INVALID', async () => {
      const env = flipPayloadByte(await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement));
      await assert.rejects(verifyEnvelope(env, verifier, { ...opts, file: 'out/greet.intoto.jsonl' }), (e: StrataError) => {
        isCode('TRUST_SIGNATURE_INVALID', /DSSE envelope/)(e);
        assert.equal(e.diagnostics[0]!.span?.file, 'out/greet.intoto.jsonl');
        assert.ok(e.diagnostics[0]!.hint);
        return true;
      });
    });

    test('an edited payload type is TRUST_SIGNATURE_INVALID (the type is signed too)', async () => {
      const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
      await assert.rejects(verifyEnvelope({ ...env, payloadType: 'application/json' }, verifier, { payloadTypes: ['application/json'] }), isCode('TRUST_SIGNATURE_INVALID'));
    });

    test('an envelope signed with another key is TRUST_SIGNATURE_UNKNOWN_KEY, naming the key', async () => {
      const env = await signEnvelope(keySigner(other.privateKey), IN_TOTO_PAYLOAD_TYPE, statement);
      await assert.rejects(verifyEnvelope(env, verifier, opts), isCode('TRUST_SIGNATURE_UNKNOWN_KEY', new RegExp(keyIdOf(other.publicKey))));
      // without a keyid hint every trusted key is tried, and none verifies
      const anon = { ...env, signatures: [{ sig: env.signatures[0]!.sig }] };
      await assert.rejects(verifyEnvelope(anon, verifier, opts), isCode('TRUST_SIGNATURE_INVALID'));
    });

    test('an envelope without keyid verifies with the trusted key', async () => {
      const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
      const v = await verifyEnvelope({ ...env, signatures: [{ sig: env.signatures[0]!.sig }] }, keyVerifier([other.publicKey, mine.publicKey]), opts);
      assert.equal(v.keyId, keyIdOf(mine.publicKey));
    });

    test('one good signature of two is enough; the verifier accepts a second trusted key', async () => {
      const a = await signEnvelope(keySigner(other.privateKey), IN_TOTO_PAYLOAD_TYPE, statement);
      const b = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
      const both = { ...a, signatures: [...a.signatures, ...b.signatures] };
      assert.equal((await verifyEnvelope(both, verifier, opts)).keyId, keyIdOf(mine.publicKey));
    });

    test('an unknown payload type is ATTEST_PAYLOAD_TYPE, checked after the signature', async () => {
      const env = await signEnvelope(signer, 'application/json', statement);
      await assert.rejects(verifyEnvelope(env, verifier, opts), isCode('ATTEST_PAYLOAD_TYPE', /application\/json/));
      // a forged envelope fails on its signature first
      await assert.rejects(verifyEnvelope(flipPayloadByte(env), verifier, opts), isCode('TRUST_SIGNATURE_INVALID'));
    });

    test('URL-safe base64 (and unpadded) is accepted', async () => {
      // a payload whose base64 has both '+' and '/' in the standard alphabet
      const body = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe, 0x00, 0x3e, 0x3f]);
      const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, body);
      assert.match(env.payload, /[+/]/);
      const url = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const text = JSON.stringify({ payload: url(env.payload), payloadType: env.payloadType, signatures: [{ keyid: env.signatures[0]!.keyid, sig: url(env.signatures[0]!.sig) }] });
      assert.deepEqual((await verifyEnvelope(parseEnvelope(text), verifier, opts)).payload, body);
    });

    test('sigstore-js verifies the same envelope and rejects a tampered one', async () => {
      const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
      sigstoreVerify(parseEnvelope(serializeEnvelope(env)), mine.publicKey);
      assert.throws(() => sigstoreVerify(flipPayloadByte(env), mine.publicKey), (e: Error & { code?: string }) => e.code === 'SIGNATURE_ERROR');
      assert.throws(() => sigstoreVerify(env, other.publicKey), (e: Error & { code?: string }) => e.code === 'SIGNATURE_ERROR');
    });
  });
}

describe('parseEnvelope: coded failures', () => {
  const good = JSON.stringify({ payload: 'aGk=', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ keyid: 'AB', sig: 'c2ln' }] });
  const cases: { name: string; text: string; code: string; line?: number }[] = [
    { name: 'not JSON', text: 'hello, world', code: 'ATTEST_ENVELOPE_MALFORMED' },
    { name: 'truncated', text: good.slice(0, 40), code: 'ATTEST_ENVELOPE_MALFORMED' },
    { name: 'empty file', text: '', code: 'ATTEST_ENVELOPE_MALFORMED' },
    { name: 'an array', text: '[]', code: 'ATTEST_ENVELOPE_MALFORMED' },
    { name: 'broken on line 2', text: '{\n  "payload": x}', code: 'ATTEST_ENVELOPE_MALFORMED', line: 2 },
    { name: 'no payload', text: JSON.stringify({ payloadType: 't', signatures: [{ sig: 'c2ln' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'payload not a string', text: JSON.stringify({ payload: 1, payloadType: 't', signatures: [{ sig: 'c2ln' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'payload not base64', text: JSON.stringify({ payload: 'a*b', payloadType: 't', signatures: [{ sig: 'c2ln' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'no payloadType', text: JSON.stringify({ payload: 'aGk=', signatures: [{ sig: 'c2ln' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'signatures not an array', text: JSON.stringify({ payload: 'aGk=', payloadType: 't', signatures: {} }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'no signatures', text: JSON.stringify({ payload: 'aGk=', payloadType: 't', signatures: [] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'a signature without sig', text: JSON.stringify({ payload: 'aGk=', payloadType: 't', signatures: [{ keyid: 'x' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'sig not base64', text: JSON.stringify({ payload: 'aGk=', payloadType: 't', signatures: [{ sig: 'no spaces allowed' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
    { name: 'keyid not a string', text: JSON.stringify({ payload: 'aGk=', payloadType: 't', signatures: [{ keyid: 7, sig: 'c2ln' }] }), code: 'ATTEST_ENVELOPE_FIELD' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => parseEnvelope(c.text, 'a.intoto.json'), (e: StrataError) => {
        assert.equal(e.code, c.code, e.message);
        const d = e.diagnostics[0]!;
        assert.equal(d.span?.file, 'a.intoto.json');
        assert.equal(d.span?.line, c.line ?? 1);
        assert.ok(d.hint);
        return true;
      });
    });
  }
  test('the position of a JSON error, and "cut short" for a truncated envelope', () => {
    assert.throws(() => parseEnvelope(good.slice(0, 40), 'a.json'), (e: StrataError) => /cut short/.test(e.message) && e.diagnostics[0]!.span?.col === 41);
    assert.throws(() => parseEnvelope('{"payload": "aGk=",\n "payloadType": tru}', 'a.json'), (e: StrataError) => e.diagnostics[0]!.span?.line === 2 && e.diagnostics[0]!.span?.col === 20 && /not JSON/.test(e.message));
    for (const [text, at] of [['{"a":"\\u12G4"}', 10], ['[1,]', 3], ['{"a":1} x', 8], ['"\u0001"', 1], ['-', 0], ['nul', 3]] as const) assert.equal(jsonErrorOffset(text), at, text);
  });

  test('unknown fields are ignored', () => {
    const env = parseEnvelope(JSON.stringify({ ...JSON.parse(good), extra: true }));
    assert.deepEqual(env, JSON.parse(good));
  });
});

describe('envelope verification as named steps', () => {
  const mine = gen('ed25519');
  const verifier = keyVerifier([mine.publicKey]);
  const statementParsed = step('statement parsed', 'ATTEST_ENVELOPE_FIELD', (v: VerifiedPayload) => JSON.parse(dec.decode(v.payload)) as { _type: string });

  test('envelope parsed → envelope signature → payload type → statement parsed', async () => {
    const env = await signEnvelope(keySigner(mine.privateKey), IN_TOTO_PAYLOAD_TYPE, statement);
    const run = new VerifyRun();
    const v = await runEnvelopeSteps(run, { text: serializeEnvelope(env), file: 'greet.intoto.jsonl' }, { verifier, payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    const s = await run.run(statementParsed, v);
    assert.ok(run.ok);
    assert.deepEqual(run.records.map((r) => [r.step, r.status]), [['envelope parsed', 'passed'], ['envelope signature', 'passed'], ['payload type', 'passed'], ['statement parsed', 'passed']]);
    assert.equal(typeof s === 'object' && s._type, 'https://in-toto.io/Statement/v1');
  });

  test('a broken link names its step; the steps after it are skipped', async () => {
    const env = flipPayloadByte(await signEnvelope(keySigner(mine.privateKey), IN_TOTO_PAYLOAD_TYPE, statement));
    const run = new VerifyRun();
    await run.run(statementParsed, await runEnvelopeSteps(run, { text: serializeEnvelope(env) }, { verifier, payloadTypes: [IN_TOTO_PAYLOAD_TYPE] }));
    assert.deepEqual(run.records.map((r) => [r.step, r.status, r.problems.map((p) => p.code).join()]), [['envelope parsed', 'passed', ''], ['envelope signature', 'failed', 'TRUST_SIGNATURE_INVALID'], ['payload type', 'skipped', ''], ['statement parsed', 'skipped', '']]);

    const run2 = new VerifyRun();
    await runEnvelopeSteps(run2, { text: '{"payload":' }, { verifier, payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    assert.deepEqual(run2.records.map((r) => [r.step, r.status]), [['envelope parsed', 'failed'], ['envelope signature', 'skipped'], ['payload type', 'skipped']]);
    assert.equal(run2.problems[0]!.code, 'ATTEST_ENVELOPE_MALFORMED');

    const run3 = new VerifyRun();
    await runEnvelopeSteps(run3, { text: serializeEnvelope(await signEnvelope(keySigner(mine.privateKey), 'text/plain', statement)) }, { verifier, payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    assert.deepEqual(run3.records.map((r) => [r.step, r.status]), [['envelope parsed', 'passed'], ['envelope signature', 'passed'], ['payload type', 'failed']]);
  });
});
