/**
 * The resolved model as plain, deterministic data (for `config dump`, `component query`, tests):
 * Maps become objects with sorted keys, spans become `path:line:col`, absolute paths inside the
 * project become project-relative, and internal helpers (`origin()`, `fieldSpans`) are dropped.
 */
import * as path from 'node:path';
import type { SourceSpan } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from './types.js';

const DROP = new Set(['fieldSpans', 'declaredDir', 'origins']);

function isSpan(v: object): v is SourceSpan {
  const o = v as Record<string, unknown>;
  return typeof o['file'] === 'string' && typeof o['line'] === 'number' && typeof o['col'] === 'number' && Object.keys(o).every((k) => ['file', 'line', 'col', 'endLine', 'endCol', 'offset', 'length'].includes(k));
}

function spanToString(s: SourceSpan, dir: string): string {
  return `${relPath(s.file, dir)}:${s.line}:${s.col}`;
}

function relPath(p: string, dir: string): string {
  if (p === dir) return '.';
  return p.startsWith(dir + path.sep) ? p.slice(dir.length + 1) : p;
}

function plain(v: unknown, dir: string): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === 'string') return path.isAbsolute(v) ? relPath(v, dir) : v;
  if (typeof v !== 'object') return typeof v === 'function' ? undefined : v;
  if (Array.isArray(v)) return v.map((x) => plain(x, dir));
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const k of [...v.keys()].sort()) out[k] = plain(v.get(k), dir);
    return out;
  }
  if (isSpan(v)) return spanToString(v, dir);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (DROP.has(k) || typeof x === 'function' || x === undefined) continue;
    out[k] = plain(x, dir);
  }
  return out;
}

/** One component as plain data; `origins: true` adds `origins: { field: "file:line:col" }`. */
export function componentToJson(c: ResolvedComponent, opts: { dir: string; origins?: boolean }): Record<string, unknown> {
  const out = plain(c, opts.dir) as Record<string, unknown>;
  if (opts.origins) {
    const o: Record<string, string> = {};
    for (const [k, s] of c.origins) o[k] = spanToString(s, opts.dir);
    out['origins'] = o;
  }
  return out;
}

/** The whole resolved project as plain data (deterministic: two calls give equal JSON text). */
export function projectToJson(p: ResolvedProject, opts: { origins?: boolean } = {}): Record<string, unknown> {
  const dir = p.dir;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'components') continue;
    if (k === 'dir') out[k] = v;
    else out[k] = plain(v, dir);
  }
  const comps: Record<string, unknown> = {};
  for (const [name, c] of p.components) comps[name] = componentToJson(c, { dir, ...(opts.origins ? { origins: true } : {}) });
  out['components'] = comps;
  return out;
}
