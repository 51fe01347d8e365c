/**
 * The spec-edit engine: edits are splices `{offset, length, text}` on the original text, so every
 * byte that is not edited keeps its exact form (line endings, alignment, a missing final newline).
 *
 * Edits are planned on the line view of the CST (`viewSpecLines`): the CST's logical lines
 * (`%define`/`%if` bodies joined on `\`, open `%{ %( %[` calls joined, headers only at column 0)
 * projected onto physical lines with their offsets, sections, and the conditional branch every
 * line sits in. Planners return line edits (`LineEdit`: replace `del` physical lines at `at`);
 * `lineEditSplices` turns them into splices that write inserted lines with the file's line ending.
 *
 * The one place the view follows azldev's reading over the CST's: a line is a tag only when the
 * `:` follows the name (or `Name(qualifier)`) directly, as azldev's `^\s*([^\s:]+):` requires;
 * `Name : value` is left alone. The tag name is the name as written with its qualifier
 * (`Requires(post)`).
 */
import { error, StrataError } from '../diag/index.js';
import { parseSpec, type Branch, type Section, type SpecDocument, type SpecNode, type TagNode } from './cst.js';

/** Replace `length` chars at `offset` with `text` (offsets into the ORIGINAL text). */
export interface Splice {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

/**
 * Apply splices to `text`. Splices are sorted by offset (insertions at the same offset keep their
 * order); overlapping splices throw a StrataError with code SPEC_SPLICE_OVERLAP.
 */
export function applySplices(text: string, splices: readonly Splice[], file = '<spec>'): string {
  const sorted = splices.map((s, i) => ({ s, i })).sort((a, b) => a.s.offset - b.s.offset || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const { s } of sorted) {
    if (s.offset < pos || s.offset + s.length > text.length || s.length < 0) {
      throw new StrataError(error('SPEC_SPLICE_OVERLAP', `edits overlap or fall outside the text at offset ${s.offset}`, { span: { file, line: 0, col: 0, offset: s.offset, length: s.length }, hint: 'two edits touch the same bytes of the spec; apply them one after the other' }));
    }
    out += text.slice(pos, s.offset) + s.text;
    pos = s.offset + s.length;
  }
  return out + text.slice(pos);
}

// ---------------------------------------------------------------------------------------------
// The line view
// ---------------------------------------------------------------------------------------------

export type LineKind = 'raw' | 'comment' | 'header' | 'tag' | 'continuation';

export interface SpecLine {
  /** The line without its line ending. */
  readonly text: string;
  /** Offset of the line's first char in the document text. */
  readonly start: number;
  /** The line ending as written: `\n`, `\r\n`, or '' for a last line without newline. */
  readonly eol: string;
  readonly kind: LineKind;
  /** For tags: the tag name as written, with its qualifier (`BuildRequires`, `Source0`, `Requires(post)`). */
  readonly tag?: string;
  /** For tags: the value, trimmed. */
  readonly value?: string;
  /** Conditional directive on this line, if any. */
  readonly cond?: 'open' | 'branch' | 'close';
  /** The CST node (logical line) this physical line belongs to. */
  readonly node: SpecNode;
}

export interface LineSection {
  /** Header keyword as written (`%files`), '' for the preamble. */
  readonly name: string;
  readonly kind: Section['kind'];
  /** Package qualifier as written in the header ('' = main package). */
  readonly pkg: string;
  /** Header line index, -1 for the preamble. */
  readonly header: number;
  /** First body line. */
  readonly start: number;
  /** One past the last body line (the next header, or the line count). */
  readonly end: number;
}

export interface SpecLineView {
  readonly doc: SpecDocument;
  readonly lines: readonly SpecLine[];
  readonly sections: readonly LineSection[];
  /**
   * Conditional context before each line index (0..lines.length): a key naming the open
   * conditionals and their current branch. Two positions with the same key are in the same branch.
   */
  readonly context: readonly string[];
  /** For each conditional directive line, the index of its matching `%endif` (opener/branch) or opener (close). */
  readonly partner: ReadonlyMap<number, number>;
  /** Unbalanced conditional directives (line indexes). */
  readonly unbalanced: readonly number[];
  /** The line ending inserted lines get: the file's first one (`\n` when it has none). */
  readonly eol: string;
}

/** The context key of a branch (memoised per branch: a 10 000-line spec has few distinct ones). */
function contextKeyOf(cache: Map<Branch, string>, branch: Branch | undefined): string {
  if (!branch) return '';
  let key = cache.get(branch);
  if (key === undefined) {
    const parent = contextKeyOf(cache, branch.conditional.parent);
    key = `${parent ? `${parent}/` : ''}${branch.conditional.index}.${branch.index}`;
    cache.set(branch, key);
  }
  return key;
}

/**
 * The branches just before and just after `n`'s first line. The CST gives a directive the branch
 * around its conditional; a position before `%else`/`%endif` is still inside the branch they end.
 */
function branchesAround(n: SpecNode): { before: Branch | undefined; after: Branch | undefined } {
  if (n.kind !== 'conditional' || !n.conditional) return { before: n.branch, after: n.branch };
  const bs = n.conditional.branches;
  if (n.directive === 'endif') return { before: bs[bs.length - 1], after: n.branch };
  const k = bs.findIndex((b) => b.directive === n);
  return { before: k > 0 ? bs[k - 1] : n.branch, after: k >= 0 ? bs[k] : n.branch };
}

/** The azldev-compatible tag (name as written with qualifier) of a CST tag node, if any. */
function azldevTag(text: string, n: SpecNode): { tag: string; value: string } | undefined {
  if (n.kind !== 'tag' || text.charCodeAt(n.separatorRange.start) !== 58 /* : */) return undefined;
  return { tag: text.slice(n.nameRange.start, n.separatorRange.start), value: n.value };
}

/** The line view of a parsed spec (see the module comment). */
export function viewSpecLines(doc: SpecDocument): SpecLineView {
  const text = doc.text;
  const starts = doc.lineStarts;
  const count = text.length === 0 ? 0 : doc.finalNewline ? starts.length - 1 : starts.length;
  const line = (k: number, kind: LineKind, node: SpecNode, extra?: { cond?: SpecLine['cond']; tag?: string; value?: string }): SpecLine => {
    const start = starts[k]!;
    const end = k + 1 < starts.length ? starts[k + 1]! : text.length;
    let contentEnd = end;
    if (contentEnd > start && text.charCodeAt(contentEnd - 1) === 10) contentEnd--;
    if (contentEnd > start && contentEnd < end && text.charCodeAt(contentEnd - 1) === 13) contentEnd--;
    const eol = contentEnd === end ? '' : end - contentEnd === 1 ? '\n' : text.slice(contentEnd, end);
    return extra ? { text: text.slice(start, contentEnd), start, eol, kind, node, ...extra } : { text: text.slice(start, contentEnd), start, eol, kind, node };
  };
  const keys = new Map<Branch, string>();
  const lines: SpecLine[] = [];
  const context: string[] = new Array<string>(count + 1);
  let after = '';
  for (const n of doc.nodes) {
    const first = n.line - 1;
    let head: SpecLine;
    if (n.kind === 'section-header') head = line(first, 'header', n);
    else if (n.kind === 'comment') head = line(first, 'comment', n);
    else if (n.kind === 'conditional') {
      const cond = n.directive.startsWith('if') ? 'open' : n.directive === 'endif' ? 'close' : 'branch';
      head = line(first, 'raw', n, { cond });
    } else {
      const t = azldevTag(text, n);
      head = t ? line(first, 'tag', n, t) : line(first, 'raw', n);
    }
    lines.push(head);
    if (n.kind === 'conditional') {
      const around = branchesAround(n);
      context[first] = contextKeyOf(keys, around.before);
      after = contextKeyOf(keys, around.after);
    } else {
      context[first] = after = contextKeyOf(keys, n.branch);
    }
    for (let k = first + 1; k < n.endLine; k++) {
      lines.push(line(k, 'continuation', n));
      context[k] = after;
    }
  }
  context[count] = after;

  const lineOfNode = (k: number): number => (k < doc.nodes.length ? doc.nodes[k]!.line - 1 : count);
  const sections: LineSection[] = doc.sections.map((s) => ({
    name: s.keyword,
    kind: s.kind,
    pkg: s.package,
    header: s.header ? s.header.line - 1 : -1,
    start: s.header ? s.header.endLine : 0,
    end: lineOfNode(s.nodeEnd),
  }));

  const partner = new Map<number, number>();
  const unbalanced: number[] = [];
  for (const c of doc.conditionals) {
    const opener = c.branches[0]!.directive.line - 1;
    if (!c.endif) {
      for (const b of c.branches) unbalanced.push(b.directive.line - 1);
      continue;
    }
    const close = c.endif.line - 1;
    for (const b of c.branches) partner.set(b.directive.line - 1, close);
    partner.set(close, opener);
  }
  for (const n of doc.nodes) if (n.kind === 'conditional' && !n.conditional) unbalanced.push(n.line - 1);
  unbalanced.sort((a, b) => a - b);
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  return { doc, lines, sections, context, partner, unbalanced, eol };
}

/**
 * azldev's normalisation of a spec into physical lines (CRLF → LF; the last line's newline
 * dropped). The render pipeline's release step works on these and writes them back with
 * `joinSpecLines` (which ends the text with a newline), as azldev does.
 */
export function splitSpecText(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function joinSpecLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** The line view of normalised lines (`splitSpecText`); line indexes are the array's. */
export function parseSpecLines(raw: readonly string[]): SpecLineView {
  return viewSpecLines(parseSpec(joinSpecLines(raw)));
}

/** Number of physical lines of the logical line (CST node) starting at line `i` (1 for a plain line). */
export function logicalLength(view: SpecLineView, i: number): number {
  const n = view.lines[i]!.node;
  return n.line - 1 === i ? n.endLine - i : 1;
}

/** Sections with this header keyword (exact, case-sensitive) and package qualifier (literal). */
export function findLineSections(view: SpecLineView, section: string, pkg: string): LineSection[] {
  return view.sections.filter((s) => s.name === section && s.pkg === pkg && s.header >= 0);
}

/** The sections holding tags of a package: the preamble for '', else `%package <pkg>`. */
export function packageSections(view: SpecLineView, pkg: string): LineSection[] {
  return pkg === '' ? view.sections.filter((s) => s.header === -1) : findLineSections(view, '%package', pkg);
}

/**
 * Where lines appended to a section go: just before the next header (after trailing blank lines
 * and comments, as azldev appends) — but never inside a conditional that is opened in this
 * section and closed after it (or a branch of one opened before it), which would otherwise wrap
 * the appended lines into the next section's `%if`.
 */
export function appendPoint(view: SpecLineView, s: LineSection): number {
  const want = view.context[s.start];
  let p = s.end;
  while (p > s.start && view.context[p] !== want) p--;
  return p;
}

/**
 * Moves an insertion point out of any conditional opened inside the section: to just after the
 * `%endif` that restores the section's own conditional context.
 */
export function skipPastConditional(view: SpecLineView, s: LineSection, p: number): number {
  const want = view.context[s.start];
  if (view.context[p] === want) return p;
  for (let q = p + 1; q <= s.end; q++) if (view.context[q] === want) return q;
  return appendPoint(view, s);
}

/** Highest numeric PatchN across all packages (as April azldev counts: an unnumbered `Patch:` is ignored). */
export function highestPatchNumber(view: SpecLineView): number {
  let n = -1;
  for (const l of view.lines) {
    if (l.kind !== 'tag') continue;
    const m = /^patch(\d+)$/i.exec(l.tag!);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

/** Replace `del` physical lines at line index `at` with the lines `ins` (each without line ending). */
export interface LineEdit {
  readonly at: number;
  readonly del: number;
  readonly ins: readonly string[];
}

/**
 * The splices of line edits on the view's text. Only the edited lines change: inserted lines get
 * the file's line ending; an edit at the end of a text without final newline keeps it without one
 * (an appended line is preceded by a line ending instead of followed by one). Edits that touch or
 * abut each other are merged (in order) so that the splices never overlap.
 */
export function lineEditSplices(view: SpecLineView, edits: readonly LineEdit[]): Splice[] {
  const text = view.doc.text;
  const n = view.lines.length;
  const offsetOf = (i: number): number => (i < n ? view.lines[i]!.start : text.length);
  const sorted = edits.map((e, k) => ({ e, k })).sort((a, b) => a.e.at - b.e.at || a.k - b.k).map((x) => x.e);
  const merged: LineEdit[] = [];
  for (const e of sorted) {
    const last = merged[merged.length - 1];
    if (last && e.at <= last.at + last.del) {
      const del = Math.max(last.at + last.del, e.at + e.del) - last.at;
      merged[merged.length - 1] = { at: last.at, del, ins: [...last.ins, ...e.ins] };
    } else merged.push(e);
  }
  const openEnd = n > 0 && view.lines[n - 1]!.eol === '';
  return merged.map((e) => {
    let offset = offsetOf(e.at);
    const end = offsetOf(e.at + e.del);
    if (!openEnd || e.at + e.del < n) return { offset, length: end - offset, text: e.ins.map((l) => l + view.eol).join('') };
    // The edit reaches the end of a text without final newline: keep it without one.
    if (e.del === 0) return { offset, length: 0, text: e.ins.map((l) => view.eol + l).join('') };
    if (e.ins.length > 0) return { offset, length: end - offset, text: e.ins.join(view.eol) };
    if (e.at > 0) offset -= view.lines[e.at - 1]!.eol.length; // the line before becomes the last one
    return { offset, length: end - offset, text: '' };
  });
}

/**
 * How a new tag line is written: `azldev` writes `Tag: value` (what azldev's renders hold, so the
 * overlays use it); `neighbour` copies the indentation and value column (spaces or tabs) of a
 * tag line next to it.
 */
export type TagLineStyle = 'azldev' | 'neighbour';

function visualCol(s: string): number {
  let col = 0;
  for (const ch of s) col = ch === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
  return col;
}

/** The text of a new tag line (without line ending); `neighbour` is the tag whose style is copied. */
export function formatTagLine(doc: SpecDocument, name: string, value: string, style: TagLineStyle, neighbour?: TagNode): string {
  if (style === 'azldev' || !neighbour) return `${name}: ${value}`;
  const t = doc.text;
  const indent = t.slice(neighbour.start, neighbour.nameRange.start);
  const sep = t.slice(neighbour.separatorRange.start, neighbour.separatorRange.end);
  const target = visualCol(t.slice(neighbour.start, neighbour.valueRange.start));
  let line = indent + name + (sep.startsWith(' ') || sep.startsWith('\t') ? sep.slice(0, sep.indexOf(':')) : '') + ':';
  const useTabs = sep.includes('\t');
  if (neighbour.valueRange.start === neighbour.separatorRange.end && sep.endsWith(':')) return line + value; // `Name:value`
  let col = visualCol(line);
  let pad = '';
  do {
    if (useTabs) {
      pad += '\t';
      col = (Math.floor(col / 8) + 1) * 8;
    } else {
      pad += ' ';
      col++;
    }
  } while (col < target);
  return line + pad + value;
}

/**
 * The lines removing a section deletes: `[header, end)` balanced against conditionals, keeping
 * macro definitions.
 * - Conditional directives whose partner lies outside the range stay (the `%endif` of a
 *   conditional that wraps this section, or a `%if` that opens around the next section).
 * - `%define`/`%global` lines stay (with their continuations): rpm macros are global.
 * - A conditional left empty by the removal goes too.
 * - Blank lines after a balancing `%endif` the removal keeps stay, so the next section keeps its
 *   separation.
 * The view's conditionals must be balanced (`view.unbalanced` empty).
 */
function removedLines(view: SpecLineView, s: LineSection): Set<number> {
  const del = new Set<number>();
  for (let i = s.header; i < s.end; i++) del.add(i);
  for (let i = s.header; i < s.end; i++) {
    const l = view.lines[i]!;
    if (!l.cond) continue;
    const p = view.partner.get(i);
    const opener = l.cond === 'close' ? p : undefined;
    const outside = p === undefined || p < s.header || p >= s.end || (opener !== undefined && (opener < s.header || opener >= s.end));
    if (outside) for (let k = i; k < i + logicalLength(view, i); k++) del.delete(k);
  }
  for (let i = s.start; i < s.end; i++) {
    const n = view.lines[i]!.node;
    if (n.kind === 'macro-definition' && n.keyword !== 'undefine') del.delete(i);
  }
  for (const [open, close] of view.partner) {
    if (view.lines[open]!.cond !== 'open' || del.has(open) || del.has(close)) continue;
    let touched = false;
    let empty = true;
    for (let k = open + logicalLength(view, open); k < close; k++) {
      if (del.has(k)) touched = true;
      else if (view.lines[k]!.text.trim() !== '' && view.lines[k]!.kind !== 'comment') empty = false;
    }
    if (touched && empty) for (let k = open; k <= close; k++) del.add(k);
  }
  let lastKept = -1;
  for (let i = s.header; i < s.end; i++) if (!del.has(i)) lastKept = i;
  if (lastKept >= 0 && view.lines[lastKept]!.cond === 'close') for (let i = lastKept + 1; i < s.end && view.lines[i]!.text.trim() === ''; i++) del.delete(i);
  return del;
}

/** The line edits that remove sections (the one section-removal algorithm; see `removedLines`). */
export function planSectionRemoval(view: SpecLineView, sections: readonly LineSection[]): LineEdit[] {
  const del = new Set<number>();
  for (const s of sections) for (const i of removedLines(view, s)) del.add(i);
  const sorted = [...del].sort((a, b) => a - b);
  const edits: LineEdit[] = [];
  for (let k = 0; k < sorted.length; ) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    edits.push({ at: sorted[k]!, del: j - k + 1, ins: [] });
    k = j + 1;
  }
  return edits;
}
