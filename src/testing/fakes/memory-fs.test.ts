/**
 * The FileSystem contract against MemoryFileSystem. What the fake does not model, and so is only
 * checked against the real adapter (src/adapters/node-fs.test.ts): a reader holding the old file
 * open while it is replaced, the umask, a write cut short by a process limit (EFBIG), the OS
 * temporary directory as mkdtemp's default.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fileSystemContract } from '../contracts/file-system.js';
import { MemoryFileSystem } from './memory-fs.js';

fileSystemContract('MemoryFileSystem', async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/work');
  return { fs, root: '/work' };
});

it('MemoryFileSystem: files written stamp the injected clock; mkdtemp defaults to its temp dir', async () => {
  const fs = new MemoryFileSystem(() => 42_000, '/scratch');
  await fs.writeFileAtomic('/a/b', 'x');
  assert.equal((await fs.stat('/a/b'))?.mtimeMs, 42_000);
  const t = await fs.mkdtemp('p-');
  assert.match(t, /^\/scratch\/p-.{6}$/);
});
