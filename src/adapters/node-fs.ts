import { promises as fsp, constants as fsc } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { glob as tinyGlob } from 'tinyglobby';
import type { FileStat, FileSystem } from './types.js';

/** The real file system. */
export class NodeFileSystem implements FileSystem {
  async readFile(p: string): Promise<Uint8Array> {
    return readRegular(p);
  }

  async readText(p: string): Promise<string> {
    return (await readRegular(p)).toString('utf8');
  }

  async writeFileAtomic(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
    await writeFileAtomic(p, data, mode);
  }

  async readdir(p: string): Promise<string[]> {
    return (await fsp.readdir(p)).sort();
  }

  async stat(p: string): Promise<FileStat | undefined> {
    try {
      const s = await fsp.lstat(p);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(), size: s.size, mode: s.mode, mtimeMs: s.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async mkdir(p: string): Promise<void> {
    await fsp.mkdir(p, { recursive: true });
  }

  async remove(p: string): Promise<void> {
    try {
      await fsp.rm(p, { recursive: true, force: true });
    } catch (e) {
      // A path under a regular file is as missing as one under a missing directory (as in `stat`).
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(from, to);
  }

  async copyFile(from: string, to: string): Promise<void> {
    await fsp.mkdir(path.dirname(to), { recursive: true });
    await fsp.copyFile(from, to, fsc.COPYFILE_FICLONE);
  }

  async chmod(p: string, mode: number): Promise<void> {
    await fsp.chmod(p, mode);
  }

  async setTimes(p: string, seconds: number): Promise<void> {
    await fsp.lutimes(p, seconds, seconds);
  }

  async realpath(p: string): Promise<string> {
    return fsp.realpath(p);
  }

  async mkdtemp(prefix: string, parent?: string): Promise<string> {
    const dir = parent ?? os.tmpdir();
    await fsp.mkdir(dir, { recursive: true });
    return fsp.mkdtemp(path.join(dir, prefix));
  }

  async symlink(target: string, p: string): Promise<void> {
    await fsp.symlink(target, p);
  }

  async glob(patterns: readonly string[], cwd: string): Promise<string[]> {
    const found = await tinyGlob([...patterns], { cwd, absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: true, expandDirectories: false });
    return found.map((f) => path.resolve(f)).sort();
  }
}

/** Write to a temporary file in the same directory, fsync, then rename over `p`. */
export async function writeFileAtomic(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const dir = path.dirname(p);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(p)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await fsp.open(tmp, 'w', mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (mode !== undefined) await fsp.chmod(tmp, mode);
    await fsp.rename(tmp, p);
  } catch (e) {
    // A full disk or a failed rename leaves no temporary file behind.
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Read a regular file (after symlinks). A FIFO, a device or a socket is refused with ENOTREG
 * instead of read: reading `/dev/zero` never ends and opening a FIFO blocks until a writer comes
 * (the open is non-blocking, so neither happens).
 */
async function readRegular(p: string): Promise<Buffer> {
  const fh = await fsp.open(p, fsc.O_RDONLY | fsc.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${p}'`), { code: 'EISDIR', errno: -21, syscall: 'read', path: p });
    if (!st.isFile()) throw Object.assign(new Error(`ENOTREG: not a regular file (a FIFO, device or socket), open '${p}'`), { code: 'ENOTREG', syscall: 'open', path: p });
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
