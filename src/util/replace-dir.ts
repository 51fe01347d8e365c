/**
 * Replacing a directory as a whole: a staged tree (built beside the target, on the same file
 * system) is renamed into place; the old tree is moved aside first and removed after, and put
 * back when the swap fails. Used by render output, prepare-sources and publish.
 */
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FileSystem } from '../adapters/types.js';

/** Swap `staged` into `target`: the old tree is moved aside first and removed after. */
export async function replaceDir(fs: FileSystem, staged: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target));
  const old = path.join(path.dirname(target), `.${path.basename(target)}.old-${randomBytes(4).toString('hex')}`);
  const had = (await fs.stat(target)) !== undefined;
  if (had) await fs.rename(target, old);
  try {
    await fs.rename(staged, target);
  } catch (e) {
    if (had) await fs.rename(old, target);
    throw e;
  }
  if (had) await fs.remove(old);
}
