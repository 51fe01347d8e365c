/**
 * Which rpmautospec features a spec file uses, detected by text as rpmautospec-core 0.1.5 does
 * (line by line, no macro expansion): `%autorelease` in any form on a line before `%changelog`,
 * a line starting with `%autochangelog`/`%{?autochangelog}`, the `%changelog` line, and the
 * `%define autorelease(` line of an already processed spec.
 */

export interface SpecFeatures {
  readonly hasAutorelease: boolean;
  readonly hasAutochangelog: boolean;
  /** 1-based line of the first `%changelog` line, or null. */
  readonly changelogLine: number | null;
  /** 1-based line of the first `%autochangelog` line, or null. */
  readonly autochangelogLine: number | null;
  /** 1-based line of a `%define autorelease(` line, or null. */
  readonly autoreleaseDefinitionLine: number | null;
  /** The spec already carries the rpmautospec blocks. */
  readonly isProcessed: boolean;
}

const AUTORELEASE_RE = /%(?:autorelease(?:\s|$)|\{\??autorelease(?:\s+[^}]*)?\})/u;
const CHANGELOG_RE = /^%changelog(?:\s[^\n]*)?$/iu;
const AUTOCHANGELOG_RE = /^\s*%(?:autochangelog|\{\??autochangelog\})/u;
const AUTORELEASE_DEFINITION_RE = /^\s*%define\s+autorelease\s*\(/u;

/**
 * Split text into lines the way Python's universal-newline text mode reads a file: `\r\n`, `\r`
 * and `\n` all end a line. Returned lines carry no terminator; `endsWithNewline` tells whether the
 * last line was terminated.
 */
export function splitUniversalLines(text: string): { lines: string[]; endsWithNewline: boolean } {
  if (text === '') return { lines: [], endsWithNewline: false };
  const lines = text.split(/\r\n|\r|\n/);
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  return { lines, endsWithNewline };
}

export function detectSpecFeatures(specText: string): SpecFeatures {
  let hasAutorelease = false;
  let changelogLine: number | null = null;
  let autochangelogLine: number | null = null;
  let autoreleaseDefinitionLine: number | null = null;
  const { lines } = splitUniversalLines(specText);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineno = i + 1;
    if (changelogLine === null) {
      if (!hasAutorelease && AUTORELEASE_RE.test(line)) hasAutorelease = true;
      if (CHANGELOG_RE.test(line)) changelogLine = lineno;
    }
    if (autochangelogLine === null && AUTOCHANGELOG_RE.test(line)) autochangelogLine = lineno;
    if (autoreleaseDefinitionLine === null && AUTORELEASE_DEFINITION_RE.test(line)) autoreleaseDefinitionLine = lineno;
  }
  return {
    hasAutorelease,
    hasAutochangelog: autochangelogLine !== null,
    changelogLine,
    autochangelogLine,
    autoreleaseDefinitionLine,
    isProcessed: autoreleaseDefinitionLine !== null,
  };
}
