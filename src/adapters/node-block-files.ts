import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { BlockFiles, BlockReader, BlockWriter, TreeEntryStat, TreeEntryType } from './types.js';

function typeOf(s: Stats): TreeEntryType {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  if (s.isFIFO()) return 'fifo';
  return 'socket';
}

/** Linux `dev_t` → major/minor (glibc's encoding). */
function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & 0xfffff000);
}
function minor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & 0xfff00);
}

/** UTF-8 byte order (UTF-16 code unit order agrees with it unless a surrogate is involved). */
const byteOrder = (a: string, b: string): number => (/[\ud800-\uffff]/.test(a + b) ? Buffer.compare(Buffer.from(a), Buffer.from(b)) : a < b ? -1 : a > b ? 1 : 0);

/** The real file system, for trees and block images. */
export class NodeBlockFiles implements BlockFiles {
  async lstat(p: string): Promise<TreeEntryStat | undefined> {
    let s: Stats;
    try {
      s = await fsp.lstat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
    return { type: typeOf(s), mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, nlink: s.nlink, dev: s.dev, ino: s.ino, rdevMajor: major(s.rdev), rdevMinor: minor(s.rdev) };
  }

  readlink(p: string): Promise<string> {
    return fsp.readlink(p);
  }

  async readdir(p: string): Promise<string[]> {
    return (await fsp.readdir(p)).sort(byteOrder);
  }

  readFile(p: string): Promise<Uint8Array> {
    return fsp.readFile(p, { flag: fsc.O_RDONLY | fsc.O_NOFOLLOW });
  }

  async openRead(p: string): Promise<BlockReader> {
    const fh = await fsp.open(p, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    const { size } = await fh.stat();
    return {
      size,
      async read(buf, position) {
        return (await fh.read(buf, 0, buf.length, position)).bytesRead;
      },
      close: () => fh.close(),
    };
  }

  async create(p: string, mode = 0o644): Promise<BlockWriter> {
    const dir = path.dirname(p);
    await fsp.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(p)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fh = await fsp.open(tmp, 'w', mode);
    let open = true;
    const close = async () => {
      if (open) {
        open = false;
        await fh.close();
      }
    };
    return {
      async write(data, position) {
        let done = 0;
        while (done < data.length) done += (await fh.write(data, done, data.length - done, position + done)).bytesWritten;
      },
      truncate: (size) => fh.truncate(size),
      async commit() {
        await fh.sync();
        await fh.chmod(mode);
        await close();
        await fsp.rename(tmp, p);
      },
      async abort() {
        await close().catch(() => {});
        await fsp.rm(tmp, { force: true });
      },
    };
  }
}
