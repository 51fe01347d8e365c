// The TypeScript dm-verity tree against the real `veritysetup format` (cryptsetup 2.6.1): the
// hash device byte for byte and the root hash, for one data block (no levels), a size that is not
// a multiple of the block size, exactly one level-0 block, two and three levels, and 512-byte
// blocks (what systemd-repart 252 uses); then `checkVerity` on altered data and an altered tree.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { checkVerity, computeVerityTree, hashDeviceSize, parseVeritySuperblock } from './verity.js';

const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-verity-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic pseudo-random bytes (SHA-256 in counter mode). */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, c = 0; i < n; i += 32, c++) createHash('sha256').update(`${seed}:${c}`).digest().copy(out, i);
  return out;
}

async function veritysetup(data: string, hash: string, salt: string, uuid: string, dbs: number, hbs: number): Promise<string> {
  const r = await proc.run('veritysetup', ['format', '--hash', 'sha256', '--data-block-size', String(dbs), '--hash-block-size', String(hbs), '--salt', salt, '--uuid', uuid, data, hash]);
  assert.equal(r.code, 0, r.stderr);
  const m = /Root hash:\s+([0-9a-f]{64})/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return m[1]!;
}

const cases = [
  { name: 'one data block: the root hash is the block digest, no levels', size: 4096, dbs: 4096, hbs: 4096 },
  { name: '10,000 bytes: the partial tail block is not covered', size: 10_000, dbs: 4096, hbs: 4096 },
  { name: 'exactly 128 data blocks: one full level-0 block', size: 128 * 4096, dbs: 4096, hbs: 4096 },
  { name: '129 data blocks: two levels', size: 129 * 4096, dbs: 4096, hbs: 4096 },
  { name: '16,385 data blocks (64 MiB): three levels', size: 16_385 * 4096, dbs: 4096, hbs: 4096 },
  { name: '512-byte data and hash blocks, 3 MiB + 100 bytes', size: 3 * 1024 * 1024 + 100, dbs: 512, hbs: 512 },
  { name: '4096-byte data blocks, 1024-byte hash blocks', size: 700 * 4096, dbs: 4096, hbs: 1024 },
];

describe('dm-verity tree vs veritysetup format', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const data = path.join(tmp, `d-${c.size}-${c.dbs}-${c.hbs}`);
      writeFileSync(data, bytes(c.size, c.name));
      const salt = createHash('sha256').update(`salt ${c.name}`).digest('hex');
      const uuid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
      const expectedRoot = await veritysetup(data, `${data}.hash`, salt, uuid, c.dbs, c.hbs);
      const reader = await files.openRead(data);
      try {
        const tree = await computeVerityTree(reader, { salt: Buffer.from(salt, 'hex'), uuid, dataBlockSize: c.dbs, hashBlockSize: c.hbs, chunkSize: 64 * 1024 });
        assert.equal(tree.rootHash, expectedRoot);
        const theirs = readFileSync(`${data}.hash`);
        assert.equal(tree.hashTree.length, theirs.length);
        assert.equal(tree.hashTree.length, hashDeviceSize(Math.floor(c.size / c.dbs), c.hbs));
        assert.ok(Buffer.from(tree.hashTree).equals(theirs), 'hash device differs from veritysetup\'s');
        const sb = parseVeritySuperblock(theirs);
        assert.equal(sb.uuid, uuid);
        assert.equal(sb.dataBlocks, Math.floor(c.size / c.dbs));
        assert.equal(Buffer.from(sb.salt).toString('hex'), salt);
      } finally {
        await reader.close();
      }
    });
  }

  test('checkVerity: passes on the data, names a changed data byte, a regenerated tree and a wrong root hash', async () => {
    const data = path.join(tmp, 'check');
    const content = bytes(300 * 4096, 'check');
    writeFileSync(data, content);
    const salt = '00'.repeat(32);
    const uuid = '00000000-0000-0000-0000-000000000001';
    const root = await veritysetup(data, `${data}.hash`, salt, uuid, 4096, 4096);
    const hash = readFileSync(`${data}.hash`);
    const check = async (): Promise<Awaited<ReturnType<typeof checkVerity>>> => {
      const r = await files.openRead(data);
      try {
        return await checkVerity(r, hash, root);
      } finally {
        await r.close();
      }
    };
    assert.deepEqual(await check(), { ok: true, rootHash: root });
    content[200 * 4096 + 17]! ^= 1;
    writeFileSync(data, content);
    const altered = await check();
    assert.equal(altered.ok, false);
    assert.equal(!altered.ok && altered.reason, 'tree');
    // the tree regenerated over the altered data: it matches the data, the root hash does not
    await veritysetup(data, `${data}.hash2`, salt, uuid, 4096, 4096);
    const r = await files.openRead(data);
    const regenerated = await checkVerity(r, readFileSync(`${data}.hash2`), root);
    await r.close();
    assert.equal(!regenerated.ok && regenerated.reason, 'root-hash');
    const bad = Buffer.from(hash);
    bad.write('xerity', 0, 'latin1');
    const r2 = await files.openRead(data);
    const notSb = await checkVerity(r2, bad, root);
    await r2.close();
    assert.equal(!notSb.ok && notSb.reason, 'superblock');
  });
});
