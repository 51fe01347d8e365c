/**
 * Edits as splices on the original text. Planning functions are pure: they return splices (or
 * diagnostics when the target is missing or ambiguous) and never guess.
 */
import { error, StrataError, type Diagnostic, type RelatedInfo } from '../diag/index.js';
import { branchChain, findPackages, spanOf, type Branch, type Conditional, type Section, type SpecDocument, type SpecNode, type TagNode, type TextRange } from './cst.js';

/** Replace `length` chars at `offset` with `text` (offsets into the ORIGINAL text). */
export interface Splice {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

/** Result of a `plan*` function: splices to apply, or diagnostics explaining why not. */
export interface EditPlan {
  readonly splices: readonly Splice[];
  readonly diagnostics: readonly Diagnostic[];
}

const ok = (splices: Splice[]): EditPlan => ({ splices, diagnostics: [] });
const refuse = (d: Diagnostic): EditPlan => ({ splices: [], diagnostics: [d] });

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

/** The newline style of the line holding `node` ("\r\n" when its content ends with "\r"). */
function eolOf(doc: SpecDocument, node: SpecNode | undefined): string {
  if (node && node.contentEnd > node.start && doc.text.charCodeAt(node.contentEnd - 1) === 13) return '\r\n';
  return '\n';
}

/** Insert `lines` (each without newline) as whole lines at `offset` (a line start, or the end of a text without final newline). */
export function insertLinesAt(doc: SpecDocument, offset: number, lines: readonly string[], eol = '\n'): Splice {
  let prefix = '';
  if (offset === doc.text.length && doc.text.length > 0 && !doc.finalNewline) prefix = eol;
  return { offset, length: 0, text: prefix + lines.map((l) => l + eol).join('') };
}

function visualCol(s: string): number {
  let col = 0;
  for (const ch of s) col = ch === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
  return col;
}

/**
 * Format a new tag line copying the style of `neighbour`: same indentation, and the value aligned
 * to the same column with the same kind of whitespace (spaces or tabs). Without a neighbour the
 * line is `Name: value`.
 */
export function formatTagLine(doc: SpecDocument, neighbour: TagNode | undefined, name: string, value: string): string {
  if (!neighbour) return `${name}: ${value}`;
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
    if (useTabs) { pad += '\t'; col = (Math.floor(col / 8) + 1) * 8; } else { pad += ' '; col++; }
  } while (col < target);
  line += pad;
  return line + value;
}

/** The outermost conditional around `node` that is nested deeper than `base` (the branch of the section). */
function outermostWithin(node: { branch: Branch | undefined }, base: Branch | undefined): Conditional | undefined {
  const chain = branchChain(node.branch);
  const baseChain = branchChain(base);
  let k = 0;
  while (k < baseChain.length && chain[k] === baseChain[k]) k++;
  return chain[k]?.conditional;
}

/**
 * The offset just after `node`, moved past the `%endif` of any conditional that encloses the node
 * inside its section (so an insertion lands in the same branch as the section itself). Returns a
 * diagnostic when the enclosing conditional is not closed inside the section.
 */
export function afterNodeOutsideConditionals(doc: SpecDocument, node: SpecNode): { offset: number } | { diagnostic: Diagnostic } {
  const sec = doc.sections[node.section]!;
  const c = outermostWithin(node, sec.branch);
  if (!c) return { offset: node.end };
  if (!c.endif || c.endif.start >= sec.end) {
    return { diagnostic: error('SPEC_AMBIGUOUS_TARGET', 'the insertion point is inside a conditional that does not close within the section', { span: spanOf(doc, c.branches[0]!.directive), hint: 'close the %if inside the section, or edit the spec with spec-search-replace' }) };
  }
  return { offset: c.endif.end };
}

/** The one package with this key, or a diagnostic (missing, or defined in several `%if` branches). */
export function resolvePackage(doc: SpecDocument, key: string): { section: Section; tags: readonly TagNode[] } | { diagnostic: Diagnostic } {
  const pk = findPackages(doc, key);
  if (pk.length === 0) {
    const known = doc.packages.map((p) => (p.key === '' ? '(main)' : p.key)).join(', ');
    return { diagnostic: error('SPEC_PACKAGE_NOT_FOUND', `no package "${key}" in ${doc.file}`, { hint: `packages are: ${known}` }) };
  }
  if (pk.length > 1) {
    return {
      diagnostic: error('SPEC_AMBIGUOUS_TARGET', `package "${key}" is declared ${pk.length} times (in different conditional branches)`, {
        span: spanOf(doc, doc.sections[pk[0]!.section]!.header ?? { start: 0, end: 0 }),
        related: pk.slice(1).map((p) => ({ message: 'also declared here', span: spanOf(doc, doc.sections[p.section]!.header ?? { start: 0, end: 0 }) })),
      }),
    };
  }
  const p = pk[0]!;
  return { section: doc.sections[p.section]!, tags: p.tags };
}

/**
 * End of a package's preamble: after its last tag or statement (moved past an enclosing
 * `%endif`), before trailing blank lines and comments that introduce the next section.
 */
export function preambleEnd(doc: SpecDocument, section: Section): { offset: number } | { diagnostic: Diagnostic } {
  for (let k = section.nodeEnd - 1; k >= section.nodeStart + (section.header ? 1 : 0); k--) {
    const n = doc.nodes[k]!;
    if (n.kind === 'blank' || n.kind === 'comment') continue;
    if (n.kind === 'conditional') {
      // a trailing `%if` opener wrapping the next section does not belong to this preamble
      if (n.conditional && n.conditional.start >= section.start && (n.conditional.end <= section.end)) return { offset: n.end };
      if (n.directive === 'endif' || n.directive === 'else' || n.directive.startsWith('elif')) {
        if (n.conditional && n.conditional.start >= section.start) return { offset: n.end };
      }
      continue;
    }
    return afterNodeOutsideConditionals(doc, n);
  }
  return { offset: section.header ? section.header.end : 0 };
}

/** The body range of a section: `[bodyStart, bodyEnd)`. */
export function sectionBodyRange(section: Section): TextRange {
  return { start: section.bodyStart, end: section.bodyEnd };
}

export interface TagEdit {
  /** Package key: '' = main, else the `%package` qualifier as written. */
  readonly package: string;
  /** Tag name as it should be written (`BuildRequires`, `Source9999`). */
  readonly tag: string;
  readonly value: string;
}

/** Lower-case family of a tag name: `Source12` → `source`. */
export function tagFamily(name: string): string {
  return name.toLowerCase().replace(/[0-9]+$/, '');
}

/**
 * Insert a tag after the last tag of the same family in the package (else after its last tag,
 * else at the end of its preamble), moved past an enclosing `%endif`; the new line copies the
 * neighbour's indentation and alignment.
 */
export function planInsertTag(doc: SpecDocument, e: TagEdit): EditPlan {
  const p = resolvePackage(doc, e.package);
  if ('diagnostic' in p) return refuse(p.diagnostic);
  const fam = tagFamily(e.tag);
  const same = p.tags.filter((t) => t.family === fam);
  const anchor = same[same.length - 1] ?? p.tags[p.tags.length - 1];
  let at: { offset: number } | { diagnostic: Diagnostic };
  if (anchor) at = afterNodeOutsideConditionals(doc, anchor);
  else at = preambleEnd(doc, p.section);
  if ('diagnostic' in at) return refuse(at.diagnostic);
  const style = anchor ?? doc.tags[0];
  return ok([insertLinesAt(doc, at.offset, [formatTagLine(doc, style, e.tag, e.value)], eolOf(doc, anchor))]);
}

/** Append a tag at the end of the package's preamble (azldev's spec-add-tag, but never inside a following `%if`). */
export function planAddTag(doc: SpecDocument, e: TagEdit): EditPlan {
  const p = resolvePackage(doc, e.package);
  if ('diagnostic' in p) return refuse(p.diagnostic);
  const at = preambleEnd(doc, p.section);
  if ('diagnostic' in at) return refuse(at.diagnostic);
  const style = p.tags[p.tags.length - 1] ?? doc.tags[0];
  return ok([insertLinesAt(doc, at.offset, [formatTagLine(doc, style, e.tag, e.value)], eolOf(doc, style))]);
}

function related(doc: SpecDocument, nodes: readonly SpecNode[]): RelatedInfo[] {
  return nodes.map((n) => ({ message: `line ${n.line}${n.branch ? ` (in %${n.branch.directive.directive} ${n.branch.directive.expression} at line ${n.branch.directive.line})` : ''}`, span: spanOf(doc, { start: n.start, end: n.contentEnd }) }));
}

/** Tags of a package named `tag` (case-insensitive, number included: `Source0` ≠ `Source`). */
export function findTags(doc: SpecDocument, pkg: string, tag: string): TagNode[] {
  const l = tag.toLowerCase();
  return doc.tags.filter((t) => t.package === pkg && t.lname === l);
}

/**
 * Replace the value of a tag; insert it (planInsertTag) when absent. Refused with
 * SPEC_AMBIGUOUS_TARGET when the tag sits in more than one conditional branch.
 */
export function planSetTag(doc: SpecDocument, e: TagEdit, opts: { insertIfMissing?: boolean } = {}): EditPlan {
  const p = resolvePackage(doc, e.package);
  if ('diagnostic' in p) return refuse(p.diagnostic);
  const l = e.tag.toLowerCase();
  const hits = p.tags.filter((t) => t.lname === l);
  if (hits.length === 0) {
    if (opts.insertIfMissing === false) return refuse(error('SPEC_TAG_NOT_FOUND', `no tag ${e.tag} in package ${e.package === '' ? '(main)' : e.package}`, { span: spanOf(doc, p.section.header ?? { start: 0, end: 0 }) }));
    return planInsertTag(doc, e);
  }
  const branches = new Set(hits.map((h) => h.branch));
  if (branches.size > 1) {
    return refuse(error('SPEC_AMBIGUOUS_TARGET', `tag ${e.tag} of package ${e.package === '' ? '(main)' : e.package} appears in ${branches.size} conditional branches; refusing to guess which to change`, { span: spanOf(doc, hits[0]!.nameRange), related: related(doc, hits), hint: 'use spec-search-replace to edit the branch you mean' }));
  }
  return ok(hits.map((h) => ({ offset: h.valueRange.start, length: h.valueRange.end - h.valueRange.start, text: e.value })));
}

/** Remove every tag `tag` of the package (with `value` compared case-insensitively when given). */
export function planRemoveTag(doc: SpecDocument, e: { package: string; tag: string; value?: string }): EditPlan {
  const p = resolvePackage(doc, e.package);
  if ('diagnostic' in p) return refuse(p.diagnostic);
  const l = e.tag.toLowerCase();
  const v = e.value?.toLowerCase();
  const hits = p.tags.filter((t) => t.lname === l && (v === undefined || t.value.toLowerCase() === v));
  if (hits.length === 0) return refuse(error('SPEC_TAG_NOT_FOUND', `no tag ${e.tag}${e.value !== undefined ? ` = ${e.value}` : ''} in package ${e.package === '' ? '(main)' : e.package}`, { span: spanOf(doc, p.section.header ?? { start: 0, end: 0 }) }));
  return ok(hits.map((h) => ({ offset: h.start, length: h.end - h.start, text: '' })));
}

/** Insert lines right after a section's header (`%prep` → first body line). */
export function planPrependToSection(doc: SpecDocument, section: Section, lines: readonly string[]): EditPlan {
  const at = section.header ? section.header.end : 0;
  return ok([insertLinesAt(doc, at, lines, eolOf(doc, section.header))]);
}

/**
 * Insert lines at the end of a section's own content: after its last non-blank, non-comment line
 * that belongs to the section (not a `%if` opener that wraps the next section), moved past a
 * closing `%endif`.
 */
export function planAppendToSection(doc: SpecDocument, section: Section, lines: readonly string[]): EditPlan {
  let at: number | undefined;
  for (let k = section.nodeEnd - 1; k >= section.nodeStart + (section.header ? 1 : 0); k--) {
    const n = doc.nodes[k]!;
    if (n.kind === 'blank' || n.kind === 'comment') continue;
    if (n.kind === 'conditional' && n.conditional && n.conditional.start >= section.start && n.conditional.start === n.start && n.conditional.end > section.end) continue; // opener of a wrapper of the next section
    const r = afterNodeOutsideConditionals(doc, n);
    if ('diagnostic' in r) {
      // the node is in a conditional that closes after the section: append inside the same branch, right after it
      at = n.end;
    } else at = r.offset;
    break;
  }
  if (at === undefined) at = section.header ? section.header.end : 0;
  return ok([insertLinesAt(doc, at, lines, eolOf(doc, section.header))]);
}

/**
 * Remove whole sections (e.g. every section of a sub-package). The range of each section is
 * balanced against conditionals: a `%if` opener right before the first section whose `%endif`
 * closes inside the removed range goes with it, and a trailing `%if` opener of the next section
 * (or `%endif` of an outer wrapper) stays. Refused with SPEC_CONDITIONAL_SPANS_SECTIONS when real
 * content would be cut from a conditional that continues outside the range.
 */
export function planRemoveSections(doc: SpecDocument, sections: readonly Section[]): EditPlan {
  const sorted = [...sections].sort((a, b) => a.start - b.start);
  // merge adjacent sections into runs
  const runs: Array<{ start: number; end: number }> = [];
  for (const s of sorted) {
    if (s.kind === 'preamble') return refuse(error('SPEC_CANNOT_REMOVE_PREAMBLE', 'the main preamble cannot be removed', { span: spanOf(doc, { start: 0, end: 0 }) }));
    const last = runs[runs.length - 1];
    if (last && last.end === s.start) last.end = s.end;
    else runs.push({ start: s.start, end: s.end });
  }
  const splices: Splice[] = [];
  for (const run of runs) {
    let { start, end } = run;
    // trim trailing nodes that open conditionals continuing after the range (wrappers of the next section)
    let k = nodeIndexBefore(doc, end);
    while (k >= 0 && doc.nodes[k]!.start >= start) {
      const n = doc.nodes[k]!;
      if (n.kind === 'blank' || n.kind === 'comment') { k--; continue; }
      if (n.kind === 'conditional' && n.conditional && (n.conditional.end > run.end || n.conditional.start < run.start)) { end = n.start; k--; continue; }
      break;
    }
    // extend backwards over `%if` openers (only blanks/comments between) whose conditional ends inside the run
    for (;;) {
      let j = nodeIndexBefore(doc, start);
      while (j >= 0 && (doc.nodes[j]!.kind === 'blank' || doc.nodes[j]!.kind === 'comment')) j--;
      const n = j >= 0 ? doc.nodes[j] : undefined;
      if (n && n.kind === 'conditional' && n.conditional && n.conditional.start === n.start && n.conditional.endif && n.conditional.end <= run.end && n.conditional.endif.start >= run.start) {
        start = n.start;
        end = Math.max(end, n.conditional.end);
        continue;
      }
      break;
    }
    // now every conditional must be fully inside or fully outside [start, end)
    for (const c of doc.conditionals) {
      const dirs = [...c.branches.map((b) => b.directive), ...(c.endif ? [c.endif] : [])];
      const inside = dirs.filter((d) => d.start >= start && d.start < end);
      if (inside.length === 0 || inside.length === dirs.length) continue;
      return refuse(error('SPEC_CONDITIONAL_SPANS_SECTIONS', 'a conditional crosses the boundary of the sections to remove', {
        span: spanOf(doc, { start: c.start, end: c.branches[0]!.directive.contentEnd }),
        related: related(doc, dirs),
        hint: 'remove the conditional and the sections together with spec-search-replace, or restructure the spec',
      }));
    }
    splices.push({ offset: start, length: end - start, text: '' });
  }
  return ok(splices);
}

function nodeIndexBefore(doc: SpecDocument, offset: number): number {
  let lo = 0;
  let hi = doc.nodes.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (doc.nodes[mid]!.end <= offset) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

/** Throw a StrataError if the plan was refused; else return its splices. */
export function requirePlan(plan: EditPlan): readonly Splice[] {
  if (plan.diagnostics.some((d) => d.severity === 'error')) throw new StrataError(plan.diagnostics);
  return plan.splices;
}
