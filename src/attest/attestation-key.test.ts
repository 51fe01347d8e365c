// The [attestation] key, loaded the way a signing command loads it: loadProject, then
// loadAttestationKey on project.attestation. Ed25519 and P-256 keys sign envelopes that their
// verifier (and trusted-keys) accept; a missing key, a file that is not a key, an RSA key, a key
// group or others can read and a public key that does not match each give their code at the
// line of the value that names the file (the [attestation] table when none does), with a hint.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import type { FileSystem } from '../adapters/types.js';
import { loadProject } from '../config/load.js';
import type { AttestationConfig } from '../config/types.js';
import { isStrataError, type Diagnostic } from '../diag/index.js';
import { generateAttestationKey } from '../testing/example.js';
import { MemoryFileSystem } from '../testing/fakes/memory-fs.js';
import { keySigner } from '../trust/key-signer.js';
import { loadAttestationKey } from './attestation-key.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope, verifyEnvelope } from './dsse.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'strata-attest-key-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const fs = new NodeFileSystem();

const PROJECT = '[project]\ndescription = "attestation test"\n\n';
const payload = new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v1"}');

/** A project whose azldev.toml is PROJECT + `attestation`, with `keys/` from `setUp`. */
async function project(attestation: string, setUp: (keys: string) => void = () => {}): Promise<{ dir: string; cfg: AttestationConfig }> {
  const dir = mkdtempSync(path.join(scratch, 'p-'));
  setUp(path.join(dir, 'keys'));
  writeFileSync(path.join(dir, 'azldev.toml'), PROJECT + attestation);
  const { project: p } = await loadProject({ fs, projectDir: dir });
  assert.ok(p.attestation, 'the [attestation] table is in the resolved project');
  return { dir, cfg: p.attestation };
}

async function loadErrors(f: FileSystem, cfg: AttestationConfig): Promise<readonly Diagnostic[]> {
  try {
    await loadAttestationKey(f, cfg);
  } catch (e) {
    if (isStrataError(e)) return e.diagnostics;
    throw e;
  }
  assert.fail('expected loadAttestationKey to fail');
}

/** [code, file:line:col] of each diagnostic, and each has a hint. */
const where = (ds: readonly Diagnostic[]) =>
  ds.map((d) => {
    assert.ok(d.hint, `${d.code} has a hint`);
    return [d.code, `${path.basename(d.span!.file)}:${d.span!.line}:${d.span!.col}`];
  });

const KEY_TABLE = '[attestation]\nkey-file = "keys/attestation-key.pem"\n';

for (const type of ['ed25519', 'p256'] as const) {
  test(`${type}: the configured key signs envelopes that its verifier accepts; the public key is derived or checked`, async () => {
    let gen!: ReturnType<typeof generateAttestationKey>;
    const { cfg } = await project(KEY_TABLE, (keys) => (gen = generateAttestationKey(keys, type)));
    const key = await loadAttestationKey(fs, cfg);
    assert.equal(key.keyId, gen.keyId);
    assert.match(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
    const env = await signEnvelope(key.signer, IN_TOTO_PAYLOAD_TYPE, payload);
    assert.equal(env.signatures[0]!.keyid, gen.keyId);
    const v = await verifyEnvelope(env, key.verifier, { payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    assert.equal(v.keyId, gen.keyId);
    assert.deepEqual(v.payload, payload);

    const withPub = await project(`${KEY_TABLE}public-key-file = "keys/attestation-key.pub.pem"\n`, (keys) => (gen = generateAttestationKey(keys, type)));
    assert.equal((await loadAttestationKey(fs, withPub.cfg)).keyId, gen.keyId);
  });
}

test('trusted-keys: envelopes by those keys verify too; others are TRUST_SIGNATURE_UNKNOWN_KEY', async () => {
  const release = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ed25519');
  const { cfg } = await project(`${KEY_TABLE}trusted-keys = ["keys/release.pub.pem"]\n`, (keys) => {
    generateAttestationKey(keys);
    writeFileSync(path.join(keys, 'release.pub.pem'), release.publicKey.export({ type: 'spki', format: 'pem' }));
  });
  const key = await loadAttestationKey(fs, cfg);
  assert.equal(key.trustedKeyIds.length, 1);
  const opts = { payloadTypes: [IN_TOTO_PAYLOAD_TYPE] };
  assert.equal((await verifyEnvelope(await signEnvelope(keySigner(release.privateKey), IN_TOTO_PAYLOAD_TYPE, payload), key.verifier, opts)).keyId, key.trustedKeyIds[0]);
  await assert.rejects(verifyEnvelope(await signEnvelope(keySigner(stranger.privateKey), IN_TOTO_PAYLOAD_TYPE, payload), key.verifier, opts), (e: unknown) => isStrataError(e) && e.code === 'TRUST_SIGNATURE_UNKNOWN_KEY');
});

describe('coded key problems, at the line of the [attestation] value', () => {
  // PROJECT is 3 lines: [attestation] is line 4, key-file line 5 (value at col 12), public-key-file line 6 (col 19)
  const pem = (k: { export(o: { type: 'pkcs8' | 'spki'; format: 'pem' }): string | Buffer }, t: 'pkcs8' | 'spki') => k.export({ type: t, format: 'pem' });
  const cases: { name: string; table?: string; setUp: (keys: string) => void; expect: [string, string][]; message?: RegExp }[] = [
    { name: 'key file missing', setUp: () => {}, expect: [['ATTEST_KEY_MISSING', 'azldev.toml:5:12']], message: /does not exist/ },
    { name: 'key file is a directory', setUp: (k) => mkdirSync(path.join(k, 'attestation-key.pem'), { recursive: true }), expect: [['ATTEST_KEY_MISSING', 'azldev.toml:5:12']], message: /directory/ },
    { name: 'no key-file in [attestation]', table: '[attestation]\ntrusted-keys = []\n', setUp: () => {}, expect: [['ATTEST_KEY_MISSING', 'azldev.toml:4:1']] },
    {
      name: 'not a key',
      setUp: (k) => {
        mkdirSync(k);
        writeFileSync(path.join(k, 'attestation-key.pem'), 'not a key\n', { mode: 0o600 });
      },
      expect: [['ATTEST_KEY_INVALID', 'azldev.toml:5:12']],
      message: /not a PEM private key/,
    },
    {
      name: 'a public key as key-file',
      setUp: (k) => {
        const g = generateAttestationKey(k);
        copyFileSync(g.publicKeyFile, g.keyFile);
        chmodSync(g.keyFile, 0o600);
      },
      expect: [['ATTEST_KEY_INVALID', 'azldev.toml:5:12']],
      message: /holds a public key/,
    },
    {
      name: 'an RSA key',
      setUp: (k) => {
        mkdirSync(k);
        writeFileSync(path.join(k, 'attestation-key.pem'), pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs8'), { mode: 0o600 });
      },
      expect: [['ATTEST_KEY_INVALID', 'azldev.toml:5:12']],
      message: /RSA key, which is not supported/,
    },
    {
      name: 'a P-384 key',
      setUp: (k) => {
        mkdirSync(k);
        writeFileSync(path.join(k, 'attestation-key.pem'), pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'pkcs8'), { mode: 0o600 });
      },
      expect: [['ATTEST_KEY_INVALID', 'azldev.toml:5:12']],
      message: /secp384r1/,
    },
    { name: 'mode 0644', setUp: (k) => chmodSync(generateAttestationKey(k).keyFile, 0o644), expect: [['ATTEST_KEY_PERMISSIONS', 'azldev.toml:5:12']], message: /mode 0644/ },
    { name: 'mode 0640', setUp: (k) => chmodSync(generateAttestationKey(k).keyFile, 0o640), expect: [['ATTEST_KEY_PERMISSIONS', 'azldev.toml:5:12']] },
    {
      name: 'a public key that does not match',
      table: `${KEY_TABLE}public-key-file = "keys/other.pub.pem"\n`,
      setUp: (k) => {
        generateAttestationKey(k);
        generateAttestationKey(k, 'ed25519', 'other');
      },
      expect: [['ATTEST_KEY_MISMATCH', 'azldev.toml:6:19']],
    },
    {
      name: 'a private key as public-key-file',
      table: `${KEY_TABLE}public-key-file = "keys/attestation-key.pem"\n`,
      setUp: (k) => generateAttestationKey(k),
      expect: [['ATTEST_KEY_INVALID', 'azldev.toml:6:19']],
      message: /holds a private key/,
    },
    {
      name: 'public key file missing',
      table: `${KEY_TABLE}public-key-file = "keys/nope.pub.pem"\n`,
      setUp: (k) => generateAttestationKey(k),
      expect: [['ATTEST_KEY_MISSING', 'azldev.toml:6:19']],
    },
    {
      name: 'an RSA trusted key, and a missing one, reported with the private key problem',
      table: `${KEY_TABLE}trusted-keys = ["keys/ok.pub.pem", "keys/rsa.pub.pem", "keys/gone.pub.pem"]\n`,
      setUp: (k) => {
        chmodSync(generateAttestationKey(k).keyFile, 0o604);
        generateAttestationKey(k, 'p256', 'ok');
        writeFileSync(path.join(k, 'rsa.pub.pem'), pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'spki'));
      },
      expect: [
        ['ATTEST_KEY_PERMISSIONS', 'azldev.toml:5:12'],
        ['ATTEST_KEY_INVALID', 'azldev.toml:6:36'],
        ['ATTEST_KEY_MISSING', 'azldev.toml:6:56'],
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { cfg } = await project(c.table ?? KEY_TABLE, c.setUp);
      const ds = await loadErrors(fs, cfg);
      assert.deepEqual(where(ds), c.expect);
      if (c.message) assert.match(ds[0]!.message, c.message);
      // every diagnostic at a value also names the table
      for (const d of ds) if (d.span!.line !== 4) assert.equal(d.related?.[0]?.span?.line, 4);
    });
  }
  test('the permission hint says chmod 600', async () => {
    const { cfg } = await project(KEY_TABLE, (k) => chmodSync(generateAttestationKey(k).keyFile, 0o644));
    assert.match((await loadErrors(fs, cfg))[0]!.hint!, /chmod 600/);
  });
});

test('the same checks through the in-memory file system (mode from the FileSystem adapter)', async () => {
  const mem = new MemoryFileSystem();
  const { privateKey } = generateKeyPairSync('ed25519');
  const span = { file: '/p/azldev.toml', line: 4, col: 1 };
  const cfg: AttestationConfig = { keyFile: '/p/keys/k.pem', trustedKeys: [], definedAt: span, origins: new Map([['key-file', { file: '/p/azldev.toml', line: 5, col: 12 }]]) };
  await mem.writeFileAtomic('/p/keys/k.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o644);
  assert.deepEqual(where(await loadErrors(mem, cfg)), [['ATTEST_KEY_PERMISSIONS', 'azldev.toml:5:12']]);
  await mem.chmod('/p/keys/k.pem', 0o600);
  const key = await loadAttestationKey(mem, cfg);
  assert.match(key.keyId, /^[0-9A-F]{16}$/);
  // a symbolic link is followed: the target's mode counts
  await mem.writeFileAtomic('/secrets/k.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o640);
  await mem.symlink('/secrets/k.pem', '/p/keys/link.pem');
  assert.deepEqual(where(await loadErrors(mem, { ...cfg, keyFile: '/p/keys/link.pem' })), [['ATTEST_KEY_PERMISSIONS', 'azldev.toml:5:12']]);
});
