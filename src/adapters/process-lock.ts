import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProcessLock } from './types.js';

/** A lock directory without a readable pid (a crash of an older Strata mid-acquire) is stale after this long. */
const NO_PID_STALE_MS = 10_000;

/**
 * Lock directories with the owner's pid inside; a lock whose owner is gone is taken over.
 *
 * - The lock appears with its pid already inside: a directory prepared beside it is renamed into
 *   place (rename onto an existing non-empty directory fails), so there is no pid-less window.
 * - Release and takeover rename the lock away before deleting it, so the lock path is never a
 *   half-deleted (empty) directory that another acquirer's rename could replace.
 * - A stale lock is removed only by the holder of `<lock>.break` after re-checking the owner, so
 *   two waiters that saw the same dead owner never remove a lock one of them has just taken.
 */
export class NodeProcessLock implements ProcessLock {
  async acquire(lock: string, opts: { readonly pollMs?: number; readonly signal?: AbortSignal } = {}): Promise<() => Promise<void>> {
    await mkdir(path.dirname(lock), { recursive: true });
    const token = `${process.pid}.${randomBytes(6).toString('hex')}`;
    for (;;) {
      opts.signal?.throwIfAborted();
      if (await tryCreate(lock, token)) break;
      if (await removeIfStale(lock, token)) continue;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await removeLock(lock, `${lock}.${token}.old`);
    };
  }
}

async function tryCreate(lock: string, token: string): Promise<boolean> {
  const fresh = `${lock}.${token}.new`;
  await mkdir(fresh);
  try {
    await writeFile(path.join(fresh, 'pid'), `${process.pid}\n`);
    await rename(fresh, lock);
    return true;
  } catch (e) {
    await rm(fresh, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw e;
  }
}

/** The owner pid; 0 when the lock has no readable pid; undefined when the lock is gone. */
async function readOwner(lock: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path.join(lock, 'pid'), 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return (await stat(lock).catch(() => undefined)) ? 0 : undefined;
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function olderThan(p: string, ms: number): Promise<boolean> {
  const st = await stat(p).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}

async function isStale(lock: string, owner: number | undefined): Promise<boolean> {
  if (owner === undefined) return false;
  return owner > 0 ? !alive(owner) : olderThan(lock, NO_PID_STALE_MS);
}

/** Removes the lock when its owner is gone; true when it did (retry at once). */
async function removeIfStale(lock: string, token: string): Promise<boolean> {
  const owner = await readOwner(lock);
  if (owner === undefined) return true; // released meanwhile
  if (!(await isStale(lock, owner))) return false;
  const breaker = `${lock}.break`;
  try {
    await mkdir(breaker);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another waiter is breaking the lock; a breaker left by a crash expires.
    if (await olderThan(breaker, NO_PID_STALE_MS)) await rmdir(breaker).catch(() => undefined);
    return false;
  }
  try {
    if ((await readOwner(lock)) !== owner || !(await isStale(lock, owner))) return false;
    if (owner === 0) {
      // An empty directory could be replaced by another acquirer's rename at any moment: only
      // rmdir (which fails once it holds a pid) is safe. A non-empty one cannot be replaced.
      try {
        await rmdir(lock);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if ((await readOwner(lock)) !== 0) return false;
      }
    }
    await removeLock(lock, `${lock}.${token}.stale`);
    return true;
  } finally {
    await rmdir(breaker).catch(() => undefined);
  }
}

async function removeLock(lock: string, trash: string): Promise<void> {
  try {
    await rename(lock, trash);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await rm(trash, { recursive: true, force: true });
}
