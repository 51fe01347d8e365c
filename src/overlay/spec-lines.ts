/**
 * The line view overlays edit: a projection of the spec CST (`parseSpec` in src/spec/cst.ts)
 * onto physical lines, because azldev's overlays are line edits and its renders are the
 * byte-compatibility target. Sections, tags, comments, conditionals and continuations all come
 * from the CST (rpm's reading: `%define`/`%if` bodies joined on `\`, open `%{ %( %[` calls joined,
 * headers only at column 0); nothing is parsed here.
 *
 * The one place azldev's reading is kept over the CST's (documented in README.md):
 * - a tag is a tag for overlays only when the `:` follows the name (or `Name(qualifier)`)
 *   directly, as azldev's `^\s*([^\s:]+):` requires; `Name : value` is left alone.
 * The tag name overlays match is the name as written with its qualifier (`Requires(post)`).
 */
import { branchChain, parseSpec, type Branch, type Section, type SpecDocument, type SpecNode } from '../spec/index.js';

export type LineKind = 'raw' | 'comment' | 'header' | 'tag' | 'continuation';

export interface SpecLine {
  readonly text: string;
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

export interface SpecSection {
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

export interface SpecLines {
  /** The CST the lines are projected from (its text is `joinSpecLines(lines)`). */
  readonly doc: SpecDocument;
  readonly lines: readonly SpecLine[];
  readonly sections: readonly SpecSection[];
  /**
   * Conditional context before each line index (0..lines.length): a key naming the open
   * conditionals and their current branch. Two positions with the same key are in the same branch.
   */
  readonly context: readonly string[];
  /** For each conditional directive line, the index of its matching `%endif` (opener/branch) or opener (close). */
  readonly partner: ReadonlyMap<number, number>;
  /** Unbalanced conditional directives (line indexes). */
  readonly unbalanced: readonly number[];
}

/** azldev normalisation: CRLF → LF, a final newline forced; returns physical lines without the newline. */
export function splitSpecText(text: string): string[] {
  const t = text.replace(/\r\n/g, '\n');
  const lines = t.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function joinSpecLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function contextKey(branch: Branch | undefined): string {
  return branchChain(branch).map((b) => `${b.conditional.index}.${b.index}`).join('/');
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

export function parseSpecLines(raw: readonly string[]): SpecLines {
  const doc = parseSpec(joinSpecLines(raw));
  const text = doc.text;
  const lines: SpecLine[] = [];
  const context: string[] = new Array<string>(raw.length + 1);
  let after = '';
  for (const n of doc.nodes) {
    const first = n.line - 1;
    let head: SpecLine;
    if (n.kind === 'section-header') head = { text: raw[first]!, kind: 'header', node: n };
    else if (n.kind === 'comment') head = { text: raw[first]!, kind: 'comment', node: n };
    else if (n.kind === 'conditional') {
      const cond = n.directive.startsWith('if') ? 'open' : n.directive === 'endif' ? 'close' : 'branch';
      head = { text: raw[first]!, kind: 'raw', cond, node: n };
    } else {
      const t = azldevTag(text, n);
      head = t ? { text: raw[first]!, kind: 'tag', tag: t.tag, value: t.value, node: n } : { text: raw[first]!, kind: 'raw', node: n };
    }
    lines.push(head);
    const around = branchesAround(n);
    context[first] = contextKey(around.before);
    after = contextKey(around.after);
    for (let k = first + 1; k < n.endLine; k++) {
      lines.push({ text: raw[k]!, kind: 'continuation', node: n });
      context[k] = after;
    }
  }
  context[raw.length] = after;

  const lineOfNode = (k: number): number => (k < doc.nodes.length ? doc.nodes[k]!.line - 1 : raw.length);
  const sections: SpecSection[] = doc.sections.map((s) => ({
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
  return { doc, lines, sections, context, partner, unbalanced };
}

/** Number of physical lines of the logical line (CST node) starting at line `i` (1 for a plain line). */
export function logicalLength(model: SpecLines, i: number): number {
  const n = model.lines[i]!.node;
  return n.line - 1 === i ? n.endLine - i : 1;
}

/** Sections matching an overlay's `section` (exact, case-sensitive) and `package` (literal qualifier). */
export function findSections(model: SpecLines, section: string, pkg: string): SpecSection[] {
  return model.sections.filter((s) => s.name === section && s.pkg === pkg && s.header >= 0);
}

/** The sections holding tags of a package: the preamble for '', else `%package <pkg>`. */
export function packageSections(model: SpecLines, pkg: string): SpecSection[] {
  return pkg === '' ? model.sections.filter((s) => s.header === -1) : findSections(model, '%package', pkg);
}

/**
 * Where lines appended to a section go: just before the next header, as azldev does (after
 * trailing blank lines and comments) — but never inside a conditional that is opened in this
 * section and closed after it (or a branch of one opened before it), which would otherwise wrap
 * the appended lines into the next section's `%if`.
 */
export function appendPoint(model: SpecLines, s: SpecSection): number {
  const want = model.context[s.start];
  let p = s.end;
  while (p > s.start && model.context[p] !== want) p--;
  return p;
}

/**
 * Moves an insertion point out of any conditional opened inside the section: to just after the
 * `%endif` that restores the section's own conditional context.
 */
export function skipPastConditional(model: SpecLines, s: SpecSection, p: number): number {
  const want = model.context[s.start];
  if (model.context[p] === want) return p;
  for (let q = p + 1; q <= s.end; q++) if (model.context[q] === want) return q;
  return appendPoint(model, s);
}
