/**
 * Dependency strings and matching: `name`, `name >= 1.0`, `name = 1:2.0-3`, file paths, and rich
 * dependencies in parentheses (only `(a or b)` / `(a and b)` are understood; others are kept as
 * external). Versions are compared with rpm's rules via src/spec/rpmver.ts.
 */
import { compareEVR, matchesConstraint, parseDependencies, parseDependency, type Dependency } from '../spec/rpmver.js';
import type { Dep } from './types.js';

/** The build domain's Dep from the spec model's Dependency (rich deps keep their whole text as name). */
export function fromDependency(d: Dependency): Dep {
  return d.op && d.evr !== undefined && !d.rich ? { name: d.name, op: d.op, version: d.evr } : { name: d.name, op: '', version: '' };
}

/** Parse one dependency such as `libgreet-devel >= 1.0` (rpm's rules, src/spec/rpmver.ts). */
export function parseDep(text: string): Dep {
  const d = parseDependency(text.trim());
  return d ? fromDependency(d) : { name: text.trim(), op: '', version: '' };
}

/** Split a BuildRequires value with several comma/space separated deps into Deps. */
export function splitDeps(value: string): Dep[] {
  return parseDependencies(value).map(fromDependency);
}

export function formatDep(d: Dep): string {
  return d.op ? `${d.name} ${d.op} ${d.version}` : d.name;
}

function toDependency(d: Dep): Dependency {
  return d.op ? { name: d.name, op: d.op, evr: d.version } : { name: d.name };
}

/** Compare two `[epoch:]version[-release]` strings with rpm's rules. */
export function compareEvr(a: string, b: string): number {
  return compareEVR(a, b);
}

/**
 * Does a provide satisfy a requirement? Names must be equal; versioned sides are compared with
 * rpm's range-overlap rule (src/spec/rpmver.ts); an unversioned side matches any version.
 */
export function providesSatisfies(provide: Dep, req: Dep): boolean {
  return matchesConstraint(toDependency(provide), toDependency(req));
}

/** The alternatives of a rich dependency `(a or b)`, or the parts of `(a and b)`; otherwise [dep]. */
export function richAlternatives(d: Dep): { kind: 'or' | 'and' | 'one'; deps: Dep[] } {
  const n = d.name;
  if (!n.startsWith('(')) return { kind: 'one', deps: [d] };
  const inner = (n + (d.op ? ` ${d.op} ${d.version}` : '')).replace(/^\(/, '').replace(/\)$/, '');
  for (const kw of ['or', 'and'] as const) {
    const parts = inner.split(new RegExp(`\\s+${kw}\\s+`));
    if (parts.length > 1 && !parts.some((p) => /\s(if|unless|with|without|else)\s/.test(p))) return { kind: kw, deps: parts.map(parseDep) };
  }
  return { kind: 'one', deps: [d] };
}
