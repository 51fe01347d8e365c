/** The unreferenced-file filter: which top-level entries of a rendered component survive (azldev §3.12). */
import * as path from 'node:path';
import { decodeBytes } from '../overlay/index.js';
import type { RenderContext } from './context.js';

/** Reduce a Source/Patch value (URL or path) to the file name the sources dir holds, or undefined when unusable. */
export function sourceFileName(value: string): string | undefined {
  const v = value.trim();
  const url = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(v);
  if (url) {
    const hash = v.indexOf('#');
    const frag = hash >= 0 ? v.slice(hash + 1) : '';
    if (frag.startsWith('/') || frag.startsWith('./')) return lastSegment(frag);
    const noFrag = hash >= 0 ? v.slice(0, hash) : v;
    const q = noFrag.indexOf('?');
    const p = (q >= 0 ? noFrag.slice(0, q) : noFrag).slice(url[0].length);
    return lastSegment(p) || undefined;
  }
  const parts = v.split('/').filter((s) => s !== '' && s !== '.');
  if (v.startsWith('/') || parts.includes('..') || parts.length === 0) return undefined;
  return parts.join('/');
}

function lastSegment(p: string): string {
  const parts = p.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

/**
 * Top-level names to keep, or undefined when the filter must be skipped (a value still holds an
 * unexpanded `%{`).
 */
export function keepSet(specFile: string, sourceValues: readonly string[]): Set<string> | undefined {
  if (sourceValues.some((v) => v.includes('%{'))) return undefined;
  const keep = new Set<string>([specFile, 'sources']);
  for (const v of sourceValues) {
    const n = sourceFileName(v);
    if (n) keep.add(n.split('/')[0]!);
  }
  return keep;
}

/** Step 8: remove the top-level entries of `stage` that the spec's Source/Patch lines do not name. */
export async function removeUnreferencedFiles(ctx: RenderContext, stage: string, specFile: string, spec: string, defines: Readonly<Record<string, string>>): Promise<void> {
  const { fs, listSources } = ctx.deps;
  if (!listSources) return;
  const specPath = path.join(stage, specFile);
  const values = await listSources(spec, { specPath, sourceDir: stage, defines, readFile: async (p) => ((await fs.stat(p))?.isFile ? decodeBytes(await fs.readFile(p)).text : undefined) });
  const keep = keepSet(specFile, values);
  if (keep) for (const n of await fs.readdir(stage)) if (!keep.has(n)) await fs.remove(path.join(stage, n));
}
