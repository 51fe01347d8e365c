// Composition of a base and an extension layer: every layer verified first; the merged tree with
// overlay semantics (the upper file wins, a whiteout removes the path below); two runs give the
// same tree; each refusal (unsigned, altered, untrusted, wrong order, incompatible) has its code
// and writes nothing. The mount test loop-mounts each erofs, overlay-mounts them and compares the
// mounted tree with the manifests (root only). `scanTree` on the merged tree: clean, then a
// tampered, a removed and an added file reported with rpm -V style flags.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { keySigner, keyVerifier } from '../trust/key-signer.js';
import { makeTestCertificate, makeTestLayerTree } from '../testing/image-layer.js';
import { composeLayers, orderProblems } from './compose.js';
import { buildLayer, layerFiles, type BuiltLayer, type LayerSigning } from './layer-build.js';
import { buildLayerManifest, printLayerManifest } from './layer-manifest.js';
import type { LayerTrust } from './layer-verify.js';
import { pkcs7Signer } from './pkcs7.js';
import { scanTree } from './scan.js';

const fs = new NodeFileSystem();
const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
const ctx = { fs, files, proc };
const att = generateKeyPairSync('ed25519');
let tmp: string;
let signing: LayerSigning;
let trust: LayerTrust;
let base: BuiltLayer;
let ext: BuiltLayer;
const isRoot = process.getuid?.() === 0;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-compose-'));
  const cert = await makeTestCertificate(proc, path.join(tmp, 'keys'), 'Strata Layers');
  signing = { rootHash: await pkcs7Signer({ privateKeyPem: readFileSync(cert.keyFile, 'utf8'), certificate: readFileSync(cert.certFile, 'utf8') }), statement: keySigner(att.privateKey) };
  trust = { certificates: [readFileSync(cert.certFile, 'utf8')], statementVerifier: keyVerifier([att.publicKey]) };
  base = await buildLayer(ctx, makeTestLayerTree(path.join(tmp, 'base-tree'), { name: 'base', kind: 'base' }), { outDir: path.join(tmp, 'layers/base'), signing });
  const extTree = makeTestLayerTree(path.join(tmp, 'ext-tree'), { name: 'greet', kind: 'extension', variant: 'from the extension', extraFiles: { 'usr/share/greet/extra.txt': 'only in the extension\n' } });
  rmSync(path.join(extTree.root, 'usr/share/greet/words.txt'));
  rmSync(path.join(extTree.root, 'usr/share/greet/words-link.txt'));
  execFileSync('mknod', [path.join(extTree.root, 'usr/share/greet/words.txt'), 'c', '0', '0']);
  ext = await buildLayer(ctx, extTree, { outDir: path.join(tmp, 'layers/greet'), signing });
});
after(() => (process.env.KEEP_TMP ? console.log(tmp) : rmSync(tmp, { recursive: true, force: true })));

const codesOf = (r: { problems: readonly { code: string }[] }) => [...new Set(r.problems.map((p) => p.code))].sort();

describe('composeLayers', () => {
  test('base + extension: the merged tree with overlay semantics, the same across two runs', async () => {
    const r = await composeLayers(ctx, { layers: [base.dir, ext.dir], trust, outDir: path.join(tmp, 'out/image') });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    const root = path.join(tmp, 'out/image/root');
    assert.equal(readFileSync(path.join(root, 'usr/bin/greet'), 'utf8'), '#!/bin/sh\necho hello from the extension\n');
    assert.equal(readFileSync(path.join(root, 'usr/share/greet/extra.txt'), 'utf8'), 'only in the extension\n');
    assert.ok(!existsSync(path.join(root, 'usr/share/greet/words.txt')), 'the whiteout did not remove the base file');
    assert.ok(existsSync(path.join(root, 'usr/share/greet/words-link.txt')), 'the base file the extension keeps is gone');
    assert.ok(existsSync(path.join(root, 'usr/lib/os-release')) && existsSync(path.join(root, 'usr/lib/extension-release.d/extension-release.greet')));
    assert.equal(execFileSync('stat', ['-c', '%a', path.join(root, 'usr/bin/su-greet')]).toString().trim(), '4755');
    const composed = JSON.parse(readFileSync(path.join(tmp, 'out/image/compose.json'), 'utf8')) as { layers: Array<{ name: string; rootHash: string }> };
    assert.deepEqual(composed.layers.map((l) => [l.name, l.rootHash]), [['base', base.rootHash], ['greet', ext.rootHash]]);
    const r2 = await composeLayers(ctx, { layers: [base.dir, ext.dir], trust, outDir: path.join(tmp, 'out2/image') });
    assert.equal(r2.ok, true);
    const tree = async (d: string) => printLayerManifest(await buildLayerManifest(files, { name: 'x', kind: 'base', root: d, packages: [], sourceDateEpoch: 0 }, { allRoot: false }));
    assert.equal(await tree(path.join(tmp, 'out2/image/root')), await tree(root));
    assert.ok(readFileSync(path.join(tmp, 'out2/image/compose.json')).equals(readFileSync(path.join(tmp, 'out/image/compose.json'))));
    // a scan of the merged tree against the manifests is clean
    const scan = await scanTree(files, root, [base.manifest, ext.manifest]);
    assert.deepEqual(scan.findings, []);
  });

  const refusals: Array<{ name: string; code: string; setUp: () => Promise<{ layers: string[]; trust?: LayerTrust }> }> = [
    {
      name: 'an unsigned extension', code: 'LAYER_UNSIGNED',
      setUp: async () => ({ layers: [base.dir, (await buildLayer(ctx, makeTestLayerTree(path.join(tmp, 'u-tree'), { name: 'greet' }), { outDir: path.join(tmp, 'u/greet'), signing: { statement: signing.statement } })).dir] }),
    },
    {
      name: 'an altered extension', code: 'LAYER_DATA_ALTERED',
      setUp: async () => {
        const d = path.join(tmp, 'alt');
        execFileSync('cp', ['-a', ext.dir, d]);
        const f = path.join(d, layerFiles('greet').erofs);
        const b = readFileSync(f);
        b[4096 + 3]! ^= 1;
        writeFileSync(f, b);
        return { layers: [base.dir, d] };
      },
    },
    { name: 'an untrusted signer', code: 'LAYER_UNTRUSTED_SIGNER', setUp: async () => ({ layers: [base.dir, ext.dir], trust: { ...trust, certificates: [readFileSync((await makeTestCertificate(proc, path.join(tmp, 'k2'), 'Other')).certFile, 'utf8')] } }) },
    { name: 'the wrong order', code: 'LAYER_ORDER', setUp: async () => ({ layers: [ext.dir, base.dir] }) },
    {
      name: 'an incompatible extension', code: 'LAYER_INCOMPATIBLE',
      setUp: async () => {
        const t = makeTestLayerTree(path.join(tmp, 'i-tree'), { name: 'other' });
        writeFileSync(path.join(t.root, 'usr/lib/extension-release.d/extension-release.other'), 'ID=otheros\nSYSEXT_LEVEL=1.0\nARCHITECTURE=x86-64\n');
        const built = await buildLayer(ctx, { ...t, extensionRelease: { id: 'otheros', sysextLevel: '1.0', architecture: 'x86-64' } }, { outDir: path.join(tmp, 'i/other'), signing });
        return { layers: [base.dir, built.dir] };
      },
    },
  ];
  for (const c of refusals) {
    test(`refused: ${c.name} (${c.code}), nothing written`, async () => {
      const s = await c.setUp();
      const out = path.join(tmp, `refused-${c.code}`, 'image');
      const r = await composeLayers(ctx, { layers: s.layers, trust: s.trust ?? trust, outDir: out, checkTree: false });
      assert.equal(r.ok, false);
      assert.ok(codesOf(r).includes(c.code), `${codesOf(r).join(', ')} lacks ${c.code}`);
      assert.ok(!existsSync(path.dirname(out)) || readdirSync(path.dirname(out)).length === 0, 'something was written');
    });
  }

  test('orderProblems', () => {
    assert.deepEqual(orderProblems([{ name: 'b', kind: 'base' }, { name: 'e', kind: 'extension' }]), []);
    assert.equal(orderProblems([{ name: 'b', kind: 'base' }, { name: 'b2', kind: 'base' }]).length, 1);
    assert.equal(orderProblems([{ name: 'b', kind: 'base' }, { name: 'b', kind: 'extension' }]).length, 1);
    assert.equal(orderProblems([]).length, 1);
  });

  test('mount: each erofs loop-mounted, the overlay of both matches the manifests', { skip: !isRoot && 'loop and overlay mounts need root: skipped' }, async () => {
    const m = path.join(tmp, 'mnt');
    const [mb, me, merged] = ['base', 'ext', 'merged'].map((d) => path.join(m, d)) as [string, string, string];
    for (const d of [mb, me, merged]) mkdirSync(d, { recursive: true });
    const mounted: string[] = [];
    try {
      for (const [layer, at] of [[base, mb], [ext, me]] as const) {
        const r = await proc.run('mount', ['-t', 'erofs', '-o', 'loop,ro', path.join(layer.dir, layerFiles(layer.name).erofs), at]);
        assert.equal(r.code, 0, r.stderr);
        mounted.push(at);
        // the mounted layer is its manifest, owners included
        const scan = await scanTree(files, at, [layer.manifest], { whiteouts: false });
        assert.deepEqual(scan.findings, [], `${layer.name}: ${JSON.stringify(scan.findings.slice(0, 5))}`);
      }
      const r = await proc.run('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${me}:${mb}`, merged]);
      assert.equal(r.code, 0, r.stderr);
      mounted.push(merged);
      const scan = await scanTree(files, merged, [base.manifest, ext.manifest]);
      assert.deepEqual(scan.findings, [], JSON.stringify(scan.findings.slice(0, 5)));
      assert.equal(readFileSync(path.join(merged, 'usr/bin/greet'), 'utf8'), '#!/bin/sh\necho hello from the extension\n');
      assert.ok(!existsSync(path.join(merged, 'usr/share/greet/words.txt')));
      // the overlay and the composed tree agree
      const composedScan = await scanTree(files, path.join(tmp, 'out/image/root'), [base.manifest, ext.manifest]);
      assert.deepEqual(composedScan.findings, []);
    } finally {
      for (const at of mounted.reverse()) await proc.run('umount', [at]);
    }
  });

  test('scanTree: a tampered, a removed and an added file, configuration apart', async () => {
    const root = path.join(tmp, 'scan-root');
    execFileSync('cp', ['-a', path.join(tmp, 'out/image/root'), root]);
    writeFileSync(path.join(root, 'usr/bin/greet'), '#!/bin/sh\necho hello from the EXTENSION\n');
    rmSync(path.join(root, 'usr/share/doc/greet/README'));
    writeFileSync(path.join(root, 'usr/bin/intruder'), 'x');
    writeFileSync(path.join(root, 'etc/greet.conf'), 'greeting=bonjour\n');
    execFileSync('chmod', ['0700', path.join(root, 'usr/share/greet/extra.txt')]);
    const scan = await scanTree(files, root, [base.manifest, ext.manifest]);
    assert.deepEqual(scan.findings.map((f) => [f.path, f.kind, f.flags ?? '', f.area, f.layer ?? '']), [
      ['/etc/greet.conf', 'modified', 'S.5......', 'config', 'greet'],
      ['/usr/bin/greet', 'modified', '..5......', 'system', 'greet'],
      ['/usr/bin/intruder', 'unowned', '', 'system', ''],
      ['/usr/share/doc/greet/README', 'missing', '', 'system', 'greet'],
      ['/usr/share/greet/extra.txt', 'modified', '.M.......', 'system', 'greet'],
    ]);
    assert.equal(scan.systemFindings, 4);
    assert.equal(scan.findings.find((f) => f.path === '/usr/bin/greet')!.rpm, 'greet-1.0-1.exl1.x86_64');
  });
});
