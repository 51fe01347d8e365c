/**
 * Agreement check between `evaluateSpec` and `rpmspec -P` on the expanded Source/Patch list.
 * Used by the sampled test (`rpmspec-agreement.test.ts`) and, over the whole corpus, by
 * `node dist/spec/rpmspec-agreement.js [--limit N] [--json FILE]`.
 *
 * Both sides get the same macro definitions: every definition of the default context is passed to
 * rpmspec with `--define`. Test/dev tooling only (runs a process); not part of the library API.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSpec } from '../spec/cst.js';
import { fedoraContext, fedoraDefinitions } from '../spec/defaults.js';
import { evaluateSpec } from '../spec/evaluate.js';
import { decodeSpecBytes } from '../spec/text.js';

export interface AgreementCase {
  readonly file: string;
  readonly status: 'agree' | 'disagree' | 'rpmspec-failed';
  readonly cause?: string;
  readonly ours?: readonly string[];
  readonly rpm?: readonly string[];
}

export interface AgreementReport {
  readonly total: number;
  readonly parsedByRpm: number;
  readonly agree: number;
  readonly rate: number;
  readonly causes: Readonly<Record<string, number>>;
  readonly cases: readonly AgreementCase[];
  readonly rpmSeconds: number;
}

/** rpm-side definitions: exactly those of the default context. */
export function agreementDefines(): string[] {
  return fedoraDefinitions().filter(([k]) => k !== 'nil').flatMap(([k, v, params]) => ['--define', `${k}${params !== undefined ? `(${params})` : ''} ${v === '' ? '%{nil}' : v}`]);
}

function runRpmspec(file: string, defines: readonly string[], bashSh = false): Promise<{ code: number; stdout: string; stderr: string }> {
  // bashSh: run rpmspec in a private mount namespace where /bin/sh is bash, as on Fedora
  // (Debian's /bin/sh is dash, which fails on bash idioms such as ${c:0:7} inside %(...)).
  const [cmd, args] = bashSh
    ? ['unshare', ['-m', 'sh', '-c', 'mount --bind /bin/bash /bin/sh && exec rpmspec "$@"', 'rpmspec', '-P', ...defines, file]]
    : ['rpmspec', ['-P', ...defines, file]];
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') }); });
  });
}

/** Source/Patch entries of rpmspec -P output, as `source:VALUE` / `patch:VALUE` in order. */
export function sourcesOfExpandedSpec(text: string): string[] {
  const doc = parseSpec(text);
  const out: string[] = [];
  for (const n of doc.nodes) {
    const sec = doc.sections[n.section]!;
    if (n.kind === 'tag' && (n.family === 'source' || n.family === 'patch') && (sec.kind === 'preamble' || sec.kind === 'package')) out.push(`${n.family}:${n.value.trim()}`);
    else if (n.kind === 'text' && (sec.kind === 'sourcelist' || sec.kind === 'patchlist')) {
      const v = text.slice(n.start, n.contentEnd).trim();
      if (v && !v.startsWith('#')) out.push(`${sec.kind === 'sourcelist' ? 'source' : 'patch'}:${v}`);
    }
  }
  return out;
}

/** Our Source/Patch entries in document order, same format. */
export function oursForFile(text: string, file: string): { list: string[]; incomplete: string[]; undecided: number; shellIdioms: string[] } {
  const doc = parseSpec(text, file);
  const ev = evaluateSpec(doc, fedoraContext());
  const shellIdioms = [...ev.emulated];
  const all = [...ev.sources, ...ev.patches].sort((a, b) => a.range.start - b.range.start);
  const incomplete = [...new Set(ev.diagnostics.filter((d) => d.code === 'SPEC_CANNOT_EXPAND' || d.code === 'SPEC_CANNOT_DECIDE').map((d) => d.message.replace(/^.*: /, '')))];
  return { list: all.map((s) => `${s.kind}:${s.value}`), incomplete, undecided: ev.undecided.length, shellIdioms };
}

function classify(ours: { list: string[]; incomplete: string[]; undecided: number; shellIdioms: string[] }, rpm: string[], text: string): string {
  if (ours.undecided > 0) return 'condition uses %{lua:} or %() (cannot decide)';
  if (ours.incomplete.length) return `value uses ${ours.incomplete.join('/')} (cannot expand)`;
  if (ours.list.length !== rpm.length) {
    if (/^%include\b/m.test(text)) return '%include not followed';
    return 'different number of entries';
  }
  for (let i = 0; i < rpm.length; i++) {
    const a = ours.list[i]!;
    const b = rpm[i]!;
    if (a === b) continue;
    if (ours.shellIdioms.some((x) => /\$\{\w+:|\$\{\w+\/|<<</.test(x))) return "bash-only %(...) idiom: Debian's /bin/sh (dash) fails where Fedora's bash works";
    if (ours.shellIdioms.length) return 'emulated %(...) differs from rpm';
    if (/%\{(?:sub|len|upper|lower|rep|reverse|gsub)[ :]/.test(b) && !/%\{(?:sub|len|upper|lower|rep|reverse)[ :]/.test(a)) return 'built-in missing from rpm 4.18 (%{sub}, %{len}, ... exist in the rpm 4.19+ Fedora uses)';
    if (/\x1f/.test(b)) return "rpm's internal quote marker (\\x1f) leaks into its output";
    if (/%\{?[A-Za-z_]/.test(a) && !/%\{?[A-Za-z_]/.test(b)) return 'macro defined only in rpm\'s own macro files';
    if (!/%\{?[A-Za-z_]/.test(a) && /%\{?[A-Za-z_]/.test(b)) return 'macro defined only in our context';
    return 'different expansion';
  }
  return 'different order';
}

export async function compareWithRpmspec(files: readonly string[], opts: { concurrency?: number; onProgress?: (done: number) => void; bashSh?: boolean } = {}): Promise<AgreementReport> {
  const defines = agreementDefines();
  const cases: AgreementCase[] = [];
  let next = 0;
  let rpmMs = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      if (k >= files.length) return;
      const file = files[k]!;
      const t0 = performance.now();
      const r = await runRpmspec(file, defines, opts.bashSh);
      rpmMs += performance.now() - t0;
      if (r.code !== 0) { cases.push({ file, status: 'rpmspec-failed', cause: (r.stderr.split('\n').find((l) => l.startsWith('error:')) ?? 'error').slice(0, 200) }); continue; }
      const text = decodeSpecBytes(readFileSync(file));
      const ours = oursForFile(text, file);
      const rpm = sourcesOfExpandedSpec(r.stdout);
      const same = ours.list.length === rpm.length && ours.list.every((x, i) => x === rpm[i]);
      cases.push(same ? { file, status: 'agree' } : { file, status: 'disagree', cause: classify(ours, rpm, text), ours: ours.list, rpm });
      opts.onProgress?.(cases.length);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 2 }, () => worker()));
  cases.sort((a, b) => a.file.localeCompare(b.file));
  const parsed = cases.filter((c) => c.status !== 'rpmspec-failed');
  const agree = parsed.filter((c) => c.status === 'agree').length;
  const causes: Record<string, number> = {};
  for (const c of parsed) if (c.status === 'disagree') causes[c.cause!] = (causes[c.cause!] ?? 0) + 1;
  return { total: cases.length, parsedByRpm: parsed.length, agree, rate: parsed.length ? agree / parsed.length : 1, causes, cases, rpmSeconds: rpmMs / 1000 };
}

/** The corpus directory (`../shared/corpus/fedora-specs` next to the repository). */
export function corpusDir(root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..')): string {
  return path.resolve(root, '../shared/corpus/fedora-specs');
}

async function main(argv: string[]): Promise<void> {
  const limit = argv.includes('--limit') ? Number(argv[argv.indexOf('--limit') + 1]) : Infinity;
  const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const fromJson = argv.includes('--disagreements-of') ? argv[argv.indexOf('--disagreements-of') + 1] : undefined;
  const bashSh = argv.includes('--bash-sh');
  const dir = corpusDir();
  let files = readdirSync(dir).filter((f) => f.endsWith('.spec')).sort().map((f) => path.join(dir, f));
  if (only) files = files.filter((f) => f.includes(only));
  if (fromJson) {
    const prev = JSON.parse(readFileSync(fromJson, 'utf8')) as AgreementReport;
    const want = new Set(prev.cases.filter((c) => c.status === 'disagree').map((c) => c.file));
    files = files.filter((f) => want.has(f));
  }
  if (Number.isFinite(limit)) {
    const step = Math.max(1, Math.floor(files.length / limit));
    files = files.filter((_, i) => i % step === 0).slice(0, limit);
  }
  const rep = await compareWithRpmspec(files, { concurrency: 3, bashSh, onProgress: (n) => { if (n % 1000 === 0) process.stderr.write(`${n}/${files.length}\n`); } });
  const failCauses: Record<string, number> = {};
  for (const c of rep.cases) if (c.status === 'rpmspec-failed') { const k = c.cause!.replace(/line \d+/g, 'line N').replace(/: .*$/, '').slice(0, 80); failCauses[k] = (failCauses[k] ?? 0) + 1; }
  console.log(`specs: ${rep.total}; rpmspec parsed: ${rep.parsedByRpm}; agree: ${rep.agree}; rate: ${(rep.rate * 100).toFixed(2)}%`);
  console.log('disagreements by cause:');
  for (const [k, v] of Object.entries(rep.causes).sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(6)}  ${k}`);
  console.log('rpmspec failures by message (top 10):');
  for (const [k, v] of Object.entries(failCauses).sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${String(v).padStart(6)}  ${k}`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rep, null, 1));
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
