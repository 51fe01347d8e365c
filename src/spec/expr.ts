/**
 * rpm's expression language (`%if`, `%[...]`, `%{expr:...}`) over already macro-expanded text:
 * integers, "strings", v"versions" (compared with rpmvercmp), `! - * / + - < <= > >= == !=
 * && || ?:` and parentheses. Pure; errors are returned, not thrown.
 */
import { rpmvercmp } from './rpmver.js';

export type ExprValue = { readonly type: 'int'; readonly value: number } | { readonly type: 'string'; readonly value: string } | { readonly type: 'version'; readonly value: string };

export type ExprResult = { readonly ok: true; readonly value: ExprValue } | { readonly ok: false; readonly error: string };

class ExprError extends Error {}

type Tok =
  | { t: 'int'; v: number }
  | { t: 'str'; v: string }
  | { t: 'ver'; v: string }
  | { t: 'op'; v: string }
  | { t: 'word'; v: string }
  | { t: 'end' };

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') { i++; continue; }
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < s.length && s[j]! >= '0' && s[j]! <= '9') j++;
      // rpm reads a number with strtol; trailing letters make it a bare word error
      if (j < s.length && /[A-Za-z_]/.test(s[j]!)) throw new ExprError(`bare words are not allowed: ${s.slice(i).split(/\s/)[0]}`);
      out.push({ t: 'int', v: Number(s.slice(i, j)) });
      i = j;
      continue;
    }
    if (c === '"' || ((c === 'v') && s[i + 1] === '"')) {
      const ver = c === 'v';
      let j = ver ? i + 2 : i + 1;
      let v = '';
      while (j < s.length && s[j] !== '"') { v += s[j]; j++; }
      if (j >= s.length) throw new ExprError('unterminated string in expression');
      out.push(ver ? { t: 'ver', v } : { t: 'str', v });
      i = j + 1;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) { out.push({ t: 'op', v: two }); i += 2; continue; }
    if ('!<>+-*/()?:'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    if (/[A-Za-z_%]/.test(c)) {
      let j = i;
      while (j < s.length && /[A-Za-z0-9_%{}?!.-]/.test(s[j]!)) j++;
      out.push({ t: 'word', v: s.slice(i, j) });
      i = j;
      continue;
    }
    throw new ExprError(`syntax error near '${s.slice(i, i + 10)}'`);
  }
  out.push({ t: 'end' });
  return out;
}

function truthy(v: ExprValue): boolean {
  return v.type === 'int' ? v.value !== 0 : v.value !== '';
}

class Parser {
  private k = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(): Tok {
    return this.toks[this.k]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  parseTop(): ExprValue {
    if (this.peek().t === 'end') throw new ExprError('empty expression');
    const v = this.ternary();
    const t = this.peek();
    if (t.t !== 'end') throw new ExprError(`unexpected ${t.t === 'op' || t.t === 'word' ? `'${t.v}'` : 'token'} in expression`);
    return v;
  }
  private ternary(): ExprValue {
    const c = this.or();
    if (this.isOp('?')) {
      this.k++;
      const a = this.ternary();
      if (!this.isOp(':')) throw new ExprError("':' expected in ternary expression");
      this.k++;
      const b = this.ternary();
      return truthy(c) ? a : b;
    }
    return c;
  }
  private or(): ExprValue {
    let l = this.and();
    while (this.isOp('||')) {
      this.k++;
      const r = this.and();
      if (l.type !== r.type) throw new ExprError('types must match');
      l = truthy(l) ? l : r;
    }
    return l;
  }
  private and(): ExprValue {
    let l = this.cmp();
    while (this.isOp('&&')) {
      this.k++;
      const r = this.cmp();
      if (l.type !== r.type) throw new ExprError('types must match');
      l = truthy(l) ? r : l;
    }
    return l;
  }
  private cmp(): ExprValue {
    let l = this.add();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.v)) return l;
      this.k++;
      const r = this.add();
      if (l.type !== r.type) throw new ExprError('types must match');
      let c: number;
      if (l.type === 'int') c = l.value - (r.value as number);
      else if (l.type === 'version') c = rpmvercmp(l.value, r.value as string);
      else c = l.value < (r.value as string) ? -1 : l.value > (r.value as string) ? 1 : 0;
      const res = t.v === '==' ? c === 0 : t.v === '!=' ? c !== 0 : t.v === '<' ? c < 0 : t.v === '<=' ? c <= 0 : t.v === '>' ? c > 0 : c >= 0;
      l = { type: 'int', value: res ? 1 : 0 };
    }
  }
  private add(): ExprValue {
    let l = this.mul();
    for (;;) {
      if (this.isOp('+')) {
        this.k++;
        const r = this.mul();
        if (l.type !== r.type) throw new ExprError('types must match');
        if (l.type === 'int') l = { type: 'int', value: l.value + (r.value as number) };
        else if (l.type === 'string') l = { type: 'string', value: l.value + (r.value as string) };
        else throw new ExprError('+ is not defined for versions');
      } else if (this.isOp('-')) {
        this.k++;
        const r = this.mul();
        if (l.type !== 'int' || r.type !== 'int') throw new ExprError('- is only defined for integers');
        l = { type: 'int', value: l.value - r.value };
      } else return l;
    }
  }
  private mul(): ExprValue {
    let l = this.unary();
    for (;;) {
      if (this.isOp('*') || this.isOp('/')) {
        const op = (this.peek() as { v: string }).v;
        this.k++;
        const r = this.unary();
        if (l.type !== 'int' || r.type !== 'int') throw new ExprError(`${op} is only defined for integers`);
        if (op === '/' && r.value === 0) throw new ExprError('division by zero');
        l = { type: 'int', value: op === '*' ? l.value * r.value : Math.trunc(l.value / r.value) };
      } else return l;
    }
  }
  private unary(): ExprValue {
    if (this.isOp('!')) {
      this.k++;
      const v = this.unary();
      if (v.type === 'version') throw new ExprError('! is not defined for versions');
      return { type: 'int', value: truthy(v) ? 0 : 1 };
    }
    if (this.isOp('-')) {
      this.k++;
      const v = this.unary();
      if (v.type !== 'int') throw new ExprError('- is only defined for integers');
      return { type: 'int', value: -v.value };
    }
    return this.primary();
  }
  private primary(): ExprValue {
    const t = this.peek();
    this.k++;
    switch (t.t) {
      case 'int': return { type: 'int', value: t.v };
      case 'str': return { type: 'string', value: t.v };
      case 'ver': return { type: 'version', value: t.v };
      case 'op':
        if (t.v === '(') {
          const v = this.ternary();
          if (!this.isOp(')')) throw new ExprError("')' expected");
          this.k++;
          return v;
        }
        throw new ExprError(`unexpected '${t.v}'`);
      case 'word': throw new ExprError(`bare words are not allowed: ${t.v}`);
      case 'end': throw new ExprError('unexpected end of expression');
    }
  }
}

/** Evaluate an (already expanded) expression. */
export function evaluateExpression(text: string): ExprResult {
  try {
    return { ok: true, value: new Parser(lex(text)).parseTop() };
  } catch (e) {
    if (e instanceof ExprError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Truth value of an expression result as `%if` sees it. */
export function isTrue(v: ExprValue): boolean {
  return truthy(v);
}

/** The string rpm prints for `%[...]`. */
export function formatExprValue(v: ExprValue): string {
  return v.type === 'int' ? String(v.value) : v.value;
}
