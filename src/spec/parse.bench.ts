/**
 * Parse+print throughput over the whole Fedora corpus (specs/s, MB/s, peak memory), evaluation
 * throughput, and `rpmspec -P` throughput on an evenly spaced sample of the same files
 * (extrapolated to the corpus), all measured in the same run on one core.
 * Usage: node dist/spec/parse.bench.js [--rpmspec-sample N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSpec, printSpec } from './cst.js';
import { fedoraContext } from './defaults.js';
import { evaluateSpec } from './evaluate.js';
import { decodeSpecBytes } from './text.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const corpus = path.resolve(root, '../shared/corpus/fedora-specs');
const argv = process.argv.slice(2);
const sampleN = argv.includes('--rpmspec-sample') ? Number(argv[argv.indexOf('--rpmspec-sample') + 1]) : 200;

if (!existsSync(corpus)) {
  console.log(`corpus not found at ${corpus}; skipping`);
  process.exit(0);
}
const files = readdirSync(corpus).filter((f) => f.endsWith('.spec')).sort().map((f) => path.join(corpus, f));

// 1. read + parse + print, streaming over the corpus
let bytes = 0;
let mismatches = 0;
let parseMs = 0;
const t0 = performance.now();
for (const f of files) {
  const buf = readFileSync(f);
  bytes += buf.length;
  const a = performance.now();
  const text = decodeSpecBytes(buf);
  const doc = parseSpec(text, f);
  if (printSpec(doc) !== text) mismatches++;
  parseMs += performance.now() - a;
}
const totalMs = performance.now() - t0;
const mb = bytes / 1e6;
console.log(`parse+print: ${files.length} specs, ${mb.toFixed(1)} MB in ${(totalMs / 1000).toFixed(2)} s including reads (${(parseMs / 1000).toFixed(2)} s parse+print alone)`);
console.log(`  ${(files.length / (parseMs / 1000)).toFixed(0)} specs/s, ${(mb / (parseMs / 1000)).toFixed(1)} MB/s (parse+print); ${(files.length / (totalMs / 1000)).toFixed(0)} specs/s with reads`);
console.log(`  round-trip mismatches: ${mismatches}; target whole corpus < 15 s: ${totalMs < 15000 ? 'met' : 'MISSED'}`);

// 2. parse + evaluate
let evalMs = 0;
for (const f of files) {
  const text = decodeSpecBytes(readFileSync(f));
  const a = performance.now();
  evaluateSpec(parseSpec(text, f), fedoraContext());
  evalMs += performance.now() - a;
}
console.log(`parse+evaluate: ${(evalMs / 1000).toFixed(2)} s, ${(files.length / (evalMs / 1000)).toFixed(0)} specs/s`);
const peak = process.resourceUsage().maxRSS / 1024;
console.log(`peak memory (max RSS): ${peak.toFixed(0)} MB`);

// 3. rpmspec -P on an evenly spaced sample, one process at a time
const rpm = spawnSync('rpmspec', ['--version'], { encoding: 'utf8' });
if (rpm.status !== 0) {
  console.log('rpmspec not installed; skipping the comparison');
} else {
  const step = Math.max(1, Math.floor(files.length / sampleN));
  const sample = files.filter((_, i) => i % step === 0).slice(0, sampleN);
  let rpmMs = 0;
  let ourMs = 0;
  let rpmFailed = 0;
  for (const f of sample) {
    const a = performance.now();
    const r = spawnSync('rpmspec', ['-P', f], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } });
    rpmMs += performance.now() - a;
    if (r.status !== 0) rpmFailed++;
    const b = performance.now();
    const text = decodeSpecBytes(readFileSync(f));
    printSpec(parseSpec(text, f));
    ourMs += performance.now() - b;
  }
  const rpmPerSpec = rpmMs / sample.length;
  const rpmRate = 1000 / rpmPerSpec;
  const ourRate = files.length / (parseMs / 1000);
  console.log(`rpmspec -P: sampled ${sample.length} specs (every ${step}th; ${rpmFailed} of them rejected by Debian's rpm) in ${(rpmMs / 1000).toFixed(2)} s = ${rpmRate.toFixed(1)} specs/s; extrapolated to the corpus: ${((rpmPerSpec * files.length) / 1000).toFixed(0)} s`);
  console.log(`  same sample with Strata (read+parse+print): ${(ourMs / 1000).toFixed(3)} s`);
  console.log(`  Strata parse+print vs rpmspec -P throughput: ${(ourRate / rpmRate).toFixed(0)}x (target >= 10x: ${ourRate / rpmRate >= 10 ? 'met' : 'MISSED'})`);
}
