/**
 * Refs of a bare repository read from its files (no git process): a warm render reads thousands.
 */
import * as path from 'node:path';
import type { FileSystem } from '../../adapters/types.js';

const SHA = /^[0-9a-f]{40}$/;

/** The branch head of a bare repository from `refs/heads/<b>` or `packed-refs`; undefined when unknown. */
export async function readBranchHead(fs: FileSystem, repo: string, branch: string): Promise<string | undefined> {
  if (branch.includes('..')) return undefined;
  const loose = path.join(repo, 'refs', 'heads', ...branch.split('/'));
  if ((await fs.stat(loose))?.isFile) {
    const v = (await fs.readText(loose)).trim();
    return SHA.test(v) ? v : undefined;
  }
  const packed = path.join(repo, 'packed-refs');
  if (!(await fs.stat(packed))?.isFile) return undefined;
  const want = ` refs/heads/${branch}`;
  for (const line of (await fs.readText(packed)).split('\n')) {
    if (line.endsWith(want)) {
      const v = line.slice(0, 40);
      return SHA.test(v) ? v : undefined;
    }
  }
  return undefined;
}
