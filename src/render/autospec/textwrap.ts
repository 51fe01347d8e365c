/**
 * Line wrapping with the exact rules of Python's `textwrap.TextWrapper` (CPython 3.8+ defaults:
 * tabs expanded to 8 columns, whitespace characters replaced by spaces, words split after hyphens,
 * over-long words broken, whitespace dropped at line ends). rpmautospec wraps changelog items with
 * it (`width=75, subsequent_indent="  "`), so its output must be reproduced character for character.
 *
 * Lengths are counted in code points, as Python does (not UTF-16 units).
 */

export interface WrapOptions {
  readonly width: number;
  readonly initialIndent?: string;
  readonly subsequentIndent?: string;
  readonly tabSize?: number;
}

/** The characters Python's textwrap treats as whitespace (ASCII only, by design). */
const WS = '\\t\\n\\x0b\\x0c\\r ';
/** Python's `\w` on str patterns: Unicode letters and numbers, plus `_`. */
const W = '\\p{L}\\p{N}_';
/** `[\w!"'&.,?]` */
const WORD_PUNCT = `[${W}!"'&.,?]`;
/** `[^\d\W]`: word characters that are not decimal digits. */
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]';

/**
 * textwrap's `wordsep_re`: whitespace runs, em-dashes between words, and words possibly broken
 * after hyphens. Used with `split` (capturing group) exactly like `re.split`.
 */
const WORDSEP_RE = new RegExp(
  '(' +
    `[${WS}]+` +
    '|' +
    `(?<=${WORD_PUNCT})-{2,}(?=[${W}])` +
    '|' +
    `[^${WS}]+?(?:` +
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    '|' +
    `(?=[${WS}]|$)` +
    '|' +
    `(?<=${WORD_PUNCT})(?=-{2,}[${W}])` +
    ')' +
    ')',
  'u',
);

/** Python's `str.expandtabs(tabsize)`: columns reset after `\n` and `\r`, counted in code points. */
export function expandTabs(text: string, tabSize = 8): string {
  if (!text.includes('\t')) return text;
  let out = '';
  let col = 0;
  for (const ch of text) {
    if (ch === '\t') {
      if (tabSize > 0) {
        const n = tabSize - (col % tabSize);
        out += ' '.repeat(n);
        col += n;
      }
    } else if (ch === '\n' || ch === '\r') {
      out += ch;
      col = 0;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Python `str.strip() == ''` for the ASCII whitespace textwrap produces. */
function isBlankChunk(s: string): boolean {
  return pyStrip(s) === '';
}

/** Split text into chunks as `TextWrapper._split_chunks` does. */
export function splitChunks(text: string, tabSize = 8): string[] {
  const munged = expandTabs(text, tabSize).replace(/[\t\n\x0b\x0c\r]/g, ' ');
  return munged.split(WORDSEP_RE).filter((c) => c !== undefined && c !== '');
}

/** `TextWrapper.wrap`: a list of lines, none longer than `width` unless an indent alone is wider. */
export function wrapText(text: string, opts: WrapOptions): string[] {
  const chunks = splitChunks(text, opts.tabSize ?? 8).map((c) => [...c]);
  const initialIndent = opts.initialIndent ?? '';
  const subsequentIndent = opts.subsequentIndent ?? '';
  const lines: string[] = [];
  chunks.reverse();
  while (chunks.length > 0) {
    const curLine: string[][] = [];
    let curLen = 0;
    const indent = lines.length > 0 ? subsequentIndent : initialIndent;
    const width = opts.width - cpLength(indent);
    const last = chunks[chunks.length - 1]!;
    if (lines.length > 0 && isBlankChunk(last.join(''))) chunks.pop();
    while (chunks.length > 0) {
      const l = chunks[chunks.length - 1]!.length;
      if (curLen + l <= width) {
        curLine.push(chunks.pop()!);
        curLen += l;
      } else break;
    }
    if (chunks.length > 0 && chunks[chunks.length - 1]!.length > width) {
      handleLongWord(chunks, curLine, curLen, width);
      curLen = curLine.reduce((a, c) => a + c.length, 0);
    }
    if (curLine.length > 0 && isBlankChunk(curLine[curLine.length - 1]!.join(''))) {
      curLen -= curLine[curLine.length - 1]!.length;
      curLine.pop();
    }
    if (curLine.length > 0) lines.push(indent + curLine.map((c) => c.join('')).join(''));
  }
  return lines;
}

function handleLongWord(reversedChunks: string[][], curLine: string[][], curLen: number, width: number): void {
  const spaceLeft = width < 1 ? 1 : width - curLen;
  const chunk = reversedChunks[reversedChunks.length - 1]!;
  let end = spaceLeft;
  if (chunk.length > spaceLeft) {
    // break after the last hyphen, but only if there are non-hyphens before it
    let hyphen = -1;
    for (let i = Math.min(spaceLeft, chunk.length) - 1; i >= 0; i--) {
      if (chunk[i] === '-') {
        hyphen = i;
        break;
      }
    }
    if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
  }
  curLine.push(chunk.slice(0, end));
  reversedChunks[reversedChunks.length - 1] = chunk.slice(end);
}

/** `TextWrapper.fill`: the wrapped lines joined with `\n`. */
export function fillText(text: string, opts: WrapOptions): string {
  return wrapText(text, opts).join('\n');
}

/** The characters Python's `str.isspace()` accepts (what argument-less `str.strip()` removes). */
const PY_SPACE = /[\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function isPySpace(ch: string): boolean {
  return PY_SPACE.test(ch);
}

/** Python's `str.strip()` without arguments. */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s[a]!)) a++;
  while (b > a && isPySpace(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's `str.lstrip()` without arguments. */
export function pyLstrip(s: string): string {
  let a = 0;
  while (a < s.length && isPySpace(s[a]!)) a++;
  return s.slice(a);
}
