import type { Diagnostic } from '../diag/index.js';
import { reportDiagnostics } from './diagnostics.js';
import type { CliContext, GlobalOptions } from './context.js';

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** What a command returns: one value, printed as a table, JSON or text by one shared renderer. */
export interface CommandResult {
  /** The machine-readable value (`-o json`). */
  readonly json: unknown;
  /** The human view (`-o table`, the default). */
  readonly table?: Table;
  /** Free text for the human view, printed after the table. */
  readonly text?: string;
  /** Process exit code (0 unless the command found problems it reports in its result). */
  readonly exitCode?: number;
  /**
   * Problems the command found and reports without failing as a whole (e.g. components that
   * failed to render, warnings of loading the project): reported on stderr like thrown
   * diagnostics (src/cli/diagnostics.ts) after the result is printed, in every format.
   */
  readonly diagnostics?: readonly Diagnostic[];
}

export function formatTable(t: Table): string {
  const cells = t.rows.map((r) => r.map(cellText));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(t.columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(cellText).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Stable JSON: keys in insertion order, two-space indent, trailing newline. BigInt as number text. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x), 2) + '\n';
}

export async function printResult(ctx: CliContext, g: GlobalOptions, r: CommandResult): Promise<number> {
  if (g.output === 'json') {
    ctx.out(toJson(r.json));
  } else {
    if (r.table) ctx.out(formatTable(r.table) + '\n');
    if (r.text) ctx.out(r.text.endsWith('\n') ? r.text : r.text + '\n');
    if (!r.table && !r.text) ctx.out(toJson(r.json));
  }
  if (r.diagnostics?.length) await reportDiagnostics(ctx, g, r.diagnostics);
  return r.exitCode ?? 0;
}
