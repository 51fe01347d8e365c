// Layer verification as named steps: a good layer passes every step; each refusal names its
// step and code — unsigned, untrusted signer, altered data, hash tree regenerated over altered
// data, altered root hash, altered manifest, a signed manifest that does not describe the erofs,
// an altered disk image, a missing file, an untrusted statement key, an incompatible extension.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope, signEnvelope } from '../attest/dsse.js';
import { keySigner, keyVerifier } from '../trust/key-signer.js';
import { makeTestCertificate, makeTestLayerTree, type TestCertificate } from '../testing/image-layer.js';
import { buildLayer, layerFiles, type BuiltLayer } from './layer-build.js';
import { verifyLayer, type LayerTrust, type LayerVerdict } from './layer-verify.js';
import { pkcs7Signer } from './pkcs7.js';
import { readGpt } from './gpt.js';

const fs = new NodeFileSystem();
const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
const ctx = { fs, files, proc };
let tmp: string;
let mine: TestCertificate;
let other: TestCertificate;
const att = generateKeyPairSync('ed25519');
const otherAtt = generateKeyPairSync('ed25519');
let good: BuiltLayer;
let unsigned: BuiltLayer;
let trust: LayerTrust;
const n = layerFiles('greet');

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-layer-verify-'));
  mine = await makeTestCertificate(proc, path.join(tmp, 'mine'), 'Strata Layers');
  other = await makeTestCertificate(proc, path.join(tmp, 'other'), 'Someone Else');
  const rootHash = await pkcs7Signer({ privateKeyPem: readFileSync(mine.keyFile, 'utf8'), certificate: readFileSync(mine.certFile, 'utf8') });
  good = await buildLayer(ctx, makeTestLayerTree(path.join(tmp, 'tree')), { outDir: path.join(tmp, 'good/greet'), signing: { rootHash, statement: keySigner(att.privateKey) } });
  unsigned = await buildLayer(ctx, makeTestLayerTree(path.join(tmp, 'tree2')), { outDir: path.join(tmp, 'unsigned/greet'), signing: { statement: keySigner(att.privateKey) } });
  trust = { certificates: [readFileSync(mine.certFile, 'utf8')], statementVerifier: keyVerifier([att.publicKey]) };
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let copies = 0;
function copyOf(dir: string): string {
  const to = path.join(tmp, `copy-${copies++}`);
  execFileSync('cp', ['-a', dir, to]);
  return to;
}
function flip(file: string, at: number): void {
  const b = readFileSync(file);
  b[at]! ^= 0x01;
  writeFileSync(file, b);
}
const failed = (v: LayerVerdict) => Object.fromEntries(v.steps.filter((s) => s.status === 'failed').map((s) => [s.step, [...new Set(s.problems.map((p) => p.code))].sort()]));

describe('verifyLayer', () => {
  test('a good layer passes every step', async () => {
    const v = await verifyLayer(ctx, good.dir, { trust, base: { id: 'exampleos', versionId: '1', sysextLevel: '1.0', architecture: 'x86-64' } });
    assert.deepEqual(v.steps.map((s) => [s.step, s.status]), [
      ['layer files', 'passed'], ['envelope parsed', 'passed'], ['envelope signature', 'passed'], ['payload type', 'passed'], ['statement parsed', 'passed'],
      ['artefact digests', 'passed'], ['root hash signature', 'passed'], ['verity', 'passed'], ['disk image', 'passed'], ['manifest', 'passed'], ['sysext compatibility', 'passed'],
    ]);
    assert.equal(v.ok, true);
    assert.equal(v.rootHash, good.rootHash);
    // NAME.raw names the same layer
    assert.equal((await verifyLayer(ctx, path.join(good.dir, n.raw), { trust })).ok, true);
  });

  test('unsigned: LAYER_UNSIGNED (no .p7s, no signature partition)', async () => {
    const v = await verifyLayer(ctx, unsigned.dir, { trust });
    assert.deepEqual(failed(v), { 'root hash signature': ['LAYER_UNSIGNED'] });
    assert.equal(v.ok, false);
    const ddi = await files.openRead(path.join(unsigned.dir, n.raw));
    assert.equal((await readGpt(ddi)).partitions.length, 2);
    await ddi.close();
  });

  test('untrusted signer: LAYER_UNTRUSTED_SIGNER', async () => {
    const v = await verifyLayer(ctx, good.dir, { trust: { ...trust, certificates: [readFileSync(other.certFile, 'utf8')] } });
    assert.deepEqual(failed(v), { 'root hash signature': ['LAYER_UNTRUSTED_SIGNER'] });
  });

  test('altered erofs data: LAYER_DATA_ALTERED (and the signed digest differs)', async () => {
    const dir = copyOf(good.dir);
    flip(path.join(dir, n.erofs), 4096 + 100);
    assert.deepEqual(failed(await verifyLayer(ctx, dir, { trust })), { 'artefact digests': ['LAYER_ARTEFACT_ALTERED'], verity: ['LAYER_DATA_ALTERED'], manifest: ['LAYER_MANIFEST_ALTERED'] });
  });

  test('hash tree regenerated over altered data, old signature kept: LAYER_ROOT_HASH_MISMATCH', async () => {
    const dir = copyOf(good.dir);
    flip(path.join(dir, n.erofs), 4096 + 100);
    const st = good.statement.predicate.verity;
    const r = await proc.run('veritysetup', ['format', '--salt', st.salt, '--uuid', st.uuid, path.join(dir, n.erofs), path.join(dir, n.verity)]);
    assert.equal(r.code, 0, r.stderr);
    const v = await verifyLayer(ctx, dir, { trust, checkTree: false });
    assert.deepEqual(failed(v), { 'artefact digests': ['LAYER_ARTEFACT_ALTERED'], verity: ['LAYER_ROOT_HASH_MISMATCH'] });
  });

  test('altered root hash file: LAYER_SIGNATURE_INVALID', async () => {
    const dir = copyOf(good.dir);
    writeFileSync(path.join(dir, n.roothash), good.rootHash.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    const f = failed(await verifyLayer(ctx, dir, { trust }));
    assert.deepEqual(f['root hash signature'], ['LAYER_SIGNATURE_INVALID']);
    assert.deepEqual(f['artefact digests'], ['LAYER_ARTEFACT_ALTERED']);
  });

  test('altered manifest: LAYER_MANIFEST_ALTERED', async () => {
    const dir = copyOf(good.dir);
    const text = readFileSync(path.join(dir, n.manifest), 'utf8');
    writeFileSync(path.join(dir, n.manifest), text.replace('"mode":"4755"', '"mode":"0755"'));
    assert.deepEqual(failed(await verifyLayer(ctx, dir, { trust })), { 'artefact digests': ['LAYER_ARTEFACT_ALTERED'], manifest: ['LAYER_MANIFEST_ALTERED'] });
  });

  test('a signed manifest that does not describe the erofs tree: LAYER_MANIFEST_ALTERED naming the paths', async () => {
    const dir = copyOf(good.dir);
    const text = readFileSync(path.join(dir, n.manifest), 'utf8').replace('"mode":"4755"', '"mode":"0755"');
    writeFileSync(path.join(dir, n.manifest), text);
    // re-sign a statement over the wrong manifest with the trusted key (a broken builder, say)
    const st = JSON.parse(JSON.stringify(good.statement)) as { predicate: { manifest: { sha256: string } }; subject: Array<{ name: string; digest: { sha256: string } }> };
    const digest = (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
    st.predicate.manifest.sha256 = digest;
    st.subject.find((s) => s.name === n.manifest)!.digest.sha256 = digest;
    const env = await signEnvelope(keySigner(att.privateKey), IN_TOTO_PAYLOAD_TYPE, new TextEncoder().encode(JSON.stringify(st)));
    writeFileSync(path.join(dir, n.statement), serializeEnvelope(env) + '\n');
    const v = await verifyLayer(ctx, dir, { trust });
    assert.deepEqual(failed(v), { manifest: ['LAYER_MANIFEST_ALTERED'] });
    assert.match(v.problems[0]!.message, /\/usr\/bin\/su-greet: \.M\.\.\.\.\.\.\./);
  });

  test('altered disk image data partition: LAYER_DATA_ALTERED in the disk image step', async () => {
    const dir = copyOf(good.dir);
    flip(path.join(dir, n.raw), 1024 * 1024 + 4096 + 7);
    assert.deepEqual(failed(await verifyLayer(ctx, dir, { trust })), { 'artefact digests': ['LAYER_ARTEFACT_ALTERED'], 'disk image': ['LAYER_DATA_ALTERED'] });
  });

  test('a missing erofs: LAYER_ARTEFACT_MISSING, and the steps after it are skipped', async () => {
    const dir = copyOf(good.dir);
    rmSync(path.join(dir, n.erofs));
    const v = await verifyLayer(ctx, dir, { trust });
    assert.deepEqual(failed(v), { 'layer files': ['LAYER_ARTEFACT_MISSING'] });
    assert.ok(v.steps.slice(1).every((s) => s.status === 'skipped'));
  });

  test('a statement by an untrusted attestation key: TRUST_SIGNATURE_UNKNOWN_KEY', async () => {
    const v = await verifyLayer(ctx, good.dir, { trust: { ...trust, statementVerifier: keyVerifier([otherAtt.publicKey]) } });
    assert.deepEqual(failed(v), { 'envelope signature': ['TRUST_SIGNATURE_UNKNOWN_KEY'] });
  });

  test('an extension for another OS, level or architecture: LAYER_INCOMPATIBLE', async () => {
    for (const base of [{ id: 'otheros', sysextLevel: '1.0', architecture: 'x86-64' }, { id: 'exampleos', sysextLevel: '2.0', architecture: 'x86-64' }, { id: 'exampleos', sysextLevel: '1.0', architecture: 'arm64' }]) {
      const v = await verifyLayer(ctx, good.dir, { trust, base, checkTree: false });
      assert.deepEqual(failed(v), { 'sysext compatibility': ['LAYER_INCOMPATIBLE'] }, JSON.stringify(base));
    }
  });
});
