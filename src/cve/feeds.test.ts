// Feeds: the 5,680 real AlmaLinux OSV records load and validate against ossf/osv-schema; OVAL
// and OSV records that are malformed are coded diagnostics at their file and line, skipped;
// matching follows OVAL/OSV semantics with rpm's labelCompare; evidence sits beside the verdict.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { MemoryFileSystem } from '../testing/fakes/memory-fs.js';
import { StrataError } from '../diag/index.js';
import { loadFeeds } from './feeds.js';
import { AdvisoryIndex, matchAdvisories } from './match.js';
import { parseOsv } from './osv.js';
import { parseOval } from './oval.js';
import type { InventoryComponent } from './types.js';

const addFormats = addFormatsModule.default;
const shared = path.resolve(import.meta.dirname, '../../../shared');
const osvDir = path.join(shared, 'corpus/osv/almalinux/advisories');
const skip = existsSync(osvDir) ? false : 'no ../shared corpus';

const oval = (states: string, criteria = '<criterion test_ref="t1"/>') => `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <definitions>
    <definition class="vulnerability" id="def:1" version="1">
      <metadata><title>CVE-2024-0001 affecting package foo</title><reference ref_id="CVE-2024-0001" source="CVE"/><severity>Critical</severity></metadata>
      <criteria operator="AND">${criteria}</criteria>
    </definition>
  </definitions>
  <tests>
    <linux-def:rpminfo_test check="at least one" id="t1" version="1"><linux-def:object object_ref="o1"/><linux-def:state state_ref="s1"/></linux-def:rpminfo_test>
    <linux-def:rpminfo_test check="at least one" id="t2" version="1"><linux-def:object object_ref="o2"/><linux-def:state state_ref="s2"/></linux-def:rpminfo_test>
  </tests>
  <objects>
    <linux-def:rpminfo_object id="o1" version="1"><linux-def:name>foo</linux-def:name></linux-def:rpminfo_object>
    <linux-def:rpminfo_object id="o2" version="1"><linux-def:name>bar</linux-def:name></linux-def:rpminfo_object>
  </objects>
  <states>
${states}
  </states>
</oval_definitions>
`;
const st = (id: string, evr: string, op = 'less than') => `    <linux-def:rpminfo_state id="${id}" version="1"><linux-def:evr datatype="evr_string" operation="${op}">${evr}</linux-def:evr></linux-def:rpminfo_state>`;

function comp(name: string, evr: string, extra: Partial<InventoryComponent> = {}): InventoryComponent {
  const [e, vr] = evr.includes(':') ? evr.split(':') as [string, string] : ['0', evr];
  const i = vr.lastIndexOf('-');
  const v = { epoch: e, version: vr.slice(0, i), release: vr.slice(i + 1) };
  return { component: name, file: `${name}.spec`, packages: [{ name, kind: 'source', evr: v }, { name: `${name}-libs`, kind: 'binary', evr: v }], patches: [], changelog: [], ...extra };
}

describe('OSV feed', () => {
  it('loads all 5,680 AlmaLinux records, each valid against the OSV schema', { skip, timeout: 120_000 }, async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(shared, 'schemas/osv/schema.json'), 'utf8')) as object);
    const fs = new NodeFileSystem();
    const r = await loadFeeds(fs, [{ shown: osvDir, abs: osvDir, osv: { names: 'binary', ecosystems: ['AlmaLinux:'] } }], shared);
    assert.equal(r.stats.osvRecords, 5680);
    assert.equal(r.advisories.length, 5680, JSON.stringify(r.diagnostics.slice(0, 3)));
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
    const invalid: string[] = [];
    for (const f of await fs.glob(['**/*.json'], osvDir)) {
      if (!validate(JSON.parse(readFileSync(f, 'utf8')))) invalid.push(`${path.basename(f)}: ${ajv.errorsText(validate.errors)}`);
    }
    assert.deepEqual(invalid, []);
    // epoch-carrying fixed EVRs are kept as written
    const withEpoch = r.advisories.flatMap((a) => a.criteria.children).filter((c) => c.kind === 'check' && c.fixed && /^\d+:/.test(c.fixed));
    assert.ok(withEpoch.length > 10_000, `${withEpoch.length}`);
  });
  it('maps ecosystems by configuration (exact or prefix) and skips the others', () => {
    const rec = JSON.stringify({ id: 'ALSA-1', affected: [{ package: { ecosystem: 'AlmaLinux:9', name: 'foo-libs' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:2.0-1.el9' }] }] }] });
    assert.ok(parseOsv(rec, 'a.json', { names: 'binary', ecosystems: ['AlmaLinux:9'] }).advisory);
    assert.ok(parseOsv(rec, 'a.json', { names: 'binary', ecosystems: ['AlmaLinux:'] }).advisory);
    assert.equal(parseOsv(rec, 'a.json', { names: 'binary', ecosystems: ['AlmaLinux:8'] }).advisory, undefined);
  });
  const cases: Array<{ name: string; text: string; code: string; line: number }> = [
    { name: 'not JSON', text: '{\n  "id": "X-1",\n  "affected": [\n}', code: 'CVE_OSV_BAD_JSON', line: 4 },
    { name: 'no id', text: '{\n  "affected": []\n}', code: 'CVE_OSV_BAD_RECORD', line: 1 },
    { name: 'package without name', text: '{\n  "id": "X-1",\n  "affected": [{"package": {"ecosystem": "AlmaLinux:9"}}]\n}', code: 'CVE_OSV_BAD_RECORD', line: 3 },
    { name: 'fixed without release', text: '{\n  "id": "X-1",\n  "affected": [{"package": {"ecosystem": "AlmaLinux:9", "name": "foo"},\n    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},\n      {"fixed": "1:2.0"}]}]}]\n}', code: 'CVE_OSV_BAD_EVR', line: 5 },
    { name: 'unknown event', text: '{\n  "id": "X-1",\n  "affected": [{"package": {"ecosystem": "AlmaLinux:9", "name": "foo"},\n    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"patched": "2.0-1"}]}]}]\n}', code: 'CVE_OSV_BAD_RECORD', line: 4 },
  ];
  for (const c of cases) it(`reports and skips a malformed record: ${c.name}`, () => {
    const r = parseOsv(c.text, 'bad.json', { names: 'binary' });
    assert.equal(r.advisory, undefined);
    assert.equal(r.diagnostics[0]?.code, c.code);
    assert.equal(r.diagnostics[0]?.span?.file, 'bad.json');
    assert.equal(r.diagnostics[0]?.span?.line, c.line, r.diagnostics[0]?.message);
  });
  it('matches binary names in [introduced, fixed) with labelCompare, and last_affected inclusively', () => {
    const rec = (events: object[]) => parseOsv(JSON.stringify({ id: 'ALSA-2', related: ['CVE-2024-9'], summary: 'Important: foo', affected: [{ package: { ecosystem: 'AlmaLinux:9', name: 'foo-libs' }, ranges: [{ type: 'ECOSYSTEM', events }] }] }), 'x.json', { names: 'binary' }).advisory!;
    const fixed = new AdvisoryIndex([rec([{ introduced: '1.5-1' }, { fixed: '2.0-1.el9' }])]);
    assert.equal(matchAdvisories(fixed, [comp('foo', '1.9-9')]).length, 1);
    assert.equal(matchAdvisories(fixed, [comp('foo', '2.0-1.el9')]).length, 0);
    assert.equal(matchAdvisories(fixed, [comp('foo', '1.4-1')]).length, 0, 'before introduced');
    assert.equal(matchAdvisories(fixed, [comp('foo', '1:1.0-1')]).length, 0, 'a higher epoch is newer');
    const f = matchAdvisories(fixed, [comp('foo', '1.9-9')])[0]!;
    assert.deepEqual([f.package, f.packageKind, f.fixed, f.severity, f.cves], ['foo-libs', 'binary', '2.0-1.el9', 'High', ['CVE-2024-9']]);
    const last = new AdvisoryIndex([rec([{ introduced: '0' }, { last_affected: '2.0-1' }])]);
    assert.equal(matchAdvisories(last, [comp('foo', '2.0-1')]).length, 1);
    assert.equal(matchAdvisories(last, [comp('foo', '2.0-2')]).length, 0);
  });
});

describe('OVAL feed', () => {
  it('parses the real Azure Linux 3.0 feed: 1,222 definitions, the malformed EVRs reported at their lines', { skip }, () => {
    const file = path.join(shared, 'corpus/oval/azurelinux-3.0-oval.xml');
    const text = readFileSync(file, 'utf8');
    const r = parseOval(text, 'azl3.xml');
    assert.equal(r.definitions, 1222);
    assert.equal(r.advisories.length, 1220);
    const bad = r.diagnostics.filter((d) => d.code === 'CVE_OVAL_BAD_EVR');
    assert.deepEqual(bad.map((d) => text.split('\n')[d.span!.line - 1]!.match(/>([^<]*)</)![1]), ['0:29.3.azl3', '0: 1.20.10-1.azl3']);
    assert.ok(r.advisories.every((a) => a.cves.length >= 1 && a.severity !== 'Unknown'));
  });
  it('reports XML that is not well-formed at its line', () => {
    const text = oval(st('s1', '0:1.0-1')).replace('</linux-def:evr></linux-def:rpminfo_state>', '</linux-def:evr></linux-def:rpminfo_stat>');
    const line = text.split('\n').findIndex((l) => l.includes('rpminfo_stat>')) + 1;
    const r = parseOval(text, 'feed.xml');
    assert.equal(r.advisories.length, 0);
    assert.equal(r.diagnostics[0]?.code, 'CVE_OVAL_MALFORMED_XML');
    assert.equal(r.diagnostics[0]?.span?.file, 'feed.xml');
    assert.equal(r.diagnostics[0]?.span?.line, line, r.diagnostics[0]?.message);
    assert.match(r.diagnostics[0]!.message, /is not well-formed XML: unexpected close tag/);
  });
  const cases: Array<{ name: string; text: string; code: string }> = [
    { name: 'EVR without release', text: oval(st('s1', '0:1.0')), code: 'CVE_OVAL_BAD_EVR' },
    { name: 'EVR without epoch', text: oval(st('s1', '1.0-1')), code: 'CVE_OVAL_BAD_EVR' },
    { name: 'dangling test', text: oval(st('s1', '0:1.0-1'), '<criterion test_ref="t9"/>'), code: 'CVE_OVAL_BAD_REF' },
    { name: 'dangling state', text: oval(st('s9', '0:1.0-1')), code: 'CVE_OVAL_BAD_REF' },
    { name: 'unsupported operation', text: oval(st('s1', '0:1.0-1', 'pattern match')), code: 'CVE_OVAL_UNSUPPORTED' },
  ];
  for (const c of cases) it(`skips a malformed definition: ${c.name}`, () => {
    const r = parseOval(c.text, 'feed.xml');
    assert.equal(r.advisories.length, 0);
    assert.equal(r.diagnostics[0]?.code, c.code);
    assert.ok((r.diagnostics[0]?.span?.line ?? 0) > 1);
  });
  it('evaluates criteria: AND, OR, negate and every operation, on source names', () => {
    const one = (s: string, criteria?: string) => new AdvisoryIndex(parseOval(oval(s, criteria), 'f.xml').advisories);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2')), [comp('foo', '1.0-1')]).length, 1);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2')), [comp('foo', '1.0-2')]).length, 0);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2')), [comp('foo', '1:0.1-1')]).length, 0, 'epoch wins');
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2', 'less than or equal')), [comp('foo', '1.0-2')]).length, 1);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2', 'equals')), [comp('foo', '1.0-2')]).length, 1);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2', 'greater than')), [comp('foo', '1.0-3')]).length, 1);
    assert.equal(matchAdvisories(one(st('s1', '0:1.0-2')), [comp('foo-libs', '1.0-1')]).length, 0, 'OVAL names source packages: a binary of that name is not it');
    const both = st('s1', '0:1.0-2') + '\n' + st('s2', '0:5.0-1');
    const and = '<criterion test_ref="t1"/><criterion test_ref="t2"/>';
    assert.equal(matchAdvisories(one(both, and), [comp('foo', '1.0-1')]).length, 0, 'AND needs bar too');
    assert.equal(matchAdvisories(one(both, `<criteria operator="OR">${and}</criteria>`), [comp('foo', '1.0-1')]).length, 1);
    assert.equal(matchAdvisories(one(both, '<criterion test_ref="t1"/><criterion test_ref="t2" negate="true"/>'), [comp('foo', '1.0-1')]).length, 1, 'bar is not installed');
  });
  it('feeds: a missing path and an empty directory are coded errors', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    await assert.rejects(loadFeeds(fs, [{ shown: 'nope.xml', abs: '/nope.xml', osv: { names: 'binary' } }], '/'), (e: StrataError) => e.diagnostics[0]?.code === 'CVE_FEED_NOT_FOUND');
    await assert.rejects(loadFeeds(fs, [{ shown: 'd', abs: '/d', osv: { names: 'binary' } }], '/'), (e: StrataError) => e.diagnostics[0]?.code === 'CVE_FEED_NOT_FOUND');
  });
});

describe('evidence of a fix in the spec', () => {
  it('names patches, changelog entries and overlay descriptions naming the CVE, without changing the verdict', () => {
    const idx = new AdvisoryIndex(parseOval(oval(st('s1', '0:1.0-2')), 'f.xml').advisories);
    const c = comp('foo', '1.0-1', {
      patches: [{ name: 'CVE-2024-0001.patch', line: 12 }, { name: 'other.patch', line: 13 }],
      changelog: [{ line: 40, text: '* Mon Jan 01 2024 A <a@b> - 1.0-1\n- Fix cve-2024-0001 in the parser\n' }, { line: 44, text: '* x\n- CVE-2024-0002\n' }],
      overlays: [{ text: 'backport the fix for CVE-2024-0001', span: { file: 'foo.comp.toml', line: 7, col: 1 } }],
    });
    const [f] = matchAdvisories(idx, [c]);
    assert.ok(f, 'still affected by version');
    assert.deepEqual(f.evidence.map((e) => [e.kind, e.file, e.line]), [['patch', 'foo.spec', 12], ['changelog', 'foo.spec', 40], ['overlay', 'foo.comp.toml', 7]]);
    assert.equal(f.evidence[1]!.text, '- Fix cve-2024-0001 in the parser');
  });
});

describe('the spec pre-filter', () => {
  it('tells the package names a spec can produce only when its text makes them plain', async () => {
    const { possiblePackageNames, literalName } = await import('./spec-inventory.js');
    const head = 'Name: foo\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%description\nd\n';
    assert.equal(literalName(head), 'foo');
    assert.equal(literalName('Name: %{pkg}\n'), undefined);
    assert.equal(literalName('%if 0\nName: a\n%else\nName: b\n%endif\n'), undefined, 'two Name lines');
    assert.deepEqual([...possiblePackageNames(head + '%package libs\nSummary: l\n%description libs\nl\n%if 0\n%package -n other-tool\nSummary: o\n%description -n other-tool\no\n%endif\n%files\n%files libs\n')!], ['foo', 'foo-libs', 'other-tool'], 'a package in a false branch is counted (over-approximation)');
    assert.equal(possiblePackageNames(head + '%package -n %{name}-x\nSummary: x\n'), undefined, 'a macro in a package name');
    assert.equal(possiblePackageNames(head + '%pyproject_extras_subpkg -n python3-foo cli\n'), undefined, 'a macro that can create packages');
    assert.equal(possiblePackageNames(head + '%{?python_provide:%python_provide python3-foo}\n'), undefined);
    assert.equal(possiblePackageNames(head + '%include extra.inc\n'), undefined);
  });
  it('an OSV scan with the pre-filter finds what evaluating every spec finds', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { runScan } = await import('./scan.js');
    const { findSpecs } = await import('./spec-inventory.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-cve-prefilter-'));
    try {
      const w = (n: string, body: string) => { mkdirSync(path.join(dir, 'specs', n), { recursive: true }); writeFileSync(path.join(dir, 'specs', n, `${n}.spec`), `Name: ${n}\nVersion: 1.0\nRelease: 1%{?dist}\nSummary: s\nLicense: MIT\n%description\nd\n${body}`); };
      w('plain', '%package -n vuln-tool\nSummary: t\n%description -n vuln-tool\nt\n');
      w('hidden', '%global sub vuln-lib\n%package -n %{sub}\nSummary: t\n%description -n %{sub}\nt\n');
      w('generated', '%{expand:%%package -n vuln-gen\nSummary: g\n%%description -n vuln-gen\ng\n}\n');
      w('unrelated', '%package devel\nSummary: d\n%description devel\nd\n');
      const rec = (id: string, name: string) => JSON.stringify({ id, affected: [{ package: { ecosystem: 'X:1', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0-1' }] }] }] });
      mkdirSync(path.join(dir, 'osv'));
      for (const [id, n] of [['A-1', 'vuln-tool'], ['A-2', 'vuln-lib'], ['A-3', 'vuln-gen']] as const) writeFileSync(path.join(dir, 'osv', `${id}.json`), rec(id, n));
      const fs = new NodeFileSystem();
      const req = { feeds: [{ shown: 'osv', abs: path.join(dir, 'osv'), osv: { names: 'binary' as const } }], specs: await findSpecs(fs, path.join(dir, 'specs'), 'specs'), define: [], cwd: dir };
      const fast = await runScan(fs, req);
      const all = await runScan(fs, { ...req, evaluateAll: true });
      assert.deepEqual(fast.findings.map((f) => [f.record, f.component, f.package]), [['A-2', 'hidden', 'vuln-lib'], ['A-1', 'plain', 'vuln-tool']]);
      assert.deepEqual(fast.findings, all.findings);
      // "generated" is evaluated (its text does not tell its packages), though the spec model does not create packages from %{expand:}
      assert.equal(fast.stats.specsEvaluated, 3, 'only "unrelated" is skipped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
