/**
 * Typed, position-aware reading of parsed TOML: a `TableReader` wraps one table, hands out typed
 * values, records a diagnostic (with the value's file:line:col) for every wrong type, and at
 * `finish()` reports each key nobody asked for as unknown, with a did-you-mean.
 */
import * as path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { didYouMean, error, warning, type Diagnostic, type DiagnosticCode, type SourceSpan } from '../diag/index.js';
import { LineIndex, pathKey, scanTomlPositions, type KeyPosition } from './toml-positions.js';

/** One TOML document: text, parsed value, positions. */
export class TomlDoc {
  private positions: Map<string, KeyPosition> | undefined;
  private lines: LineIndex | undefined;
  /** Directory of `file`; relative paths in the document resolve against it. */
  readonly dir: string;

  constructor(
    readonly file: string,
    readonly text: string,
    readonly value: Record<string, unknown>,
    readonly includeChain: readonly SourceSpan[],
  ) {
    this.dir = path.dirname(file);
  }

  private pos(p: readonly (string | number)[]): KeyPosition | undefined {
    this.positions ??= scanTomlPositions(this.text);
    return this.positions.get(pathKey(p));
  }

  spanAtOffset(offset: number, length = 0): SourceSpan {
    this.lines ??= new LineIndex(this.text);
    const { line, col } = this.lines.position(offset);
    return { file: this.file, line, col, offset, length };
  }

  /** Span of the key of `p` (nearest ancestor when unknown; the file start as a last resort). */
  keySpan(p: readonly (string | number)[]): SourceSpan {
    for (let q = p; ; q = q.slice(0, -1)) {
      const k = this.pos(q);
      if (k) return this.spanAtOffset(k.key, k.keyEnd - k.key);
      if (q.length === 0) return { file: this.file, line: 1, col: 1 };
    }
  }

  /** Span of the value of `p` (falls back like keySpan). */
  valueSpan(p: readonly (string | number)[]): SourceSpan {
    for (let q = p; ; q = q.slice(0, -1)) {
      const k = this.pos(q);
      if (k) return this.spanAtOffset(k.value, k.valueEnd - k.value);
      if (q.length === 0) return { file: this.file, line: 1, col: 1 };
    }
  }

  /** Where a table (header or inline table) starts: the key of `p`. */
  tableSpan(p: readonly (string | number)[]): SourceSpan {
    const k = this.pos(p);
    if (k && k.value !== k.key && this.text.charCodeAt(k.value) === 91 /* [ */) {
      // a [header]: point at the header itself
      return this.spanAtOffset(k.value, k.valueEnd - k.value);
    }
    return this.keySpan(p);
  }
}

/** Parse TOML text; on a syntax error returns the diagnostic instead. */
export function parseTomlDoc(file: string, text: string, includeChain: readonly SourceSpan[]): TomlDoc | Diagnostic {
  try {
    const value: Record<string, unknown> = parseToml(text);
    return new TomlDoc(file, text, value, includeChain);
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0] ?? 'invalid TOML';
      const msg = first.replace(/^Invalid TOML document:\s*/i, '');
      return error('TOML_SYNTAX', `invalid TOML: ${msg}`, {
        span: { file, line: e.line, col: e.column },
        hint: 'fix the TOML syntax (see https://toml.io/en/v1.0.0)',
        ...(includeChain.length ? { includeChain } : {}),
      });
    }
    throw e;
  }
}

export type TomlPath = readonly (string | number)[];

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? 'integer' : 'float';
  if (v instanceof Date) return 'date-time';
  if (typeof v === 'object') return 'table';
  return typeof v;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Shared sink for a load pass. */
export interface ReadSink {
  add(d: Diagnostic): void;
}

export class TableReader {
  private readonly known = new Set<string>();

  constructor(
    readonly doc: TomlDoc,
    readonly path: TomlPath,
    readonly value: Record<string, unknown>,
    readonly sink: ReadSink,
  ) {}

  /** Human-readable dotted path of this table, for messages. */
  get where(): string {
    return this.path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.').replace(/\.\[/g, '[');
  }

  span(): SourceSpan {
    return this.doc.tableSpan(this.path);
  }
  keySpan(key: string): SourceSpan {
    return this.doc.keySpan([...this.path, key]);
  }
  valueSpan(key: string | number): SourceSpan {
    return this.doc.valueSpan([...this.path, key]);
  }

  has(key: string): boolean {
    this.known.add(key);
    return this.value[key] !== undefined;
  }

  private chain(): Partial<Diagnostic> {
    return this.doc.includeChain.length ? { includeChain: this.doc.includeChain } : {};
  }

  report(code: DiagnosticCode, message: string, span: SourceSpan, hint?: string, severity: 'error' | 'warning' = 'error'): void {
    const extra = { span, ...(hint ? { hint } : {}), ...this.chain() };
    this.sink.add(severity === 'error' ? error(code, message, extra) : warning(code, message, extra));
  }

  private wrongType(key: string, expected: string, v: unknown): undefined {
    const at = this.where ? `${this.where}.${key}` : key;
    this.report('CONFIG_TYPE', `\`${at}\` must be ${expected}, found ${typeName(v)}`, this.valueSpan(key), `write ${key} = ${exampleOf(expected)}`);
    return undefined;
  }

  raw(key: string): unknown {
    this.known.add(key);
    return this.value[key];
  }

  string(key: string, opts: { required?: boolean; oneOf?: readonly string[]; nonEmpty?: boolean } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required) this.missing(key);
      return undefined;
    }
    if (typeof v !== 'string') return this.wrongType(key, 'a string', v);
    if (opts.oneOf && !opts.oneOf.includes(v)) {
      const dym = didYouMean(v, opts.oneOf);
      this.report('CONFIG_VALUE', `\`${this.where}.${key}\`: "${v}" is not one of ${opts.oneOf.map((x) => `"${x}"`).join(', ')}`, this.valueSpan(key), dym ? `did you mean "${dym}"?` : `use one of ${opts.oneOf.join(', ')}`);
      return undefined;
    }
    if (opts.required && opts.nonEmpty !== false && v === '') {
      this.missing(key, true);
      return undefined;
    }
    return v;
  }

  /** A string that must be one of `values`, narrowed to their type (CONFIG_VALUE otherwise). */
  oneOf<T extends string>(key: string, values: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const v = this.string(key, { ...opts, oneOf: values });
    return values.find((x) => x === v);
  }

  missing(key: string, empty = false, code: DiagnosticCode = 'CONFIG_MISSING_FIELD', hint?: string): void {
    this.report(code, `\`${this.where}\` ${empty ? 'has an empty' : 'needs'} \`${key}\``, empty ? this.valueSpan(key) : this.span(), hint ?? `add ${key} = ${'"…"'}`);
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.wrongType(key, 'a boolean', v);
    return v;
  }

  stringArray(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.wrongType(key, 'an array of strings', v);
    const out: string[] = [];
    v.forEach((x, idx) => {
      if (typeof x !== 'string') {
        this.report('CONFIG_TYPE', `\`${this.where}.${key}[${idx}]\` must be a string, found ${typeName(x)}`, this.doc.valueSpan([...this.path, key, idx]));
      } else out.push(x);
    });
    return out;
  }

  /** A table of string values (e.g. `build.defines`). */
  stringMap(key: string): Record<string, string> | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) return this.wrongType(key, 'a table of strings', v);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.report('CONFIG_TYPE', `\`${this.where}.${key}.${k}\` must be a string, found ${typeName(x)}`, this.doc.valueSpan([...this.path, key, k]));
      else out[k] = x;
    }
    return out;
  }

  table(key: string): TableReader | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) return this.wrongType(key, 'a table', v);
    return new TableReader(this.doc, [...this.path, key], v, this.sink);
  }

  /** An array of tables (`[[x]]` or `x = [{…}]`). */
  tableArray(key: string): TableReader[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.wrongType(key, 'an array of tables', v);
    const out: TableReader[] = [];
    v.forEach((x, idx) => {
      if (!isTable(x)) this.report('CONFIG_TYPE', `\`${this.where}.${key}[${idx}]\` must be a table, found ${typeName(x)}`, this.doc.valueSpan([...this.path, key, idx]));
      else out.push(new TableReader(this.doc, [...this.path, key, idx], x, this.sink));
    });
    return out;
  }

  /** A table of named tables (`[components.NAME]`), in document order. */
  tableMap(key: string): [string, TableReader][] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) return this.wrongType(key, 'a table', v);
    const out: [string, TableReader][] = [];
    for (const [name, x] of Object.entries(v)) {
      if (!isTable(x)) this.report('CONFIG_TYPE', `\`${this.where ? this.where + '.' : ''}${key}.${name}\` must be a table, found ${typeName(x)}`, this.doc.valueSpan([...this.path, key, name]));
      else out.push([name, new TableReader(this.doc, [...this.path, key, name], x, this.sink)]);
    }
    return out;
  }

  /** Report every key that no accessor asked for. */
  finish(): void {
    for (const k of Object.keys(this.value)) {
      if (this.known.has(k)) continue;
      const dym = didYouMean(k, this.known);
      const at = this.where ? `\`${this.where}\`` : 'the top level';
      this.report('CONFIG_UNKNOWN_KEY', `unknown key \`${k}\` in ${at}`, this.keySpan(k), dym ? `did you mean \`${dym}\`?` : `known keys: ${[...this.known].sort().join(', ')}`);
    }
  }

  /** Warn (not error) about keys this type does not use; the caller marks them known first. */
  warnUnused(keys: readonly string[], why: string): void {
    for (const k of keys) {
      if (this.value[k] !== undefined) this.report('CONFIG_UNUSED_KEY', `\`${this.where}.${k}\` is ignored: ${why}`, this.keySpan(k), `remove \`${k}\``, 'warning');
    }
  }
}

function exampleOf(expected: string): string {
  if (expected.includes('boolean')) return 'true';
  if (expected.includes('array of strings')) return '["…"]';
  if (expected.includes('array of tables')) return '[{ … }]';
  if (expected.includes('table')) return '{ … }';
  return '"…"';
}
