/**
 * The one place diagnostics leave the program. Every path — a thrown StrataError, the
 * diagnostics a command returns with its result, the warnings of loading the project, the
 * warnings of rpmautospec — ends here, so a warning looks the same from every command:
 *
 * - human view (`-o table`/`text`/`toml`): the house text format on stderr (`file:line:col:
 *   severity[CODE]: message`, the source line with a caret, notes, hint, include chain), from
 *   `formatDiagnostic`;
 * - `-o json`: one JSON object per diagnostic and line on stderr (`diagnosticToJson`), so stdout
 *   stays the command's one JSON value.
 *
 * With `-q` warnings and notes are left out; errors are always reported.
 */
import * as path from 'node:path';
import { diagnosticToJson, formatDiagnostic, type Diagnostic } from '../diag/index.js';
import type { FileSystem } from '../adapters/types.js';
import type { CliContext, OutputFormat } from './context.js';

export interface ReportOptions {
  readonly output: OutputFormat;
  readonly quiet?: boolean;
}

/**
 * The text of every file the diagnostics point at (spans and notes), read once through the
 * FileSystem adapter; a file that cannot be read shows no source line.
 */
export async function loadDiagnosticSources(fs: FileSystem, cwd: string, ds: readonly Diagnostic[]): Promise<Map<string, string | undefined>> {
  const texts = new Map<string, string | undefined>();
  for (const d of ds) {
    const f = d.span?.file;
    if (f !== undefined && !texts.has(f)) texts.set(f, await fs.readText(path.resolve(cwd, f)).catch(() => undefined));
  }
  return texts;
}

/**
 * The text renderer with the sources of `ds` read up front: for diagnostics a command shows
 * inside its own output (e.g. the render failures in a `diff-sources` report). `color` only
 * where the text goes to a terminal.
 */
export async function diagnosticTextRenderer(ctx: CliContext, ds: readonly Diagnostic[], color: boolean): Promise<(d: Diagnostic) => string> {
  const sources = await loadDiagnosticSources(ctx.fs, ctx.cwd, ds);
  return (d) => formatDiagnostic(d, { sourceOf: (f) => sources.get(f), relativeTo: ctx.cwd, color });
}

/** Report diagnostics on stderr: house text format, or JSON lines with `-o json`. */
export async function reportDiagnostics(ctx: CliContext, opts: ReportOptions, ds: readonly Diagnostic[]): Promise<void> {
  const shown = opts.quiet ? ds.filter((d) => d.severity === 'error') : ds;
  if (shown.length === 0) return;
  if (opts.output === 'json') {
    for (const d of shown) ctx.err(JSON.stringify(diagnosticToJson(d, ctx.cwd)) + '\n');
    return;
  }
  const text = await diagnosticTextRenderer(ctx, shown, ctx.color);
  for (const d of shown) ctx.err(text(d) + '\n');
}

/** Diagnostics as they appear inside a command's JSON value (paths relative to the working directory). */
export function diagnosticsToJson(ctx: CliContext, ds: readonly Diagnostic[]): Record<string, unknown>[] {
  return ds.map((d) => diagnosticToJson(d, ctx.cwd));
}
