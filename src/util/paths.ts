/**
 * Path confinement shared by every layer that takes paths from config, archives or metadata, and
 * checks of output paths before any work starts: a file where a directory must go (or the
 * reverse) is a coded diagnostic naming the flag or config key (at its file:line when it came
 * from config), not an EEXIST/ENOTDIR from deep inside a render or a fetch.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, type SourceSpan } from '../diag/index.js';

/** True when the absolute path `abs` is `root` or below it (lexically: `..` resolved, symlinks not followed). */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}

/** The first existing ancestor of `p` that is not a directory, if any. */
async function blockingAncestor(fs: FileSystem, p: string): Promise<string | undefined> {
  let cur = path.dirname(p);
  const chain: string[] = [];
  while (cur !== path.dirname(cur)) {
    chain.push(cur);
    cur = path.dirname(cur);
  }
  for (const dir of chain.reverse()) {
    const st = await fs.stat(dir);
    if (!st) return undefined;
    // a symbolic link to a directory is fine; only a real file blocks
    if (!st.isDirectory && !st.isSymbolicLink) return dir;
  }
  return undefined;
}

/**
 * `dir` (given as `flag`) can be created or used as an output directory. `definedAt`: where the
 * value was configured (`ProjectInfo.origins.get('output-dir')`, …), the diagnostics' position.
 */
export async function checkOutputDir(fs: FileSystem, dir: string, flag: string, definedAt?: SourceSpan): Promise<void> {
  const span = definedAt ? { span: definedAt } : {};
  const kernel = virtualFileSystem(dir);
  if (kernel) {
    throw new StrataError(error('OUTPUT_VIRTUAL_FS', `${flag} ${dir}: is inside ${kernel}, the kernel's virtual file system`, { ...span, hint: `choose a ${flag} on a real file system` }));
  }
  const st = await fs.stat(dir);
  if (st && !st.isDirectory && !st.isSymbolicLink) {
    throw new StrataError(error('OUTPUT_NOT_A_DIRECTORY', `${flag} ${dir}: exists and is not a directory`, { ...span, hint: `${flag} names a directory: remove the file or choose another directory` }));
  }
  const blocked = st ? undefined : await blockingAncestor(fs, dir);
  if (blocked) {
    throw new StrataError(error('OUTPUT_NOT_A_DIRECTORY', `${flag} ${dir}: ${blocked} is a file, so the directory cannot be created`, { ...span, hint: `choose a ${flag} whose parent directories are directories` }));
  }
}

/** `/proc`, `/sys` or `/dev` when `p` lies inside one of them (nothing can be written there; Node's mkdir can hang on procfs). */
export function virtualFileSystem(p: string): string | undefined {
  return /^\/(proc|sys|dev)(?=\/|$)/.exec(path.resolve(p))?.[0];
}

/** `file` (given as `what`) can be written: it is not a directory and its parents can be directories. */
export async function checkOutputFile(fs: FileSystem, file: string, what: string): Promise<void> {
  const kernel = virtualFileSystem(file);
  if (kernel && path.resolve(file) !== '/dev/stdout' && path.resolve(file) !== '/dev/null') {
    throw new StrataError(error('OUTPUT_VIRTUAL_FS', `${what} ${file}: is inside ${kernel}, the kernel's virtual file system`, { hint: `choose a ${what} on a real file system` }));
  }
  const st = await fs.stat(file);
  if (st?.isDirectory) {
    throw new StrataError(error('OUTPUT_IS_A_DIRECTORY', `${what} ${file} is a directory`, { hint: `name the file to write, e.g. ${path.join(file, 'NAME.spec')}` }));
  }
  const blocked = st ? undefined : await blockingAncestor(fs, file);
  if (blocked) {
    throw new StrataError(error('OUTPUT_NOT_A_DIRECTORY', `${what} ${file}: ${blocked} is a file, so the file cannot be created`, { hint: `choose a ${what} whose parent directories are directories` }));
  }
}
