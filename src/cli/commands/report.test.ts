// `strata report` on the example distro built and published (as verify.test.ts makes it), and its
// HTML in a real browser: headless Chromium (Debian's chromium) driven by playwright-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createDistGit, createLookaside, exampleRoot, generateAttestationKey, generateSigningKey, makeTarballs } from '../../testing/example.js';
import { LookasideServer } from '../../testing/http-server.js';
import { runCli, type CliRun } from '../../testing/cli.js';
import { assertSelfContained } from '../../testing/html.js';
import type { Report } from '../../report/index.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../../..');
const artifacts = path.join(root, 'build', 'artifacts');
let tmp: string;
let project: string;
let report: Report;
let htmlFile: string;
let browser: Browser;
const server = new LookasideServer();

function strata(args: string[], cwd = project): Promise<CliRun> {
  return runCli(cwd, args, { env: { ...process.env, NO_COLOR: '1' } });
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-report-'));
  const tarballs = makeTarballs(path.join(tmp, 'tarballs'));
  createLookaside(path.join(tmp, 'lookaside'), tarballs);
  for (const t of tarballs) server.addLookaside(t.pkg, t.file, readFileSync(t.path));
  await server.start();
  createDistGit(path.join(tmp, 'distgit'), tarballs);
  project = path.join(tmp, 'project');
  cpSync(path.join(exampleRoot(), 'project'), project, { recursive: true });
  const upstream = path.join(project, 'distro', 'upstream.distro.toml');
  writeFileSync(upstream, readFileSync(upstream, 'utf8').replaceAll('@DISTGIT@', `file://${path.join(tmp, 'distgit')}`).replaceAll('@LOOKASIDE@', server.base));
  generateSigningKey(path.join(project, 'keys'));
  generateAttestationKey(path.join(project, 'keys'));
  for (const args of [
    ['component', 'update', '-a'],
    ['component', 'render', '-a'],
    ['component', 'prepare-sources', '-p', 'fortune-mini', '-o', path.join(tmp, 'prepared')],
    ['component', 'build', '-p', 'fortune-mini', '-j', '2', '--verify-reproducible', '--prepared', path.join(tmp, 'prepared')],
    ['repo', 'publish'],
  ]) {
    const r = await strata(args);
    assert.equal(r.code, 0, `strata ${args.join(' ')}:\n${r.out}\n${r.err}`);
  }
  const j = await strata(['report', '-o', 'json']);
  assert.equal(j.code, 0, j.err);
  report = JSON.parse(j.out) as Report;
  htmlFile = path.join(tmp, 'report.html');
  const h = await strata(['report', '-o', 'html', htmlFile]);
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /wrote .*report\.html/);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('on the example distro every section of the report is filled', () => {
  const fm = report.components.find((c) => c.name === 'fortune-mini')!;
  assert.equal(report.mode, 'with-artifacts');
  assert.ok(report.summary.components >= 2);
  assert.ok(report.summary.fedoraAltered >= 1 && report.summary.overlays >= 1);
  assert.ok(fm.overlays.every((o) => /\.toml:\d+$/.test(o.at)));
  // drift: locked, checked against the dist-git mirror the update left
  assert.ok(report.drift.locked >= 1 && report.drift.checked >= 1);
  assert.equal(fm.drift?.behind, 0);
  assert.match(fm.drift?.lockDate ?? '', /^\d{4}-\d\d-\d\d/);
  // builds, with the reproducibility verdict of --verify-reproducible
  assert.equal(fm.build?.status, 'built');
  assert.equal(fm.build?.reproducible, 'identical');
  assert.equal(report.builds.reproducibleIdentical, 1);
  // evidence of every published package of the built component
  assert.ok(report.evidence.indexed && report.evidence.packages >= 2);
  assert.equal(report.evidence.withProvenance, report.evidence.packages);
  assert.equal(report.evidence.withSbom, report.evidence.packages);
  assert.equal(fm.evidence?.packages, report.evidence.packages);
  assert.equal(report.cve.status, 'not-scanned');
  // the terminal summary shows the same figures
  return strata(['report']).then((t) => {
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, new RegExp(`Fedora-intact / altered / local\\s+${report.summary.fedoraIntact} / ${report.summary.fedoraAltered} / ${report.summary.local}`));
    assert.match(t.out, /reproducible: identical \/ different \/ not checked\s+1 \/ 0 \/ 0/);
  });
});

test('-o html needs a file; a file needs -o html', async () => {
  const r = await strata(['report', '-o', 'html']);
  assert.equal(r.code, 1);
  assert.match(r.err, /REPORT_NO_FILE/);
  const r2 = await strata(['report', 'x.html']);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /REPORT_NO_FILE/);
});

test('the HTML has no external references', () => {
  assertSelfContained(readFileSync(htmlFile, 'utf8'));
});

/** Every `data-figure` path shown, resolved in the JSON report. */
function valueAt(r: unknown, p: string): unknown {
  if (p === 'components.length') return (r as Report).components.length;
  const [a, b, ...rest] = p.split('.');
  let v = (r as Record<string, Record<string, unknown>>)[a!]?.[b!];
  if (rest.length) v = (v as Record<string, unknown>)[rest.join('.')];
  return v;
}

test('in Chromium: the figures equal the JSON report, the search filters the table, a screenshot is kept', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  page.on('request', (q) => {
    if (!q.url().startsWith('file:')) requests.push(q.url());
  });
  await page.goto(`file://${htmlFile}`);
  const figures = await page.$$eval('[data-figure]', (els) => els.map((e) => [e.getAttribute('data-figure')!, e.textContent ?? ''] as const));
  assert.ok(figures.length >= 20, `only ${figures.length} figures`);
  for (const [p, shown] of figures) assert.equal(shown, String(valueAt(report, p)), `figure ${p}`);
  for (const k of ['summary.components', 'summary.fedoraAltered', 'builds.reproducibleIdentical', 'evidence.withSbom', 'drift.checked']) assert.ok(figures.some(([p]) => p === k), `${k} not shown`);
  const rows = () => page.$$eval('#components tbody tr', (trs) => trs.filter((t) => !(t as unknown as { hidden: boolean }).hidden && (t as unknown as { offsetParent: unknown }).offsetParent !== null).length);
  assert.equal(await rows(), report.components.length);
  await page.fill('#search', 'fortune');
  assert.equal(await rows(), report.components.filter((c) => c.name.includes('fortune')).length);
  assert.equal(await page.textContent('#shown'), String(await rows()));
  await page.fill('#search', 'no-such-component-xyz');
  assert.equal(await rows(), 0);
  await page.fill('#search', '');
  assert.equal(await rows(), report.components.length);
  mkdirSync(artifacts, { recursive: true });
  const shot = path.join(artifacts, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(readFileSync(shot).length > 10_000);
  assert.deepEqual(requests, []);
  await page.close();
});

test('in Chromium without JavaScript: the full table shows', async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(`file://${htmlFile}`);
  const visible = await page.locator('#components tbody tr').evaluateAll((trs) => trs.filter((t) => (t as unknown as { getClientRects(): { length: number } }).getClientRects().length > 0).length);
  assert.equal(visible, report.components.length);
  assert.equal(await page.locator('#search').isVisible(), false);
  await ctx.close();
});
