/**
 * The fixed build paths `<base>/<component>` (see rpmbuild.ts: what ends up inside packages
 * lives at a fixed path, so builds in different top directories are byte-identical). One build
 * per fixed root at a time: in this process through a mutex, across processes through the
 * ProcessLock adapter (`withFixedRootLock`). A finished build's root is renamed into
 * `<base>/.trash` under its lock at once (the next build of the component may start) and
 * deleted later among the chores.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem, ProcessLock } from '../adapters/types.js';
import { KeyedMutex, type Chores } from './chores.js';
import { withFixedRootLock } from './rpmbuild.js';

export const DEFAULT_FIXED_ROOT_BASE = '/var/tmp/strata-build';

export class FixedRoots {
  private readonly mutex = new KeyedMutex();
  private readonly trashDir: string;
  private readonly trashId = randomUUID().slice(0, 8);
  private trashCount = 0;

  constructor(
    private readonly fs: FileSystem,
    private readonly lock: ProcessLock,
    private readonly base: string,
    private readonly chores: Chores,
  ) {
    this.trashDir = path.join(base, '.trash');
  }

  /** The fixed root of `component`. */
  of(component: string): string {
    return path.join(this.base, component);
  }

  /** Run `fn` holding `fixedRoot` (in this process and across processes). */
  hold<T>(fixedRoot: string, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fixedRoot, () => withFixedRootLock(this.lock, fixedRoot, fn));
  }

  /** Remove the trees an earlier, interrupted run left in the trash (among the chores). */
  async sweepTrash(): Promise<void> {
    for (const t of await this.fs.readdir(this.trashDir).catch(() => [] as string[])) this.chores.add(() => this.fs.remove(path.join(this.trashDir, t)));
  }

  /** Remove a finished build's fixed root: renamed away at once under its lock, deleted later. */
  async sweep(fixedRoot: string): Promise<void> {
    const trash = path.join(this.trashDir, `${path.basename(fixedRoot)}-${this.trashId}-${++this.trashCount}`);
    await this.fs.mkdir(path.dirname(trash));
    const moved = await this.hold(fixedRoot, async () => {
      if (!(await this.fs.stat(fixedRoot))) return false;
      await this.fs.rename(fixedRoot, trash);
      return true;
    });
    if (moved) this.chores.add(() => this.fs.remove(trash));
  }

  /** Remove `fixedRoot` now, under its lock (after a failed build). */
  remove(fixedRoot: string): Promise<void> {
    return this.hold(fixedRoot, () => this.fs.remove(fixedRoot));
  }
}
