// The Signer contract, run against every implementation: the GnuPG signer (the project key in an
// isolated GnuPG home, real gpg) checked with OpenPGP.js, and the node:crypto key signers
// (Ed25519, ECDSA P-256) checked with node:crypto. sign → verify ok; one flipped byte of the
// payload or of the signature → a coded failure; a signature by another key → a coded failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { generateSigningKey } from '../testing/example.js';
import type { StrataError } from '../diag/index.js';
import { loadGpgKey, type GpgKey } from './gpg-signer.js';
import { keyIdOf, keySigner, keyVerifier } from './key-signer.js';
import { openPgpVerifier, readPublicKeys } from './openpgp-verifier.js';
import type { SignatureVerifier, Signer } from './signer.js';

interface Implementation {
  readonly name: string;
  /** The signer, a verifier that trusts its key, and one that trusts another key only. */
  setUp(): Promise<{ signer: Signer; verifier: SignatureVerifier; otherVerifier: SignatureVerifier; tearDown(): Promise<void> }>;
}

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-trust-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function nodeKeys(type: 'ed25519' | 'ec'): Implementation {
  return {
    name: type === 'ed25519' ? 'node:crypto Ed25519' : 'node:crypto ECDSA P-256',
    async setUp() {
      const gen = () => (type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' }));
      const mine = gen();
      const other = gen();
      return { signer: keySigner(mine.privateKey), verifier: keyVerifier([mine.publicKey]), otherVerifier: keyVerifier([other.publicKey]), tearDown: async () => {} };
    },
  };
}

const gnupg: Implementation = {
  name: 'GnuPG',
  async setUp() {
    const mine = generateSigningKey(path.join(tmp, 'mine'));
    const other = generateSigningKey(path.join(tmp, 'other'), 'Someone Else <else@example.invalid>');
    const key: GpgKey = await loadGpgKey(fs, proc, { keyFile: mine.secretKeyFile });
    const verifier = openPgpVerifier(await readPublicKeys(readFileSync(mine.publicKeyFile)));
    const otherVerifier = openPgpVerifier(await readPublicKeys(readFileSync(other.publicKeyFile)));
    return { signer: key.signer, verifier, otherVerifier, tearDown: () => key.dispose() };
  },
};

const payload = new TextEncoder().encode('<repomd>the bytes being signed</repomd>\n');

for (const impl of [gnupg, nodeKeys('ed25519'), nodeKeys('ec')]) {
  describe(`Signer contract: ${impl.name}`, () => {
    let s: Awaited<ReturnType<Implementation['setUp']>>;
    before(async () => {
      s = await impl.setUp();
    });
    after(() => s.tearDown());

    test('sign → verify ok, by the key the signature names', async () => {
      const sig = await s.signer.sign(payload, { time: 1_700_000_000 });
      const v = await s.verifier.verify(payload, sig);
      assert.equal(v.keyId, sig.keyId);
      assert.match(sig.keyId, /^[0-9A-F]{16}$/);
    });

    test('a flipped byte of the payload is TRUST_SIGNATURE_INVALID', async () => {
      const sig = await s.signer.sign(payload);
      const bad = Uint8Array.from(payload);
      bad[3] = bad[3]! ^ 0x01;
      await assert.rejects(s.verifier.verify(bad, sig), (e: StrataError) => e.code === 'TRUST_SIGNATURE_INVALID');
    });

    test('a flipped byte of the signature is a coded failure', async () => {
      const sig = await s.signer.sign(payload);
      const bytes = Uint8Array.from(sig.bytes);
      // armored: a byte of the base64 body inside the signature value (its end, before the checksum line); raw: a byte of the value
      const at = sig.format === 'openpgp-armored' ? Buffer.from(bytes).lastIndexOf('\n=') - 20 : bytes.length - 5;
      bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
      await assert.rejects(s.verifier.verify(payload, { ...sig, bytes }), (e: StrataError) => ['TRUST_SIGNATURE_INVALID', 'TRUST_SIGNATURE_FORMAT'].includes(e.code));
    });

    test('a verifier that trusts another key refuses with TRUST_SIGNATURE_UNKNOWN_KEY', async () => {
      const sig = await s.signer.sign(payload);
      await assert.rejects(s.otherVerifier.verify(payload, sig), (e: StrataError) => e.code === 'TRUST_SIGNATURE_UNKNOWN_KEY');
    });
  });
}

test('GnuPG signatures are pinned to the given time: the same payload and time give the same bytes', async () => {
  const k = generateSigningKey(path.join(tmp, 'pinned'));
  const key = await loadGpgKey(fs, proc, { keyFile: k.secretKeyFile });
  try {
    const a = await key.signer.sign(payload, { time: 1_800_000_000 });
    const b = await key.signer.sign(payload, { time: 1_800_000_000 });
    assert.deepEqual(a.bytes, b.bytes);
    assert.equal(a.format, 'openpgp-armored');
    assert.equal(a.keyId, key.fingerprint.slice(-16));
  } finally {
    await key.dispose();
  }
});

test('node:crypto signers: an RSA key is TRUST_KEY_UNSUPPORTED; a raw signature without a key id is checked against every trusted key', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.throws(() => keySigner(rsa.privateKey), { code: 'TRUST_KEY_UNSUPPORTED' });
  const a = generateKeyPairSync('ed25519');
  const b = generateKeyPairSync('ed25519');
  const sig = await keySigner(b.privateKey).sign(payload);
  const v = await keyVerifier([a.publicKey, b.publicKey]).verify(payload, { bytes: sig.bytes, format: sig.format });
  assert.equal(v.keyId, keyIdOf(b.publicKey));
});
