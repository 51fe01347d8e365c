import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../diag/index.js';
import type { CliContext } from './context.js';

/** Print diagnostics to stderr: `file:line:col: error[CODE]: …`, the source line with a caret, hint, include chain. */
export function printDiagnostics(ctx: CliContext, diagnostics: readonly Diagnostic[]): void {
  const cache = new Map<string, string | undefined>();
  const sourceOf = (f: string) => {
    if (!cache.has(f)) {
      try {
        cache.set(f, readFileSync(path.resolve(ctx.cwd, f), 'utf8'));
      } catch {
        cache.set(f, undefined);
      }
    }
    return cache.get(f);
  };
  for (const d of diagnostics) ctx.err(formatDiagnostic(d, { sourceOf, relativeTo: ctx.cwd, color: ctx.color }) + '\n');
}
