/**
 * Step 1 of loading a project: find the project root — the directory holding `azldev.toml` (or
 * `strata.toml`) — and the root file in it.
 */
import * as path from 'node:path';
import type { FileStat, FileSystem } from '../adapters/types.js';
import { error, StrataError } from '../diag/index.js';

/** File names that mark a project root, in order of preference. */
export const PROJECT_FILE_NAMES = ['azldev.toml', 'strata.toml'] as const;

export interface ProjectRoot {
  /** The project directory. */
  readonly dir: string;
  /** Absolute path of its `azldev.toml` / `strata.toml`. */
  readonly rootFile: string;
}

/**
 * stat that follows a symbolic link: a project's own files (azldev.toml, a local spec, an overlay
 * source) may be links, e.g. into a shared checkout. A dangling link is "missing".
 */
export async function statFollowingLinks(fs: FileSystem, p: string): Promise<FileStat | undefined> {
  const st = await fs.stat(p);
  if (!st?.isSymbolicLink) return st;
  try {
    return await fs.stat(await fs.realpath(p));
  } catch {
    return undefined;
  }
}

/** The project file in `dir`, when there is one. */
async function findProjectFileIn(fs: FileSystem, dir: string): Promise<string | undefined> {
  for (const name of PROJECT_FILE_NAMES) {
    const f = path.join(dir, name);
    if ((await statFollowingLinks(fs, f))?.isFile) return f;
  }
  return undefined;
}

/**
 * The directory holding `azldev.toml` (or `strata.toml`), searching from `startDir` upward.
 * Throws StrataError PROJECT_NOT_FOUND when there is none.
 */
export async function findProjectRoot(fs: FileSystem, startDir: string): Promise<ProjectRoot> {
  let dir = path.resolve(startDir);
  const start = await fs.stat(dir);
  if (!start) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `directory ${dir} does not exist`, { hint: 'check the -C DIR argument (relative paths start at the current directory)' }));
  if (!start.isDirectory && !start.isSymbolicLink) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `${dir} is not a directory`, { hint: 'pass the project directory with -C DIR, not a file in it' }));
  for (;;) {
    const rootFile = await findProjectFileIn(fs, dir);
    if (rootFile) return { dir, rootFile };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StrataError(error('PROJECT_NOT_FOUND', `no azldev.toml or strata.toml in ${path.resolve(startDir)} or any parent directory`, { hint: 'run inside a project, pass -C DIR, or create azldev.toml' }));
}

/**
 * The project in exactly `projectDir` (no upward search). Throws StrataError
 * PROJECT_DIR_NOT_FOUND / PROJECT_NOT_FOUND.
 */
export async function findProjectIn(fs: FileSystem, projectDir: string): Promise<ProjectRoot> {
  const dir = path.resolve(projectDir);
  const rootFile = await findProjectFileIn(fs, dir);
  if (!rootFile && !(await fs.stat(dir))) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `directory ${dir} does not exist`, { hint: 'check the -C DIR argument (relative paths start at the current directory)' }));
  if (!rootFile) throw new StrataError(error('PROJECT_NOT_FOUND', `no azldev.toml or strata.toml in ${dir}`, { hint: 'pass the directory that holds the project file' }));
  return { dir, rootFile };
}
