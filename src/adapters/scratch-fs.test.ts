/**
 * Contract of NodeScratchWriter: plain writes into a staging directory, parents created, and the
 * same resulting file (bytes and mode) as FileSystem.writeFileAtomic, which render uses instead
 * when no scratch writer is given (so the rendered tree does not depend on which one ran).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeFileSystem } from './node-fs.js';
import { NodeScratchWriter } from './scratch-fs.js';

const scratch = new NodeScratchWriter();
const nfs = new NodeFileSystem();
let root = '';
let n = 0;
const dir = (): string => fs.mkdtempSync(path.join(root, `t${n++}-`));

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-scratch-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('NodeScratchWriter.writeFile', () => {
  it('creates missing parents and writes text and bytes exactly', async () => {
    const d = dir();
    await scratch.writeFile(path.join(d, 'a', 'b', 't.spec'), 'Grüße\n');
    await scratch.writeFile(path.join(d, 'a', 'bin'), Uint8Array.from([0, 255, 10]));
    assert.equal(fs.readFileSync(path.join(d, 'a', 'b', 't.spec'), 'utf8'), 'Grüße\n');
    assert.deepEqual([...fs.readFileSync(path.join(d, 'a', 'bin'))], [0, 255, 10]);
  });

  it('overwrites (truncates) an existing file and leaves nothing else in the directory', async () => {
    const d = dir();
    const p = path.join(d, 'f');
    await scratch.writeFile(p, 'a long first version');
    await scratch.writeFile(p, 'short');
    assert.equal(fs.readFileSync(p, 'utf8'), 'short');
    assert.deepEqual(fs.readdirSync(d), ['f']);
  });

  it('the mode is exact whatever the umask, on a new file and when replacing one', async () => {
    const d = dir();
    const old = process.umask(0o077);
    try {
      await scratch.writeFile(path.join(d, 'script'), '#!/bin/sh\n', 0o755);
      assert.equal(fs.statSync(path.join(d, 'script')).mode & 0o7777, 0o755);
      await scratch.writeFile(path.join(d, 'script'), 'data', 0o644);
      assert.equal(fs.statSync(path.join(d, 'script')).mode & 0o7777, 0o644);
    } finally {
      process.umask(old);
    }
  });

  it('gives the same bytes and mode as writeFileAtomic for the modes git trees carry', async () => {
    for (const umask of [0o027, 0o002]) {
      const d = dir();
      const old = process.umask(umask);
      try {
        for (const [name, mode] of [['plain', 0o644], ['exec', 0o755], ['default', undefined]] as const) {
          await scratch.writeFile(path.join(d, 's', name), `x-${name}`, mode);
          await nfs.writeFileAtomic(path.join(d, 'a', name), `x-${name}`, mode);
          const [s, a] = [fs.statSync(path.join(d, 's', name)), fs.statSync(path.join(d, 'a', name))];
          assert.equal(s.mode & 0o7777, a.mode & 0o7777, `mode of ${name} under umask ${umask.toString(8)}`);
          assert.equal(fs.readFileSync(path.join(d, 's', name), 'utf8'), `x-${name}`);
        }
      } finally {
        process.umask(old);
      }
    }
  });

  it('a directory in the way rejects (EISDIR)', async () => {
    const d = dir();
    fs.mkdirSync(path.join(d, 'x'));
    await assert.rejects(scratch.writeFile(path.join(d, 'x'), 'data'), { code: 'EISDIR' });
  });
});
