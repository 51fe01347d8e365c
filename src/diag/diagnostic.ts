import type { DiagnosticCode } from './codes.js';

/** A place in a source file. Lines and columns are 1-based; `offset` is a 0-based byte/char offset when known. */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine?: number;
  readonly endCol?: number;
  readonly offset?: number;
  readonly length?: number;
}

export type Severity = 'error' | 'warning' | 'note';

export interface RelatedInfo {
  readonly message: string;
  readonly span?: SourceSpan;
}

/** One finding a user can act on: stable `code`, the place that caused it, and a hint. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: SourceSpan;
  readonly hint?: string;
  /** Include chain, outermost first, when the file was reached through includes. */
  readonly includeChain?: readonly SourceSpan[];
  readonly related?: readonly RelatedInfo[];
}

export function error(code: DiagnosticCode, message: string, extra: Partial<Omit<Diagnostic, 'code' | 'message' | 'severity'>> = {}): Diagnostic {
  return { code, severity: 'error', message, ...extra };
}

export function warning(code: DiagnosticCode, message: string, extra: Partial<Omit<Diagnostic, 'code' | 'message' | 'severity'>> = {}): Diagnostic {
  return { code, severity: 'warning', message, ...extra };
}

export function note(code: DiagnosticCode, message: string, extra: Partial<Omit<Diagnostic, 'code' | 'message' | 'severity'>> = {}): Diagnostic {
  return { code, severity: 'note', message, ...extra };
}

/**
 * The one exception type domain code throws for user-caused failures. It carries one or more
 * diagnostics; the CLI prints them (never a stack trace) and exits non-zero.
 */
export class StrataError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  readonly code: DiagnosticCode;

  constructor(diagnostics: Diagnostic | readonly Diagnostic[], options?: { cause?: unknown }) {
    const list = Array.isArray(diagnostics) ? (diagnostics as readonly Diagnostic[]) : [diagnostics as Diagnostic];
    if (list.length === 0) throw new TypeError('StrataError needs at least one diagnostic');
    const first = list[0]!;
    super(first.message, options);
    this.name = 'StrataError';
    this.diagnostics = list;
    this.code = first.code;
  }
}

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof StrataError;
}

/** Compute a 1-based line/column for `offset` in `text`. */
export function positionAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

export function spanAt(file: string, text: string, offset: number, length = 0): SourceSpan {
  const { line, col } = positionAt(text, offset);
  return { file, line, col, offset, length };
}
