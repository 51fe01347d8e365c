/** The dist-git `sources` file: parse, merge `source-files`, print (azldev §3.9). */
import * as path from 'node:path';
import { error, StrataError, type SourceSpan } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import type { RenderContext } from './context.js';

export interface SourcesEntry {
  readonly kind: 'entry';
  readonly hashType: string;
  readonly file: string;
  readonly hash: string;
}
export type SourcesLine = SourcesEntry | { readonly kind: 'raw'; readonly text: string };

const MODERN = /^([A-Z0-9]+)\s+\(([^)]+)\)\s+=\s+([a-fA-F0-9]+)$/;
const LEGACY = /^([a-fA-F0-9]+)\s+(\S+)$/;

export function parseSourcesFile(text: string, file = 'sources'): SourcesLine[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const seen = new Set<string>();
  return lines.map((l, i) => {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) return { kind: 'raw', text: l };
    const m = MODERN.exec(t);
    const e: SourcesEntry | undefined = m ? { kind: 'entry', hashType: m[1]!, file: m[2]!, hash: m[3]! } : ((x) => (x ? { kind: 'entry', hashType: 'MD5', file: x[2]!, hash: x[1]! } as const : undefined))(LEGACY.exec(t));
    if (!e) throw new StrataError(error('SOURCES_FILE_INVALID', `${file}:${i + 1}: cannot parse ${JSON.stringify(l)}`, { span: { file, line: i + 1, col: 1 } }));
    if (seen.has(e.file)) throw new StrataError(error('SOURCES_FILE_DUPLICATE', `${file}:${i + 1}: ${e.file} is listed twice`, { span: { file, line: i + 1, col: 1 } }));
    seen.add(e.file);
    return e;
  });
}

export function printSourcesFile(lines: readonly SourcesLine[]): string {
  return lines.map((l) => (l.kind === 'raw' ? l.text : `${l.hashType} (${l.file}) = ${l.hash}`)).join('\n') + '\n';
}

export interface SourceFileInput {
  readonly filename: string;
  readonly hash?: string;
  readonly hashType?: string;
  readonly replaceUpstream: boolean;
  readonly definedAt?: SourceSpan;
}

/** Replacements in place, additions appended in order; collisions need `replace-upstream`. */
export function mergeSourceFiles(lines: readonly SourcesLine[], files: readonly SourceFileInput[]): SourcesLine[] {
  const out = lines.slice();
  for (const f of files) {
    const span = f.definedAt ? { span: f.definedAt } : {};
    if (!f.hash || !f.hashType) {
      throw new StrataError(error('SOURCE_FILE_NO_HASH', `source-files entry ${f.filename} has no hash`, { ...span, hint: 'add hash and hash-type (render never downloads sources)' }));
    }
    const i = out.findIndex((l) => l.kind === 'entry' && l.file === f.filename);
    const entry: SourcesEntry = { kind: 'entry', hashType: f.hashType, file: f.filename, hash: f.hash };
    if (i >= 0) {
      if (!f.replaceUpstream) throw new StrataError(error('SOURCE_FILE_COLLISION', `source-files entry ${f.filename} is already in the upstream sources file`, { ...span, hint: 'set replace-upstream = true (with a replace-reason) to replace it' }));
      out[i] = entry;
    } else {
      if (f.replaceUpstream) throw new StrataError(error('SOURCE_FILE_NOTHING_TO_REPLACE', `source-files entry ${f.filename} has replace-upstream but upstream has no such file`, { ...span, hint: 'drop replace-upstream' }));
      out.push(entry);
    }
  }
  return out;
}

/**
 * Step 5: the component's `source-files` merged into the staged `sources` file (replacements in
 * place, additions appended), archives repacked by overlays rehashed (each must have a line).
 */
export async function writeMergedSourcesFile(ctx: RenderContext, c: ResolvedComponent, stage: string, repacked: ReadonlyMap<string, { sha256: string; sha512: string }>): Promise<void> {
  if (!c.sourceFiles.length && !repacked.size) return;
  const { fs } = ctx.deps;
  const sp = path.join(stage, 'sources');
  const existing = (await fs.stat(sp))?.isFile ? parseSourcesFile(await fs.readText(sp), `${c.name}/sources`) : [];
  const merged = mergeSourceFiles(
    existing,
    c.sourceFiles.map((f) => ({ filename: f.filename, ...(f.hash ? { hash: f.hash } : {}), ...(f.hashType ? { hashType: f.hashType } : {}), replaceUpstream: f.replaceUpstream, definedAt: f.definedAt })),
  ).map((l) => {
    const r = l.kind === 'entry' ? repacked.get(l.file) : undefined;
    return r && l.kind === 'entry' ? { ...l, hash: l.hashType.toUpperCase() === 'SHA256' ? r.sha256 : r.sha512, hashType: l.hashType === 'MD5' ? 'SHA512' : l.hashType } : l;
  });
  for (const name of repacked.keys()) {
    if (!merged.some((l) => l.kind === 'entry' && l.file === name)) {
      throw new StrataError(error('ARCHIVE_NOT_IN_SOURCES', `archive ${name} was repacked by overlays but has no line in the sources file`, { span: c.definedAt, hint: 'add it to source-files with its post-overlay hash' }));
    }
  }
  await ctx.write(sp, printSourcesFile(merged));
}
