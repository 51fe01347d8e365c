/**
 * RPM version comparison (rpmvercmp), EVR parsing/comparison and dependency constraints
 * (`foo >= 1:1.2-3`), following rpm's semantics.
 */

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** rpm's `rpmvercmp`: -1, 0 or 1. Handles `~` (sorts before everything) and `^` (after base, before more). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== '~' && b[j] !== '^') j++;
    // tilde: sorts before anything, even the end
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++; j++;
      continue;
    }
    // caret: like end of string but sorts after it... except when the other also ended
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++; j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const si = i;
    const sj = j;
    const numeric = isDigit(a.charCodeAt(i));
    if (numeric) {
      while (i < a.length && isDigit(a.charCodeAt(i))) i++;
      while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    } else {
      while (i < a.length && isAlnum(a.charCodeAt(i)) && !isDigit(a.charCodeAt(i))) i++;
      while (j < b.length && isAlnum(b.charCodeAt(j)) && !isDigit(b.charCodeAt(j))) j++;
    }
    let x = a.slice(si, i);
    let y = b.slice(sj, j);
    if (y.length === 0) return numeric ? 1 : -1; // segments of different types: numeric is newer
    if (numeric) {
      x = x.replace(/^0+/, '');
      y = y.replace(/^0+/, '');
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export interface EVR {
  readonly epoch: string | undefined;
  readonly version: string;
  readonly release: string | undefined;
}

/** Parse `[epoch:]version[-release]`. */
export function parseEVR(s: string): EVR {
  let rest = s.trim();
  let epoch: string | undefined;
  const colon = rest.indexOf(':');
  if (colon !== -1 && /^[0-9]*$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash !== -1) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: undefined };
}

/** Compare two EVRs like rpm: missing epoch = 0; a missing release on either side matches any release. */
export function compareEVR(a: EVR | string, b: EVR | string): number {
  const x = typeof a === 'string' ? parseEVR(a) : a;
  const y = typeof b === 'string' ? parseEVR(b) : b;
  const ea = x.epoch === undefined || x.epoch === '' ? 0 : Number(x.epoch);
  const eb = y.epoch === undefined || y.epoch === '' ? 0 : Number(y.epoch);
  if (ea !== eb) return ea < eb ? -1 : 1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === undefined || y.release === undefined) return 0;
  return rpmvercmp(x.release, y.release);
}

/**
 * rpm's `labelCompare` (python `rpm.labelCompare`, C `rpmVersionCompare` on labels): epochs,
 * versions and releases compared with rpmvercmp in turn; a missing epoch is `0`; a missing
 * release sorts before every release (and equals only another missing one). This is the order an
 * advisory's `less than` / `fixed` EVR is meant in, unlike `compareEVR`, where a missing release
 * matches any (dependency semantics).
 */
export function labelCompare(a: EVR | string, b: EVR | string): number {
  const x = typeof a === 'string' ? parseEVR(a) : a;
  const y = typeof b === 'string' ? parseEVR(b) : b;
  const e = rpmvercmp(x.epoch ?? '0', y.epoch ?? '0');
  if (e !== 0) return e;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === undefined || y.release === undefined) return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
  return rpmvercmp(x.release, y.release);
}

export type DepOperator = '<' | '<=' | '=' | '>=' | '>';

/** One dependency: `name [op evr]`, or a rich dependency `(a or b)` kept as written. */
export interface Dependency {
  readonly name: string;
  readonly op?: DepOperator;
  readonly evr?: string;
  /** True for rich (boolean) dependencies in parentheses; `name` holds the whole expression. */
  readonly rich?: boolean;
}

const OPS = new Set(['<', '<=', '=', '==', '>=', '>', '=<', '=>']);

function normOp(op: string): DepOperator {
  if (op === '==') return '=';
  if (op === '=<') return '<=';
  if (op === '=>') return '>=';
  return op as DepOperator;
}

/**
 * Split a Requires/Provides/BuildRequires value into dependencies the way rpm does: entries are
 * separated by whitespace or commas, `name op evr` triples stay together, `( … )` is one rich
 * dependency.
 */
export function parseDependencies(value: string): Dependency[] {
  const toks: string[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === ' ' || c === '\t' || c === ',' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(') {
      let depth = 0;
      const s = i;
      for (; i < value.length; i++) {
        if (value[i] === '(') depth++;
        else if (value[i] === ')') { depth--; if (depth === 0) { i++; break; } }
      }
      toks.push(value.slice(s, i));
      continue;
    }
    const s = i;
    while (i < value.length && !' \t,\n\r'.includes(value[i]!)) {
      if (value[i] === '(') {
        // name(with)(parens) as in perl(Foo::Bar) or libc.so.6()(64bit)
        let depth = 0;
        for (; i < value.length; i++) {
          if (value[i] === '(') depth++;
          else if (value[i] === ')') { depth--; if (depth === 0) break; }
        }
      }
      i++;
    }
    toks.push(value.slice(s, i));
  }
  const deps: Dependency[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.startsWith('(')) { deps.push({ name: t, rich: true }); continue; }
    const op = toks[k + 1];
    const evr = toks[k + 2];
    if (op !== undefined && OPS.has(op) && evr !== undefined) {
      deps.push({ name: t, op: normOp(op), evr });
      k += 2;
    } else deps.push({ name: t });
  }
  return deps;
}

/** Parse one constraint such as `foo >= 1.2-3`. */
export function parseDependency(s: string): Dependency | undefined {
  return parseDependencies(s)[0];
}

/**
 * Whether a provided `name = evr` (or a bare name) satisfies a required constraint. A versionless
 * side matches any version; a requirement without release matches any release.
 */
export function matchesConstraint(provide: Dependency, require: Dependency): boolean {
  if (provide.name !== require.name) return false;
  if (!require.op || require.evr === undefined) return true;
  if (!provide.op || provide.evr === undefined) return true;
  // rpm's range overlap test (rpmdsCompare): A = provide, B = require
  const sense = compareEVR(provide.evr, require.evr);
  const aL = provide.op.includes('<');
  const aG = provide.op.includes('>');
  const aE = provide.op.includes('=');
  const bL = require.op.includes('<');
  const bG = require.op.includes('>');
  const bE = require.op.includes('=');
  if (sense < 0) return aG || bL;
  if (sense > 0) return aL || bG;
  return (aE && bE) || (aL && bL) || (aG && bG);
}

/** Whether `evr` satisfies `op target` (e.g. installed version against `>= 1.2`). */
export function satisfies(evr: string, op: DepOperator, target: string): boolean {
  const c = compareEVR(evr, target);
  switch (op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '=': return c === 0;
    case '>=': return c >= 0;
    case '>': return c > 0;
  }
}
