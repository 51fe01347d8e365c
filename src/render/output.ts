/**
 * The rendered tree: `<dir>/<lowercase first byte>/<name>/`, replaced as a whole (staging dir on
 * the same file system, then renames), compared file by file for --check-only, failure markers,
 * and stale-directory cleanup.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';

export const FAILURE_MARKER = 'RENDER_FAILED';
export const FAILURE_TEXT = 'Rendering failed. See azldev logs for details.\n';

export function componentOutputDir(outDir: string, name: string): string {
  return path.join(outDir, name.slice(0, 1).toLowerCase(), name);
}

/** Component names are used as directory names: refuse anything that is not a plain name. */
export function isSafeComponentName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Relative path → content (files) or `-> target` (symlinks), recursively. */
export async function snapshotDir(fs: FileSystem, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(d);
    } catch {
      return;
    }
    for (const n of names) {
      const abs = path.join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.stat(abs);
      if (!st) continue;
      if (st.isDirectory) await walk(abs, r);
      else if (st.isSymbolicLink) out.set(r, '-> ' + (await fs.realpath(abs).catch(() => '?')));
      else out.set(r, Buffer.from(await fs.readFile(abs)).toString('latin1'));
    }
  };
  await walk(dir, '');
  return out;
}

export interface DirDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly modified: string[];
}

export function diffSnapshots(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): DirDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const [k, v] of after) {
    const b = before.get(k);
    if (b === undefined) added.push(k);
    else if (b !== v) modified.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) removed.push(k);
  return { added: added.sort(), removed: removed.sort(), modified: modified.sort() };
}

export function isEmptyDiff(d: DirDiff): boolean {
  return !d.added.length && !d.removed.length && !d.modified.length;
}

/**
 * Mark a failed render. The previous output stays intact; the marker sits beside it (and is the
 * only file when the component never rendered, as in azldev).
 */
export async function markFailed(fs: FileSystem, target: string): Promise<void> {
  await fs.writeFileAtomic(path.join(target, FAILURE_MARKER), FAILURE_TEXT);
}

/** Component directories under `outDir` that belong to no known component (single-character parents only). */
export async function findStale(fs: FileSystem, outDir: string, known: ReadonlySet<string>): Promise<string[]> {
  const stale: string[] = [];
  let letters: string[];
  try {
    letters = await fs.readdir(outDir);
  } catch {
    return stale;
  }
  for (const l of letters) {
    if ([...l].length !== 1) continue;
    const ld = path.join(outDir, l);
    const st = await fs.stat(ld);
    if (!st?.isDirectory) continue;
    for (const n of await fs.readdir(ld)) {
      if (n.startsWith('.')) continue;
      const cst = await fs.stat(path.join(ld, n));
      if (!cst?.isDirectory && !cst?.isSymbolicLink) continue;
      if (!known.has(n)) stale.push(path.join(ld, n));
    }
  }
  return stale.sort();
}

const STAGING_PREFIX = '.strata-render-';

/** Prefix of this process's staging directory under the output (its pid marks it as live). */
export function stagingPrefix(pid: number): string {
  return `${STAGING_PREFIX}${pid}-`;
}

/**
 * Undo what an interrupted run left: staging directories of processes that are gone are removed,
 * and a component directory that was moved aside (`.<name>.old-*`) but never replaced is moved back.
 */
export async function recoverInterrupted(fs: FileSystem, outDir: string): Promise<string[]> {
  const fixed: string[] = [];
  let top: string[];
  try {
    top = await fs.readdir(outDir);
  } catch {
    return fixed;
  }
  for (const n of top) {
    if (!n.startsWith(STAGING_PREFIX)) continue;
    // `.strata-render-<pid>-*`: another render into the same directory may be running right now.
    const pid = /^\.strata-render-(\d+)-/.exec(n)?.[1];
    if (pid && (await fs.stat(`/proc/${pid}`))) continue;
    await fs.remove(path.join(outDir, n));
    fixed.push(n);
  }
  for (const l of top) {
    if ([...l].length !== 1) continue;
    const ld = path.join(outDir, l);
    if (!(await fs.stat(ld))?.isDirectory) continue;
    for (const n of await fs.readdir(ld)) {
      const m = /^\.(.+)\.old-[0-9a-f]{8}$/.exec(n);
      if (!m) continue;
      const target = path.join(ld, m[1]!);
      if (await fs.stat(target)) await fs.remove(path.join(ld, n));
      else await fs.rename(path.join(ld, n), target);
      fixed.push(`${l}/${n}`);
    }
  }
  return fixed;
}

/** `url.QueryEscape` as Go does it (the alias symlink name). */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** azldev's alias beside a component whose name needs escaping: `<letter>/<escaped>` → `<name>`. */
export async function writeAlias(fs: FileSystem, outDir: string, name: string): Promise<void> {
  const esc = goQueryEscape(name);
  if (esc === name) return;
  const link = path.join(outDir, name.slice(0, 1).toLowerCase(), esc);
  const st = await fs.stat(link);
  if (st && !st.isSymbolicLink) return;
  if (!st) await fs.symlink?.(name, link).catch(() => undefined);
}
