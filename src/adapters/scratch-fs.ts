import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ScratchWriter } from './types.js';

/**
 * Plain writes (parents created) for staging directories that are renamed into place whole. The
 * resulting file matches FileSystem.writeFileAtomic: an explicit mode is exact (not masked by the
 * umask, also when replacing a file); without one a new file is 0644 less the umask.
 */
export class NodeScratchWriter implements ScratchWriter {
  async writeFile(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
    await fsp.mkdir(path.dirname(p), { recursive: true });
    const fh = await fsp.open(p, 'w', mode ?? 0o644);
    try {
      await fh.writeFile(data);
      if (mode !== undefined) await fh.chmod(mode);
    } finally {
      await fh.close();
    }
  }
}
