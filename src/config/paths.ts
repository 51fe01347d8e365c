/** Path confinement shared by every layer that takes paths from config, archives or metadata. */
import * as path from 'node:path';

/** True when the absolute path `abs` is `root` or below it (lexically: `..` resolved, symlinks not followed). */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}
