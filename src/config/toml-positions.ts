/**
 * A small TOML key-position scanner. smol-toml gives values but no positions; this walks the same
 * text once (linear, no allocation per character) and records, for every key path, where its key
 * and its value start and end. It assumes the text already parsed (smol-toml ran first), so it is
 * lenient: on anything unexpected it skips to the next line instead of failing.
 *
 * A key path is the list of keys and array indexes from the document root, e.g.
 * `components.bash.overlays.0.regex`; `pathKey()` joins it with NUL so keys containing dots are
 * unambiguous.
 */

/** Offsets (0-based, UTF-16 code units) of one key and its value. */
export interface KeyPosition {
  /** Start of the key (or of the `[header]` for tables). */
  readonly key: number;
  readonly keyEnd: number;
  /** Start and end of the value; for a `[table]` header, the header itself. */
  readonly value: number;
  readonly valueEnd: number;
}

const SEP = '\u0000';

export function pathKey(path: readonly (string | number)[]): string {
  return path.join(SEP);
}

/** Turns offsets into 1-based line/column with a binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    let i = text.indexOf('\n');
    while (i !== -1) {
      this.starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
  }

  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

const enum Ch {
  Tab = 9,
  LF = 10,
  CR = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Apos = 39,
  Comma = 44,
  Dot = 46,
  Eq = 61,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  LBrace = 123,
  RBrace = 125,
}

/** Scan `text` and return a map from `pathKey(path)` to positions. */
export function scanTomlPositions(text: string): Map<string, KeyPosition> {
  const out = new Map<string, KeyPosition>();
  const n = text.length;
  let i = 0;
  /** Array-of-tables paths (joined) → number of elements so far. */
  const aot = new Map<string, number>();
  let current: string[] = [];

  const isWs = (c: number) => c === Ch.Space || c === Ch.Tab;
  const skipWs = () => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
  };
  const skipComment = () => {
    if (text.charCodeAt(i) === Ch.Hash) while (i < n && text.charCodeAt(i) !== Ch.LF) i++;
  };
  /** Whitespace, newlines and comments (inside arrays and, leniently, inline tables). */
  const skipAll = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (isWs(c) || c === Ch.LF || c === Ch.CR) i++;
      else if (c === Ch.Hash) skipComment();
      else return;
    }
  };
  const toEol = () => {
    while (i < n && text.charCodeAt(i) !== Ch.LF) i++;
  };

  const readBasic = (): string => {
    // at opening quote
    i++;
    let s = '';
    let start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) {
        s += text.slice(start, i);
        i++;
        return s;
      }
      if (c === Ch.Backslash) {
        s += text.slice(start, i);
        const e = text[i + 1];
        if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          s += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + len), 16) || 0xfffd);
          i += 2 + len;
        } else {
          s += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', e: '\u001b', '"': '"', '\\': '\\' } as Record<string, string>)[e ?? ''] ?? e ?? '';
          i += 2;
        }
        start = i;
        continue;
      }
      if (c === Ch.LF) break;
      i++;
    }
    return s + text.slice(start, i);
  };
  const readLiteral = (): string => {
    i++;
    const start = i;
    while (i < n && text.charCodeAt(i) !== Ch.Apos && text.charCodeAt(i) !== Ch.LF) i++;
    const s = text.slice(start, i);
    if (text.charCodeAt(i) === Ch.Apos) i++;
    return s;
  };
  const isBare = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;

  /** A dotted key; returns its segments and start/end offsets. */
  const readKey = (): { parts: string[]; start: number; end: number } | undefined => {
    const parts: string[] = [];
    const start = i;
    for (;;) {
      skipWs();
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) parts.push(readBasic());
      else if (c === Ch.Apos) parts.push(readLiteral());
      else if (isBare(c)) {
        const s = i;
        while (i < n && isBare(text.charCodeAt(i))) i++;
        parts.push(text.slice(s, i));
      } else return parts.length ? { parts, start, end: i } : undefined;
      const end = i;
      skipWs();
      if (text.charCodeAt(i) === Ch.Dot) {
        i++;
        continue;
      }
      return { parts, start, end };
    }
  };

  const record = (path: readonly (string | number)[], pos: KeyPosition) => {
    out.set(pathKey(path), pos);
  };
  const recordIfAbsent = (path: readonly (string | number)[], pos: KeyPosition) => {
    const k = pathKey(path);
    if (!out.has(k)) out.set(k, pos);
  };

  const skipValue = (path: (string | number)[]): void => {
    const c = text.charCodeAt(i);
    if (c === Ch.Quote) {
      if (text.startsWith('"""', i)) {
        i += 3;
        for (;;) {
          const j = text.indexOf('"""', i);
          if (j === -1) {
            i = n;
            return;
          }
          // count backslashes before j
          let b = 0;
          for (let k = j - 1; k >= i && text.charCodeAt(k) === Ch.Backslash; k--) b++;
          if (b % 2 === 1) {
            i = j + 1;
            continue;
          }
          i = j + 3;
          while (text.charCodeAt(i) === Ch.Quote) i++;
          return;
        }
      }
      readBasic();
      return;
    }
    if (c === Ch.Apos) {
      if (text.startsWith("'''", i)) {
        const j = text.indexOf("'''", i + 3);
        i = j === -1 ? n : j + 3;
        while (text.charCodeAt(i) === Ch.Apos) i++;
        return;
      }
      readLiteral();
      return;
    }
    if (c === Ch.LBracket) {
      i++;
      let idx = 0;
      for (;;) {
        skipAll();
        if (i >= n) return;
        const d = text.charCodeAt(i);
        if (d === Ch.RBracket) {
          i++;
          return;
        }
        if (d === Ch.Comma) {
          i++;
          continue;
        }
        const p = [...path, idx];
        const s = i;
        skipValue(p);
        if (i === s) {
          i++;
          continue;
        }
        record(p, { key: s, keyEnd: s, value: s, valueEnd: i });
        idx++;
      }
    }
    if (c === Ch.LBrace) {
      i++;
      for (;;) {
        skipAll();
        if (i >= n) return;
        const d = text.charCodeAt(i);
        if (d === Ch.RBrace) {
          i++;
          return;
        }
        if (d === Ch.Comma) {
          i++;
          continue;
        }
        if (!keyValue(path)) {
          i++;
        }
      }
    }
    // scalar: up to a delimiter
    const s = i;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === Ch.Comma || d === Ch.RBracket || d === Ch.RBrace || d === Ch.LF || d === Ch.Hash || d === Ch.CR) break;
      i++;
    }
    while (i > s && isWs(text.charCodeAt(i - 1))) i--;
  };

  /** `key = value` relative to `base`; returns false when no key was found. */
  const keyValue = (base: (string | number)[]): boolean => {
    const k = readKey();
    if (!k) return false;
    skipWs();
    if (text.charCodeAt(i) !== Ch.Eq) return false;
    i++;
    skipWs();
    const full = [...base, ...k.parts];
    for (let j = 1; j < k.parts.length; j++) {
      recordIfAbsent([...base, ...k.parts.slice(0, j)], { key: k.start, keyEnd: k.end, value: k.start, valueEnd: k.end });
    }
    const vs = i;
    skipValue(full);
    record(full, { key: k.start, keyEnd: k.end, value: vs, valueEnd: i });
    return true;
  };

  /** Resolve a header's key parts into a concrete path, inserting array-of-tables indexes. */
  const resolveHeader = (parts: string[], isArray: boolean): string[] => {
    const path: string[] = [];
    for (let j = 0; j < parts.length; j++) {
      path.push(parts[j]!);
      const last = j === parts.length - 1;
      const key = pathKey(path);
      if (last && isArray) {
        const count = aot.get(key) ?? 0;
        aot.set(key, count + 1);
        path.push(String(count));
      } else {
        const count = aot.get(key);
        if (count !== undefined) path.push(String(count - 1));
      }
    }
    return path;
  };

  while (i < n) {
    skipAll();
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === Ch.LBracket) {
      const hs = i;
      const isArray = text.charCodeAt(i + 1) === Ch.LBracket;
      i += isArray ? 2 : 1;
      const k = readKey();
      skipWs();
      if (text.charCodeAt(i) === Ch.RBracket) i++;
      if (isArray && text.charCodeAt(i) === Ch.RBracket) i++;
      const he = i;
      if (k) {
        current = resolveHeader(k.parts, isArray);
        const pos = { key: k.start, keyEnd: k.end, value: hs, valueEnd: he };
        // intermediate tables get the header position unless they were defined before
        const partial: string[] = [];
        for (let j = 0; j < current.length - 1; j++) {
          partial.push(current[j]!);
          recordIfAbsent(partial, pos);
        }
        record(current, pos);
      }
      skipWs();
      skipComment();
      continue;
    }
    if (!keyValue(current)) toEol();
    skipWs();
    skipComment();
  }
  return out;
}
