// PKCS#7 root hash signatures against openssl 3.0: ours is byte-identical to
// `openssl smime -sign -nocerts -noattr -binary -outform der` for the same key and certificate,
// `openssl smime -verify` accepts ours, our verifier accepts openssl's, the signer algorithm is
// rsaEncryption (what Linux 6.1 accepts); refusals: altered root hash, another signer (also
// with its certificate embedded: embedded certificates are not trusted), not PKCS#7, a non-RSA
// key, a key that is not the certificate's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeProcessRunner } from '../adapters/node-process.js';
import type { StrataError } from '../diag/index.js';
import { pkcs7Signer, pkcs7Verifier, readCertificate } from './pkcs7.js';
import { makeTestCertificate, type TestCertificate } from '../testing/image-layer.js';

const proc = new NodeProcessRunner();
let tmp: string;
let mine: TestCertificate;
let other: TestCertificate;
const rootHash = 'd6fa2ba32b06d7096498087d99c510d73c7a145f5d2a8cc3c0d9923f53ba0dc9';
const payload = new TextEncoder().encode(rootHash);

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-pkcs7-'));
  mine = await makeTestCertificate(proc, path.join(tmp, 'mine'), 'Strata Test Layers');
  other = await makeTestCertificate(proc, path.join(tmp, 'other'), 'Someone Else');
  writeFileSync(path.join(tmp, 'roothash.txt'), rootHash);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const code = (c: string) => (e: StrataError) => e.code === c;

describe('PKCS#7 root hash signatures', () => {
  test('byte-identical to openssl smime, and each verifies the other', async () => {
    const signer = await pkcs7Signer({ privateKeyPem: readFileSync(mine.keyFile, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8') });
    const sig = await signer.sign(payload);
    assert.equal(sig.format, 'pkcs7-der');
    const theirsFile = path.join(tmp, 'openssl.p7s');
    const r = await proc.run('openssl', ['smime', '-sign', '-nocerts', '-noattr', '-binary', '-in', path.join(tmp, 'roothash.txt'), '-inkey', mine.keyFile, '-signer', mine.certFile, '-outform', 'der', '-out', theirsFile]);
    assert.equal(r.code, 0, r.stderr);
    const theirs = readFileSync(theirsFile);
    assert.ok(Buffer.from(sig.bytes).equals(theirs), `differs from openssl's (${sig.bytes.length} vs ${theirs.length} bytes)`);
    const oursFile = path.join(tmp, 'ours.p7s');
    writeFileSync(oursFile, sig.bytes);
    const v = await proc.run('openssl', ['smime', '-verify', '-binary', '-inform', 'der', '-in', oursFile, '-content', path.join(tmp, 'roothash.txt'), '-certfile', mine.certFile, '-CAfile', mine.certFile, '-purpose', 'any', '-out', '/dev/null']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, /Verification successful/);
    const verifier = pkcs7Verifier([readFileSync(other.certFile, 'utf8'), readFileSync(mine.certFile, 'utf8')]);
    assert.deepEqual(await verifier.verify(payload, { bytes: theirs, format: 'pkcs7-der' }), { keyId: signer.certificate.keyId });
    // the signer algorithm is rsaEncryption, not sha256WithRSAEncryption
    const asn = await proc.run('openssl', ['asn1parse', '-inform', 'der', '-in', oursFile]);
    assert.match(asn.stdout, /:rsaEncryption/);
    assert.doesNotMatch(asn.stdout, /sha256WithRSAEncryption/);
  });

  test('with the certificate embedded (as systemd-repart): openssl and our verifier accept it', async () => {
    const signer = await pkcs7Signer({ privateKeyPem: readFileSync(mine.keyFile, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8'), embedCertificate: true });
    const sig = await signer.sign(payload);
    const f = path.join(tmp, 'embedded.p7s');
    writeFileSync(f, sig.bytes);
    const v = await proc.run('openssl', ['smime', '-verify', '-binary', '-inform', 'der', '-in', f, '-content', path.join(tmp, 'roothash.txt'), '-CAfile', mine.certFile, '-purpose', 'any', '-out', '/dev/null']);
    assert.equal(v.code, 0, v.stderr);
    await pkcs7Verifier([readFileSync(mine.certFile)]).verify(payload, sig);
  });

  test('refusals: altered root hash, untrusted signer (even embedded), not PKCS#7, wrong format', async () => {
    const signer = await pkcs7Signer({ privateKeyPem: readFileSync(mine.keyFile, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8'), embedCertificate: true });
    const sig = await signer.sign(payload);
    const trusting = pkcs7Verifier([readFileSync(mine.certFile, 'utf8')]);
    const altered = new TextEncoder().encode(rootHash.replace(/^d/, 'e'));
    await assert.rejects(trusting.verify(altered, sig), code('TRUST_SIGNATURE_INVALID'));
    await assert.rejects(pkcs7Verifier([readFileSync(other.certFile, 'utf8')]).verify(payload, sig), code('TRUST_SIGNATURE_UNKNOWN_KEY'));
    await assert.rejects(trusting.verify(payload, { bytes: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), format: 'pkcs7-der' }), code('TRUST_SIGNATURE_FORMAT'));
    await assert.rejects(trusting.verify(payload, { bytes: sig.bytes, format: 'ed25519' }), code('TRUST_SIGNATURE_FORMAT'));
    const flipped = Uint8Array.from(sig.bytes);
    flipped[flipped.length - 5]! ^= 0x40;
    await assert.rejects(trusting.verify(payload, { bytes: flipped, format: 'pkcs7-der' }), code('TRUST_SIGNATURE_INVALID'));
  });

  test('signing keys: not RSA, or not the certificate\'s key, is LAYER_SIGNING_KEY_INVALID', async () => {
    const ec = path.join(tmp, 'ec.pem');
    assert.equal((await proc.run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ec])).code, 0);
    await assert.rejects(pkcs7Signer({ privateKeyPem: readFileSync(ec, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8') }), code('LAYER_SIGNING_KEY_INVALID'));
    await assert.rejects(pkcs7Signer({ privateKeyPem: readFileSync(other.keyFile, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8') }), code('LAYER_SIGNING_KEY_INVALID'));
    assert.throws(() => readCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), code('LAYER_SIGNING_KEY_INVALID'));
  });
});
