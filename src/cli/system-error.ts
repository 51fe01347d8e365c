/**
 * The CLI's last line of defence: an operating-system error (EACCES, ENOSPC, ENOTDIR, …) that
 * domain code let through is still the user's to fix (a path, a permission, a full disk), so it
 * becomes a coded diagnostic naming the path and the fix, never "internal error".
 */
import { error, type Diagnostic } from '../diag/index.js';

const ERRNO: Record<string, { readonly what: string; readonly hint: string }> = {
  EACCES: { what: 'permission denied', hint: 'check the permissions of the path (and of its parent directories), or choose another location' },
  EPERM: { what: 'operation not permitted', hint: 'check the permissions and attributes of the path, or choose another location' },
  ENOENT: { what: 'no such file or directory', hint: 'check that the path exists (relative paths are resolved from the current directory or -C DIR)' },
  EEXIST: { what: 'a file is in the way', hint: 'a file exists where a directory is needed: remove it or choose another location' },
  ENOTDIR: { what: 'a path component is not a directory', hint: 'a file exists where a directory is needed: remove it or choose another location' },
  EISDIR: { what: 'is a directory', hint: 'a directory exists where a file is needed: name a file, or remove the directory' },
  ENOTEMPTY: { what: 'directory not empty', hint: 'remove the directory or choose another location' },
  EROFS: { what: 'read-only file system', hint: 'choose a location on a writable file system' },
  ENOSPC: { what: 'no space left on device', hint: 'free disk space (or point work-dir/output-dir at a larger file system) and run again' },
  EDQUOT: { what: 'disk quota exceeded', hint: 'free disk space and run again' },
  EMFILE: { what: 'too many open files', hint: 'raise the open-file limit (ulimit -n) or lower -j' },
  ENAMETOOLONG: { what: 'file name too long', hint: 'choose a shorter path' },
  ELOOP: { what: 'too many levels of symbolic links', hint: 'fix the symbolic link loop' },
  EXDEV: { what: 'cross-device link', hint: 'keep the output and work directories on one file system' },
  EBUSY: { what: 'resource busy', hint: 'close whatever holds the path and run again' },
  ENOTREG: { what: 'not a regular file (a FIFO, device or socket)', hint: 'name a regular file' },
};

interface ErrnoLike {
  readonly code: `E${string}`;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

function isErrno(e: unknown): e is ErrnoLike {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; errno?: unknown; syscall?: unknown };
  return typeof x.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) && (typeof x.errno === 'number' || typeof x.syscall === 'string');
}

/** A diagnostic for an operating-system error, or undefined when `e` is not one. */
export function diagnosticForSystemError(e: unknown): Diagnostic | undefined {
  if (!isErrno(e)) return undefined;
  // A program that is not installed: spawn fails with ENOENT and the program's name as path.
  if (e.code === 'ENOENT' && e.syscall?.startsWith('spawn')) {
    const program = e.path ?? e.syscall.slice('spawn '.length);
    return error('TOOL_NOT_FOUND', `${program} is not installed (not found on PATH)`, {
      hint: `install ${program} (in a Strata checkout, \`node scripts/setup.mjs\` installs every tool the tests and the demo use), or put it on PATH`,
    });
  }
  const known = ERRNO[e.code];
  const target = e.path ? (e.dest ? `${e.path} → ${e.dest}` : e.path) : undefined;
  const op = e.syscall ? `${e.syscall}` : 'file operation';
  const message = `cannot ${op}${target ? ` ${target}` : ''}: ${known?.what ?? e.code} (${e.code})`;
  // No span: the path (in the message) is the place; it has no line to point at.
  return error(`IO_${e.code}`, message, { hint: known?.hint ?? 'check the path and run again' });
}
