/**
 * File overlays (file-*, and the file half of patch-add/patch-remove) on a sources root.
 * Planning is pure (one `FilePlanner` per type: listing + contents → file operations); `applyFileOps`
 * performs them through the FileSystem adapter. Paths never leave the root.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { compileRe2, replaceAllLiteral } from './spec-overlays.js';
import { selectByFilePattern } from './glob.js';
import { overlayError, type AnyOverlay, type OverlayOf } from './types.js';

export type FileOp =
  | { readonly op: 'write'; readonly path: string; readonly data: Uint8Array; readonly before?: Uint8Array; readonly mode?: number }
  | { readonly op: 'copy'; readonly path: string; readonly from: string }
  | { readonly op: 'remove'; readonly path: string; readonly before?: Uint8Array }
  | { readonly op: 'rename'; readonly path: string; readonly to: string };

export interface FileEntry {
  /** Path relative to the root, `/`-separated. */
  readonly rel: string;
  readonly mode: number;
}

/** Reads a file of the root (relative path). */
export type ReadRel = (rel: string) => Promise<Uint8Array>;

/**
 * Normalise a relative path from config; throws when it is absolute or escapes the root. A
 * backslash is an ordinary character of a file name here (systemd unit names keep `\x2d`
 * escapes literally), but a path that would escape were backslashes separators is refused too.
 */
export function confinedRel(o: AnyOverlay, p: string, field = 'file'): string {
  const n = path.posix.normalize(p);
  const asSeparators = path.posix.normalize(p.replace(/\\/g, '/'));
  const escapes = (x: string) => x === '..' || x.startsWith('../') || x === '.' || path.posix.isAbsolute(x);
  if (p === '' || escapes(n) || escapes(asSeparators)) {
    throw overlayError(o, 'OVERLAY_PATH_ESCAPES', `\`${field}\` ${JSON.stringify(p)} must be a relative path inside the component's sources`,
      'use a path relative to the sources directory without `..`');
  }
  return n;
}

/** Every regular file and symlink under `root` (not following links), `.git` excluded, sorted. */
export async function listFiles(fs: FileSystem, root: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await fs.readdir(dir)) {
      if (rel === '' && name === '.git') continue;
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.stat(abs);
      if (!st) continue;
      if (st.isDirectory) await walk(abs, r);
      else out.push({ rel: r, mode: st.mode & 0o7777 });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

function globMatches(o: AnyOverlay, pattern: string, files: readonly FileEntry[]): FileEntry[] {
  const candidates = files.filter((f) => !f.rel.endsWith('.spec') && !f.rel.startsWith('.git/'));
  return selectByFilePattern(confinedRel(o, pattern), candidates, (f) => f.rel);
}

function noMatch(o: AnyOverlay, pattern: string): never {
  throw overlayError(o, 'OVERLAY_NO_MATCH', `no file matches ${JSON.stringify(pattern)}`,
    '`file` is the exact name of a file, or else a doublestar glob relative to the sources directory (`*` does not cross `/`; .spec files are never matched)');
}

function rejectSpec(o: AnyOverlay, file: string): void {
  if (file.endsWith('.spec')) {
    throw overlayError(o, 'OVERLAY_SPEC_TARGET', `${o.type} cannot target the spec file ${JSON.stringify(file)}`, 'use the spec-* overlays to edit the spec');
  }
}

const enc = new TextEncoder();

/** Decode bytes as UTF-8 when valid, else byte-for-byte (latin1) so that binary files survive. */
export function decodeBytes(b: Uint8Array): { text: string; encode: (s: string) => Uint8Array } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(b);
    return { text, encode: (s) => enc.encode(s) };
  } catch {
    return { text: Buffer.from(b).toString('latin1'), encode: (s) => new Uint8Array(Buffer.from(s, 'latin1')) };
  }
}

/** A file planner for overlays of one type: listing + contents → file operations (pure). */
export type FilePlanner<O extends AnyOverlay> = (o: O, files: readonly FileEntry[], read: ReadRel, exists: (rel: string) => Promise<boolean>) => Promise<FileOp[]>;

/** file-prepend-lines: the lines on top of every matching file. */
export const planFilePrependLines: FilePlanner<OverlayOf<'file-prepend-lines'>> = async (o, files, read) => {
  rejectSpec(o, o.file);
  const hits = globMatches(o, o.file, files);
  if (!hits.length) noMatch(o, o.file);
  const ops: FileOp[] = [];
  for (const f of hits) {
    const before = await read(f.rel);
    const head = enc.encode(o.lines.join('\n') + '\n');
    const data = new Uint8Array(head.length + before.length);
    data.set(head, 0);
    data.set(before, head.length);
    ops.push({ op: 'write', path: f.rel, data, before, mode: f.mode });
  }
  return ops;
};

/** file-search-replace: the regex over the whole text of every matching file. */
export const planFileSearchReplace: FilePlanner<OverlayOf<'file-search-replace'>> = async (o, files, read) => {
  rejectSpec(o, o.file);
  const re = compileRe2(o, o.regex);
  const hits = globMatches(o, o.file, files);
  if (!hits.length) noMatch(o, o.file);
  const ops: FileOp[] = [];
  for (const f of hits) {
    const before = await read(f.rel);
    const { text, encode } = decodeBytes(before);
    const r = replaceAllLiteral(re, text, o.replacement);
    if (r.count === 0 || r.text === text) continue;
    ops.push({ op: 'write', path: f.rel, data: encode(r.text), before, mode: f.mode });
  }
  if (!ops.length) {
    throw overlayError(o, 'OVERLAY_PATTERN_NOT_FOUND', `regex ${JSON.stringify(o.regex)} changed nothing in ${hits.map((h) => h.rel).join(', ')}`,
      'the regex is applied to the whole file (RE2 syntax; use (?m) for ^/$ per line)');
  }
  return ops;
};

/** file-add / patch-add: copy `source` to `file` (which must not exist yet). */
export const planCopyIn: FilePlanner<OverlayOf<'file-add' | 'patch-add'>> = async (o, _files, _read, exists) => {
  const dest = confinedRel(o, o.file);
  rejectSpec(o, dest);
  if (await exists(dest)) {
    throw overlayError(o, 'OVERLAY_DEST_EXISTS', `${JSON.stringify(dest)} already exists in the sources`,
      'pick another `file` name, or remove the upstream file first with file-remove');
  }
  return [{ op: 'copy', path: dest, from: o.source }];
};

/** file-remove / patch-remove: every matching file. */
export const planRemoveFiles: FilePlanner<OverlayOf<'file-remove' | 'patch-remove'>> = async (o, files) => {
  const hits = globMatches(o, o.file, files);
  if (!hits.length) noMatch(o, o.file);
  return hits.map((f) => ({ op: 'remove', path: f.rel }));
};

/** file-rename: the one matching file, renamed within its directory. */
export const planFileRename: FilePlanner<OverlayOf<'file-rename'>> = async (o, files, _read, exists) => {
  const to = o.replacement;
  if (!to || to.includes('/') || to === '.' || to === '..') {
    throw overlayError(o, 'OVERLAY_BAD_FIELD', `\`replacement\` ${JSON.stringify(to)} must be a plain file name`, 'file-rename renames within the same directory');
  }
  rejectSpec(o, to);
  const hits = globMatches(o, o.file, files);
  if (!hits.length) noMatch(o, o.file);
  if (hits.length > 1) {
    throw overlayError(o, 'OVERLAY_MULTIPLE_MATCHES', `${JSON.stringify(o.file)} matches ${hits.length} files (${hits.slice(0, 5).map((h) => h.rel).join(', ')})`,
      'file-rename needs exactly one match; use a more specific pattern');
  }
  const from = hits[0]!.rel;
  const dir = path.posix.dirname(from);
  const dest = dir === '.' ? to : `${dir}/${to}`;
  if (dest !== from && (await exists(dest))) throw overlayError(o, 'OVERLAY_DEST_EXISTS', `${JSON.stringify(dest)} already exists in the sources`);
  return [{ op: 'rename', path: from, to: dest }];
};

/** Perform file operations inside `root`. */
export async function applyFileOps(fs: FileSystem, root: string, ops: readonly FileOp[], write?: (path: string, data: Uint8Array, mode?: number) => Promise<void>): Promise<void> {
  for (const op of ops) {
    const abs = path.join(root, op.path);
    switch (op.op) {
      case 'write':
        await (write ?? fs.writeFileAtomic.bind(fs))(abs, op.data, op.mode);
        break;
      case 'copy': {
        const st = await fs.stat(op.from);
        if (!st || !st.isFile) {
          throw new Error(`overlay source ${op.from} is not a regular file`);
        }
        await fs.copyFile(op.from, abs);
        break;
      }
      case 'remove':
        await fs.remove(abs);
        break;
      case 'rename':
        await fs.rename(abs, path.join(root, op.to));
        break;
    }
  }
}
