/**
 * The one text renderer (`formatDiagnostic`) and the one JSON renderer (`diagnosticToJson`) of
 * diagnostics. Pure: they return text/data; the CLI (src/cli/diagnostics.ts) decides where it
 * goes and reads the source lines through the FileSystem adapter.
 */
import type { Diagnostic, SourceSpan } from './diagnostic.js';

export interface FormatOptions {
  /** Returns the text of a file, to show the offending line; undefined when not available. */
  readonly sourceOf?: (file: string) => string | undefined;
  /** Shown paths are made relative to this directory when they are inside it. */
  readonly relativeTo?: string;
  readonly color?: boolean;
}

const C = {
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
};

export function displayPath(file: string, relativeTo?: string): string {
  if (!relativeTo) return file;
  const base = relativeTo.endsWith('/') ? relativeTo : relativeTo + '/';
  return file.startsWith(base) ? file.slice(base.length) : file;
}

export function formatSpan(span: SourceSpan, relativeTo?: string): string {
  return `${displayPath(span.file, relativeTo)}:${span.line}:${span.col}`;
}

/**
 * `file:line:col: error[CODE]: message`, then the offending line with a caret, the hint and the
 * include chain. Pure: returns text.
 */
export function formatDiagnostic(d: Diagnostic, opts: FormatOptions = {}): string {
  const paint = (c: keyof typeof C, s: string) => (opts.color ? C[c] + s + C.reset : s);
  const sevColor = d.severity === 'error' ? 'red' : d.severity === 'warning' ? 'yellow' : 'cyan';
  const where = d.span ? formatSpan(d.span, opts.relativeTo) + ': ' : '';
  const out: string[] = [`${where}${paint(sevColor, `${d.severity}[${d.code}]`)}: ${paint('bold', d.message)}`];
  if (d.span && opts.sourceOf) {
    const text = opts.sourceOf(d.span.file);
    if (text !== undefined) {
      const lines = text.split('\n');
      const lineText = lines[d.span.line - 1];
      if (lineText !== undefined) {
        const num = String(d.span.line);
        const gutter = ' '.repeat(num.length);
        const shown = lineText.replace(/\r$/, '').replace(/\t/g, ' ');
        const caretLen = d.span.endLine === d.span.line && d.span.endCol && d.span.endCol > d.span.col ? d.span.endCol - d.span.col : Math.max(1, Math.min(d.span.length ?? 1, shown.length - d.span.col + 1));
        out.push(` ${num} | ${shown}`);
        out.push(` ${gutter} | ${' '.repeat(Math.max(0, d.span.col - 1))}${paint(sevColor, '^'.repeat(Math.max(1, caretLen)))}`);
      }
    }
  }
  for (const r of d.related ?? []) {
    out.push(`  ${paint('dim', 'note:')} ${r.span ? formatSpan(r.span, opts.relativeTo) + ': ' : ''}${r.message}`);
  }
  if (d.hint) out.push(`  ${paint('cyan', 'hint:')} ${d.hint}`);
  if (d.includeChain && d.includeChain.length > 0) {
    for (const s of [...d.includeChain].reverse()) out.push(`  ${paint('dim', 'included from')} ${formatSpan(s, opts.relativeTo)}`);
  }
  return out.join('\n');
}

export function diagnosticToJson(d: Diagnostic, relativeTo?: string): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.span ? { file: displayPath(d.span.file, relativeTo), line: d.span.line, col: d.span.col } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.includeChain && d.includeChain.length ? { includeChain: d.includeChain.map((s) => formatSpan(s, relativeTo)) } : {}),
    ...(d.related && d.related.length ? { related: d.related.map((r) => ({ message: r.message, ...(r.span ? { at: formatSpan(r.span, relativeTo) } : {}) })) } : {}),
  };
}
