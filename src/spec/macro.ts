/**
 * A pure rpm macro expander. It never runs `%{lua:}` or `%(shell)`: those (and file-system
 * built-ins without a hook) are left in the output as written and reported in
 * `Expansion.unexpandable`, so callers can tell a complete answer from a "cannot expand" one.
 * Undefined macros are kept literally, like rpm does (`Expansion.undefined` lists them).
 */
import { evaluateExpression, formatExprValue } from './expr.js';
import { emulateShell, ShellUnsupported } from './shell.js';

export interface MacroDef {
  readonly name: string;
  readonly body: string;
  /** getopt option string of a parametric macro (`n:s`; `-` disables option processing). */
  readonly params?: string;
}

/** Optional callbacks for built-ins that need the outside world (all optional; pure by default). */
export interface MacroHooks {
  /** `%{exists:path}`; without it the built-in cannot expand. */
  exists?(path: string): boolean;
  /** `%{getenv:NAME}`. Without it: empty. */
  getenv?(name: string): string | undefined;
  /** `%{load:file}` / `%include`: return macro-file text, or undefined when unavailable. */
  load?(path: string): string | undefined;
  /**
   * `%autorelease`: return the release for the given options. Without it the rpmautospec
   * fallback is used (`[0.]BASE[.extraver][.snapinfo][%{?dist}]` with BASE = -b or 1).
   */
  autorelease?(opts: AutoreleaseOptions): string;
  /**
   * `%(...)` is never run. By default the side-effect-free idioms specs use to compute file
   * names (`echo ${c:0:7}`, `cut`, `tr`, `sed s///`, `awk '{print}'`, `printf`) are emulated in
   * pure code with bash semantics; `false` reports every `%(...)` as "cannot expand".
   */
  readonly shellIdioms?: boolean;
}

/** Options of `%autorelease` (rpmautospec): `-p`, `-e EXTRAVER`, `-s SNAPINFO`, `-b BASE`, `-n`. */
export interface AutoreleaseOptions {
  readonly prerelease: boolean;
  readonly extraver: string | undefined;
  readonly snapinfo: string | undefined;
  readonly base: number | undefined;
  readonly noDist: boolean;
}

/**
 * The macro table: a stack of definitions per name (like rpm's). `clone()` gives an independent
 * copy; there is no global state.
 */
export class MacroContext {
  private readonly table: Map<string, MacroDef[]>;
  readonly hooks: MacroHooks;

  constructor(init?: Iterable<readonly [string, string]> | Readonly<Record<string, string>>, hooks: MacroHooks = {}) {
    this.table = new Map();
    this.hooks = hooks;
    if (init) {
      const entries = Symbol.iterator in (init as object) ? (init as Iterable<readonly [string, string]>) : Object.entries(init as Record<string, string>);
      for (const [k, v] of entries) this.define(k, v);
    }
  }

  clone(hooks?: MacroHooks): MacroContext {
    const c = new MacroContext(undefined, hooks ?? this.hooks);
    for (const [k, v] of this.table) c.table.set(k, [...v]);
    return c;
  }

  /** Push a definition (hides the previous one until `undefine`). */
  define(name: string, body: string, params?: string): void {
    const d: MacroDef = params === undefined ? { name, body } : { name, body, params };
    const s = this.table.get(name);
    if (s) s.push(d);
    else this.table.set(name, [d]);
  }

  /** Define after removing every existing definition (a `--define` override). */
  set(name: string, body: string, params?: string): void {
    this.table.delete(name);
    this.define(name, body, params);
  }

  /** Pop the newest definition (rpm's `%undefine`). */
  undefine(name: string): void {
    const s = this.table.get(name);
    if (!s) return;
    s.pop();
    if (s.length === 0) this.table.delete(name);
  }

  /** Remove every definition of a name. */
  delete(name: string): void {
    this.table.delete(name);
  }

  get(name: string): MacroDef | undefined {
    const s = this.table.get(name);
    return s ? s[s.length - 1] : undefined;
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  names(): string[] {
    return [...this.table.keys()].sort();
  }
}

/** The result of expanding text. `complete` is false when something could not be expanded. */
export interface Expansion {
  readonly text: string;
  readonly complete: boolean;
  /** What could not be expanded: `lua`, `shell`, `load`, `exists`, `uncompress`, ... */
  readonly unexpandable: readonly string[];
  /** Macros referenced but not defined (kept literally in the text, as rpm does). */
  readonly undefined: readonly string[];
  /** `%(...)` bodies answered by the pure shell-idiom emulator (shell.ts) instead of being run. */
  readonly emulated: readonly string[];
  readonly errors: readonly string[];
}

interface State {
  readonly ctx: MacroContext;
  unexpandable: Set<string>;
  readonly undef: Set<string>;
  readonly emulated: Set<string>;
  readonly errors: string[];
  depth: number;
  /** Characters produced by every nested expansion so far (the work budget of one expandMacros call). */
  produced: number;
  /** Names %define'd inside the current parametric call (popped at its end). */
  locals: string[] | undefined;
  /** Source/patch file names for %{S:n} / %{P:n}. */
}

const MAX_DEPTH = 64;
/** Guard against exponential expansions (`%define a %b%b`, ...). */
const MAX_OUTPUT = 8 * 1024 * 1024;
/**
 * Guard against expansions that are each small but many (a macro expanded again at every level
 * of a deep nesting): the characters all nested expansions of one call may produce together.
 */
const MAX_WORK = 16 * 1024 * 1024;

/** Expand all macros in `text`. Definitions (`%define`, `%global`, `%undefine`) modify `ctx`. */
export function expandMacros(text: string, ctx: MacroContext): Expansion {
  const st: State = { ctx, unexpandable: new Set(), undef: new Set(), emulated: new Set(), errors: [], depth: 0, produced: 0, locals: undefined };
  const out = expand(text, st);
  return { text: out, complete: st.unexpandable.size === 0 && st.errors.length === 0, unexpandable: [...st.unexpandable], undefined: [...st.undef], emulated: [...st.emulated], errors: st.errors };
}

/** Expand and return only the text (convenience). */
export function expandText(text: string, ctx: MacroContext): string {
  return expandMacros(text, ctx).text;
}

/** Index of the char closing the bracket opened at `open` (`{`, `(`, `[`), honouring `\` escapes; -1 if none. */
export function matchClose(s: string, open: number): number {
  const o = s[open]!;
  const c = o === '{' ? '}' : o === '(' ? ')' : ']';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') { i++; continue; }
    if (ch === o) depth++;
    else if (ch === c) { depth--; if (depth === 0) return i; }
  }
  return -1;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Rest of the line from `i` (continuing over `\`+newline and open `%{`), and where the next line starts. */
function grabLine(s: string, i: number): { text: string; next: number } {
  let j = i;
  let bc = 0;
  while (j < s.length) {
    const ch = s[j];
    if (ch === '\\' && s[j + 1] === '\n') { j += 2; continue; }
    if (ch === '\\') { j += 2; continue; }
    if (ch === '%' && s[j + 1] === '{') { bc++; j += 2; continue; }
    if (ch === '{' && bc > 0) bc++;
    else if (ch === '}' && bc > 0) bc--;
    else if (ch === '\n' && bc === 0) break;
    j++;
  }
  const text = s.slice(i, Math.min(j, s.length));
  return { text, next: j < s.length ? j + 1 : j };
}

function expand(s: string, st: State): string {
  if (s.indexOf('%') === -1) return s;
  if (st.depth > MAX_DEPTH) {
    st.errors.push('too many levels of recursion in macro expansion');
    return s;
  }
  if (st.produced > MAX_WORK) {
    if (!st.errors.includes('macro expansion result too large')) st.errors.push('macro expansion result too large');
    return s;
  }
  st.depth++;
  try {
    const out = expandInner(s, st);
    st.produced += out.length;
    return out;
  } finally {
    st.depth--;
  }
}

function expandInner(s: string, st: State): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (out.length > MAX_OUTPUT) {
      st.errors.push('macro expansion result too large');
      return out;
    }
    const p = s.indexOf('%', i);
    if (p === -1) { out += s.slice(i); break; }
    out += s.slice(i, p);
    i = p + 1;
    if (i >= s.length) { out += '%'; break; }
    const c = s[i]!;
    if (c === '%') { out += '%'; i++; continue; }
    if (c === '(') {
      const e = matchClose(s, i);
      if (e < 0) { out += '%'; continue; }
      out += shellExpand(s.slice(i + 1, e), s.slice(p, e + 1), st);
      i = e + 1;
      continue;
    }
    if (c === '[') {
      const e = matchClose(s, i);
      if (e < 0) { out += '%'; continue; }
      out += evalExpr(s.slice(i + 1, e), st, s.slice(p, e + 1));
      i = e + 1;
      continue;
    }
    if (c === '{') {
      const e = matchClose(s, i);
      if (e < 0) { out += '%'; continue; }
      out += expandBraced(s.slice(i + 1, e), s.slice(p, e + 1), st);
      i = e + 1;
      continue;
    }
    // bare form: %name, %?name, %!?name, %1, %*, %**, %#, %-f, %-f*
    let j = i;
    let test = false;
    let neg = false;
    while (s[j] === '?' || s[j] === '!') { if (s[j] === '?') test = true; else neg = true; j++; }
    let name = '';
    if (s[j] === '-' && /[A-Za-z0-9]/.test(s[j + 1] ?? '')) {
      name = s.slice(j, j + 2);
      j += 2;
      if (s[j] === '*') { name += '*'; j++; }
    } else if (s[j] === '*') {
      name = s[j + 1] === '*' ? '**' : '*';
      j += name.length;
    } else if (s[j] === '#') {
      name = '#';
      j++;
    } else if (/[0-9]/.test(s[j] ?? '')) {
      while (/[0-9]/.test(s[j] ?? '')) { name += s[j]; j++; }
    } else {
      while (isIdentChar(s[j])) { name += s[j]; j++; }
    }
    if (name === '') { out += s.slice(p, j); i = j; continue; }
    i = j;
    if (test || neg) {
      const def = st.ctx.get(name);
      const defined = def !== undefined || (BUILTINS.has(name) && !name.startsWith('-'));
      if (test && defined !== neg && def) out += callMacro(def, undefined, st);
      continue;
    }
    // built-ins taking the rest of the line
    if (name === 'define' || name === 'global' || name === 'undefine') {
      const g = grabLine(s, i);
      doDefine(name, g.text, st);
      i = g.next;
      continue;
    }
    if (name === 'dnl') {
      const nl = s.indexOf('\n', i);
      i = nl === -1 ? s.length : nl + 1;
      continue;
    }
    const def = st.ctx.get(name);
    if (def && def.params !== undefined) {
      const nl = s.indexOf('\n', i);
      const end = nl === -1 ? s.length : nl;
      const args = s.slice(i, end);
      i = end;
      out += callMacro(def, expand(args, st), st);
      continue;
    }
    if (def) { out += callMacro(def, undefined, st); continue; }
    const b = BUILTINS.get(name);
    if (b && b.bare) {
      const nl = s.indexOf('\n', i);
      const end = nl === -1 ? s.length : nl;
      const args = b.bare === 'line' ? s.slice(i, end) : undefined;
      if (args !== undefined) i = end;
      out += b.fn(args === undefined ? '' : expand(args, st).trim(), st, s.slice(p, i));
      continue;
    }
    if (!name.startsWith('-') && !/^[0-9*#]/.test(name)) st.undef.add(name);
    out += s.slice(p, i);
  }
  return out;
}

function expandBraced(inner: string, whole: string, st: State): string {
  let j = 0;
  let test = false;
  let neg = false;
  while (inner[j] === '?' || inner[j] === '!') { if (inner[j] === '?') test = true; else neg = true; j++; }
  // like rpm, the name is everything up to a space or ':' (so `%{?with_foo-bar}` is one name)
  let e = j;
  while (e < inner.length && inner[e] !== ' ' && inner[e] !== ':' && inner[e] !== '\t' && inner[e] !== '\n') e++;
  const name = inner.slice(j, e);
  j = e;
  if (name.startsWith('-')) test = true; // %{-f:X} and %{!-f:Y} are conditional
  if (name === '') {
    if (inner.slice(j).trim() === '') return whole; // %{} or %{?}
    st.errors.push(`invalid macro syntax: ${whole}`);
    return whole;
  }
  let arg: string | undefined;
  let spaced = false;
  if (j < inner.length) {
    if (inner[j] === ':') arg = inner.slice(j + 1);
    else { arg = inner.slice(j + 1); spaced = true; }
  }
  if (test) {
    const def = st.ctx.get(name);
    const defined = def !== undefined || (BUILTINS.has(name) && !name.startsWith('-'));
    if (defined === neg) return '';
    if (arg !== undefined && !spaced) return expand(arg, st);
    if (neg) return '';
    if (def) return callMacro(def, spaced ? expand(arg ?? '', st) : undefined, st);
    return '';
  }
  // built-ins (a user definition of the same name wins, except for the core directives)
  const def = st.ctx.get(name);
  const b = BUILTINS.get(name);
  if (b && (!def || CORE_BUILTINS.has(name))) {
    if (arg === undefined && b.needsArg) {
      if (b.bare) return b.fn('', st, whole);
      st.errors.push(`${name} needs an argument`);
      return whole;
    }
    const raw = arg ?? '';
    return b.fn(b.rawArg ? raw : expand(raw, st), st, whole);
  }
  if (def) {
    if (def.params !== undefined) return callMacro(def, arg === undefined ? '' : expand(arg, st), st);
    return callMacro(def, undefined, st);
  }
  if (!name.startsWith('-') && !/^[0-9*#]/.test(name)) st.undef.add(name);
  // rpm keeps an undefined macro as written but expands its arguments
  if (arg !== undefined && arg.includes('%')) return `%{${inner.slice(0, j + 1)}${expand(arg, st)}}`;
  return whole;
}

/** `%(...)`: never run; the pure idiom emulator (shell.ts) answers when it can, else "cannot expand". */
function shellExpand(body: string, whole: string, st: State): string {
  if (st.ctx.hooks.shellIdioms === false) { st.unexpandable.add('shell'); return whole; }
  const saved = st.unexpandable;
  const savedErrors = st.errors.length;
  st.unexpandable = new Set();
  let text: string;
  let innerComplete: boolean;
  try {
    text = expand(body, st);
  } finally {
    innerComplete = st.unexpandable.size === 0 && st.errors.length === savedErrors;
    for (const u of st.unexpandable) saved.add(u);
    st.unexpandable = saved;
  }
  if (!innerComplete) { st.unexpandable.add('shell'); return whole; }
  try {
    const r = emulateShell(text);
    st.emulated.add(`%(${body})`);
    return r;
  } catch (e) {
    if (e instanceof ShellUnsupported) { st.unexpandable.add('shell'); return whole; }
    throw e;
  }
}

function evalExpr(text: string, st: State, whole: string): string {
  const e = expand(text, st);
  if (e.includes('%(') || e.includes('%{lua:')) { st.unexpandable.add('expression'); return whole; }
  const r = evaluateExpression(e);
  if (!r.ok) { st.errors.push(`${r.error} in expression: ${text.trim()}`); return whole; }
  return formatExprValue(r.value);
}

function splitArgs(s: string): string[] {
  return s.split(/[ \t\n]+/).filter((x) => x.length > 0);
}

/** Call a macro: simple (args undefined) or parametric with an argument string. */
function callMacro(def: MacroDef, args: string | undefined, st: State): string {
  if (def.params === undefined || args === undefined && def.params === undefined) return expand(def.body, st);
  const argv = splitArgs(args ?? '');
  const ctx = st.ctx;
  const pushed: string[] = [];
  const push = (n: string, v: string): void => { ctx.define(n, v); pushed.push(n); };
  const rest: string[] = [];
  let k = 0;
  if (def.params !== '-') {
    for (; k < argv.length; k++) {
      const a = argv[k]!;
      if (a === '--') { k++; break; }
      if (!a.startsWith('-') || a.length < 2) break;
      for (let q = 1; q < a.length; q++) {
        const f = a[q]!;
        const at = def.params.indexOf(f);
        if (at === -1 || f === ':') { st.errors.push(`unknown option -${f} in %${def.name}(${def.params})`); continue; }
        if (def.params[at + 1] === ':') {
          let v = a.slice(q + 1);
          if (v === '') { v = argv[k + 1] ?? ''; k++; }
          push(`-${f}`, `-${f} ${v}`);
          push(`-${f}*`, v);
          break;
        }
        push(`-${f}`, `-${f}`);
      }
    }
  }
  for (; k < argv.length; k++) rest.push(argv[k]!);
  push('0', def.name);
  push('*', rest.join(' '));
  push('**', argv.join(' '));
  push('#', String(rest.length));
  rest.forEach((a, n) => push(String(n + 1), a));
  const saved = st.locals;
  st.locals = [];
  try {
    return expand(def.body, st);
  } finally {
    for (const n of st.locals) ctx.undefine(n);
    st.locals = saved;
    for (const n of pushed) ctx.undefine(n);
  }
}

/** `%define name(opts) body`, `%global ...` (body expanded now), `%undefine name`. */
function doDefine(kind: string, text: string, st: State): void {
  const m = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?/.exec(text);
  if (!m) { st.errors.push(`%${kind}: macro name expected`); return; }
  const name = m[1]!;
  if (kind === 'undefine') { st.ctx.undefine(name); return; }
  // rpm's doDefine drops one level of backslash escaping (`\\.` → `\.`, backslash-newline → newline)
  let body = text.slice(m[0].length).trim();
  if (body.endsWith('\\') && !body.endsWith('\\\\')) body = body.slice(0, -1).trim();
  body = body.replace(/\\([\s\S])/g, '$1');
  const params = m[2] !== undefined ? m[3] ?? '' : undefined;
  if (kind === 'global') body = expand(body, st);
  st.ctx.define(name, body, params);
  if (kind === 'define' && st.locals) st.locals.push(name);
}

interface Builtin {
  fn: (arg: string, st: State, whole: string) => string;
  /** Whether `%name` without braces works (`line`: takes the rest of the line as argument). */
  bare?: 'line' | 'none';
  needsArg?: boolean;
  /** Argument passed without expansion (expand, quote, macrobody, lua, dnl). */
  rawArg?: boolean;
}

function cannot(what: string): (arg: string, st: State, whole: string) => string {
  return (_a, st, whole) => { st.unexpandable.add(what); return whole; };
}

/** A parametric call uses `%1`: the first whitespace-separated argument (the rest is ignored, as in rpm). */
function firstArg(a: string): string {
  return a.trim().split(/[ \t\n]+/)[0] ?? '';
}

function luaSub(s: string, i: number, j: number): string {
  const n = s.length;
  let a = i < 0 ? Math.max(n + i + 1, 1) : i === 0 ? 1 : i;
  let b = j < 0 ? n + j + 1 : Math.min(j, n);
  if (a > b) return '';
  a = Math.max(a, 1);
  b = Math.min(b, n);
  return s.slice(a - 1, b);
}

function bcondDefine(name: string, on: boolean, st: State): void {
  // %bcond NAME DEFAULT: with_NAME is defined when the default is on unless --without, or off but --with
  const ctx = st.ctx;
  const enabled = on ? !ctx.has(`_without_${name}`) : ctx.has(`_with_${name}`);
  if (enabled) ctx.define(`with_${name}`, '1');
}

function exprTruth(text: string, st: State): boolean | undefined {
  const e = expand(text, st);
  if (/%[[(]|%\{lua:/.test(e)) { st.unexpandable.add('expression'); return undefined; }
  const r = evaluateExpression(e);
  if (!r.ok) { st.errors.push(`${r.error} in expression: ${text.trim()}`); return undefined; }
  return r.value.type === 'int' ? r.value.value !== 0 : r.value.value !== '';
}

function parseAutoreleaseArgs(args: string): AutoreleaseOptions {
  const argv = splitArgs(args);
  let prerelease = false; let noDist = false; let extraver: string | undefined; let snapinfo: string | undefined; let base: number | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const val = (): string => { const v = a.length > 2 ? a.slice(2) : argv[++k] ?? ''; return v; };
    if (a.startsWith('-p')) prerelease = true;
    else if (a.startsWith('-n')) noDist = true;
    else if (a.startsWith('-e')) extraver = val();
    else if (a.startsWith('-s')) snapinfo = val();
    else if (a.startsWith('-b')) { const v = Number(val()); base = Number.isFinite(v) ? v : undefined; }
  }
  return { prerelease, noDist, extraver, snapinfo, base };
}

const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['expand', { fn: (a, st) => expand(expand(a, st), st), rawArg: true, needsArg: true }],
  ['quote', { fn: (a) => a, needsArg: true }],
  ['lua', { fn: cannot('lua'), rawArg: true, needsArg: true }],
  ['echo', { fn: () => '', needsArg: true }],
  ['warn', { fn: () => '', needsArg: true }],
  ['error', { fn: (a, st) => { st.errors.push(`%{error:${a}}`); return ''; }, needsArg: true }],
  ['verbose', { fn: () => '0', bare: 'none' }],
  ['trace', { fn: () => '', bare: 'none' }],
  ['dump', { fn: () => '', bare: 'none' }],
  ['getncpus', { fn: () => '1', bare: 'none' }],
  ['getconfdir', { fn: () => '/usr/lib/rpm', bare: 'none' }],
  ['basename', { fn: (a) => { const t = a.replace(/\/+$/, ''); const k = t.lastIndexOf('/'); return k === -1 ? t : t.slice(k + 1); }, needsArg: true }],
  ['dirname', { fn: (a) => { const k = a.lastIndexOf('/'); return k === -1 ? '.' : k === 0 ? '/' : a.slice(0, k); }, needsArg: true }],
  ['suffix', { fn: (a) => { const k = a.lastIndexOf('.'); return k === -1 ? '' : a.slice(k + 1); }, needsArg: true }],
  ['url2path', { fn: (a) => { const m = /^[a-z+]+:\/\/[^/]*(\/.*)$/i.exec(a); return m ? m[1]! : a; }, needsArg: true }],
  ['u2p', { fn: (a) => { const m = /^[a-z+]+:\/\/[^/]*(\/.*)$/i.exec(a); return m ? m[1]! : a; }, needsArg: true }],
  ['shrink', { fn: (a) => a.trim().replace(/[ \t\n]+/g, ' '), needsArg: true }],
  ['shescape', { fn: (a) => `'${a.replace(/'/g, "'\\''")}'`, needsArg: true }],
  ['len', { fn: (a) => String(a.length), needsArg: true }],
  ['upper', { fn: (a) => a.toUpperCase(), needsArg: true }],
  ['lower', { fn: (a) => a.toLowerCase(), needsArg: true }],
  ['reverse', { fn: (a) => [...a].reverse().join(''), needsArg: true }],
  ['sub', { fn: (a) => { const p = splitArgs(a); return luaSub(p[0] ?? '', Number(p[1] ?? 1), Number(p[2] ?? -1)); }, needsArg: true }],
  ['rep', { fn: (a) => { const p = splitArgs(a); const n = Math.min(Math.max(0, Number(p[1] ?? 0) || 0), 10000); return Array.from({ length: n }, () => p[0] ?? '').join(p[2] ?? ''); }, needsArg: true }],
  ['exists', { fn: (a, st, whole) => { const h = st.ctx.hooks.exists; if (!h) { st.unexpandable.add('exists'); return whole; } return h(a) ? '1' : '0'; }, needsArg: true }],
  ['getenv', { fn: (a, st) => st.ctx.hooks.getenv?.(a) ?? '', needsArg: true }],
  ['uncompress', { fn: cannot('uncompress'), needsArg: true }],
  ['load', { fn: (a, st, whole) => { const h = st.ctx.hooks.load; const t = h?.(a); if (t === undefined) { st.unexpandable.add('load'); return whole; } loadInto(t, st); return ''; }, needsArg: true }],
  ['expr', { fn: (a, st, whole) => evalExpr(a, st, whole), rawArg: true, needsArg: true }],
  ['defined', { fn: (a, st) => (st.ctx.has(firstArg(a)) ? '1' : '0'), needsArg: true, bare: 'line' }],
  ['undefined', { fn: (a, st) => (st.ctx.has(firstArg(a)) ? '0' : '1'), needsArg: true, bare: 'line' }],
  ['macrobody', { fn: (a, st) => { const d = st.ctx.get(a.trim()); if (!d) { st.errors.push(`no such macro: ${a.trim()}`); return ''; } return d.body; }, needsArg: true }],
  ['S', { fn: (a, st) => `${expand('%{_sourcedir}', st)}/${st.ctx.get(`__strata_source_${a.trim()}`)?.body ?? a.trim()}`, needsArg: true }],
  ['P', { fn: (a, st) => `${expand('%{_sourcedir}', st)}/${st.ctx.get(`__strata_patch_${a.trim()}`)?.body ?? a.trim()}`, needsArg: true }],
  ['with', { fn: (a, st) => (st.ctx.has(`with_${firstArg(a)}`) ? '1' : '0'), needsArg: true, bare: 'line' }],
  ['without', { fn: (a, st) => (st.ctx.has(`with_${firstArg(a)}`) ? '0' : '1'), needsArg: true, bare: 'line' }],
  ['bcond', { fn: (a, st) => { const p = a.trim().split(/[ \t]+/); const name = p[0] ?? ''; const t = exprTruth(p[1] ?? '0', st); /* rpm's %bcond uses %2 only; further words (comments) are ignored */ if (name && t !== undefined) bcondDefine(name, t, st); return ''; }, bare: 'line', needsArg: true }],
  ['bcond_with', { fn: (a, st) => { const n = a.trim(); if (n) bcondDefine(n, false, st); return ''; }, bare: 'line', needsArg: true }],
  ['bcond_without', { fn: (a, st) => { const n = a.trim(); if (n) bcondDefine(n, true, st); return ''; }, bare: 'line', needsArg: true }],
  ['autorelease', { fn: (a, st) => {
    const o = parseAutoreleaseArgs(a);
    const h = st.ctx.hooks.autorelease;
    if (h) return expand(h(o), st);
    return `${o.prerelease ? '0.' : ''}${o.base ?? 1}${o.extraver ? `.${o.extraver}` : ''}${o.snapinfo ? `.${o.snapinfo}` : ''}${o.noDist ? '' : expand('%{?dist}', st)}`;
  }, bare: 'line' }],
  ['autochangelog', { fn: () => '', bare: 'none' }],
]);

/** Built-ins that a spec cannot shadow. */
const CORE_BUILTINS = new Set(['expand', 'quote', 'lua', 'expr', 'defined', 'undefined', 'macrobody', 'S', 'P', 'basename', 'dirname', 'suffix', 'url2path', 'u2p', 'shrink', 'shescape', 'getenv', 'exists', 'load', 'uncompress', 'echo', 'warn', 'error', 'len', 'upper', 'lower']);

/** Names the expander implements natively (besides `%define`, `%global`, `%undefine`, `%dnl`). */
export const BUILTIN_MACROS: readonly string[] = [...BUILTINS.keys()];

/**
 * Load an rpm macro file (`%name body` lines with `\` continuations, `#` comments) into the context.
 */
export function loadMacroFile(text: string, ctx: MacroContext): void {
  loadInto(text, { ctx, unexpandable: new Set(), undef: new Set(), emulated: new Set(), errors: [], depth: 0, produced: 0, locals: undefined });
}

function loadInto(text: string, s: State): void {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    let line = lines[k]!;
    while (line.endsWith('\\') && k + 1 < lines.length) line = `${line}\n${lines[++k]!}`;
    const m = /^%([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?[ \t]+([\s\S]*)$/.exec(line);
    if (!m) continue;
    s.ctx.define(m[1]!, m[4]!.trim().replace(/\\([\s\S])/g, '$1'), m[2] !== undefined ? m[3] ?? '' : undefined);
  }
}

/**
 * Find `%autorelease` in a (raw) Release value: its range in the value and its options.
 * Recognises `%autorelease ARGS`, `%{autorelease}`, `%{autorelease ARGS}`, `%{?autorelease}`.
 */
export function findAutorelease(release: string): { start: number; end: number; options: AutoreleaseOptions } | undefined {
  const re = /%\{[?!]*autorelease(?:[ \t]+([^}]*))?\}|%autorelease\b([^\n]*)/;
  const m = re.exec(release);
  if (!m) return undefined;
  return { start: m.index, end: m.index + m[0].length, options: parseAutoreleaseArgs(m[1] ?? m[2] ?? '') };
}
