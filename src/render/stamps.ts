/**
 * Render stamps: `<workDir>/render-stamps/<output-dir hash>/<name>.json` = {key, output}. The key
 * hashes everything that decides a component's output; the output hash is that of the tree as
 * written. When both match, the component is not rendered again.
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { FileSystem, ScratchWriter } from '../adapters/types.js';
import { componentToJson } from '../config/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { listFiles } from '../overlay/index.js';
import { sha256Hex } from '../sources/index.js';
import type { RenderContext } from './context.js';
import type { Resolved } from './resolve.js';
import { componentInputs, type SyntheticCommit } from './synthetic.js';

/** Bump when a change to Strata changes rendered output: invalidates every render stamp. */
const RENDER_ENGINE = 'strata-render-1';

export function hashSnapshot(snap: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const k of [...snap.keys()].sort()) h.update(`${k}\0${snap.get(k)!.length}\0`).update(snap.get(k)!, 'latin1');
  return h.digest('hex');
}

export class StampStore {
  constructor(
    private readonly fs: FileSystem,
    private readonly scratch: ScratchWriter | undefined,
    private readonly dir: string,
  ) {}

  async read(name: string): Promise<{ key: string; output: string } | undefined> {
    const p = path.join(this.dir, `${name}.json`);
    if (!(await this.fs.stat(p))?.isFile) return undefined;
    try {
      return JSON.parse(await this.fs.readText(p)) as { key: string; output: string };
    } catch {
      return undefined;
    }
  }

  async write(name: string, v: { key: string; output: string }): Promise<void> {
    // A stamp is only a cache (a torn one fails to parse and forces a render): no fsync needed.
    const p = path.join(this.dir, `${name}.json`);
    if (this.scratch) await this.scratch.writeFile(p, JSON.stringify(v));
    else await this.fs.writeFileAtomic(p, JSON.stringify(v));
  }
}

/** Everything that decides a component's rendered output, hashed. */
export async function stampKey(ctx: RenderContext, c: ResolvedComponent, resolved: Resolved | undefined, synthetic: readonly SyntheticCommit[]): Promise<string> {
  const { fs } = ctx.deps;
  const { project } = ctx;
  const h = createHash('sha256');
  const put = (label: string, v: string) => h.update(`${label.length}:${label}=${v.length}:${v}\n`);
  put('engine', RENDER_ENGINE);
  put('component', JSON.stringify(componentToJson(c, { dir: project.dir })));
  put('upstream', resolved ? resolved.commit : '');
  put('synthetic', synthetic.filter((s) => s.hash !== 'dirty').map((s) => s.hash).join(','));
  // Uncommitted input changes: hash the inputs themselves.
  const files = new Set<string>();
  for (const o of c.overlays) {
    const src = (o as { source?: string }).source;
    if (src) files.add(src);
  }
  if (synthetic.some((s) => s.hash === 'dirty')) for (const f of componentInputs(project, c)) if (!f.endsWith('/')) files.add(f);
  if (c.spec.type === 'local') {
    for (const f of await listFiles(fs, c.spec.dir)) files.add(path.join(c.spec.dir, f.rel));
  }
  for (const f of [...files].sort()) {
    const st = await fs.stat(f);
    put(path.relative(project.dir, f), st?.isFile ? sha256Hex(await fs.readFile(f)) : '-');
  }
  return h.digest('hex');
}
