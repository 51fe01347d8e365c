/**
 * The FileSystem contract: what domain code may rely on from any FileSystem, written against the
 * interface only (setup included), so that the same cases run against the real adapter
 * (src/adapters/node-fs.test.ts) and the in-memory fake (src/testing/fakes/memory-fs.test.ts).
 * What only the real file system can show (open descriptors, the umask, process limits) stays in
 * node-fs.test.ts.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { FileSystem } from '../../adapters/types.js';

export interface FileSystemUnderTest {
  readonly fs: FileSystem;
  /** An existing, empty directory (symlink-free path) the cases work in. */
  readonly root: string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export function fileSystemContract(label: string, make: () => Promise<FileSystemUnderTest>): void {
  let n = 0;
  /** A fresh directory per case, so cases never see each other's files. */
  const fresh = async (): Promise<{ fs: FileSystem; d: string }> => {
    const u = await make();
    return { fs: u.fs, d: await u.fs.realpath(await u.fs.mkdtemp(`t${n++}-`, u.root)) };
  };
  const leftovers = async (fs: FileSystem, d: string): Promise<string[]> => (await fs.readdir(d)).filter((f) => f.endsWith('.tmp'));
  const link = async (fs: FileSystem, target: string, p: string): Promise<void> => {
    assert.ok(fs.symlink, 'the contract needs symlink');
    await fs.symlink(target, p);
  };

  describe(`${label}: reads`, () => {
    it('readFile returns the exact bytes, readText decodes UTF-8', async () => {
      const { fs, d } = await fresh();
      const bytes = Uint8Array.from([0, 1, 0xff, 0xc3, 0xbc, 10]);
      await fs.writeFileAtomic(path.join(d, 'b'), bytes);
      await fs.writeFileAtomic(path.join(d, 't'), 'Grüße\n');
      assert.deepEqual([...(await fs.readFile(path.join(d, 'b')))], [...bytes]);
      assert.equal(await fs.readText(path.join(d, 't')), 'Grüße\n');
    });

    it('readText of a missing file rejects with ENOENT (the CLI turns errno errors into diagnostics)', async () => {
      const { fs, d } = await fresh();
      await assert.rejects(fs.readText(path.join(d, 'missing')), { code: 'ENOENT' });
    });

    it('readdir lists names only, sorted', async () => {
      const { fs, d } = await fresh();
      for (const f of ['b', 'a', 'C', '.hidden']) await fs.writeFileAtomic(path.join(d, f), '');
      await fs.mkdir(path.join(d, 'sub'));
      assert.deepEqual(await fs.readdir(d), ['.hidden', 'C', 'a', 'b', 'sub']);
    });
  });

  describe(`${label}: writeFileAtomic`, () => {
    it('creates missing parent directories and leaves no temporary file', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'x', 'y', 'z.txt');
      await fs.writeFileAtomic(p, 'hello');
      assert.equal(await fs.readText(p), 'hello');
      assert.deepEqual(await leftovers(fs, path.dirname(p)), []);
    });

    it('replaces an existing file, whatever the lengths', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'f');
      await fs.writeFileAtomic(p, 'old content that is longer');
      await fs.writeFileAtomic(p, Uint8Array.from([110, 101, 119]));
      assert.equal(await fs.readText(p), 'new');
      assert.equal((await fs.stat(p))?.size, 3);
    });

    it('sets the mode given, also when replacing', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'script');
      await fs.writeFileAtomic(p, '#!/bin/sh\n', 0o755);
      assert.equal((await fs.stat(p))!.mode & 0o7777, 0o755);
      await fs.writeFileAtomic(p, 'data', 0o600);
      assert.equal((await fs.stat(p))!.mode & 0o7777, 0o600);
    });

    it('a failed rename (a directory is in the way) leaves the directory and no temporary file', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'target');
      await fs.mkdir(path.join(p, 'inside'));
      await assert.rejects(fs.writeFileAtomic(p, 'x'), (e: NodeJS.ErrnoException) => e.code === 'EISDIR' || e.code === 'ENOTEMPTY');
      assert.equal((await fs.stat(p))?.isDirectory, true);
      assert.deepEqual(await leftovers(fs, d), []);
    });

    it('concurrent writers to one path never interleave: the result is one complete payload', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'race');
      const payloads = Array.from({ length: 8 }, (_, i) => String(i).repeat(100_000));
      await Promise.all(payloads.map((x) => fs.writeFileAtomic(p, x)));
      assert.ok(payloads.includes(await fs.readText(p)));
      assert.deepEqual(await leftovers(fs, d), []);
    });
  });

  describe(`${label}: stat`, () => {
    it('reports kind, size, mode (with the file type bits, like lstat) and mtime of a file and a directory', async () => {
      const { fs, d } = await fresh();
      const f = path.join(d, 'f');
      await fs.writeFileAtomic(f, '12345');
      await fs.chmod(f, 0o640);
      await fs.setTimes(f, 1_500_000);
      const s = await fs.stat(f);
      assert.ok(s);
      assert.deepEqual([s.isFile, s.isDirectory, s.isSymbolicLink, s.size, s.mode & 0o7777, s.mtimeMs], [true, false, false, 5, 0o640, 1_500_000_000]);
      assert.equal(s.mode & S_IFMT, S_IFREG);
      const sd = await fs.stat(d);
      assert.deepEqual([sd?.isFile, sd?.isDirectory, sd?.isSymbolicLink], [false, true, false]);
    });

    it('does not follow a symbolic link (lstat), even a dangling one', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'target'), 'a much longer target file');
      await link(fs, 'target', path.join(d, 'link'));
      await link(fs, 'nowhere', path.join(d, 'dangling'));
      const s = await fs.stat(path.join(d, 'link'));
      assert.deepEqual([s?.isSymbolicLink, s?.isFile, s?.size], [true, false, 'target'.length]);
      assert.equal((await fs.stat(path.join(d, 'dangling')))?.isSymbolicLink, true);
    });

    it('is undefined for a missing path and for a path under a regular file (ENOTDIR)', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'file'), '');
      assert.equal(await fs.stat(path.join(d, 'missing')), undefined);
      assert.equal(await fs.stat(path.join(d, 'missing', 'deeper')), undefined);
      assert.equal(await fs.stat(path.join(d, 'file', 'child')), undefined);
    });

    it('other errors are not hidden (ELOOP through a link cycle)', async () => {
      const { fs, d } = await fresh();
      await link(fs, 'b', path.join(d, 'a'));
      await link(fs, 'a', path.join(d, 'b'));
      await assert.rejects(fs.stat(path.join(d, 'a', 'x')), { code: 'ELOOP' });
    });
  });

  describe(`${label}: tree operations`, () => {
    it('mkdir is recursive and idempotent; over a regular file it rejects with EEXIST', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'a', 'b', 'c');
      await fs.mkdir(p);
      await fs.mkdir(p);
      assert.equal((await fs.stat(p))?.isDirectory, true);
      await fs.writeFileAtomic(path.join(d, 'f'), '');
      await assert.rejects(fs.mkdir(path.join(d, 'f')), { code: 'EEXIST' });
    });

    it('remove deletes a tree, a file, a symlink (not its target); a missing path is fine', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'tree', 'deep', 'f'), 'x');
      await fs.writeFileAtomic(path.join(d, 'keep'), 'k');
      await link(fs, path.join(d, 'keep'), path.join(d, 'link'));
      await fs.remove(path.join(d, 'tree'));
      await fs.remove(path.join(d, 'link'));
      await fs.remove(path.join(d, 'never-existed'));
      await fs.remove(path.join(d, 'keep', 'under-a-file'));
      assert.deepEqual(await fs.readdir(d), ['keep']);
      assert.equal(await fs.readText(path.join(d, 'keep')), 'k');
    });

    it('rename moves files and whole directories, replacing a file; a missing source is ENOENT', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'a'), 'A');
      await fs.writeFileAtomic(path.join(d, 'b'), 'B');
      await fs.rename(path.join(d, 'a'), path.join(d, 'b'));
      assert.equal(await fs.readText(path.join(d, 'b')), 'A');
      assert.equal(await fs.stat(path.join(d, 'a')), undefined);
      await fs.writeFileAtomic(path.join(d, 'stage', 'x', 'f'), 'F');
      await fs.rename(path.join(d, 'stage'), path.join(d, 'final'));
      assert.equal(await fs.readText(path.join(d, 'final', 'x', 'f')), 'F');
      assert.equal(await fs.stat(path.join(d, 'stage')), undefined);
      await assert.rejects(fs.rename(path.join(d, 'gone'), path.join(d, 'c')), { code: 'ENOENT' });
    });

    it('rename of a directory onto an empty directory replaces it, onto a non-empty one rejects', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'new', 'f'), 'n');
      await fs.mkdir(path.join(d, 'empty'));
      await fs.rename(path.join(d, 'new'), path.join(d, 'empty'));
      assert.deepEqual(await fs.readdir(path.join(d, 'empty')), ['f']);
      await fs.writeFileAtomic(path.join(d, 'other', 'g'), 'o');
      await assert.rejects(fs.rename(path.join(d, 'other'), path.join(d, 'empty')), (e: NodeJS.ErrnoException) => e.code === 'ENOTEMPTY' || e.code === 'EEXIST');
    });

    it('copyFile creates parents, copies bytes, leaves the source; the copy is independent', async () => {
      const { fs, d } = await fresh();
      const src = path.join(d, 'src.bin');
      await fs.writeFileAtomic(src, Uint8Array.from([1, 2, 3]));
      const dst = path.join(d, 'x', 'y', 'dst.bin');
      await fs.copyFile(src, dst);
      assert.deepEqual([...(await fs.readFile(dst))], [1, 2, 3]);
      await fs.writeFileAtomic(dst, 'changed');
      assert.deepEqual([...(await fs.readFile(src))], [1, 2, 3]);
    });

    it('chmod sets the permission bits exactly', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'f');
      await fs.writeFileAtomic(p, '');
      for (const mode of [0o600, 0o755, 0o4755]) {
        await fs.chmod(p, mode);
        assert.equal((await fs.stat(p))!.mode & 0o7777, mode);
      }
    });

    it('setTimes sets the mtime in whole seconds', async () => {
      const { fs, d } = await fresh();
      const p = path.join(d, 'f');
      await fs.writeFileAtomic(p, '');
      await fs.setTimes(p, 1_234_567_890);
      assert.equal((await fs.stat(p))?.mtimeMs, 1_234_567_890_000);
      await fs.setTimes(p, 0);
      assert.equal((await fs.stat(p))?.mtimeMs, 0);
    });

    it('setTimes on a symbolic link changes the link, not its target; a dangling link works too', async () => {
      const { fs, d } = await fresh();
      const target = path.join(d, 'target');
      await fs.writeFileAtomic(target, '');
      await fs.setTimes(target, 1_000_000);
      await link(fs, 'target', path.join(d, 'link'));
      await fs.setTimes(path.join(d, 'link'), 2_000_000);
      assert.equal((await fs.stat(path.join(d, 'link')))?.mtimeMs, 2_000_000_000);
      assert.equal((await fs.stat(target))?.mtimeMs, 1_000_000_000);
      await link(fs, 'nowhere', path.join(d, 'dangling'));
      await fs.setTimes(path.join(d, 'dangling'), 3_000_000);
      assert.equal((await fs.stat(path.join(d, 'dangling')))?.mtimeMs, 3_000_000_000);
    });

    it('realpath resolves symlinks and .. to the canonical path', async () => {
      const { fs, d } = await fresh();
      await fs.mkdir(path.join(d, 'real', 'sub'));
      await link(fs, 'real', path.join(d, 'alias'));
      assert.equal(await fs.realpath(path.join(d, 'alias', 'sub', '..', 'sub')), path.join(d, 'real', 'sub'));
      await assert.rejects(fs.realpath(path.join(d, 'missing')), { code: 'ENOENT' });
    });

    it('mkdtemp makes a fresh directory under the parent (created when missing), named with the prefix', async () => {
      const { fs, d } = await fresh();
      const parent = path.join(d, 'not', 'yet');
      const a = await fs.mkdtemp('stage-', parent);
      const b = await fs.mkdtemp('stage-', parent);
      assert.notEqual(a, b);
      for (const p of [a, b]) {
        assert.equal(path.dirname(p), parent);
        assert.match(path.basename(p), /^stage-.{6}$/);
        assert.equal((await fs.stat(p))?.isDirectory, true);
        assert.deepEqual(await fs.readdir(p), []);
      }
    });

    it('symlink creates a link with the target text as given (relative stays relative); an existing path is EEXIST', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 't'), 'T');
      await link(fs, 't', path.join(d, 'l'));
      assert.equal((await fs.stat(path.join(d, 'l')))?.size, 1);
      assert.equal(await fs.readText(path.join(d, 'l')), 'T');
      assert.equal(await fs.realpath(path.join(d, 'l')), path.join(d, 't'));
      await assert.rejects(link(fs, 't', path.join(d, 'l')), { code: 'EEXIST' });
    });
  });

  describe(`${label}: glob`, () => {
    const tree = async (): Promise<{ fs: FileSystem; d: string }> => {
      const t = await fresh();
      for (const f of ['b.spec', 'a.spec', 'sub/deep/c.spec', 'sub/z.patch', '.hidden.spec', '.git/config.spec', 'sub/.dot/d.spec']) await t.fs.writeFileAtomic(path.join(t.d, f), '');
      await t.fs.mkdir(path.join(t.d, 'empty-dir.spec'));
      return t;
    };

    it('`**` matches files at every depth, sorted, absolute; directories and dotfiles/dot-directories are skipped', async () => {
      const { fs, d } = await tree();
      assert.deepEqual(await fs.glob(['**/*.spec'], d), [path.join(d, 'a.spec'), path.join(d, 'b.spec'), path.join(d, 'sub/deep/c.spec')]);
      assert.deepEqual(await fs.glob(['**'], d), ['a.spec', 'b.spec', 'sub/deep/c.spec', 'sub/z.patch'].map((f) => path.join(d, f)));
    });

    it('several patterns give one sorted, de-duplicated list; no match is an empty list', async () => {
      const { fs, d } = await tree();
      assert.deepEqual(await fs.glob(['sub/**/*.patch', '*.spec', 'a.spec'], d), ['a.spec', 'b.spec', 'sub/z.patch'].map((f) => path.join(d, f)));
      assert.deepEqual(await fs.glob(['*.nothing'], d), []);
    });

    it('follows symbolic links to files and directories; a dangling link is not listed; a link cycle terminates', async () => {
      const { fs, d } = await fresh();
      await fs.writeFileAtomic(path.join(d, 'real', 'f.txt'), '');
      await link(fs, 'real/f.txt', path.join(d, 'file-link.txt'));
      await link(fs, 'real', path.join(d, 'dir-link'));
      await link(fs, 'nowhere', path.join(d, 'dangling.txt'));
      assert.deepEqual(await fs.glob(['**/*.txt'], d), ['dir-link/f.txt', 'file-link.txt', 'real/f.txt'].map((f) => path.join(d, f)));
      await link(fs, '.', path.join(d, 'real', 'loop'));
      const found = await fs.glob(['**/*.txt'], d);
      assert.ok(found.includes(path.join(d, 'real', 'f.txt')));
      assert.ok(found.length < 20, `a cycle must not explode: ${found.length}`);
    });
  });
}
