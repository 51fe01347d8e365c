import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProcessLock } from './types.js';

/** Lock directories with the owner's pid inside; stale locks (owner not in /proc) are taken over. */
export class NodeProcessLock implements ProcessLock {
  async acquire(lock: string, opts: { readonly pollMs?: number } = {}): Promise<() => Promise<void>> {
    await mkdir(path.dirname(lock), { recursive: true });
    for (;;) {
      try {
        await mkdir(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = Number((await readFile(path.join(lock, 'pid'), 'utf8').catch(() => '')).trim());
      if (owner && !(await stat(`/proc/${owner}`).catch(() => undefined))) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!owner) {
        const st = await stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 10_000) await rm(lock, { recursive: true, force: true });
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
    await writeFile(path.join(lock, 'pid'), `${process.pid}\n`);
    return async () => {
      await rm(lock, { recursive: true, force: true });
    };
  }
}
