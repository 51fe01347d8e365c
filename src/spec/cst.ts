/**
 * The lossless concrete syntax tree of an RPM spec file.
 *
 * The document is a flat, ordered list of nodes, one per *logical line* (a physical line, or
 * several joined the way rpm joins them: `\` continuations of `%define`/`%global`/`%if` lines and
 * unbalanced `%{ %( %[` macro calls). Every byte of the input belongs to exactly one node, so
 * `printSpec(parseSpec(x)) === x` for every string. Structure (sections, packages, tags,
 * conditionals, macro definitions, ...) is a set of typed views over those nodes with offsets.
 */
import { error, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { lineOfOffset, lineStarts } from './text.js';

/** A half-open range of 0-based offsets `[start, end)` into `SpecDocument.text`. */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

export type NodeKind = 'blank' | 'comment' | 'section-header' | 'tag' | 'conditional' | 'macro-definition' | 'bcond' | 'include' | 'text';

interface NodeBase extends TextRange {
  /** Offset just before the logical line's final line terminator (`\n`; a `\r` before it belongs to the content). */
  readonly contentEnd: number;
  /** 1-based line of `start`. */
  readonly line: number;
  /** 1-based line of the last physical line of this logical line. */
  readonly endLine: number;
  /** Position in `SpecDocument.nodes`. */
  readonly index: number;
  /** Index into `SpecDocument.sections` (0 = the main preamble). */
  readonly section: number;
  /** The innermost conditional branch the node sits in (for a directive: the branch around its conditional). */
  readonly branch: Branch | undefined;
}

export interface BlankNode extends NodeBase { readonly kind: 'blank' }
export interface CommentNode extends NodeBase { readonly kind: 'comment' }
/** Any other line: scriptlet code, `%files` entries, description text, changelog text, macro calls. */
export interface TextNode extends NodeBase { readonly kind: 'text' }

export interface SectionHeaderNode extends NodeBase {
  readonly kind: 'section-header';
  /** Index of the section this header opens. */
  readonly opens: number;
}

export interface TagNode extends NodeBase {
  readonly kind: 'tag';
  /** Tag name as written, with its number: `Source12`, `BuildRequires`. */
  readonly name: string;
  /** Lower-case name with the number: `source12`. */
  readonly lname: string;
  /** Lower-case name without the number: `source`, `patch`, `buildrequires`. */
  readonly family: string;
  /** The digits after Source/Patch as written (`'12'`), or undefined. */
  readonly number: string | undefined;
  /** Text inside `(...)`: `post` for `Requires(post)`, `de` for `Summary(de)`. */
  readonly qualifier: string | undefined;
  /** The value as written (macros unexpanded), without trailing whitespace. */
  readonly value: string;
  readonly nameRange: TextRange;
  readonly qualifierRange: TextRange | undefined;
  /** From the end of the name/qualifier to the value: optional spaces, `:`, spaces (the alignment). */
  readonly separatorRange: TextRange;
  readonly valueRange: TextRange;
  /** Key of the package whose preamble holds the tag ('' = main package). */
  readonly package: string;
  /** Whether rpm knows this tag name. */
  readonly known: boolean;
}

export type ConditionalDirective =
  | 'if' | 'ifarch' | 'ifnarch' | 'ifos' | 'ifnos'
  | 'elif' | 'elifarch' | 'elifnarch' | 'elifos' | 'elifnos'
  | 'else' | 'endif';

export interface ConditionalNode extends NodeBase {
  readonly kind: 'conditional';
  readonly directive: ConditionalDirective;
  /** The expression (or arch/os list) after the keyword, trimmed; '' for else/endif. */
  readonly expression: string;
  readonly expressionRange: TextRange;
  /** The conditional this directive belongs to; undefined for an unmatched `%else`/`%endif`. */
  readonly conditional: Conditional | undefined;
}

export interface MacroDefinitionNode extends NodeBase {
  readonly kind: 'macro-definition';
  readonly keyword: 'define' | 'global' | 'undefine';
  readonly name: string;
  readonly nameRange: TextRange;
  /** Option string of a parametric macro: `n:` for `%define foo(n:) ...`; undefined otherwise. */
  readonly params: string | undefined;
  /** The body as written (continuations included, trailing whitespace excluded). */
  readonly body: string;
  readonly bodyRange: TextRange;
}

export interface BcondNode extends NodeBase {
  readonly kind: 'bcond';
  readonly keyword: 'bcond' | 'bcond_with' | 'bcond_without';
  readonly name: string;
  readonly nameRange: TextRange;
  /** The default expression of `%bcond NAME DEFAULT` (undefined for the old forms). */
  readonly defaultExpression: string | undefined;
}

export interface IncludeNode extends NodeBase {
  readonly kind: 'include';
  readonly form: '%include' | '%load' | '%{load:}';
  /** The path as written (macros unexpanded). */
  readonly path: string;
  readonly pathRange: TextRange;
}

export type SpecNode = BlankNode | CommentNode | TextNode | SectionHeaderNode | TagNode | ConditionalNode | MacroDefinitionNode | BcondNode | IncludeNode;

/** One `%if…[%elif…][%else…]%endif` construct. */
export interface Conditional {
  readonly index: number;
  readonly branches: readonly Branch[];
  /** The `%endif` node, undefined when the conditional is never closed (a diagnostic is reported). */
  readonly endif: ConditionalNode | undefined;
  /** Offset of the opening directive line. */
  readonly start: number;
  /** Offset after the `%endif` line (or end of text when unclosed). */
  readonly end: number;
  /** The branch that contains the whole conditional, undefined at top level. */
  readonly parent: Branch | undefined;
  /** Nesting depth (0 = top level). */
  readonly depth: number;
}

/** One branch of a conditional: the `%if`/`%elif`/`%else` line and the lines under it. */
export interface Branch {
  readonly conditional: Conditional;
  /** Position in `conditional.branches`. */
  readonly index: number;
  readonly directive: ConditionalNode;
  /** Offset after the directive line. */
  readonly bodyStart: number;
  /** Offset of the next directive of the same conditional (or end of text). */
  readonly bodyEnd: number;
}

export type SectionKind =
  | 'preamble' | 'package' | 'description' | 'build-step' | 'scriptlet' | 'trigger' | 'file-trigger'
  | 'files' | 'changelog' | 'sourcelist' | 'patchlist' | 'policy' | 'end';

export interface SectionOption {
  /** `-f`, `-p`, `-n`, `-P`, `-e`, ... */
  readonly flag: string;
  readonly value: string | undefined;
  readonly range: TextRange;
}

export interface Section extends TextRange {
  readonly index: number;
  /** Canonical lower-case name without `%` (`files`, `post`, `package`); `preamble` for the main preamble. */
  readonly name: string;
  readonly kind: SectionKind;
  /** Keyword as written (`%Files`); '' for the main preamble. */
  readonly keyword: string;
  readonly header: SectionHeaderNode | undefined;
  /** Everything after the keyword on the header line, as written. */
  readonly args: string;
  readonly argsRange: TextRange;
  /** Sub-package qualifier: `devel` for `%files devel`, `foo` (absolute) for `%files -n foo`. */
  readonly qualifier: { readonly name: string; readonly absolute: boolean; readonly range: TextRange } | undefined;
  readonly options: readonly SectionOption[];
  /** Trigger condition after `--` (triggers and file triggers). */
  readonly triggerCondition: string | undefined;
  /** Package key: '' = main package, `devel` (suffix) or `-n foo` → `foo`; see `Package.key`. */
  readonly package: string;
  /** Whether the package key is an absolute name (`-n`). */
  readonly absolute: boolean;
  /** Offset after the header line (= start for the preamble). */
  readonly bodyStart: number;
  /** Offset of the next section header (or end of text): the body is `[bodyStart, end)`. */
  readonly bodyEnd: number;
  /** Node indices `[nodeStart, nodeEnd)` including the header. */
  readonly nodeStart: number;
  readonly nodeEnd: number;
  /** Branch enclosing the header (undefined at top level). */
  readonly branch: Branch | undefined;
  /** Conditionals that are only partly inside `[start, end)` (the section straddles them). */
  readonly straddles: readonly Conditional[];
}

/** A package: the main one (key '') or a `%package` sub-package. */
export interface Package {
  /** '' for the main package, else the `%package` qualifier as written (`devel`, or `foo` for `-n foo`). */
  readonly key: string;
  readonly absolute: boolean;
  /** The preamble section (index into `sections`). Several `%package` of one key (in `%if` branches) give several Package entries. */
  readonly section: number;
  readonly tags: readonly TagNode[];
}

export interface ListEntry extends TextRange {
  readonly kind: 'source' | 'patch';
  /** The entry as written (trimmed). */
  readonly value: string;
  readonly node: TextNode;
  /** 0-based position among the entries of that kind in the spec. */
  readonly position: number;
}

export interface ChangelogEntry extends TextRange {
  /** The `* Day Mon DD YYYY Name <email> - EVR` line as written, without `*`. */
  readonly header: string;
  readonly line: number;
}

export interface SpecDocument {
  readonly file: string;
  readonly text: string;
  readonly nodes: readonly SpecNode[];
  readonly sections: readonly Section[];
  readonly packages: readonly Package[];
  readonly conditionals: readonly Conditional[];
  readonly tags: readonly TagNode[];
  readonly macroDefinitions: readonly MacroDefinitionNode[];
  readonly bconds: readonly BcondNode[];
  readonly includes: readonly IncludeNode[];
  /** `%sourcelist` / `%patchlist` entries in order. */
  readonly listEntries: readonly ListEntry[];
  readonly changelog: readonly ChangelogEntry[];
  /** Whether the text ends with `\n` (an empty text has none). */
  readonly finalNewline: boolean;
  /** Offsets of the start of each physical line. */
  readonly lineStarts: readonly number[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Every rpm section keyword (lower-case, without `%`) with its kind. */
export const SECTION_KINDS: Readonly<Record<string, SectionKind>> = {
  package: 'package', description: 'description',
  prep: 'build-step', conf: 'build-step', generate_buildrequires: 'build-step', build: 'build-step', install: 'build-step', check: 'build-step', clean: 'build-step',
  pre: 'scriptlet', post: 'scriptlet', preun: 'scriptlet', postun: 'scriptlet', pretrans: 'scriptlet', posttrans: 'scriptlet',
  preuntrans: 'scriptlet', postuntrans: 'scriptlet', verifyscript: 'scriptlet',
  trigger: 'trigger', triggerin: 'trigger', triggerun: 'trigger', triggerprein: 'trigger', triggerpostun: 'trigger',
  filetrigger: 'file-trigger', filetriggerin: 'file-trigger', filetriggerun: 'file-trigger', filetriggerpostun: 'file-trigger',
  transfiletrigger: 'file-trigger', transfiletriggerin: 'file-trigger', transfiletriggerun: 'file-trigger', transfiletriggerpostun: 'file-trigger',
  files: 'files', changelog: 'changelog', sourcelist: 'sourcelist', patchlist: 'patchlist', sepolicy: 'policy', end: 'end',
};

const QUALIFIED_KINDS = new Set<SectionKind>(['package', 'description', 'scriptlet', 'trigger', 'file-trigger', 'files', 'policy']);
/** Section options that take a value (`-l LANG` is `%description`'s language: `%description -l de` is the main package). */
const OPTIONS_WITH_VALUE = new Set(['-n', '-f', '-p', '-P', '-l']);

/** Tag names rpm (4.18–4.20) accepts in a preamble, lower-case. */
export const KNOWN_TAGS: ReadonlySet<string> = new Set([
  'name', 'version', 'release', 'epoch', 'serial', 'summary', 'license', 'sourcelicense', 'distribution', 'disturl', 'vendor', 'group',
  'packager', 'url', 'bugurl', 'vcs', 'source', 'patch', 'nosource', 'nopatch', 'excludearch', 'exclusivearch', 'excludeos',
  'exclusiveos', 'icon', 'provides', 'requires', 'recommends', 'suggests', 'supplements', 'enhances', 'prereq', 'conflicts',
  'obsoletes', 'prefixes', 'prefix', 'buildroot', 'buildarchitectures', 'buildarch', 'buildconflicts', 'buildprereq',
  'buildrequires', 'autoreqprov', 'autoreq', 'autoprov', 'docdir', 'disttag', 'buildsystem', 'buildoption', 'orderwithrequires',
  'removepathpostfixes', 'modularitylabel', 'translationurl', 'upstreamreleases', 'copyright', 'description',
]);

const CONDITIONAL_KEYWORDS: ReadonlySet<string> = new Set(['if', 'ifarch', 'ifnarch', 'ifos', 'ifnos', 'elif', 'elifarch', 'elifnarch', 'elifos', 'elifnos', 'else', 'endif']);

const enum Ch { Tab = 9, LF = 10, CR = 13, Space = 32, Hash = 35, Percent = 37, LParen = 40, RParen = 41, Colon = 58, LBracket = 91, Backslash = 92, RBracket = 93, LBrace = 123, RBrace = 125 }

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === Ch.CR || c === 11 || c === 12;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isIdent(c: number): boolean {
  return isAlpha(c) || (c >= 48 && c <= 57) || c === 95;
}

/** rpm's multi-line state: open `%{`, `%(`, `%[` and a trailing backslash. */
interface JoinState { bc: number; pc: number; xc: number; nc: boolean }

function scanLine(text: string, start: number, end: number, st: JoinState): void {
  st.nc = false;
  for (let p = start; p < end; p++) {
    const c = text.charCodeAt(p);
    switch (c) {
      case Ch.Backslash:
        if (p + 1 < end) {
          p++;
        } else if (end < text.length) {
          st.nc = true; // backslash right before the newline
        }
        break;
      case Ch.Percent: {
        const n = p + 1 < end ? text.charCodeAt(p + 1) : -1;
        if (n === Ch.LBrace) { st.bc++; p++; } else if (n === Ch.LParen) { st.pc++; p++; } else if (n === Ch.LBracket) { st.xc++; p++; } else if (n === Ch.Percent) p++;
        break;
      }
      case Ch.LBrace: if (st.bc > 0) st.bc++; break;
      case Ch.RBrace: if (st.bc > 0) st.bc--; break;
      case Ch.LParen: if (st.pc > 0) st.pc++; break;
      case Ch.RParen: if (st.pc > 0) st.pc--; break;
      case Ch.LBracket: if (st.xc > 0) st.xc++; break;
      case Ch.RBracket: if (st.xc > 0) st.xc--; break;
      default: break;
    }
  }
}

interface MutableBranch { conditional: MutableConditional; index: number; directive: ConditionalNode; bodyStart: number; bodyEnd: number }
interface MutableConditional { index: number; branches: MutableBranch[]; endif: ConditionalNode | undefined; start: number; end: number; parent: MutableBranch | undefined; depth: number }

/** Line/offset helpers bound to one document. */
export function spanOf(doc: Pick<SpecDocument, 'file' | 'text' | 'lineStarts'>, range: TextRange): SourceSpan {
  const line = lineOfOffset(doc.lineStarts, range.start);
  const col = range.start - (doc.lineStarts[line - 1] ?? 0) + 1;
  const endLine = lineOfOffset(doc.lineStarts, Math.max(range.start, range.end - 1));
  const endCol = range.end - (doc.lineStarts[endLine - 1] ?? 0) + 1;
  return { file: doc.file, line, col, endLine, endCol, offset: range.start, length: range.end - range.start };
}

/** Classify the first token of a line that starts with `%` at `p`. Returns the lower-case word after `%` and where it ends. */
function percentWord(text: string, p: number, end: number): { word: string; wordEnd: number } {
  let q = p + 1;
  while (q < end && isIdent(text.charCodeAt(q))) q++;
  return { word: text.slice(p + 1, q), wordEnd: q };
}

function skipSpaces(text: string, p: number, end: number): number {
  while (p < end && isSpace(text.charCodeAt(p))) p++;
  return p;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * Parse spec text into a lossless CST. Never throws: problems (unbalanced conditionals, unclosed
 * macro calls, unknown tags) become `diagnostics`. `file` is used in spans only.
 *
 * For byte-faithful round-trips of files, read them with `decodeSpecBytes` (latin1) and write
 * with `encodeSpecText`; any JS string round-trips through `printSpec` regardless.
 */
export function parseSpec(text: string, file = '<spec>'): SpecDocument {
  const starts = lineStarts(text);
  const nodes: SpecNode[] = [];
  const sections: Section[] = [];
  const conditionals: MutableConditional[] = [];
  const tags: TagNode[] = [];
  const macroDefinitions: MacroDefinitionNode[] = [];
  const bconds: BcondNode[] = [];
  const includes: IncludeNode[] = [];
  const listEntries: ListEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const docLike = { file, text, lineStarts: starts };

  const stack: MutableConditional[] = [];
  let branch: MutableBranch | undefined;
  // current section under construction
  interface SectionDraft { header: SectionHeaderNode | undefined; name: string; kind: SectionKind; keyword: string; args: string; argsRange: TextRange; start: number; bodyStart: number; nodeStart: number; branch: MutableBranch | undefined; qualifier: Section['qualifier']; options: SectionOption[]; triggerCondition: string | undefined; package: string; absolute: boolean }
  let cur: SectionDraft = { header: undefined, name: 'preamble', kind: 'preamble', keyword: '', args: '', argsRange: { start: 0, end: 0 }, start: 0, bodyStart: 0, nodeStart: 0, branch: undefined, qualifier: undefined, options: [], triggerCondition: undefined, package: '', absolute: false };
  const sectionDrafts: Array<SectionDraft & { end: number; nodeEnd: number }> = [];
  let sourcePos = 0;
  let patchPos = 0;

  const closeSection = (end: number): void => {
    sectionDrafts.push({ ...cur, end, nodeEnd: nodes.length });
  };

  const nLines = text.length === 0 ? 0 : (text.charCodeAt(text.length - 1) === Ch.LF ? starts.length - 1 : starts.length);
  const lineEnd = (i: number): number => (i + 1 < starts.length ? starts[i + 1]! : text.length);
  const contentEndOf = (i: number): number => {
    const e = lineEnd(i);
    return e > starts[i]! && text.charCodeAt(e - 1) === Ch.LF ? e - 1 : e;
  };

  let i = 0;
  while (i < nLines) {
    const start = starts[i]!;
    const ce0 = contentEndOf(i);
    const first = skipSpaces(text, start, ce0);
    const c0 = first < ce0 ? text.charCodeAt(first) : -1;
    let lastLine = i;
    let kindHint: 'comment' | 'blank' | 'directive' | 'other' = 'other';
    let pw: { word: string; wordEnd: number } | undefined;
    if (c0 === -1) kindHint = 'blank';
    else if (c0 === Ch.Hash) kindHint = 'comment';
    else if (c0 === Ch.Percent) {
      pw = percentWord(text, first, ce0);
      const w = pw.word;
      if (CONDITIONAL_KEYWORDS.has(w) || w === 'define' || w === 'global' || w === 'undefine') kindHint = 'directive';
    }
    if (kindHint === 'other' || kindHint === 'directive') {
      // rpm joins lines while a macro call is open; definitions and conditionals also join on `\`.
      const st: JoinState = { bc: 0, pc: 0, xc: 0, nc: false };
      scanLine(text, start, ce0, st);
      const joinBackslash = kindHint === 'directive' && cur.kind !== 'changelog';
      if (cur.kind !== 'changelog' && (st.bc > 0 || st.pc > 0 || st.xc > 0 || (st.nc && joinBackslash))) {
        let j = i;
        let ok = false;
        while (j + 1 < nLines) {
          j++;
          scanLine(text, starts[j]!, contentEndOf(j), st);
          if (!(st.bc > 0 || st.pc > 0 || st.xc > 0 || (st.nc && joinBackslash))) { ok = true; break; }
        }
        if (ok || !(st.bc > 0 || st.pc > 0 || st.xc > 0)) lastLine = j;
        else {
          diagnostics.push(warning('SPEC_UNCLOSED_MACRO', 'macro call opened on this line is never closed', { span: spanOf(docLike, { start: first, end: ce0 }), hint: 'rpm would read to the end of the file looking for the closing brace or parenthesis' }));
        }
      }
    }
    const end = lineEnd(lastLine);
    const contentEnd = contentEndOf(lastLine);
    const base = { start, end, contentEnd, line: i + 1, endLine: lastLine + 1, index: nodes.length, section: sectionDrafts.length, branch: branch as Branch | undefined };
    i = lastLine + 1;

    if (kindHint === 'blank') { nodes.push({ kind: 'blank', ...base }); continue; }
    if (kindHint === 'comment') { nodes.push({ kind: 'comment', ...base }); continue; }

    if (pw) {
      const w = pw.word;
      const wordEnd = pw.wordEnd;
      const after = wordEnd < contentEnd ? text.charCodeAt(wordEnd) : -1;
      const wordOk = after === -1 || isSpace(after);
      // conditionals (case-sensitive, may be indented)
      if (wordOk && CONDITIONAL_KEYWORDS.has(w)) {
        const directive = w as ConditionalDirective;
        const exprStart = skipSpaces(text, wordEnd, contentEnd);
        const exprEnd = trimEnd(text, exprStart, contentEnd);
        const node: { -readonly [K in keyof ConditionalNode]: ConditionalNode[K] } = { kind: 'conditional', ...base, directive, expression: text.slice(exprStart, exprEnd), expressionRange: { start: exprStart, end: exprEnd }, conditional: undefined };
        if (directive.startsWith('if')) {
          const cond: MutableConditional = { index: conditionals.length, branches: [], endif: undefined, start, end: text.length, parent: branch, depth: stack.length };
          const b: MutableBranch = { conditional: cond, index: 0, directive: node, bodyStart: end, bodyEnd: text.length };
          cond.branches.push(b);
          conditionals.push(cond);
          stack.push(cond);
          node.conditional = cond as Conditional;
          nodes.push(node);
          branch = b;
        } else {
          const open = stack[stack.length - 1];
          if (!open) {
            diagnostics.push(error(directive === 'endif' ? 'SPEC_ENDIF_WITHOUT_IF' : 'SPEC_ELSE_WITHOUT_IF', `%${directive} without a matching %if`, { span: spanOf(docLike, { start: first, end: wordEnd }), hint: 'remove it or add the missing %if above' }));
            nodes.push(node);
            continue;
          }
          const prev = open.branches[open.branches.length - 1]!;
          prev.bodyEnd = start;
          node.conditional = open as Conditional;
          node.branch = open.parent as Branch | undefined;
          if (directive === 'endif') {
            open.endif = node;
            open.end = end;
            stack.pop();
            branch = open.parent;
          } else {
            if (prev.directive.directive === 'else') {
              diagnostics.push(error('SPEC_BRANCH_AFTER_ELSE', `%${directive} after %else in the same conditional`, { span: spanOf(docLike, { start: first, end: wordEnd }), related: [{ message: '%else is here', span: spanOf(docLike, { start: prev.directive.start, end: prev.directive.contentEnd }) }] }));
            }
            const b: MutableBranch = { conditional: open, index: open.branches.length, directive: node, bodyStart: end, bodyEnd: text.length };
            open.branches.push(b);
            branch = b;
          }
          nodes.push(node);
        }
        continue;
      }
      // section headers: at column 0, case-insensitive
      const lw = w.toLowerCase();
      const sk = first === start && wordOk ? SECTION_KINDS[lw] : undefined;
      if (sk !== undefined && Object.prototype.hasOwnProperty.call(SECTION_KINDS, lw)) {
        closeSection(start);
        const argsStart = wordEnd;
        const node: SectionHeaderNode = { kind: 'section-header', ...base, section: sectionDrafts.length, opens: sectionDrafts.length };
        nodes.push(node);
        const draft: SectionDraft = { header: node, name: lw, kind: sk, keyword: text.slice(start, wordEnd), args: text.slice(argsStart, contentEnd), argsRange: { start: argsStart, end: contentEnd }, start, bodyStart: end, nodeStart: nodes.length - 1, branch, qualifier: undefined, options: [], triggerCondition: undefined, package: '', absolute: false };
        parseSectionArgs(text, argsStart, contentEnd, draft);
        cur = draft;
        continue;
      }
      if (wordOk && (w === 'define' || w === 'global' || w === 'undefine')) {
        const nameStart = skipSpaces(text, wordEnd, contentEnd);
        let nameEnd = nameStart;
        while (nameEnd < contentEnd && isIdent(text.charCodeAt(nameEnd))) nameEnd++;
        let params: string | undefined;
        let bodyStart = nameEnd;
        if (w !== 'undefine' && text.charCodeAt(nameEnd) === Ch.LParen) {
          const close = text.indexOf(')', nameEnd);
          if (close !== -1 && close < contentEnd) { params = text.slice(nameEnd + 1, close); bodyStart = close + 1; }
        }
        bodyStart = skipSpaces(text, bodyStart, contentEnd);
        const bodyEnd = trimEnd(text, bodyStart, contentEnd);
        const node: MacroDefinitionNode = { kind: 'macro-definition', ...base, keyword: w, name: text.slice(nameStart, nameEnd), nameRange: { start: nameStart, end: nameEnd }, params, body: text.slice(bodyStart, bodyEnd), bodyRange: { start: bodyStart, end: bodyEnd } };
        if (nameEnd === nameStart) diagnostics.push(error('SPEC_MACRO_NAME_MISSING', `%${w} needs a macro name`, { span: spanOf(docLike, { start: first, end: contentEnd }) }));
        nodes.push(node);
        macroDefinitions.push(node);
        continue;
      }
      if (wordOk && (w === 'bcond' || w === 'bcond_with' || w === 'bcond_without')) {
        const nameStart = skipSpaces(text, wordEnd, contentEnd);
        let nameEnd = nameStart;
        while (nameEnd < contentEnd && !isSpace(text.charCodeAt(nameEnd))) nameEnd++;
        const defStart = skipSpaces(text, nameEnd, contentEnd);
        const defEnd = trimEnd(text, defStart, contentEnd);
        const node: BcondNode = { kind: 'bcond', ...base, keyword: w, name: text.slice(nameStart, nameEnd), nameRange: { start: nameStart, end: nameEnd }, defaultExpression: w === 'bcond' ? text.slice(defStart, defEnd) : undefined };
        nodes.push(node);
        bconds.push(node);
        continue;
      }
      if ((wordOk && (w === 'include' || w === 'load')) || (w === '' && text.startsWith('%{load:', first))) {
        let pStart: number;
        let pEnd: number;
        let form: IncludeNode['form'];
        if (w === '') {
          form = '%{load:}';
          pStart = first + 7;
          const close = text.lastIndexOf('}', contentEnd - 1);
          pEnd = close >= pStart ? close : contentEnd;
        } else {
          form = w === 'include' ? '%include' : '%load';
          pStart = skipSpaces(text, wordEnd, contentEnd);
          pEnd = trimEnd(text, pStart, contentEnd);
        }
        const node: IncludeNode = { kind: 'include', ...base, form, path: text.slice(pStart, pEnd), pathRange: { start: pStart, end: pEnd } };
        nodes.push(node);
        includes.push(node);
        continue;
      }
    }

    // tags in a preamble
    if ((cur.kind === 'preamble' || cur.kind === 'package') && c0 !== Ch.Percent) {
      const tag = matchTag(text, first, contentEnd);
      if (tag) {
        const known = KNOWN_TAGS.has(tag.family);
        const node: TagNode = { kind: 'tag', ...base, ...tag, package: cur.package, known };
        nodes.push(node);
        tags.push(node);
        if (!known && !inDeadBranch(branch)) diagnostics.push(warning('SPEC_UNKNOWN_TAG', `unknown tag ${tag.name}`, { span: spanOf(docLike, tag.nameRange), hint: 'rpm rejects unknown preamble tags; check the spelling' }));
        continue;
      }
    }

    const node: TextNode = { kind: 'text', ...base };
    nodes.push(node);
    if ((cur.kind === 'sourcelist' || cur.kind === 'patchlist') && c0 !== Ch.Percent) {
      const vEnd = trimEnd(text, first, contentEnd);
      const kind = cur.kind === 'sourcelist' ? 'source' : 'patch';
      listEntries.push({ kind, value: text.slice(first, vEnd), start: first, end: vEnd, node, position: kind === 'source' ? sourcePos++ : patchPos++ });
    }
  }
  closeSection(text.length);

  for (const open of stack) {
    const d = open.branches[0]!.directive;
    diagnostics.push(error('SPEC_UNCLOSED_IF', `%${d.directive} is never closed by %endif`, { span: spanOf(docLike, { start: d.start, end: d.contentEnd }), hint: 'add the missing %endif' }));
  }

  // finalize sections
  for (let s = 0; s < sectionDrafts.length; s++) {
    const d = sectionDrafts[s]!;
    const straddles: Conditional[] = [];
    for (const c of conditionals) {
      const inside = (c.start >= d.start && c.start < d.end);
      const endInside = c.endif !== undefined && c.endif.start >= d.start && c.endif.start < d.end;
      let touches = inside || endInside;
      if (!touches) for (const b of c.branches) if (b.directive.start >= d.start && b.directive.start < d.end) { touches = true; break; }
      if (!touches) continue;
      if (!(inside && (c.endif === undefined ? d.end === text.length : endInside))) straddles.push(c as Conditional);
    }
    sections.push({ index: s, name: d.name, kind: d.kind, keyword: d.keyword, header: d.header, args: d.args, argsRange: d.argsRange, qualifier: d.qualifier, options: d.options, triggerCondition: d.triggerCondition, package: d.package, absolute: d.absolute, start: d.start, end: d.end, bodyStart: d.bodyStart, bodyEnd: d.end, nodeStart: d.nodeStart, nodeEnd: d.nodeEnd, branch: d.branch as Branch | undefined, straddles });
  }
  const packages: Package[] = [];
  for (const s of sections) {
    if (s.kind !== 'preamble' && s.kind !== 'package') continue;
    const ptags: TagNode[] = [];
    for (let k = s.nodeStart; k < s.nodeEnd; k++) { const n = nodes[k]!; if (n.kind === 'tag') ptags.push(n); }
    packages.push({ key: s.package, absolute: s.absolute, section: s.index, tags: ptags });
  }
  // changelog entries: a `*` line at column 0 starts one; it ends where the next begins (or the section ends)
  const changelogOut: ChangelogEntry[] = [];
  for (const s of sections) {
    if (s.kind !== 'changelog') continue;
    let open: { header: string; start: number; line: number } | undefined;
    for (let k = s.nodeStart; k < s.nodeEnd; k++) {
      const n = nodes[k]!;
      if (n.kind === 'text' && text.charCodeAt(n.start) === 42) {
        if (open) changelogOut.push({ ...open, end: n.start });
        open = { header: text.slice(n.start + 1, trimEnd(text, n.start, n.contentEnd)).trimStart(), start: n.start, line: n.line };
      }
    }
    if (open) changelogOut.push({ ...open, end: s.end });
  }

  return {
    file, text, nodes, sections, packages, conditionals: conditionals as Conditional[], tags, macroDefinitions, bconds, includes, listEntries,
    changelog: changelogOut, finalNewline: text.length > 0 && text.charCodeAt(text.length - 1) === Ch.LF, lineStarts: starts, diagnostics,
  };
}

/** Whether a branch (or one around it) is `%if 0`, i.e. text rpm never reads (a comment block). */
function inDeadBranch(b: MutableBranch | undefined): boolean {
  for (let x = b; x; x = x.conditional.parent) if (x.index === 0 && x.directive.directive === 'if' && x.directive.expression === '0') return true;
  return false;
}

function matchTag(text: string, p: number, end: number): Omit<TagNode, keyof NodeBase | 'kind' | 'package' | 'known'> | undefined {
  const nameStart = p;
  if (!isAlpha(text.charCodeAt(p))) return undefined;
  while (p < end && isAlpha(text.charCodeAt(p))) p++;
  const familyEnd = p;
  while (p < end && isIdent(text.charCodeAt(p))) p++;
  const nameEnd = p;
  let qualifier: string | undefined;
  let qualifierRange: TextRange | undefined;
  if (text.charCodeAt(p) === Ch.LParen) {
    const close = text.indexOf(')', p);
    if (close === -1 || close >= end) return undefined;
    qualifier = text.slice(p + 1, close);
    qualifierRange = { start: p + 1, end: close };
    p = close + 1;
  }
  const sepStart = p;
  p = skipSpaces(text, p, end);
  if (text.charCodeAt(p) !== Ch.Colon) return undefined;
  p = skipSpaces(text, p + 1, end);
  const valueEnd = trimEnd(text, p, end);
  const name = text.slice(nameStart, nameEnd);
  const digits = text.slice(familyEnd, nameEnd);
  const family = text.slice(nameStart, familyEnd).toLowerCase();
  return {
    name, lname: name.toLowerCase(), family, number: digits.length > 0 && /^[0-9]+$/.test(digits) ? digits : undefined, qualifier,
    value: text.slice(p, valueEnd), nameRange: { start: nameStart, end: nameEnd }, qualifierRange, separatorRange: { start: sepStart, end: p }, valueRange: { start: p, end: valueEnd },
  };
}

function parseSectionArgs(text: string, start: number, end: number, d: { kind: SectionKind; qualifier: Section['qualifier']; options: SectionOption[]; triggerCondition: string | undefined; package: string; absolute: boolean }): void {
  const toks: TextRange[] = [];
  let p = start;
  while (p < end) {
    p = skipSpaces(text, p, end);
    if (p >= end) break;
    const s = p;
    while (p < end && !isSpace(text.charCodeAt(p))) p++;
    toks.push({ start: s, end: p });
  }
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    const tok = text.slice(t.start, t.end);
    if (tok === '--') {
      const rest = toks[k + 1];
      if (rest) d.triggerCondition = text.slice(rest.start, trimEnd(text, rest.start, end));
      break;
    }
    if (tok.startsWith('-') && tok.length > 1) {
      const flag = tok.slice(0, 2);
      let value: string | undefined;
      let range: TextRange = t;
      if (OPTIONS_WITH_VALUE.has(flag)) {
        if (tok.length > 2) value = tok.slice(2);
        else {
          const nx = toks[k + 1];
          if (nx) { value = text.slice(nx.start, nx.end); range = { start: t.start, end: nx.end }; k++; }
        }
      }
      d.options.push({ flag, value, range });
      if (flag === '-n' && value !== undefined && QUALIFIED_KINDS.has(d.kind)) {
        const vr = { start: range.end - value.length, end: range.end };
        d.qualifier = { name: value, absolute: true, range: vr };
      }
      continue;
    }
    if (d.qualifier === undefined && QUALIFIED_KINDS.has(d.kind)) d.qualifier = { name: tok, absolute: false, range: t };
  }
  if (d.qualifier) { d.package = d.qualifier.name; d.absolute = d.qualifier.absolute; }
}

/** Print the document back to text. For an unedited parse this is exactly the input. */
export function printSpec(doc: SpecDocument): string {
  let out = '';
  const t = doc.text;
  for (const n of doc.nodes) out += t.slice(n.start, n.end);
  return out;
}

/** The chain of branches a node (or section, or branch) sits in, outermost first. */
export function branchChain(branch: Branch | undefined): Branch[] {
  const chain: Branch[] = [];
  for (let b = branch; b; b = b.conditional.parent) chain.push(b);
  return chain.reverse();
}

/** The full package name of a package key given the main package's (expanded) name. */
export function packageName(mainName: string, key: string, absolute: boolean): string {
  if (key === '') return mainName;
  return absolute ? key : `${mainName}-${key}`;
}

/** Raw text of a node or range. */
export function textOf(doc: SpecDocument, range: TextRange): string {
  return doc.text.slice(range.start, range.end);
}

/** Sections whose name (canonical, e.g. `files`) and package key match. */
export function findSections(doc: SpecDocument, name: string, pkg?: string): Section[] {
  const n = name.replace(/^%/, '').toLowerCase();
  return doc.sections.filter((s) => s.name === n && (pkg === undefined || s.package === pkg));
}

/** Packages with the given key ('' = main). Several when `%package` of one name sits in `%if` branches. */
export function findPackages(doc: SpecDocument, key: string): Package[] {
  return doc.packages.filter((p) => p.key === key);
}

/** Node at (containing) an offset. */
export function nodeAt(doc: SpecDocument, offset: number): SpecNode | undefined {
  let lo = 0;
  let hi = doc.nodes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = doc.nodes[mid]!;
    if (offset < n.start) hi = mid - 1;
    else if (offset >= n.end) lo = mid + 1;
    else return n;
  }
  return undefined;
}

/** One line of a `%files` section: its directives (`%doc`, `%config(noreplace)`, `%attr(...)`) and paths. */
export interface FilesEntry extends TextRange {
  readonly node: TextNode;
  /** Directives as written, e.g. `%config(noreplace)`, `%attr(0644,root,root)`, `%dir`. */
  readonly directives: readonly string[];
  /** The paths (or file-list text) after the directives, as written (macros unexpanded). */
  readonly paths: string;
}

const FILES_DIRECTIVE = /^%(?:[A-Za-z_]+)(?:\([^)]*\))?/;

/** The entries of a `%files` section (text lines that are not blank, comments or conditionals). */
export function filesEntries(doc: SpecDocument, section: Section): FilesEntry[] {
  const out: FilesEntry[] = [];
  for (let k = section.nodeStart; k < section.nodeEnd; k++) {
    const n = doc.nodes[k]!;
    if (n.kind !== 'text') continue;
    let rest = doc.text.slice(n.start, n.contentEnd).trim();
    const directives: string[] = [];
    for (;;) {
      const m = FILES_DIRECTIVE.exec(rest);
      if (!m || /^%\{/.test(rest)) break;
      const word = m[0].replace(/\(.*$/, '').slice(1);
      if (!FILES_DIRECTIVES.has(word)) break;
      directives.push(m[0]);
      rest = rest.slice(m[0].length).trimStart();
    }
    out.push({ node: n, start: n.start, end: n.contentEnd, directives, paths: rest });
  }
  return out;
}

const FILES_DIRECTIVES = new Set(['doc', 'license', 'config', 'attr', 'defattr', 'dir', 'docdir', 'ghost', 'exclude', 'lang', 'verify', 'caps', 'missingok', 'readme', 'artifact']);

/** Scriptlet, trigger and file-trigger sections (`%post`, `%triggerin`, `%filetriggerin`, ...). */
export function scriptletSections(doc: SpecDocument): Section[] {
  return doc.sections.filter((s) => s.kind === 'scriptlet' || s.kind === 'trigger' || s.kind === 'file-trigger');
}
