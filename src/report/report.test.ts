// The audit report on the real Azure Linux tree (config-only) and its HTML: self-contained, escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadProject } from '../config/load.js';
import { computeReport, originOf } from './model.js';
import { escapeHtml, printReportHtml } from './html.js';
import { assertSelfContained } from '../testing/html.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');

test('config-only report of the real Azure Linux tree agrees with the config model', async () => {
  const fs = new NodeFileSystem();
  const { project } = await loadProject({ fs, startDir: azl });
  const r = await computeReport({ fs }, project);
  assert.equal(r.mode, 'config-only');
  assert.equal(r.summary.components, 7583);
  assert.equal(r.components.length, 7583);
  const comps = [...project.components.values()];
  // recount independently from the model
  assert.equal(r.summary.local, comps.filter((c) => c.spec.type === 'local').length);
  assert.equal(r.summary.fedoraAltered, comps.filter((c) => c.spec.type === 'upstream' && (c.overlays.length > 0 || c.sourceFiles.some((s) => s.replaceUpstream))).length);
  assert.equal(r.summary.fedoraIntact + r.summary.fedoraAltered + r.summary.local, 7583);
  assert.ok(r.summary.fedoraAltered > 0 && r.summary.fedoraIntact > r.summary.fedoraAltered);
  const total = comps.reduce((n, c) => n + c.overlays.length, 0);
  assert.equal(r.summary.overlays, total);
  assert.equal(Object.values(r.summary.overlaysByType).reduce((a, b) => a + b, 0), total);
  assert.equal(Object.values(r.summary.overlaysByCategory).reduce((a, b) => a + b, 0), total);
  assert.equal(Object.values(r.summary.overlaysByUpstreamStatus).reduce((a, b) => a + b, 0), total);
  const spr = comps.flatMap((c) => c.overlays).filter((o) => o.type === 'spec-search-replace').length;
  assert.equal(r.summary.overlaysByType['spec-search-replace'], spr);
  // each overlay is located at file:line, and the line is the overlay's declaration
  const altered = r.components.find((c) => c.origin === 'fedora-altered' && c.overlays.length)!;
  const src = project.components.get(altered.name)!;
  assert.equal(originOf(src), 'fedora-altered');
  assert.equal(altered.overlays[0]!.at, `${path.relative(azl, src.overlays[0]!.definedAt.file)}:${src.overlays[0]!.definedAt.line}`);
  assert.match(altered.overlays[0]!.at, /\.toml:\d+$/);
  assert.equal(r.cve.status, 'not-scanned');
  assert.equal(r.images.length, project.images.size);
  assert.equal(r.builds.built, 0);
  assert.equal(r.evidence.indexed, false);

  const html = printReportHtml(r);
  assertSelfContained(html);
  assert.equal((html.match(/<tr data-origin=/g) ?? []).length, 7583);
  assert.ok(html.includes(`data-figure="summary.fedoraAltered">${r.summary.fedoraAltered}<`));
  assert.ok(html.includes('@media print'));
  assert.ok(html.includes('<svg'));
});

test('everything in the HTML is escaped', () => {
  assert.equal(escapeHtml(`<script>"&'`), '&lt;script&gt;&quot;&amp;&#39;');
  const evil = '<img src=x onerror=alert(1)>';
  const html = printReportHtml({
    version: 1,
    generatedAt: '2026-01-01T00:00:00.000Z',
    project: { dir: '/p', description: evil },
    mode: 'config-only',
    summary: { components: 1, fedoraIntact: 0, fedoraAltered: 1, local: 0, overlays: 1, overlaysByType: { 'spec-add-tag': 1 }, overlaysByCategory: { none: 1 }, overlaysByUpstreamStatus: { none: 1 } },
    drift: { locked: 0, unlocked: 1, checked: 0, behind: 0, behindCommits: 0 },
    builds: { built: 0, notBuilt: 1, reproducibleIdentical: 0, reproducibleDifferent: 0, notChecked: 0 },
    evidence: { indexed: false, packages: 0, withProvenance: 0, withSbom: 0, componentsCovered: 0 },
    cve: { status: 'not-scanned', feeds: [], affected: 0, fixed: 0, bySeverity: {}, findings: [] },
    images: [],
    components: [{ name: evil, origin: 'fedora-altered', at: 'a.toml:1', groups: [], overlays: [{ type: 'spec-add-tag', description: `</script>${evil}`, at: 'a.toml:2' }], replacedSources: 0 }],
  });
  assert.ok(!html.includes(evil));
  assert.ok(!html.includes('</script><img'));
  assert.equal((html.match(/<script>/g) ?? []).length, 1);
  assertSelfContained(html);
});
