/**
 * The line model overlays edit, with azldev's line classification (so results are
 * byte-compatible with its renders) plus what azldev lacks: conditional context for every line
 * and `\` continuations. Pure: text in, model out.
 */

/** Section keywords (lowercase) → kind, as azldev classifies them. */
const SECTION_KINDS: ReadonlyMap<string, SectionKind> = new Map<string, SectionKind>([
  ['%package', 'package'],
  ...['%prep', '%conf', '%build', '%install', '%check', '%clean', '%generate_buildrequires', '%pre', '%post', '%preun', '%postun',
    '%pretrans', '%posttrans', '%preuntrans', '%postuntrans', '%verify', '%triggerin', '%triggerun', '%triggerprein',
    '%triggerpostun', '%filetriggerin', '%filetriggerun', '%filetriggerpostun', '%transfiletriggerin', '%transfiletriggerun',
    '%transfiletriggerpostun'].map((s) => [s, 'script'] as [string, SectionKind]),
  ['%description', 'raw'],
  ['%files', 'files'],
  ['%changelog', 'changelog'],
  ['%patchlist', 'sourcelist'],
  ['%sourcelist', 'sourcelist'],
]);

export type SectionKind = 'package' | 'script' | 'raw' | 'files' | 'changelog' | 'sourcelist';

export type LineKind = 'raw' | 'comment' | 'header' | 'tag' | 'continuation';

export interface SpecLine {
  readonly text: string;
  readonly kind: LineKind;
  /** For tags: the tag name as written (`BuildRequires`, `Source0`). */
  readonly tag?: string;
  /** For tags: the value, trimmed. */
  readonly value?: string;
  /** Conditional directive on this line, if any. */
  readonly cond?: 'open' | 'branch' | 'close';
}

export interface SpecSection {
  /** Header keyword as written (`%files`), '' for the preamble. */
  readonly name: string;
  readonly kind: SectionKind;
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

const TAG_RE = /^\s*([^\s:]+):\s*(.*?)\s*$/;
const OPENERS = new Set(['%if', '%ifarch', '%ifnarch', '%ifos', '%ifnos']);
const BRANCHES = new Set(['%else', '%elif', '%elifarch', '%elifnarch', '%elifos', '%elifnos']);

function firstToken(trimmed: string): string {
  const m = /^\S+/.exec(trimmed);
  return m ? m[0] : '';
}

export function sectionKindOf(keyword: string): SectionKind | undefined {
  return SECTION_KINDS.get(keyword.toLowerCase());
}

/** Package qualifier of a section header, as azldev reads it (the literal form written). */
export function packageQualifier(headerTokens: readonly string[]): string {
  let suffix = '';
  for (let i = 1; i < headerTokens.length; i++) {
    const t = headerTokens[i]!;
    if (t === '--') break;
    if (t === '-n') return headerTokens[i + 1] ?? '';
    if (t === '-f' || t === '-p' || t === '-l' || t === '-P') {
      i++;
      continue;
    }
    if (t.startsWith('-')) continue;
    if (!suffix) suffix = t;
  }
  return suffix;
}

export function parseSpecLines(raw: readonly string[]): SpecLines {
  const lines: SpecLine[] = [];
  const sections: SpecSection[] = [];
  let cur: { name: string; kind: SectionKind; pkg: string; header: number; start: number } = { name: '', kind: 'package', pkg: '', header: -1, start: 0 };
  let continued = false;
  for (let i = 0; i < raw.length; i++) {
    const text = raw[i]!;
    if (continued) {
      lines.push({ text, kind: 'continuation' });
      continued = text.endsWith('\\') && cur.kind !== 'changelog';
      continue;
    }
    if (text.startsWith('#')) {
      lines.push({ text, kind: 'comment' });
      continue;
    }
    const trimmed = text.trim();
    const tok = firstToken(trimmed);
    const lower = tok.toLowerCase();
    const kind = tok.startsWith('%') ? SECTION_KINDS.get(lower) : undefined;
    if (kind) {
      sections.push({ ...cur, end: i });
      const tokens = trimmed.split(/\s+/);
      const pkg = kind === 'changelog' || kind === 'sourcelist' ? '' : packageQualifier(tokens);
      cur = { name: tok, kind, pkg, header: i, start: i + 1 };
      lines.push({ text, kind: 'header' });
      continued = false;
      continue;
    }
    const cond = OPENERS.has(lower) ? 'open' : BRANCHES.has(lower) ? 'branch' : lower === '%endif' ? 'close' : undefined;
    if (cur.kind === 'package' && !cond) {
      const m = TAG_RE.exec(text);
      if (m) {
        lines.push({ text, kind: 'tag', tag: m[1]!, value: m[2]! });
        continued = false;
        continue;
      }
    }
    lines.push(cond ? { text, kind: 'raw', cond } : { text, kind: 'raw' });
    continued = cur.kind !== 'changelog' && cur.kind !== 'raw' && text.endsWith('\\');
  }
  sections.push({ ...cur, end: raw.length });
  // Conditional structure.
  const context: string[] = new Array<string>(raw.length + 1);
  const partner = new Map<number, number>();
  const unbalanced: number[] = [];
  const stack: { open: number; branch: number; members: number[] }[] = [];
  const key = () => stack.map((s) => `${s.open}.${s.branch}`).join('/');
  for (let i = 0; i < lines.length; i++) {
    context[i] = key();
    const c = lines[i]!.cond;
    if (c === 'open') stack.push({ open: i, branch: 0, members: [i] });
    else if (c === 'branch') {
      const top = stack[stack.length - 1];
      if (top) {
        top.branch++;
        top.members.push(i);
      } else unbalanced.push(i);
    } else if (c === 'close') {
      const top = stack.pop();
      if (top) {
        for (const m of top.members) partner.set(m, i);
        partner.set(i, top.open);
      } else unbalanced.push(i);
    }
  }
  context[lines.length] = key();
  for (const s of stack) unbalanced.push(...s.members);
  return { lines, sections, context, partner, unbalanced };
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
