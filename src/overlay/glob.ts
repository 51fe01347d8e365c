/**
 * doublestar-style glob matching (as azldev uses for `file` patterns): `*` and `?` never cross
 * `/`, `**` as a whole path segment matches any number of segments, `[...]` classes, `{a,b}`.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0 || pattern[i - 1] === '/';
        const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atStart && atEnd) {
          if (pattern[i + 2] === '/') {
            re += '(?:[^/]*(?:/|$))*';
            i += 3;
          } else {
            re += '.*';
            i += 2;
          }
          continue;
        }
      }
      re += '[^/]*';
      i++;
      while (pattern[i] === '*') i++;
      continue;
    }
    if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close + 1;
        continue;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '\\' && i + 1 < pattern.length) {
      i++;
      re += escapeRe(pattern[i]!);
    } else re += escapeRe(c);
    i++;
  }
  return new RegExp('^' + re + '$');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}

export function hasGlobMeta(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

export function matchGlob(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(path);
}

/**
 * What a `file` field of an overlay selects among `candidates`: when it equals one of them
 * exactly, that name alone (a real file name may hold glob characters, e.g. systemd's `\x2d`
 * escapes kept literally in a unit file's name); otherwise the names the doublestar glob matches.
 */
export function selectByFilePattern<T>(pattern: string, candidates: readonly T[], nameOf: (c: T) => string): T[] {
  const exact = candidates.filter((c) => nameOf(c) === pattern);
  if (exact.length) return exact;
  const re = globToRegExp(pattern);
  return candidates.filter((c) => re.test(nameOf(c)));
}
