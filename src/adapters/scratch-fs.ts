import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ScratchWriter } from './types.js';

/** Plain writes (parents created) for staging directories that are renamed into place whole. */
export class NodeScratchWriter implements ScratchWriter {
  async writeFile(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, data, mode !== undefined ? { mode } : {});
  }
}
