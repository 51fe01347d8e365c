/**
 * Contract of NodeFileSystem (the real FileSystem adapter) against a temporary directory: what
 * domain code may rely on, including the edges (symlinks, ENOTDIR, a write that fails half-way).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeFileSystem } from './node-fs.js';

const nfs = new NodeFileSystem();
let root = '';
let n = 0;
/** A fresh directory per test, so cases never see each other's files. */
const dir = (): string => fs.mkdtempSync(path.join(root, `t${n++}-`));
const leftovers = (d: string): string[] => fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-nodefs-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('NodeFileSystem reads', () => {
  it('readFile returns the exact bytes, readText decodes UTF-8', async () => {
    const d = dir();
    const bytes = Uint8Array.from([0, 1, 0xff, 0xc3, 0xbc, 10]);
    fs.writeFileSync(path.join(d, 'b'), bytes);
    fs.writeFileSync(path.join(d, 't'), 'Grüße\n');
    assert.deepEqual(Buffer.from(await nfs.readFile(path.join(d, 'b'))), Buffer.from(bytes));
    assert.equal(await nfs.readText(path.join(d, 't')), 'Grüße\n');
  });

  it('readText of a missing file rejects with ENOENT (the CLI turns errno errors into diagnostics)', async () => {
    await assert.rejects(nfs.readText(path.join(dir(), 'missing')), { code: 'ENOENT' });
  });

  it('readdir lists names only, sorted', async () => {
    const d = dir();
    for (const f of ['b', 'a', 'C', '.hidden']) fs.writeFileSync(path.join(d, f), '');
    fs.mkdirSync(path.join(d, 'sub'));
    assert.deepEqual(await nfs.readdir(d), ['.hidden', 'C', 'a', 'b', 'sub']);
  });
});

describe('NodeFileSystem.writeFileAtomic', () => {
  it('creates missing parent directories', async () => {
    const d = dir();
    const p = path.join(d, 'x', 'y', 'z.txt');
    await nfs.writeFileAtomic(p, 'hello');
    assert.equal(fs.readFileSync(p, 'utf8'), 'hello');
    assert.deepEqual(leftovers(path.dirname(p)), []);
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

  it('a failed rename (a directory is in the way) leaves no temporary file', async () => {
    const d = dir();
    const p = path.join(d, 'target');
    fs.mkdirSync(path.join(p, 'inside'), { recursive: true });
    await assert.rejects(nfs.writeFileAtomic(p, 'x'), (e: NodeJS.ErrnoException) => e.code === 'EISDIR' || e.code === 'ENOTEMPTY');
    assert.ok(fs.statSync(p).isDirectory());
    assert.deepEqual(leftovers(d), []);
  });

  it('concurrent writers to one path never interleave: the result is one complete payload', async () => {
    const p = path.join(dir(), 'race');
    const payloads = Array.from({ length: 8 }, (_, i) => String(i).repeat(100_000));
    await Promise.all(payloads.map((x) => nfs.writeFileAtomic(p, x)));
    assert.ok(payloads.includes(fs.readFileSync(p, 'utf8')));
    assert.deepEqual(leftovers(path.dirname(p)), []);
  });
});

describe('NodeFileSystem.stat', () => {
  it('reports kind, size, mode and mtime of a file and a directory', async () => {
    const d = dir();
    const f = path.join(d, 'f');
    fs.writeFileSync(f, '12345');
    fs.chmodSync(f, 0o640);
    fs.utimesSync(f, 1_000_000, 1_500_000);
    const s = await nfs.stat(f);
    assert.ok(s);
    assert.deepEqual([s.isFile, s.isDirectory, s.isSymbolicLink, s.size, s.mode & 0o7777, s.mtimeMs], [true, false, false, 5, 0o640, 1_500_000_000]);
    assert.equal((s.mode & fs.constants.S_IFMT) === fs.constants.S_IFREG, true, 'mode carries the file type bits like lstat');
    const sd = await nfs.stat(d);
    assert.deepEqual([sd?.isFile, sd?.isDirectory, sd?.isSymbolicLink], [false, true, false]);
  });

  it('does not follow a symbolic link (lstat), even a dangling one', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'target'), 'a much longer target file');
    fs.symlinkSync('target', path.join(d, 'link'));
    fs.symlinkSync('nowhere', path.join(d, 'dangling'));
    const s = await nfs.stat(path.join(d, 'link'));
    assert.deepEqual([s?.isSymbolicLink, s?.isFile, s?.size], [true, false, 'target'.length]);
    assert.equal((await nfs.stat(path.join(d, 'dangling')))?.isSymbolicLink, true);
  });

  it('is undefined for a missing path and for a path under a regular file (ENOTDIR)', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'file'), '');
    assert.equal(await nfs.stat(path.join(d, 'missing')), undefined);
    assert.equal(await nfs.stat(path.join(d, 'missing', 'deeper')), undefined);
    assert.equal(await nfs.stat(path.join(d, 'file', 'child')), undefined);
  });

  it('other errors are not hidden (ELOOP through a link cycle)', async () => {
    const d = dir();
    fs.symlinkSync('b', path.join(d, 'a'));
    fs.symlinkSync('a', path.join(d, 'b'));
    await assert.rejects(nfs.stat(path.join(d, 'a', 'x')), { code: 'ELOOP' });
  });
});

describe('NodeFileSystem tree operations', () => {
  it('mkdir is recursive and idempotent', async () => {
    const p = path.join(dir(), 'a', 'b', 'c');
    await nfs.mkdir(p);
    await nfs.mkdir(p);
    assert.ok(fs.statSync(p).isDirectory());
  });

  it('mkdir over a regular file rejects', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'f'), '');
    await assert.rejects(nfs.mkdir(path.join(d, 'f')), { code: 'EEXIST' });
  });

  it('remove deletes a tree, a file, a symlink (not its target); a missing path is fine', async () => {
    const d = dir();
    fs.mkdirSync(path.join(d, 'tree', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(d, 'tree', 'deep', 'f'), 'x');
    fs.writeFileSync(path.join(d, 'keep'), 'k');
    fs.symlinkSync(path.join(d, 'keep'), path.join(d, 'link'));
    await nfs.remove(path.join(d, 'tree'));
    await nfs.remove(path.join(d, 'link'));
    await nfs.remove(path.join(d, 'never-existed'));
    await nfs.remove(path.join(d, 'keep', 'under-a-file'));
    assert.deepEqual(fs.readdirSync(d), ['keep']);
    assert.equal(fs.readFileSync(path.join(d, 'keep'), 'utf8'), 'k');
  });

  it('rename moves files and whole directories, replacing a file', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'a'), 'A');
    fs.writeFileSync(path.join(d, 'b'), 'B');
    await nfs.rename(path.join(d, 'a'), path.join(d, 'b'));
    assert.equal(fs.readFileSync(path.join(d, 'b'), 'utf8'), 'A');
    fs.mkdirSync(path.join(d, 'stage', 'x'), { recursive: true });
    await nfs.rename(path.join(d, 'stage'), path.join(d, 'final'));
    assert.ok(fs.statSync(path.join(d, 'final', 'x')).isDirectory());
    await assert.rejects(nfs.rename(path.join(d, 'gone'), path.join(d, 'c')), { code: 'ENOENT' });
  });

  it('copyFile creates parents, copies bytes, leaves the source; the copy is independent', async () => {
    const d = dir();
    const src = path.join(d, 'src.bin');
    fs.writeFileSync(src, Buffer.from([1, 2, 3]));
    const dst = path.join(d, 'x', 'y', 'dst.bin');
    await nfs.copyFile(src, dst);
    assert.deepEqual([...fs.readFileSync(dst)], [1, 2, 3]);
    fs.writeFileSync(dst, 'changed');
    assert.deepEqual([...fs.readFileSync(src)], [1, 2, 3]);
  });

  it('chmod sets the permission bits exactly', async () => {
    const p = path.join(dir(), 'f');
    fs.writeFileSync(p, '');
    for (const mode of [0o600, 0o755, 0o4755]) {
      await nfs.chmod(p, mode);
      assert.equal(fs.statSync(p).mode & 0o7777, mode);
    }
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

  it('setTimes on a symbolic link changes the link, not its target (lutimes)', async () => {
    const d = dir();
    const target = path.join(d, 'target');
    fs.writeFileSync(target, '');
    fs.utimesSync(target, 1_000_000, 1_000_000);
    fs.symlinkSync('target', path.join(d, 'link'));
    await nfs.setTimes(path.join(d, 'link'), 2_000_000);
    assert.equal(fs.lstatSync(path.join(d, 'link')).mtimeMs, 2_000_000_000);
    assert.equal(fs.statSync(target).mtimeMs, 1_000_000_000);
    // A dangling link has no target to follow: still works.
    fs.symlinkSync('nowhere', path.join(d, 'dangling'));
    await nfs.setTimes(path.join(d, 'dangling'), 3_000_000);
    assert.equal(fs.lstatSync(path.join(d, 'dangling')).mtimeMs, 3_000_000_000);
  });

  it('realpath resolves symlinks and .. to the canonical path', async () => {
    const d = fs.realpathSync(dir());
    fs.mkdirSync(path.join(d, 'real', 'sub'), { recursive: true });
    fs.symlinkSync('real', path.join(d, 'alias'));
    assert.equal(await nfs.realpath(path.join(d, 'alias', 'sub', '..', 'sub')), path.join(d, 'real', 'sub'));
    await assert.rejects(nfs.realpath(path.join(d, 'missing')), { code: 'ENOENT' });
  });

  it('mkdtemp makes a fresh directory under the parent (created when missing), named with the prefix', async () => {
    const parent = path.join(dir(), 'not', 'yet');
    const a = await nfs.mkdtemp('stage-', parent);
    const b = await nfs.mkdtemp('stage-', parent);
    assert.notEqual(a, b);
    for (const p of [a, b]) {
      assert.equal(path.dirname(p), parent);
      assert.match(path.basename(p), /^stage-.{6}$/);
      assert.ok(fs.statSync(p).isDirectory());
      assert.deepEqual(fs.readdirSync(p), []);
    }
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

describe('NodeFileSystem.glob', () => {
  const tree = (): string => {
    const d = fs.realpathSync(dir());
    for (const f of ['b.spec', 'a.spec', 'sub/deep/c.spec', 'sub/z.patch', '.hidden.spec', '.git/config.spec', 'sub/.dot/d.spec']) {
      fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      fs.writeFileSync(path.join(d, f), '');
    }
    fs.mkdirSync(path.join(d, 'empty-dir.spec'));
    return d;
  };

  it('`**` matches files at every depth, sorted, absolute; directories and dotfiles/dot-directories are skipped', async () => {
    const d = tree();
    assert.deepEqual(await nfs.glob(['**/*.spec'], d), [path.join(d, 'a.spec'), path.join(d, 'b.spec'), path.join(d, 'sub/deep/c.spec')]);
    assert.deepEqual(await nfs.glob(['**'], d), ['a.spec', 'b.spec', 'sub/deep/c.spec', 'sub/z.patch'].map((f) => path.join(d, f)));
  });

  it('several patterns give one sorted, de-duplicated list; no match is an empty list', async () => {
    const d = tree();
    assert.deepEqual(await nfs.glob(['sub/**/*.patch', '*.spec', 'a.spec'], d), ['a.spec', 'b.spec', 'sub/z.patch'].map((f) => path.join(d, f)));
    assert.deepEqual(await nfs.glob(['*.nothing'], d), []);
  });

  it('follows symbolic links to files and directories; a dangling link is not listed; a link cycle terminates', async () => {
    const d = fs.realpathSync(dir());
    fs.mkdirSync(path.join(d, 'real'));
    fs.writeFileSync(path.join(d, 'real', 'f.txt'), '');
    fs.symlinkSync('real/f.txt', path.join(d, 'file-link.txt'));
    fs.symlinkSync('real', path.join(d, 'dir-link'));
    fs.symlinkSync('nowhere', path.join(d, 'dangling.txt'));
    assert.deepEqual(await nfs.glob(['**/*.txt'], d), ['dir-link/f.txt', 'file-link.txt', 'real/f.txt'].map((f) => path.join(d, f)));
    fs.symlinkSync('.', path.join(d, 'real', 'loop'));
    const found = await nfs.glob(['**/*.txt'], d);
    assert.ok(found.includes(path.join(d, 'real', 'f.txt')));
    assert.ok(found.length < 20, `a cycle must not explode: ${found.length}`);
  });
});
