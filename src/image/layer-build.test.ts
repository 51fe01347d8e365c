// A layer built from a LayerTree: every artefact byte-identical across two builds (from two
// copies of the tree), checked with the real tools — `veritysetup verify` of NAME.erofs against
// NAME.verity and NAME.roothash, `openssl smime -verify` of NAME.roothash.p7s, `sfdisk -d` and
// `sgdisk -v` of NAME.raw, `systemd-dissect` recognising it as a signed system extension — and the
// DSSE statement naming every artefact by digest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { parseEnvelope, verifyEnvelope, IN_TOTO_PAYLOAD_TYPE } from '../attest/dsse.js';
import { keySigner, keyVerifier } from '../trust/key-signer.js';
import { makeTestCertificate, makeTestLayerTree, type TestCertificate } from '../testing/image-layer.js';
import { DPS_TYPES, ddiUuids, parseVeritySignature } from './ddi.js';
import { buildLayer, layerFiles, type BuiltLayer, type LayerStatement } from './layer-build.js';
import { pkcs7Signer } from './pkcs7.js';

const fs = new NodeFileSystem();
const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
const ctx = { fs, files, proc };
let tmp: string;
let cert: TestCertificate;
const att = generateKeyPairSync('ed25519');
let built: BuiltLayer;
let again: BuiltLayer;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-layer-build-'));
  cert = await makeTestCertificate(proc, path.join(tmp, 'keys'), 'Strata Layer Test');
  const signing = { rootHash: await pkcs7Signer({ privateKeyPem: readFileSync(cert.keyFile, 'utf8'), certificate: readFileSync(cert.certFile, 'utf8'), embedCertificate: true }), statement: keySigner(att.privateKey) };
  const tree = makeTestLayerTree(path.join(tmp, 'tree-a'));
  execFileSync('cp', ['-a', tree.root, path.join(tmp, 'tree-b')]);
  execFileSync('touch', ['-d', '@1', path.join(tmp, 'tree-b/usr/bin/greet')]);
  built = await buildLayer(ctx, tree, { outDir: path.join(tmp, 'out-a/greet'), signing });
  again = await buildLayer(ctx, { ...tree, root: path.join(tmp, 'tree-b') }, { outDir: path.join(tmp, 'out-b/greet'), signing });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('buildLayer', () => {
  test('the layer directory holds the DDI and its sidecars, byte-identical across two builds', () => {
    const names = layerFiles('greet');
    assert.deepEqual(readdirSync(built.dir).sort(), Object.values(names).sort());
    for (const f of Object.values(names)) assert.ok(readFileSync(path.join(built.dir, f)).equals(readFileSync(path.join(again.dir, f))), `${f} differs between two builds`);
    assert.equal(readFileSync(path.join(built.dir, names.roothash), 'utf8'), built.rootHash);
    assert.match(built.rootHash, /^[0-9a-f]{64}$/);
    assert.equal(built.sizes.erofs % 4096, 0);
    console.log(`  layer greet: erofs ${built.sizes.erofs} B, verity ${built.sizes.verity} B, raw ${built.sizes.raw} B; ms ${JSON.stringify(Object.fromEntries(Object.entries(built.timings).map(([k, v]) => [k, Math.round(v)])))}`);
  });

  test('veritysetup verify accepts erofs + verity + roothash; openssl accepts the signature', async () => {
    const n = layerFiles('greet');
    const v = await proc.run('veritysetup', ['verify', path.join(built.dir, n.erofs), path.join(built.dir, n.verity), built.rootHash]);
    assert.equal(v.code, 0, v.stderr);
    const o = await proc.run('openssl', ['smime', '-verify', '-binary', '-inform', 'der', '-in', path.join(built.dir, n.p7s), '-content', path.join(built.dir, n.roothash), '-CAfile', cert.certFile, '-purpose', 'any', '-out', '/dev/null']);
    assert.equal(o.code, 0, o.stderr);
  });

  test('NAME.raw is a GPT DDI: sfdisk and sgdisk read it; partition UUIDs are the root hash halves; the signature JSON', async () => {
    const raw = path.join(built.dir, layerFiles('greet').raw);
    const d = await proc.run('sfdisk', ['--json', raw]);
    assert.equal(d.code, 0, d.stderr);
    const pt = (JSON.parse(d.stdout) as { partitiontable: { label: string; id: string; firstlba: number; partitions: Array<{ start: number; size: number; type: string; uuid: string; name: string; attrs?: string }> } }).partitiontable;
    const ids = ddiUuids(built.rootHash);
    assert.equal(pt.label, 'gpt');
    assert.equal(pt.id.toLowerCase(), ids.disk);
    const [dataT, verT, sigT] = DPS_TYPES.root['x86-64'];
    assert.deepEqual(pt.partitions.map((p) => [p.type.toLowerCase(), p.uuid.toLowerCase(), p.name, p.attrs]), [
      [dataT, ids.data, 'root-x86-64', 'GUID:60'],
      [verT, ids.verity, 'root-x86-64-verity', 'GUID:60'],
      [sigT, ids.signature, 'root-x86-64-verity-sig', 'GUID:60'],
    ]);
    assert.equal(pt.partitions[0]!.start, 2048);
    assert.equal(pt.partitions[0]!.size * 512, built.sizes.erofs);
    const sg = await proc.run('sgdisk', ['-v', raw]);
    assert.equal(sg.code, 0, sg.stderr);
    assert.match(sg.stdout, /No problems found/);
    // the data partition is the erofs, the signature partition systemd's JSON
    const disk = readFileSync(raw);
    const p1 = pt.partitions[0]!;
    assert.ok(disk.subarray(p1.start * 512, p1.start * 512 + built.sizes.erofs).equals(readFileSync(path.join(built.dir, 'greet.erofs'))));
    const p3 = pt.partitions[2]!;
    const sigPart = disk.subarray(p3.start * 512, (p3.start + p3.size) * 512);
    assert.equal(sigPart.length, 16384);
    const sig = parseVeritySignature(sigPart);
    assert.equal(sig.rootHash, built.rootHash);
    assert.ok(Buffer.from(sig.signature, 'base64').equals(readFileSync(path.join(built.dir, 'greet.roothash.p7s'))));
    const der = execFileSync('openssl', ['x509', '-in', cert.certFile, '-outform', 'der']);
    assert.equal(sig.certificateFingerprint, createHash('sha256').update(der).digest('hex'));
    assert.match(sigPart.toString('latin1', 0, 40), /^\{"rootHash":"[0-9a-f]{20}/);
  });

  test('systemd-dissect recognises a signed system extension (beside its sidecars, and alone)', { skip: !execFileSync('sh', ['-c', 'command -v systemd-dissect || true']).toString().trim() && 'systemd-dissect is not installed (apt-get install systemd-container)' }, async () => {
    const raw = path.join(built.dir, layerFiles('greet').raw);
    const alone = path.join(tmp, 'alone', 'greet.raw');
    execFileSync('mkdir', ['-p', path.dirname(alone)]);
    execFileSync('cp', [raw, alone]);
    // systemd 252 refuses a partitioned image with NAME.verity beside it unless told to ignore sidecars
    const beside = await proc.run('systemd-dissect', ['--json=short', raw]);
    assert.notEqual(beside.code, 0);
    assert.match(beside.stderr, /external Verity data/);
    for (const [image, env] of [[raw, { SYSTEMD_DISSECT_VERITY_SIDECAR: '0' }], [alone, {}]] as const) {
      const r = await proc.run('systemd-dissect', ['--json=short', image], { env });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const j = JSON.parse(r.stdout) as { mounts: Array<{ designator: string; fstype: string; verity: string | null; architecture: string; partition_uuid: string }>; useSystemExtension: boolean; extensionRelease?: string[] };
      const root = j.mounts.find((m) => m.designator === 'root');
      assert.ok(root, r.stdout);
      assert.equal(root.fstype, 'erofs');
      assert.equal(root.architecture, 'x86-64');
      assert.equal(root.verity, 'signed');
      assert.equal(root.partition_uuid, ddiUuids(built.rootHash).data);
      assert.deepEqual(j.mounts.map((m) => m.designator), ['root', 'root-verity', 'root-verity-sig']);
      assert.equal(j.useSystemExtension, true, `not recognised as a system extension: ${r.stdout}`);
      assert.deepEqual(j.extensionRelease, ['ID=exampleos', 'SYSEXT_LEVEL=1.0', 'ARCHITECTURE=x86-64']);
    }
  });

  test('the DSSE statement names every artefact by SHA-256 and verifies with the attestation key', async () => {
    const text = readFileSync(path.join(built.dir, layerFiles('greet').statement), 'utf8');
    const v = await verifyEnvelope(parseEnvelope(text.trim()), keyVerifier([att.publicKey]), { payloadTypes: [IN_TOTO_PAYLOAD_TYPE] });
    const st = JSON.parse(Buffer.from(v.payload).toString('utf8')) as LayerStatement;
    assert.deepEqual(st, built.statement);
    for (const s of st.subject) assert.equal(s.digest.sha256, createHash('sha256').update(readFileSync(path.join(built.dir, s.name))).digest('hex'), s.name);
    assert.equal(st.subject.length, 6);
    assert.equal(st.predicate.rootHash, built.rootHash);
    assert.equal(st.predicate.signature?.format, 'pkcs7-der');
    assert.deepEqual(st.predicate.packages.map((p) => p.nevra), ['greet-1.0-1.exl1.x86_64', 'greet-doc-1.0-1.exl1.noarch']);
  });
});
