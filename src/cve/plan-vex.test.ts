// `strata cve plan` (the smallest rebuild set with reasons, repos, commands; unknown ids coded),
// `strata cve scan` on a project's rendered specs (distro build defines, overlay evidence), and
// the signed OpenVEX document verified back with the project's attestation key.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadAttestationKey } from '../attest/attestation-key.js';
import { loadProject } from '../config/index.js';
import { StrataError } from '../diag/index.js';
import { keySigner, keyVerifier } from '../trust/key-signer.js';
import { runCli } from '../testing/cli.js';
import { verifyVex, buildVex, signVex } from './vex.js';
import { runScan } from './scan.js';
import { findSpecs } from './spec-inventory.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'strata-cve-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const spec = (name: string, body: string, version = '1.0', release = '1%{?dist}') => `Name: ${name}\nVersion: ${version}\nRelease: ${release}\nSummary: ${name}\nLicense: MIT\n${body}\n%description\n${name}\n`;
const SPECS: Record<string, string> = {
  libfoo: spec('libfoo', 'Patch0: libfoo-CVE-2024-1111.patch\n%package devel\nSummary: d\n%description devel\nd\n%package static\nSummary: s\n%description static\ns\n') + '%changelog\n* Mon Jan 01 2024 A <a@example.com> - 1.0-1\n- Backport the fix for CVE-2024-1111\n',
  'app-static': spec('app-static', 'BuildRequires: libfoo-static\n%package devel\nSummary: d\n%description devel\nd\n'),
  'app-headers': spec('app-headers', 'BuildRequires: libfoo-devel >= 1.0\n'),
  'tool-user': spec('tool-user', 'BuildRequires: libfoo\nRequires: libfoo\n'),
  chain: spec('chain', 'BuildRequires: (app-static-devel or nothing)\n'),
  unrelated: spec('unrelated', 'BuildRequires: gcc\n'),
};
const OVAL = `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <definitions>
    <definition class="vulnerability" id="oval:test:def:1" version="1">
      <metadata><title>CVE-2024-1111 affecting package libfoo</title><reference ref_id="CVE-2024-1111" source="CVE"/><severity>High</severity></metadata>
      <criteria operator="AND"><criterion test_ref="oval:test:tst:1"/></criteria>
    </definition>
  </definitions>
  <tests><linux-def:rpminfo_test check="at least one" id="oval:test:tst:1" version="1"><linux-def:object object_ref="oval:test:obj:1"/><linux-def:state state_ref="oval:test:ste:1"/></linux-def:rpminfo_test></tests>
  <objects><linux-def:rpminfo_object id="oval:test:obj:1" version="1"><linux-def:name>libfoo</linux-def:name></linux-def:rpminfo_object></objects>
  <states><linux-def:rpminfo_state id="oval:test:ste:1" version="1"><linux-def:evr datatype="evr_string" operation="less than">0:1.0-2.tst1</linux-def:evr></linux-def:rpminfo_state></states>
</oval_definitions>
`;

/** A project with rendered specs in specs/NAME/NAME.spec, a distro whose build defines set %dist, and an attestation key. */
function writeProject(): string {
  const dir = mkdtempSync(path.join(scratch, 'p-'));
  const w = (rel: string, text: string) => { mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true }); writeFileSync(path.join(dir, rel), text); };
  w('azldev.toml', [
    '[project]', 'description = "cve test"', 'rendered-specs-dir = "specs"', 'default-distro = { name = "tst" }', '',
    '[attestation]', 'key-file = "keys/attestation-key.pem"', '',
    '[distros.tst]', 'default-version = "1"', '[distros.tst.versions.1]', 'release-ver = "1"',
    '[distros.tst.versions.1.default-component-config]', 'build = { defines = { dist = ".tst1" } }', '',
    ...Object.keys(SPECS).map((n) => `[components.${n}]\nspec = { type = "local", path = "local/${n}.spec" }\n`),
    '[[components.libfoo.overlays]]', 'type = "spec-set-tag"', 'tag = "Vendor"', 'value = "x"', 'description = "mark the CVE-2024-1111 backport"', '',
  ].join('\n'));
  for (const [n, t] of Object.entries(SPECS)) { w(`local/${n}.spec`, t); w(`specs/${n}/${n}.spec`, t); }
  w('feeds/test-oval.xml', OVAL);
  const { privateKey } = generateKeyPairSync('ed25519');
  w('keys/attestation-key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const fsx = new NodeFileSystem();
  void fsx.chmod(path.join(dir, 'keys/attestation-key.pem'), 0o600);
  return dir;
}

describe('strata cve plan', () => {
  const dir = writeProject();
  it('rebuilds the component and only the dependents that carry its code, each with the reason', async () => {
    const r = await runCli(dir, ['cve', 'plan', 'CVE-2024-1111', '--feed', 'feeds/test-oval.xml', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const p = JSON.parse(r.out) as { rebuild: Array<{ component: string; affected: boolean; reason: string; via?: { package: string } }>; records: string[]; commands: string[]; repos: string[]; layers: unknown[] };
    assert.deepEqual(p.records, ['oval:test:def:1']);
    assert.deepEqual(p.rebuild.map((x) => [x.component, x.affected, x.via?.package]), [['libfoo', true, undefined], ['app-headers', false, 'libfoo-devel'], ['app-static', false, 'libfoo-static'], ['chain', false, 'app-static-devel']]);
    assert.match(p.rebuild[0]!.reason, /libfoo 0:1.0-1.tst1 is below the fixed 0:1.0-2.tst1/);
    assert.match(p.rebuild.find((x) => x.component === 'app-static')!.reason, /statically/);
    assert.ok(!p.rebuild.some((x) => x.component === 'tool-user'), 'a build tool / runtime user does not rebuild');
    assert.deepEqual(p.commands, ['strata component update libfoo', 'strata component render libfoo app-headers app-static chain', 'strata component build libfoo app-headers app-static chain', 'strata repo publish']);
    assert.deepEqual(p.layers, []);
    // the same by record id
    const byRecord = await runCli(dir, ['cve', 'plan', 'oval:test:def:1', '--feed', 'feeds/test-oval.xml', '-o', 'json']);
    assert.deepEqual(JSON.parse(byRecord.out).rebuild, p.rebuild);
  });
  it('an id no feed has is CVE_PLAN_UNKNOWN, with a suggestion', async () => {
    const r = await runCli(dir, ['cve', 'plan', 'CVE-2024-1112', '--feed', 'feeds/test-oval.xml']);
    assert.equal(r.code, 1);
    assert.match(r.err, /error\[CVE_PLAN_UNKNOWN\]: no loaded feed has a record for CVE-2024-1112/);
    assert.match(r.err, /did you mean CVE-2024-1111/);
  });
  it('a missing feed and missing --specs directory are coded errors', async () => {
    const a = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/nope.xml']);
    assert.equal(a.code, 1);
    assert.match(a.err, /error\[CVE_FEED_NOT_FOUND\]: no such feed: feeds\/nope.xml/);
    const b = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/test-oval.xml', '--specs', 'nowhere']);
    assert.match(b.err, /error\[CVE_SPECS_NOT_FOUND\]/);
    const c = await runCli(scratch, ['cve', 'scan', '--specs', '.']);
    assert.match(c.err, /error\[CVE_NO_FEED\]/);
    const d = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/test-oval.xml', '--specs', 'specs', '--define', '!!']);
    assert.match(d.err, /error\[SPEC_BAD_DEFINE\]/);
  });
});

describe('strata cve scan on the project', () => {
  const dir = writeProject();
  it('scans the rendered specs with the distro build defines and reports evidence beside the verdict', async () => {
    const r = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/test-oval.xml', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { findings: Array<{ component: string; evr: string; fixed: string; evidence: Array<{ kind: string; file: string; line: number; text: string }>; images: unknown[]; layers: unknown[] }> };
    assert.equal(j.findings.length, 1);
    const f = j.findings[0]!;
    assert.deepEqual([f.component, f.evr, f.fixed, f.images, f.layers], ['libfoo', '0:1.0-1.tst1', '0:1.0-2.tst1', [], []]);
    const lineOf = (file: string, re: RegExp) => readFileSync(path.join(dir, file), 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;
    assert.deepEqual(f.evidence.map((e) => [e.kind, e.file, e.line]), [
      ['patch', 'specs/libfoo/libfoo.spec', lineOf('specs/libfoo/libfoo.spec', /^Patch0:/)],
      ['changelog', 'specs/libfoo/libfoo.spec', lineOf('specs/libfoo/libfoo.spec', /^\* Mon Jan 01 2024/)],
      ['overlay', 'azldev.toml', lineOf('azldev.toml', /^\[\[components.libfoo.overlays\]\]/)],
    ]);
    // the table view names it too
    const t = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/test-oval.xml']);
    assert.match(t.out, /libfoo\s+libfoo\s+oval:test:def:1\s+CVE-2024-1111\s+High\s+0:1.0-1.tst1\s+0:1.0-2.tst1\s+patch:libfoo-CVE-2024-1111.patch/);
  });
});

describe('strata cve scan on the published repositories', () => {
  const haveRpmbuild = spawnSync('rpmbuild', ['--version']).status === 0;
  it('scans the RPMs under out/repos beside the rendered specs (source name from SOURCERPM)', { skip: haveRpmbuild ? false : 'rpmbuild not installed' }, async () => {
    const dir = writeProject();
    const top = path.join(dir, 'build/rpmbuild');
    const specFile = path.join(dir, 'build/libfoo-pub.spec');
    mkdirSync(path.dirname(specFile), { recursive: true });
    writeFileSync(specFile, 'Name: libfoo\nVersion: 0.9\nRelease: 3%{?dist}\nSummary: s\nLicense: MIT\nBuildArch: noarch\n%description\nd\n%package devel\nSummary: d\n%description devel\nd\n%files\n%files devel\n');
    const b = spawnSync('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${path.join(dir, 'out/repos/base/noarch')}`, '--define', '_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm', '--define', 'dist .tst1', specFile], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    writeFileSync(path.join(dir, 'out/repos/base/noarch/broken-1-1.noarch.rpm'), 'not an rpm');
    const r = await runCli(dir, ['cve', 'scan', '--feed', 'feeds/test-oval.xml', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { findings: Array<{ component: string; package: string; file: string; evr: string }> };
    assert.deepEqual(j.findings.map((f) => [f.component, f.package, f.evr, f.file.startsWith('out/repos/') ? 'repo' : f.file]), [['libfoo', 'libfoo', '0:1.0-1.tst1', 'specs/libfoo/libfoo.spec'], ['libfoo', 'libfoo', '0:0.9-3.tst1', 'repo']]);
    assert.match(r.err, /CVE_REPO_UNREADABLE/);
  });
});

describe('VEX', () => {
  const dir = writeProject();
  it('writes OpenVEX 0.2.0 signed with the project attestation key, and verifies it back', async () => {
    const r = await runCli(dir, ['cve', 'vex', '--feed', 'feeds/test-oval.xml', '--out', 'out/cve.vex.dsse.json', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const fs = new NodeFileSystem();
    const { project } = await loadProject({ fs, projectDir: dir });
    const key = await loadAttestationKey(fs, project.attestation!);
    const text = readFileSync(path.join(dir, 'out/cve.vex.dsse.json'), 'utf8');
    const v = await verifyVex(text, key.verifier, 'cve.vex.dsse.json');
    assert.equal(v.keyId, key.keyId);
    assert.equal(v.document['@context'], 'https://openvex.dev/ns/v0.2.0');
    assert.deepEqual(v.document.statements.map((s) => [s.vulnerability.name, s.status, s.products[0]!['@id']]), [['CVE-2024-1111', 'affected', 'pkg:rpm/strata/libfoo@1.0-1.tst1']]);
    assert.match(v.document.statements[0]!.status_notes ?? '', /patch libfoo-CVE-2024-1111.patch/);
    // each broken link has its own code
    const env = JSON.parse(text) as { payload: string; payloadType: string; signatures: Array<{ sig: string }> };
    const tampered = JSON.stringify({ ...env, payload: Buffer.from(Buffer.from(env.payload, 'base64').toString().replace('affected', 'fixed')).toString('base64') });
    await assert.rejects(verifyVex(tampered, key.verifier, 'x'), (e: StrataError) => e.diagnostics[0]?.code === 'TRUST_SIGNATURE_INVALID');
    const other = keyVerifier([generateKeyPairSync('ed25519').publicKey]);
    await assert.rejects(verifyVex(text, other, 'x'), (e: StrataError) => e.diagnostics[0]?.code === 'TRUST_SIGNATURE_UNKNOWN_KEY');
    await assert.rejects(verifyVex('{"payload":', key.verifier, 'x'), (e: StrataError) => e.diagnostics[0]?.code === 'ATTEST_ENVELOPE_MALFORMED');
  });
  it('rejects a signed payload that is not OpenVEX (CVE_VEX_INVALID) and a wrong payload type (ATTEST_PAYLOAD_TYPE)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = keySigner(privateKey);
    const verifier = keyVerifier([publicKey]);
    const { signEnvelope, serializeEnvelope } = await import('../attest/dsse.js');
    const notVex = await signEnvelope(signer, 'application/vnd.openvex+json', new TextEncoder().encode('{"@context":"x","statements":[{"status":"maybe"}]}'));
    await assert.rejects(verifyVex(serializeEnvelope(notVex), verifier, 'v.json'), (e: StrataError) => e.diagnostics[0]?.code === 'CVE_VEX_INVALID' && /not OpenVEX 0.2.0/.test(e.diagnostics[0].message));
    const wrongType = await signEnvelope(signer, 'application/vnd.in-toto+json', new TextEncoder().encode('{}'));
    await assert.rejects(verifyVex(serializeEnvelope(wrongType), verifier, 'v.json'), (e: StrataError) => e.diagnostics[0]?.code === 'ATTEST_PAYLOAD_TYPE');
    // a VEX of a scan, signed and verified through the domain API alone
    const p = writeProject();
    const fs = new NodeFileSystem();
    const scan = await runScan(fs, { feeds: [{ shown: 'f', abs: path.join(p, 'feeds/test-oval.xml'), osv: { names: 'binary' } }], specs: await findSpecs(fs, path.join(p, 'specs'), 'specs'), define: ['dist .tst1'], cwd: p });
    const doc = buildVex(scan, { author: 'test', timestamp: '2026-12-04T00:00:00Z' });
    const back = await verifyVex(serializeEnvelope(await signVex(doc, signer)), verifier);
    assert.deepEqual(back.document, doc);
  });
});

describe('[[cve.feeds]] in the project (Strata extension)', () => {
  it('names the feeds a scan uses when --feed is not given', async () => {
    const dir = writeProject();
    const toml = path.join(dir, 'azldev.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8') + '\n[[cve.feeds]]\npath = "feeds/test-oval.xml"\n\n[[cve.feeds]]\npath = "feeds/osv"\necosystems = ["Strata:1"]\nnames = "source"\n');
    mkdirSync(path.join(dir, 'feeds/osv'));
    writeFileSync(path.join(dir, 'feeds/osv/TST-1.json'), JSON.stringify({ id: 'TST-1', related: ['CVE-2024-2222'], affected: [{ package: { ecosystem: 'Strata:1', name: 'app-static' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-3.tst1' }] }] }, { package: { ecosystem: 'Other:1', name: 'unrelated' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9-1' }] }] }] }));
    const r = await runCli(dir, ['cve', 'scan', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { findings: Array<{ record: string; component: string }>; stats: { feedFiles: number } };
    assert.deepEqual(j.findings.map((f) => [f.record, f.component]), [['TST-1', 'app-static'], ['oval:test:def:1', 'libfoo']]);
    assert.equal(j.stats.feedFiles, 2);
  });
  const bad: Array<{ name: string; toml: string; code: string; line: number }> = [
    { name: 'names not binary/source', toml: '[[cve.feeds]]\npath = "feeds"\nnames = "both"\n', code: 'CONFIG_VALUE', line: 3 },
    { name: 'path outside the project', toml: '[[cve.feeds]]\npath = "../elsewhere.xml"\n', code: 'PATH_ESCAPES_PROJECT', line: 2 },
    { name: 'no path', toml: '[[cve.feeds]]\nnames = "binary"\n', code: 'CONFIG_MISSING_FIELD', line: 1 },
    { name: 'bad ecosystem', toml: '[[cve.feeds]]\npath = "feeds"\necosystems = ["Alma Linux 9"]\n', code: 'CONFIG_VALUE', line: 3 },
    { name: 'unknown key', toml: '[[cve.feeds]]\npath = "feeds"\nformat = "oval"\n', code: 'CONFIG_UNKNOWN_KEY', line: 3 },
  ];
  for (const c of bad) it(`is validated with spans: ${c.name}`, async () => {
    const dir = writeProject();
    const toml = path.join(dir, 'azldev.toml');
    const before = readFileSync(toml, 'utf8') + '\n';
    writeFileSync(toml, before + c.toml);
    const r = await runCli(dir, ['config', 'check', '-o', 'json']);
    const line = before.split('\n').length - 1 + c.line;
    assert.ok(r.err.includes(`[${c.code}]`) || r.out.includes(`"${c.code}"`), `${c.code} expected: ${r.out} ${r.err}`);
    assert.ok(r.out.includes(`"line": ${line}`) || r.err.includes(`azldev.toml:${line}:`) || r.out.includes(`"line":${line}`), `line ${line}: ${r.out} ${r.err}`);
  });
  it('a configured feed that does not exist is CVE_FEED_NOT_FOUND at its path value', async () => {
    const dir = writeProject();
    const toml = path.join(dir, 'azldev.toml');
    const before = readFileSync(toml, 'utf8') + '\n';
    writeFileSync(toml, before + '[[cve.feeds]]\npath = "feeds/missing.xml"\n');
    const r = await runCli(dir, ['cve', 'scan']);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`azldev.toml:${before.split('\n').length + 1}:\\d+: error\\[CVE_FEED_NOT_FOUND\\]: no such feed: feeds/missing.xml`));
  });
});
