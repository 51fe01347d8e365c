/**
 * The lines of a new spec that come closest to what an overlay looked for, so that a
 * `no-longer-applies` verdict says where to look: words shared with the overlay's tag/value,
 * regex literals or lines, weighted by length; ties go to the earlier line.
 */
import type { SpecLineView } from '../spec/index.js';
import type { AnyOverlay } from '../overlay/index.js';
import type { Candidate } from './types.js';

/**
 * The literal fragments of an RE2 pattern (what it must match verbatim): escapes resolved,
 * metacharacters, classes and quantifiers as breaks. `%global dist.*` gives `%global dist`.
 */
export function regexLiterals(re: string): string[] {
  const out: string[] = [];
  let cur = '';
  const flush = () => {
    if (cur.trim()) out.push(cur.trim());
    cur = '';
  };
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\') {
      const e = re[i + 1] ?? '';
      i++;
      if (/[sSdDwWbBAzpPQE]/.test(e)) flush();
      else if (e === 'n' || e === 't') flush();
      else cur += e;
      continue;
    }
    if (c === '[') {
      flush();
      const j = re.indexOf(']', i + 2);
      i = j < 0 ? re.length : j;
      continue;
    }
    if (c === '{' && /^\{\d+(,\d*)?\}/.test(re.slice(i))) {
      flush();
      i = re.indexOf('}', i);
      continue;
    }
    if (c === '(' && re[i + 1] === '?') {
      flush();
      const j = re.indexOf(')', i) > 0 && /^\(\?[a-zA-Z-]+\)/.test(re.slice(i)) ? re.indexOf(')', i) : re.indexOf(':', i);
      i = j < 0 ? i + 1 : j;
      continue;
    }
    if ('.^$*+?()|'.includes(c)) {
      // a quantifier applies to the last char: it is not verbatim
      if ('*?'.includes(c) && cur) cur = cur.slice(0, -1);
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  return out;
}

function words(s: string): string[] {
  return s.toLowerCase().split(/[^a-z0-9_%]+/).filter((w) => w.length >= 3);
}

function trigrams(s: string): Set<string> {
  const t = s.toLowerCase().replace(/\s+/g, ' ');
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

/** Dice coefficient of the trigram sets (0..1). */
function similarity(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return (2 * n) / (a.size + b.size);
}

/** What the overlay looks for, as text. */
export function overlayQuery(o: AnyOverlay): string {
  switch (o.type) {
    case 'spec-add-tag':
    case 'spec-insert-tag':
    case 'spec-set-tag':
    case 'spec-update-tag':
      return `${o.tag}: ${o.value}`;
    case 'spec-remove-tag':
      return `${o.tag}: ${o.value ?? ''}`;
    case 'spec-search-replace':
      return regexLiterals(o.regex).join(' ');
    case 'spec-prepend-lines':
    case 'spec-append-lines':
      return `${o.section ?? ''} ${o.package ?? ''} ${o.lines.join(' ')}`;
    case 'spec-remove-section':
      return `${o.section} ${o.package ?? ''}`;
    case 'spec-remove-subpackage':
      return `%package ${o.package}`;
    case 'patch-add':
    case 'patch-remove':
      return `Patch ${o.file}`;
    default:
      return 'file' in o ? o.file : '';
  }
}

/** Up to `max` lines of the view (optionally only `scope` line ranges) nearest to the overlay's query. */
export function nearestLines(view: SpecLineView, o: AnyOverlay, max = 3, scope?: readonly { start: number; end: number }[]): Candidate[] {
  const query = overlayQuery(o);
  const q = new Set(words(query));
  const qt = trigrams(query);
  if (q.size === 0 && qt.size === 0) return [];
  const tag = 'tag' in o ? o.tag.toLowerCase().replace(/\d+$/, '') : undefined;
  const scored: { line: number; text: string; score: number }[] = [];
  const ranges = scope ?? [{ start: 0, end: view.lines.length }];
  for (const r of ranges) {
    for (let i = r.start; i < r.end; i++) {
      const l = view.lines[i]!;
      const t = l.text.trim();
      if (!t) continue;
      let score = 0;
      for (const w of new Set(words(t))) if (q.has(w)) score += Math.min(w.length, 12);
      const sim = similarity(qt, trigrams(t));
      if (sim >= 0.2) score += Math.round(sim * 20);
      if (tag && l.kind === 'tag' && l.tag!.toLowerCase().replace(/\d+$/, '') === tag) score += 6;
      if (o.type === 'spec-remove-section' || o.type === 'spec-remove-subpackage' || 'section' in o) {
        if (l.kind === 'header') score += 2;
      }
      if (score > 0) scored.push({ line: i + 1, text: t.length > 160 ? `${t.slice(0, 157)}...` : t, score });
    }
  }
  scored.sort((a, b) => b.score - a.score || a.line - b.line);
  return scored.slice(0, max).map(({ line, text }) => ({ line, text }));
}
