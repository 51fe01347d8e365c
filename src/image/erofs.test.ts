// Reproducible erofs of a layer tree with the real mkfs.erofs: two builds byte-identical, also
// from a copy of the tree with other mtimes and owners; another epoch or content gives other
// bytes; fsck.erofs accepts it; dump.erofs shows the fixed UUID. The manifest of the same tree:
// owners from the package list, setuid mode, symlink targets (never followed), deterministic text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import type { StrataError } from '../diag/index.js';
import { makeTestLayerTree } from '../testing/image-layer.js';
import { buildErofs, derivedUuid, mkfsErofsArgs } from './erofs.js';
import { buildLayerManifest, layerPath, parseLayerManifest, printLayerManifest } from './layer-manifest.js';

const fs = new NodeFileSystem();
const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-erofs-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('erofs images of a layer tree', () => {
  test('two builds, and a copy with other mtimes and owners, are byte-identical; other content differs', async () => {
    const tree = makeTestLayerTree(path.join(tmp, 'a'));
    const copy = path.join(tmp, 'b');
    execFileSync('cp', ['-a', tree.root, copy]);
    utimesSync(path.join(copy, 'usr/bin/greet'), 12345, 12345);
    chownSync(path.join(copy, 'etc/greet.conf'), 1000, 1000);
    const uuid = derivedUuid('erofs', 'greet', 'x');
    const opts = { uuid, sourceDateEpoch: tree.sourceDateEpoch };
    await buildErofs(proc, fs, tree.root, path.join(tmp, 'one.erofs'), opts);
    await buildErofs(proc, fs, tree.root, path.join(tmp, 'two.erofs'), opts);
    await buildErofs(proc, fs, copy, path.join(tmp, 'copy.erofs'), opts);
    const one = readFileSync(path.join(tmp, 'one.erofs'));
    assert.ok(one.equals(readFileSync(path.join(tmp, 'two.erofs'))), 'two builds differ');
    assert.ok(one.equals(readFileSync(path.join(tmp, 'copy.erofs'))), 'a copy of the tree gives other bytes');
    assert.equal(one.length % 4096, 0);
    await buildErofs(proc, fs, tree.root, path.join(tmp, 'later.erofs'), { ...opts, sourceDateEpoch: tree.sourceDateEpoch + 1 });
    assert.ok(!one.equals(readFileSync(path.join(tmp, 'later.erofs'))), 'the epoch is not used');
    const fsck = await proc.run('fsck.erofs', [path.join(tmp, 'one.erofs')]);
    assert.equal(fsck.code, 0, fsck.stderr + fsck.stdout);
    const dump = await proc.run('dump.erofs', [path.join(tmp, 'one.erofs')]);
    assert.match(dump.stdout, new RegExp(`UUID:\\s+${uuid}`));
    // lz4hc compresses and stays reproducible
    await buildErofs(proc, fs, tree.root, path.join(tmp, 'z1.erofs'), { ...opts, compression: 'lz4hc' });
    await buildErofs(proc, fs, copy, path.join(tmp, 'z2.erofs'), { ...opts, compression: 'lz4hc' });
    assert.ok(readFileSync(path.join(tmp, 'z1.erofs')).equals(readFileSync(path.join(tmp, 'z2.erofs'))));
    assert.deepEqual(mkfsErofsArgs('o', 'r', { ...opts, compression: 'lz4' }).slice(0, 5), ['--quiet', `-T${tree.sourceDateEpoch}`, `-U${uuid}`, '--all-root', '-zlz4']);
  });

  test('a mkfs.erofs failure is LAYER_EROFS_FAILED and leaves no file', async () => {
    const out = path.join(tmp, 'bad.erofs');
    await assert.rejects(buildErofs(proc, fs, path.join(tmp, 'no-such-dir'), out, { uuid: derivedUuid('x'), sourceDateEpoch: 0 }), (e: StrataError) => e.code === 'LAYER_EROFS_FAILED');
    assert.equal(await fs.stat(out), undefined);
    assert.throws(() => mkfsErofsArgs('o', 'r', { uuid: derivedUuid('x'), sourceDateEpoch: -1 }), (e: StrataError) => e.code === 'LAYER_EROFS_FAILED');
  });
});

describe('layer manifest', () => {
  test('every entry with type, mode, owner, digest, link target and owning package; deterministic', async () => {
    const tree = makeTestLayerTree(path.join(tmp, 'm'));
    const m = await buildLayerManifest(files, tree);
    const by = new Map(m.entries.map((e) => [e.path, e]));
    assert.equal(m.entries[0]!.path, '/');
    assert.deepEqual(by.get('/usr/bin/su-greet'), { path: '/usr/bin/su-greet', type: 'file', mode: '4755', uid: 0, gid: 0, size: 5000, sha256: (await import('node:crypto')).createHash('sha256').update(Buffer.alloc(5000, 7)).digest('hex'), rpm: 'greet-1.0-1.exl1.x86_64', sbom: 'sbom/greet-1.0-1.exl1.x86_64.spdx.json' });
    assert.deepEqual(by.get('/usr/share/greet/dangling'), { path: '/usr/share/greet/dangling', type: 'symlink', mode: '0777', uid: 0, gid: 0, size: 20, target: '/nonexistent/outside', rpm: 'greet-1.0-1.exl1.x86_64', sbom: 'sbom/greet-1.0-1.exl1.x86_64.spdx.json' });
    assert.equal(by.get('/var/lib/greet')!.mode, '1777');
    assert.equal(by.get('/var/lib/greet/fifo')!.type, 'fifo');
    assert.equal(by.get('/usr/share/doc/greet/README')!.rpm, 'greet-doc-1.0-1.exl1.noarch');
    // a directory two packages own: the first in NEVRA order
    assert.equal(by.get('/usr/share/greet')!.rpm, 'greet-1.0-1.exl1.x86_64');
    assert.equal(by.get('/usr/lib')!.rpm, undefined);
    assert.equal(m.packages.find((p) => p.name === 'greet')!.files, 11);
    const paths = m.entries.map((e) => e.path);
    assert.deepEqual(paths, [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const text = printLayerManifest(m);
    assert.equal(printLayerManifest(await buildLayerManifest(files, tree)), text);
    assert.deepEqual(parseLayerManifest(text), m);
  });

  test('a package path that leaves the layer is LAYER_PATH_ESCAPES; a bad name LAYER_NAME_INVALID', async () => {
    assert.throws(() => layerPath('/usr/../../etc/passwd', 'evil-1-1.noarch'), (e: StrataError) => e.code === 'LAYER_PATH_ESCAPES');
    assert.throws(() => layerPath('usr/bin/x', 'evil-1-1.noarch'), (e: StrataError) => e.code === 'LAYER_PATH_ESCAPES');
    assert.equal(layerPath('/usr//bin/./x/', 'p'), '/usr/bin/x');
    const tree = makeTestLayerTree(path.join(tmp, 'n'));
    await assert.rejects(buildLayerManifest(files, { ...tree, name: '../x' }), (e: StrataError) => e.code === 'LAYER_NAME_INVALID');
    await assert.rejects(buildLayerManifest(files, { ...tree, root: path.join(tmp, 'none') }), (e: StrataError) => e.code === 'LAYER_TREE_MISSING');
  });
});
