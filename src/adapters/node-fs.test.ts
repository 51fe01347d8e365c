/**
 * Contract of NodeFileSystem (the real FileSystem adapter) against a temporary directory: the
 * shared FileSystem contract (src/testing/contracts/file-system.ts, also run against the in-memory
 * fake), then what only a real file system shows: open descriptors, the umask, process limits,
 * atime, the OS temporary directory, link text on disk.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileSystemContract } from '../testing/contracts/file-system.js';
import { NodeFileSystem } from './node-fs.js';

const nfs = new NodeFileSystem();
let root = '';
let n = 0;
/** A fresh directory per test, so cases never see each other's files. */
const dir = (): string => fs.mkdtempSync(path.join(root, `t${n++}-`));
const leftovers = (d: string): string[] => fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));

before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-nodefs-')));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

fileSystemContract('NodeFileSystem', async () => ({ fs: nfs, root }));

describe('NodeFileSystem on a real file system only', () => {
  it('refuses to read a FIFO or a device (ENOTREG) without blocking on it, and a directory (EISDIR)', async () => {
    const fifo = path.join(dir(), 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    for (const p of [fifo, '/dev/zero']) {
      await assert.rejects(nfs.readFile(p), (e: NodeJS.ErrnoException) => e.code === 'ENOTREG' && e.path === p);
      await assert.rejects(nfs.readText(p), (e: NodeJS.ErrnoException) => e.code === 'ENOTREG');
    }
    await assert.rejects(nfs.readFile(dir()), (e: NodeJS.ErrnoException) => e.code === 'EISDIR');
    // a symbolic link to a regular file reads as the file
    const d = dir();
    fs.writeFileSync(path.join(d, 'real'), 'bytes');
    fs.symlinkSync('real', path.join(d, 'link'));
    assert.equal(await nfs.readText(path.join(d, 'link')), 'bytes');
  });

  it('replaces an existing file (new inode: a reader holding the old file keeps the old bytes)', async () => {
    const p = path.join(dir(), 'f');
    fs.writeFileSync(p, 'old content that is longer');
    const fd = fs.openSync(p, 'r');
    try {
      await nfs.writeFileAtomic(p, Uint8Array.from([110, 101, 119]));
      assert.equal(fs.readFileSync(p, 'utf8'), 'new');
      const buf = Buffer.alloc(64);
      const got = fs.readSync(fd, buf, 0, 64, 0);
      assert.equal(buf.subarray(0, got).toString(), 'old content that is longer');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('honours the mode exactly (not masked by the umask), also when replacing', async () => {
    const p = path.join(dir(), 'script');
    const old = process.umask(0o077);
    try {
      await nfs.writeFileAtomic(p, '#!/bin/sh\n', 0o755);
      assert.equal(fs.statSync(p).mode & 0o7777, 0o755);
      await nfs.writeFileAtomic(p, 'data', 0o664);
      assert.equal(fs.statSync(p).mode & 0o7777, 0o664);
    } finally {
      process.umask(old);
    }
  });

  it('without a mode the file is 0644 (less the umask)', async () => {
    const p = path.join(dir(), 'plain');
    const old = process.umask(0o022);
    try {
      await nfs.writeFileAtomic(p, 'x');
      assert.equal(fs.statSync(p).mode & 0o7777, 0o644);
    } finally {
      process.umask(old);
    }
  });

  it('a write that fails half-way (file size limit: EFBIG) keeps the old content and leaves no temporary file', async () => {
    const d = dir();
    const p = path.join(d, 'big');
    fs.writeFileSync(p, 'old');
    const mod = new URL('./node-fs.js', import.meta.url).href;
    const code = `import { NodeFileSystem } from ${JSON.stringify(mod)};
      try { await new NodeFileSystem().writeFileAtomic(${JSON.stringify(p)}, new Uint8Array(1 << 20)); console.log('written'); }
      catch (e) { console.log(e.code); }`;
    // ulimit -f counts 512-byte blocks in dash (1024 in bash): either way far below 1 MiB. Node ignores SIGXFSZ, so write() fails with EFBIG.
    const r = spawnSync('sh', ['-c', 'ulimit -f 64 && exec "$0" --input-type=module -e "$1"', process.execPath, code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'EFBIG');
    assert.equal(fs.readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(leftovers(d), []);
  });

  it('setTimes sets atime and mtime in whole seconds', async () => {
    const p = path.join(dir(), 'f');
    fs.writeFileSync(p, '');
    await nfs.setTimes(p, 1_234_567_890);
    const s = fs.statSync(p);
    assert.equal(s.mtimeMs, 1_234_567_890_000);
    assert.equal(s.atimeMs, 1_234_567_890_000);
    assert.equal((await nfs.stat(p))?.mtimeMs, 1_234_567_890_000);
    await nfs.setTimes(p, 0);
    assert.equal(fs.statSync(p).mtimeMs, 0);
  });

  it('mkdtemp without a parent uses the OS temporary directory', async () => {
    const p = await nfs.mkdtemp('strata-nodefs-default-');
    try {
      assert.equal(path.dirname(p), os.tmpdir());
    } finally {
      fs.rmSync(p, { recursive: true, force: true });
    }
  });

  it('symlink creates a link with the target text as given (relative stays relative)', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 't'), 'T');
    assert.ok(nfs.symlink);
    await nfs.symlink('t', path.join(d, 'l'));
    assert.equal(fs.readlinkSync(path.join(d, 'l')), 't');
    assert.equal(fs.readFileSync(path.join(d, 'l'), 'utf8'), 'T');
    await assert.rejects(nfs.symlink('t', path.join(d, 'l')), { code: 'EEXIST' });
  });
});
