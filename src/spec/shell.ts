/**
 * A pure emulator for the small, side-effect-free shell idioms Fedora specs use inside `%(...)`
 * to compute file names: `c=%{commit}; echo ${c:0:7}`, `echo %{version} | cut -d. -f1-2`,
 * `tr - _ <<< %{name}`, `echo … | sed 's/x/y/g'`, `awk -F. '{print $1"."$2}'`, `printf %.7s …`.
 *
 * Nothing is executed: the text is interpreted by this module with bash semantics (Fedora's
 * /bin/sh is bash), with no file system, environment or process access. Anything outside the
 * supported subset throws `ShellUnsupported`, and the caller reports "cannot expand".
 */

export class ShellUnsupported extends Error {}

const fail = (why: string): never => {
  throw new ShellUnsupported(why);
};

type Vars = Map<string, string>;

/** A word after expansion: its text and whether it may be field-split (unquoted expansion). */
interface Word { text: string; quotedAll: boolean }

function globToRegex(p: string, anchorStart: boolean, anchorEnd: boolean, greedy: boolean): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') re += greedy ? '.*' : '.*?';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < p.length) { re += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'); } else if (c === '[') {
      const close = p.indexOf(']', i + 1);
      if (close === -1) re += '\\[';
      else { re += `[${p.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`; i = close; }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${anchorStart ? '^' : ''}${re}${anchorEnd ? '$' : ''}`, 's');
}

function paramExpand(expr: string, vars: Vars): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(expr);
  if (!m) return fail(`parameter ${expr}`);
  const v = vars.get(m[1]!) ?? '';
  const op = m[2]!;
  if (op === '') return v;
  let x: RegExpExecArray | null;
  if ((x = /^:(-?\d+|\s+-\d+)(?::(\d+))?$/.exec(op))) {
    let off = Number(x[1]!.trim());
    if (off < 0) off = Math.max(0, v.length + off);
    return x[2] !== undefined ? v.substr(off, Number(x[2])) : v.slice(off);
  }
  if ((x = /^(\/\/?)([^/]*)(?:\/(.*))?$/s.exec(op))) {
    const all = x[1] === '//';
    const re = globToRegex(x[2]!, false, false, true);
    const rep = x[3] ?? '';
    return all ? v.replace(new RegExp(re.source, 'gs'), () => rep) : v.replace(re, () => rep);
  }
  if ((x = /^(##?|%%?)(.*)$/s.exec(op))) {
    const longest = x[1]!.length === 2;
    const pat = x[2]!;
    if (x[1]!.startsWith('#')) {
      for (let k = longest ? v.length : 0; longest ? k >= 0 : k <= v.length; k += longest ? -1 : 1) if (globToRegex(pat, true, true, true).test(v.slice(0, k))) return v.slice(k);
      return v;
    }
    for (let k = longest ? 0 : v.length; longest ? k <= v.length : k >= 0; k += longest ? 1 : -1) if (globToRegex(pat, true, true, true).test(v.slice(k))) return v.slice(0, k);
    return v;
  }
  if ((x = /^:?-(.*)$/s.exec(op))) return v === '' ? x[1]! : v;
  return fail(`parameter operator ${op}`);
}

/** Split a statement into words (quotes, `$` expansions); stops at `|`, `;`, newline. */
function lexWords(s: string, i: number, vars: Vars): { words: Word[]; herestring?: string; next: number; sep: string } {
  const words: Word[] = [];
  let herestring: string | undefined;
  let cur: string | undefined;
  let quotedAll = true;
  let pendingHere = false;
  const push = (): void => {
    if (cur !== undefined) {
      if (pendingHere) { herestring = cur; pendingHere = false; } else words.push({ text: cur, quotedAll });
    }
    cur = undefined;
    quotedAll = true;
  };
  const dollar = (j: number): { text: string; next: number } => {
    if (s[j + 1] === '{') {
      const close = s.indexOf('}', j + 2);
      if (close === -1) return fail('unclosed ${');
      return { text: paramExpand(s.slice(j + 2, close), vars), next: close + 1 };
    }
    if (s[j + 1] === '(') return fail('command substitution');
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(j + 1));
    if (!m) return { text: '$', next: j + 1 };
    return { text: vars.get(m[0]) ?? '', next: j + 1 + m[0].length };
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { push(); i++; continue; }
    if (c === '|' || c === ';' || c === '\n') {
      if (c === '|' && s[i + 1] === '|') fail('||');
      push();
      return { words, ...(herestring !== undefined ? { herestring } : {}), next: i + 1, sep: c };
    }
    if (c === '&' || c === '>' || c === '`' || c === '(' || c === ')') fail(`operator ${c}`);
    if (c === '<') {
      if (s.startsWith('<<<', i)) { push(); pendingHere = true; i += 3; continue; }
      fail('redirection');
    }
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close === -1) fail('unterminated quote');
      cur = (cur ?? '') + s.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let t = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && '"\\$`'.includes(s[j + 1] ?? '')) { t += s[j + 1]; j += 2; continue; }
        if (s[j] === '$') { const d = dollar(j); t += d.text; j = d.next; continue; }
        if (s[j] === '`') fail('command substitution');
        t += s[j];
        j++;
      }
      if (j >= s.length) fail('unterminated quote');
      cur = (cur ?? '') + t;
      i = j + 1;
      continue;
    }
    if (c === '\\') { cur = (cur ?? '') + (s[i + 1] ?? ''); i += 2; continue; }
    if (c === '$') {
      const d = dollar(i);
      cur = (cur ?? '') + d.text;
      if (/\s/.test(d.text)) quotedAll = false;
      i = d.next;
      continue;
    }
    if ((c === '*' || c === '?' || c === '[') && cur === undefined && words.length > 0 && !pendingHere) fail('glob');
    cur = (cur ?? '') + c;
    i++;
  }
  push();
  return { words, ...(herestring !== undefined ? { herestring } : {}), next: i, sep: '' };
}

function fieldSplit(words: Word[]): string[] {
  return words.flatMap((w) => (w.quotedAll ? [w.text] : w.text.split(/[ \t\n]+/).filter(Boolean)));
}

/** Parse a cut/awk style list like `1-2`, `-8`, `3-`, `1,3`. */
function inList(list: string, n: number): boolean {
  return list.split(',').some((r) => {
    const m = /^(\d*)(-?)(\d*)$/.exec(r);
    if (!m) return fail(`list ${list}`);
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    return n >= a && n <= b;
  });
}

function lines(input: string): string[] {
  const ls = input.split('\n');
  if (ls[ls.length - 1] === '') ls.pop();
  return ls;
}

function expandTrSet(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s[i]!;
    if (c === '\\' && i + 1 < s.length) { const n = s[++i]!; c = n === 'n' ? '\n' : n === 't' ? '\t' : n; }
    if (s[i + 1] === '-' && i + 2 < s.length) {
      const end = s[i + 2]!;
      for (let k = c.charCodeAt(0); k <= end.charCodeAt(0); k++) out += String.fromCharCode(k);
      i += 2;
    } else if (c === '[' && s.startsWith('[:', i)) {
      const close = s.indexOf(':]', i);
      const cls = s.slice(i + 2, close);
      out += cls === 'upper' ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : cls === 'lower' ? 'abcdefghijklmnopqrstuvwxyz' : cls === 'digit' ? '0123456789' : fail(`tr class ${cls}`);
      i = close + 1;
    } else out += c;
  }
  return out;
}

/** POSIX BRE/ERE to a JS regex source (the subset specs use). */
function sedRegex(re: string, extended: boolean): string {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\' && i + 1 < re.length) {
      const n = re[++i]!;
      if (!extended && '(){}|+?'.includes(n)) out += n;
      else if (/[0-9]/.test(n)) out += `\\${n}`;
      else out += `\\${n}`;
      continue;
    }
    if (!extended && '(){}|+?'.includes(c)) { out += `\\${c}`; continue; }
    if (c === '[' ) {
      const close = re.indexOf(']', i + 2);
      if (close === -1) fail('sed bracket');
      out += re.slice(i, close + 1).replace(/\[:digit:\]/g, '0-9').replace(/\[:alpha:\]/g, 'A-Za-z').replace(/\[:alnum:\]/g, 'A-Za-z0-9').replace(/\[:space:\]/g, ' \\t').replace(/\\/g, '\\\\');
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

function runSed(args: string[], input: string): string {
  let extended = false;
  const scripts: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '-r' || a === '-E') extended = true;
    else if (a === '-e') scripts.push(args[++k] ?? fail('sed -e'));
    else if (a.startsWith('-')) fail(`sed ${a}`);
    else scripts.push(a);
  }
  const cmds = scripts.flatMap((sc) => sc.split(/;\s*(?=s)/)).map((sc) => {
    const t = sc.trim();
    if (t[0] !== 's') return fail(`sed command ${t}`);
    const d = t[1]!;
    const parts: string[] = [];
    let cur = '';
    for (let i = 2; i < t.length; i++) {
      if (t[i] === '\\' && t[i + 1] === d) { cur += d === '/' || !/[.*[\]^$]/.test(d) ? d : `\\${d}`; i++; continue; }
      if (t[i] === '\\') { cur += t[i]! + (t[i + 1] ?? ''); i++; continue; }
      if (t[i] === d) { parts.push(cur); cur = ''; continue; }
      cur += t[i];
    }
    parts.push(cur);
    if (parts.length < 3) fail('sed s syntax');
    const flags = parts[2]!;
    if (!/^g?$/.test(flags)) fail(`sed flags ${flags}`);
    const rep = parts[1]!.replace(/\$/g, '$$$$').replace(/\\([1-9])/g, '$$$1').replace(/&/g, '$$&').replace(/\\(.)/g, '$1');
    return { re: new RegExp(sedRegex(parts[0]!, extended), flags === 'g' ? 'g' : ''), rep };
  });
  return lines(input).map((l) => cmds.reduce((acc, c) => acc.replace(c.re, c.rep), l) + '\n').join('');
}

function runAwk(args: string[], input: string): string {
  let fs = ' ';
  let prog: string | undefined;
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '-F') fs = args[++k] ?? fail('awk -F');
    else if (a.startsWith('-F')) fs = a.slice(2);
    else if (prog === undefined) prog = a;
    else fail('awk file operand');
  }
  const m = /^\s*\{\s*print\s+(.*?)\s*;?\s*\}\s*$/s.exec(prog ?? '');
  if (!m) return fail('awk program');
  const items: Array<{ field: number } | { lit: string } | 'sp'> = [];
  const body = m[1]!;
  for (let i = 0; i < body.length;) {
    const c = body[i]!;
    if (c === '$') { const d = /^\$(\d+)/.exec(body.slice(i)); if (!d) fail('awk field'); items.push({ field: Number(d![1]) }); i += d![0].length; continue; }
    if (c === '"') { const close = body.indexOf('"', i + 1); if (close === -1) fail('awk string'); items.push({ lit: body.slice(i + 1, close) }); i = close + 1; continue; }
    if (c === ',') { items.push('sp'); i++; continue; }
    if (c === ' ' || c === '\t') { i++; continue; }
    fail(`awk token ${c}`);
  }
  return lines(input).map((l) => {
    const fields = fs === ' ' ? l.trim().split(/[ \t]+/) : l.split(fs.length === 1 ? fs : new RegExp(fs));
    return items.map((it) => (it === 'sp' ? ' ' : 'lit' in it ? it.lit : it.field === 0 ? l : fields[it.field - 1] ?? '')).join('') + '\n';
  }).join('');
}

function printfFormat(fmt: string, args: string[]): string {
  let out = '';
  let k = 0;
  const unescaped = fmt.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  for (;;) {
    const before = k;
    out += unescaped.replace(/%(%|-?\d*(?:\.\d+)?[sd])/g, (_m, spec: string) => {
      if (spec === '%') return '%';
      const a = args[k++] ?? '';
      const p = /^(-?)(\d*)(?:\.(\d+))?([sd])$/.exec(spec)!;
      let v = p[4] === 'd' ? String(Number.parseInt(a, 10) || 0) : a;
      if (p[3] !== undefined && p[4] === 's') v = v.slice(0, Number(p[3]));
      const w = Math.min(Number(p[2] || 0), 4096);
      return p[1] ? v.padEnd(w) : v.padStart(w);
    });
    if (k >= args.length || k === before) break; // the format is reused while arguments remain
  }
  if (/%[^%sd0-9.-]/.test(unescaped)) fail('printf conversion');
  return out;
}

function runCommand(argv: string[], input: string, vars: Vars): string {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'echo': {
      let nl = true;
      let a = args;
      while (a[0] === '-n' || a[0] === '-e' || a[0] === '-E') { if (a[0] === '-n') nl = false; a = a.slice(1); }
      return a.join(' ') + (nl ? '\n' : '');
    }
    case 'printf': {
      const a = args[0] === '--' ? args.slice(1) : args;
      return printfFormat(a[0] ?? fail('printf format'), a.slice(1));
    }
    case 'cut': {
      let delim = '\t';
      let fields: string | undefined;
      let chars: string | undefined;
      for (let k = 0; k < args.length; k++) {
        const a = args[k]!;
        const val = (flag: string): string => (a.length > 2 ? a.slice(2) : args[++k] ?? fail(`cut ${flag}`));
        if (a.startsWith('-d')) delim = val('-d');
        else if (a.startsWith('-f')) fields = val('-f');
        else if (a.startsWith('-c')) chars = val('-c');
        else fail(`cut ${a}`);
      }
      return lines(input).map((l) => {
        if (chars !== undefined) return [...l].filter((_, i) => inList(chars!, i + 1)).join('') + '\n';
        if (fields === undefined) return fail('cut without -f/-c');
        if (!l.includes(delim)) return `${l}\n`;
        return l.split(delim).filter((_, i) => inList(fields!, i + 1)).join(delim) + '\n';
      }).join('');
    }
    case 'tr': {
      if (args[0] === '-d') { const set = expandTrSet(args[1] ?? fail('tr -d')); return [...input].filter((c) => !set.includes(c)).join(''); }
      if (args.length !== 2 || (args[0]!.startsWith('-') && args[0]!.length > 1)) return fail('tr arguments');
      const a = expandTrSet(args[0]!);
      const b = expandTrSet(args[1]!);
      return [...input].map((c) => { const i = a.indexOf(c); return i === -1 ? c : b[Math.min(i, b.length - 1)] ?? c; }).join('');
    }
    case 'sed':
      return runSed(args, input);
    case 'awk':
    case 'gawk':
      return runAwk(args, input);
    case 'head':
    case 'tail': {
      let n = 10;
      for (let k = 0; k < args.length; k++) {
        const a = args[k]!;
        if (/^-\d+$/.test(a)) n = Number(a.slice(1));
        else if (a === '-n') n = Number(args[++k]);
        else if (/^-n\d+$/.test(a)) n = Number(a.slice(2));
        else fail(`${cmd} ${a}`);
      }
      const ls = lines(input);
      return (cmd === 'head' ? ls.slice(0, n) : ls.slice(Math.max(0, ls.length - n))).map((l) => `${l}\n`).join('');
    }
    default:
      return fail(`command ${cmd ?? ''}`);
  }
  void vars;
}

/**
 * Evaluate the body of `%(...)` (already macro-expanded). Returns what rpm would substitute
 * (stdout without trailing newlines), or throws ShellUnsupported.
 */
export function emulateShell(script: string): string {
  try {
    return emulate(script);
  } catch (e) {
    if (e instanceof ShellUnsupported) throw e;
    throw new ShellUnsupported(`cannot emulate: ${(e as Error).message}`); // e.g. an invalid sed regex
  }
}

function emulate(script: string): string {
  const vars: Vars = new Map();
  let out = '';
  let i = 0;
  const s = script.replace(/\\\n/g, '');
  while (i < s.length) {
    // one statement: assignments, or a pipeline
    let stdin = '';
    let first = true;
    let lastOut = '';
    for (;;) {
      const st = lexWords(s, i, vars);
      i = st.next;
      const argv = fieldSplit(st.words);
      if (first && argv.length > 0 && argv.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) && st.sep !== '|') {
        for (const w of st.words) { const eq = w.text.indexOf('='); vars.set(w.text.slice(0, eq), w.text.slice(eq + 1)); }
        lastOut = '';
        break;
      }
      if (argv.length === 0) {
        if (st.sep === '|') fail('empty pipeline stage');
        lastOut = '';
        break;
      }
      if (st.herestring !== undefined) stdin = `${st.herestring}\n`;
      lastOut = runCommand(argv, stdin, vars);
      first = false;
      if (st.sep !== '|') break;
      stdin = lastOut;
    }
    out += lastOut;
  }
  return out.replace(/\n+$/, '');
}
