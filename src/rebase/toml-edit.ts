/**
 * Lossless TOML edits as splices on the text: set a string value in place (same quotes), drop
 * an overlay table (an `[[…overlays]]` table with the comment block above it, or an element of an
 * inline `overlays = [ … ]` array with its comma and, when its whole paragraph goes, the comments
 * above it). Every byte outside the splices is kept. The result is cross-checked: both texts
 * are parsed with smol-toml, and the edited document must equal the original with exactly the
 * intended changes; anything else is refused (REBASE_TOML_UNEDITABLE) and nothing is written.
 */
import { parse as parseToml } from 'smol-toml';
import { error, StrataError, type SourceSpan } from '../diag/index.js';
import { pathKey, scanTomlPositions, type KeyPosition } from '../config/toml-positions.js';

export type TomlChange =
  | { readonly kind: 'set-string'; readonly at: SourceSpan; readonly value: string; readonly label: string }
  /** Set a string at a key path (when no span names the value, e.g. a distro's `default-version`). */
  | { readonly kind: 'set-string-path'; readonly path: readonly (string | number)[]; readonly value: string; readonly label: string }
  | { readonly kind: 'remove-table'; readonly at: SourceSpan; readonly label: string };

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

type Path = readonly (string | number)[];

function refuse(file: string, why: string, at?: SourceSpan): never {
  throw new StrataError(error('REBASE_TOML_UNEDITABLE', `${file}: cannot edit without losing formatting: ${why}; nothing was written`, {
    span: at ?? { file, line: 1, col: 1 },
    hint: 'make this change by hand (the diff of the other changes is still printed with --dry-run)',
  }));
}

/** Every recorded key path with its position, and a reverse index by offset. */
function index(text: string): { byPath: Map<string, { path: string[]; pos: KeyPosition }>; lineStarts: number[] } {
  const byPath = new Map<string, { path: string[]; pos: KeyPosition }>();
  for (const [k, pos] of scanTomlPositions(text)) byPath.set(k, { path: k.split('\u0000'), pos });
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return { byPath, lineStarts };
}

function offsetOf(text: string, lineStarts: readonly number[], s: SourceSpan): number {
  if (s.offset !== undefined) return s.offset;
  const ls = lineStarts[s.line - 1];
  return ls === undefined ? -1 : Math.min(text.length, ls + s.col - 1);
}

const lineStartAt = (text: string, o: number): number => text.lastIndexOf('\n', o - 1) + 1;
const lineEndAt = (text: string, o: number): number => {
  const e = text.indexOf('\n', o);
  return e === -1 ? text.length : e + 1;
};
const lineText = (text: string, start: number): string => text.slice(start, lineEndAt(text, start)).replace(/\r?\n$/, '');
const isBlank = (l: string): boolean => l.trim() === '';
const isComment = (l: string): boolean => l.trim().startsWith('#');

/** The line starts of the comment block directly above `start` (no blank line between). */
function commentBlockAbove(text: string, start: number): number {
  let s = start;
  while (s > 0) {
    const prev = lineStartAt(text, s - 1);
    if (!isComment(lineText(text, prev))) break;
    s = prev;
  }
  return s;
}

function isHeader(text: string, pos: KeyPosition): boolean {
  return pos.value !== pos.key && text.charCodeAt(pos.value) === 91;
}

/** The splice that drops an `[[…]]` array-of-tables element (with its sub-tables). */
function dropHeaderTable(text: string, all: Map<string, { path: string[]; pos: KeyPosition }>, elem: string[], pos: KeyPosition): Splice {
  const prefix = pathKey(elem);
  let next = text.length;
  for (const { path, pos: p } of all.values()) {
    if (!isHeader(text, p) || p.value <= pos.value) continue;
    const k = pathKey(path);
    if (k === prefix || k.startsWith(prefix + '\u0000')) continue;
    next = Math.min(next, lineStartAt(text, p.value));
  }
  const start = commentBlockAbove(text, lineStartAt(text, pos.value));
  // The comment block right above the next header belongs to the next table.
  let end = next;
  while (end > start) {
    const prev = lineStartAt(text, end - 1);
    const l = lineText(text, prev);
    if (!isBlank(l) && !isComment(l)) break;
    end = prev;
  }
  end = end > start ? end : lineEndAt(text, start);
  // Keep one separation: take the blank lines after the chunk when there are some before it (or at the start).
  let after = end;
  while (after < next && isBlank(lineText(text, after))) after = lineEndAt(text, after);
  const blankBefore = start === 0 || isBlank(lineText(text, lineStartAt(text, start - 1)));
  if (blankBefore || after === text.length) end = after;
  if (after === text.length && start > 0) {
    // at the end of the file: drop the blank lines before the chunk instead
    let s = start;
    while (s > 0 && isBlank(lineText(text, lineStartAt(text, s - 1)))) s = lineStartAt(text, s - 1);
    return { start: s, end: text.length, text: '' };
  }
  return { start, end, text: '' };
}

/** The splices that drop elements of one inline array (all elements of that array being dropped at once). */
function dropInlineElements(text: string, file: string, elems: readonly { idx: number; pos: KeyPosition }[], count: number, siblings: readonly KeyPosition[]): Splice[] {
  const out: Splice[] = [];
  const dropped = new Set(elems.map((e) => e.idx));
  for (const e of elems) {
    const s = e.pos.value;
    let end = e.pos.valueEnd;
    let j = end;
    while (j < text.length && /[ \t]/.test(text[j]!)) j++;
    const comma = text[j] === ',';
    if (comma) end = j + 1;
    const ls = lineStartAt(text, s);
    const before = text.slice(ls, s);
    let le = end;
    while (le < text.length && /[ \t]/.test(text[le]!)) le++;
    const restOfLine = text.slice(le, lineEndAt(text, le)).replace(/\r?\n$/, '');
    const alone = before.trim() === '' && (restOfLine === '' || restOfLine.trim().startsWith('#'));
    if (alone) {
      if (restOfLine.trim().startsWith('#')) refuse(file, `the overlay at line ${text.slice(0, s).split('\n').length} has a comment after it on its line`);
      // Whole lines. The paragraph (run of non-blank lines) it sits in: drop its comments too when every element in it goes.
      let pStart = ls;
      while (pStart > 0 && !isBlank(lineText(text, lineStartAt(text, pStart - 1))) && isComment(lineText(text, lineStartAt(text, pStart - 1)))) pStart = lineStartAt(text, pStart - 1);
      let pEnd = lineEndAt(text, end);
      while (pEnd < text.length && !isBlank(lineText(text, pEnd)) && !/^\s*\]/.test(lineText(text, pEnd))) {
        pEnd = lineEndAt(text, pEnd);
      }
      const inPara = siblings.filter((p, k) => p.value >= pStart && p.value < pEnd && !dropped.has(k));
      const keepComments = inPara.length > 0;
      const start = keepComments ? ls : pStart;
      let stop = lineEndAt(text, end);
      if (!keepComments) {
        // the blank line after a dropped paragraph goes with it (one separation stays)
        const prevBlank = start > 0 && isBlank(lineText(text, lineStartAt(text, start - 1)));
        if (stop < text.length && isBlank(lineText(text, stop)) && (prevBlank || /\[\s*$/.test(lineText(text, lineStartAt(text, start - 1))))) stop = lineEndAt(text, stop);
      }
      // The comma of the previous element when this is the last one and it had none.
      if (!comma && e.idx === count - 1 && e.idx > 0 && !dropped.has(e.idx - 1)) {
        const p = siblings[e.idx - 1]!;
        let k = p.valueEnd;
        while (k < text.length && /[ \t]/.test(text[k]!)) k++;
        if (text[k] === ',') out.push({ start: k, end: k + 1, text: '' });
      }
      out.push({ start, end: stop, text: '' });
      continue;
    }
    // Inside a line with other content: the element and its comma (or the comma before it when last).
    if (comma) {
      let k = end;
      while (k < text.length && text[k] === ' ') k++;
      out.push({ start: s, end: k, text: '' });
    } else {
      let k = s;
      while (k > 0 && /[ \t]/.test(text[k - 1]!)) k--;
      if (text[k - 1] === ',') k--;
      out.push({ start: k, end: e.pos.valueEnd, text: '' });
    }
  }
  return out;
}

function quote(value: string, like: string): string {
  if (like.startsWith("'") && !value.includes("'") && !/[\n\r]/.test(value)) return `'${value}'`;
  return JSON.stringify(value);
}

function canonical(v: unknown): unknown {
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  if (typeof v === 'bigint') return `big:${v}`;
  return v;
}

function getAt(root: unknown, p: Path): unknown {
  let cur = root;
  for (const k of p) cur = (cur as Record<string | number, unknown> | undefined)?.[k];
  return cur;
}

/** Where two canonical values first differ (a key path), or undefined. */
function firstDifference(a: unknown, b: unknown, at: string[] = []): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...at, k]);
      if (d) return d;
    }
  }
  return at.join('.') || '(document)';
}

/**
 * Apply `changes` to the TOML `text` of `file` losslessly. Returns the edited text. Throws
 * REBASE_TOML_UNEDITABLE when a change cannot be located or made as a clean splice, or when the
 * re-parsed result differs from the original in anything but the intended changes.
 */
export function editToml(file: string, text: string, changes: readonly TomlChange[]): string {
  const { byPath, lineStarts } = index(text);
  const byOffset = new Map<number, { path: string[]; pos: KeyPosition }[]>();
  for (const e of byPath.values()) {
    for (const o of new Set([e.pos.key, e.pos.value])) {
      const l = byOffset.get(o) ?? [];
      l.push(e);
      byOffset.set(o, l);
    }
  }
  const splices: Splice[] = [];
  const sets: { path: string[]; value: string }[] = [];
  const removals: { path: string[]; idx: number; pos: KeyPosition }[] = [];
  for (const ch of changes) {
    if (ch.kind === 'set-string' || ch.kind === 'set-string-path') {
      const e = ch.kind === 'set-string'
        ? byOffset.get(offsetOf(text, lineStarts, ch.at))?.find((x) => x.pos.value === offsetOf(text, lineStarts, ch.at) && !isHeader(text, x.pos))
        : byPath.get(pathKey(ch.path));
      if (!e) refuse(file, `${ch.label}: no value at ${ch.kind === 'set-string' ? `line ${ch.at.line}` : ch.path.join('.')}`, ch.kind === 'set-string' ? ch.at : undefined);
      const raw = text.slice(e.pos.value, e.pos.valueEnd);
      if (!/^("([^"\\\n]|\\.)*"|'[^'\n]*')$/.test(raw)) refuse(file, `${ch.label}: the value ${raw.slice(0, 40)} is not a one-line string`, ch.kind === 'set-string' ? ch.at : undefined);
      splices.push({ start: e.pos.value, end: e.pos.valueEnd, text: quote(ch.value, raw) });
      sets.push({ path: e.path, value: ch.value });
      continue;
    }
    const o = offsetOf(text, lineStarts, ch.at);
    const e = (byOffset.get(o) ?? []).find((x) => /^\d+$/.test(x.path[x.path.length - 1]!) && x.path[x.path.length - 2] === 'overlays');
    if (!e) refuse(file, `${ch.label}: no overlay table at line ${ch.at.line}`, ch.at);
    removals.push({ path: e.path.slice(0, -1), idx: Number(e.path[e.path.length - 1]), pos: e.pos });
  }
  // Removals, grouped per array.
  const groups = new Map<string, typeof removals>();
  for (const r of removals) {
    const k = pathKey(r.path);
    const g = groups.get(k) ?? [];
    if (!g.some((x) => x.idx === r.idx)) g.push(r);
    groups.set(k, g);
  }
  const before = parseToml(text) as Record<string, unknown>;
  for (const [k, g] of groups) {
    const arrPath = k.split('\u0000');
    const arr = getAt(before, arrPath);
    const count = Array.isArray(arr) ? arr.length : 0;
    if (arrPath.length === 1 && arrPath[0] === 'overlays' && g.length >= count) refuse(file, 'every overlay of this overlay file would go (an overlay file needs at least one [[overlays]]): delete the file and its overlay-files entry instead');
    const header = g.every((r) => isHeader(text, r.pos));
    if (header) {
      for (const r of g) splices.push(dropHeaderTable(text, byPath, [...arrPath, String(r.idx)], r.pos));
    } else if (g.every((r) => !isHeader(text, r.pos))) {
      const siblings: KeyPosition[] = [];
      for (let i = 0; i < count; i++) siblings.push(byPath.get(pathKey([...arrPath, String(i)]))!.pos);
      splices.push(...dropInlineElements(text, file, g.map((r) => ({ idx: r.idx, pos: r.pos })), count, siblings));
    } else refuse(file, 'the overlays array mixes [[tables]] and inline tables');
  }
  // Apply: sorted, non-overlapping.
  splices.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const s of splices) {
    if (s.start < pos) {
      if (s.end <= pos && s.text === '') continue; // inside a removal already made
      refuse(file, 'two edits overlap');
    }
    out += text.slice(pos, s.start) + s.text;
    pos = s.end;
  }
  out += text.slice(pos);
  // Cross-check by re-parsing.
  let after: unknown;
  try {
    after = parseToml(out);
  } catch (e) {
    refuse(file, `the edited text is not valid TOML (${(e as Error).message.split('\n')[0]})`);
  }
  const expected = structuredClone(before) as Record<string, unknown>;
  for (const s of sets) {
    const parent = getAt(expected, s.path.slice(0, -1)) as Record<string, unknown>;
    parent[s.path[s.path.length - 1]!] = s.value;
  }
  for (const [k, g] of groups) {
    const arr = getAt(expected, k.split('\u0000')) as unknown[];
    for (const idx of g.map((r) => r.idx).sort((a, b) => b - a)) arr.splice(idx, 1);
  }
  const diff = firstDifference(canonical(expected), canonical(after));
  if (diff) refuse(file, `the edit would also change \`${diff}\``);
  return out;
}

/** The cross-check alone (exported for tests): `after` equals `before` with exactly these key-path changes. */
export function checkTomlEdit(before: string, after: string, expectChange: (doc: Record<string, unknown>) => void): string | undefined {
  const exp = parseToml(before) as Record<string, unknown>;
  expectChange(exp);
  return firstDifference(canonical(exp), canonical(parseToml(after)));
}
