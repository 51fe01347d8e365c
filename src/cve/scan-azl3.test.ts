// Acceptance: `strata cve scan --feed ../shared/corpus/oval/azurelinux-3.0-oval.xml --specs
// ../shared/corpus/cve-azl3/specs --define 'dist .azl3' -o json` reports exactly the affected set
// of corpus/cve-azl3/expected.json (706 (definition, package) pairs, decided by Debian's rpmspec +
// rpm.labelCompare) for every spec Debian's rpm parsed. Specs rpm could not parse
// (`specs_not_parsed_by_debian_rpm`) have no answer to compare with and are left out of the diff.
//
// Two OVAL states of this feed are malformed and reported (CVE_OVAL_BAD_EVR) rather than guessed:
// emacs `0:29.3.azl3` (no release; expected.json lists it as feed_malformed) and golang
// `0: 1.20.10-1.azl3` (a space after the epoch). The oracle has no affected pair for either.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../testing/cli.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { runScan } from './scan.js';
import { findSpecs } from './spec-inventory.js';

const root = path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(root, '../shared');
const expectedFile = path.join(shared, 'corpus/cve-azl3/expected.json');
const skip = existsSync(expectedFile) ? false : 'no ../shared corpus';

interface Expected {
  affected: Array<{ definition: string; package: string; spec: string; spec_evr: string; fixed_evr: string; severity: string; cves: string[] }>;
  specs_not_parsed_by_debian_rpm: string[];
  feed_malformed: Array<{ definition: string; evr: string; package: string }>;
}
interface Got {
  findings: Array<{ record: string; package: string; file: string; evr: string; fixed: string; severity: string; cves: string[]; packageKind: string }>;
  stats: Record<string, number>;
}

describe('strata cve scan on the real Azure Linux 3.0 specs and OVAL feed', { skip }, () => {
  it('reports exactly the affected set of expected.json (every spec Debian rpm parsed)', { timeout: 120_000 }, async () => {
    const exp = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected;
    const r = await runCli(root, ['cve', 'scan', '--feed', '../shared/corpus/oval/azurelinux-3.0-oval.xml', '--specs', '../shared/corpus/cve-azl3/specs', '--define', 'dist .azl3', '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as Got;
    const notParsed = new Set(exp.specs_not_parsed_by_debian_rpm);
    const key = (d: string, p: string) => `${d} ${p}`;
    const want = new Map(exp.affected.map((a) => [key(a.definition, a.package), a]));
    const have = new Map(got.findings.filter((f) => !notParsed.has(path.basename(f.file))).map((f) => [key(f.record, f.package), f]));
    const diffs: string[] = [];
    for (const [k, a] of want) {
      const f = have.get(k);
      if (!f) { diffs.push(`missing: ${k} (${a.spec} ${a.spec_evr} < ${a.fixed_evr})`); continue; }
      if (f.evr !== a.spec_evr) diffs.push(`${k}: spec EVR ${f.evr}, rpmspec says ${a.spec_evr}`);
      if (f.fixed !== a.fixed_evr) diffs.push(`${k}: fixed ${f.fixed}, expected ${a.fixed_evr}`);
      if (f.severity !== a.severity) diffs.push(`${k}: severity ${f.severity}, expected ${a.severity}`);
      if (JSON.stringify(f.cves) !== JSON.stringify(a.cves)) diffs.push(`${k}: cves ${f.cves.join(',')}, expected ${a.cves.join(',')}`);
      if (path.basename(f.file) !== a.spec) diffs.push(`${k}: from ${f.file}, expected ${a.spec}`);
    }
    for (const [k, f] of have) if (!want.has(k)) diffs.push(`extra: ${k} (${path.basename(f.file)} ${f.evr} < ${f.fixed})`);
    console.log(`cve scan azl3: ${have.size} pairs from parsed specs, ${want.size} expected, ${diffs.length} differences; stats ${JSON.stringify(got.stats)}`);
    assert.deepEqual(diffs, []);
    assert.equal(have.size, 706);
    // the malformed state is reported at its line, coded
    const diags = r.err.trim().split('\n').map((l) => JSON.parse(l) as { code: string; line: number; file: string; message: string });
    for (const m of exp.feed_malformed) {
      const d = diags.find((x) => x.code === 'CVE_OVAL_BAD_EVR' && x.message.includes(m.definition));
      assert.ok(d, `${m.definition} (${m.evr}) not reported: ${r.err}`);
      const lines = readFileSync(path.join(shared, 'corpus/oval/azurelinux-3.0-oval.xml'), 'utf8').split('\n');
      assert.ok(lines[d.line - 1]!.includes(m.evr), `line ${d.line} is not the state with ${m.evr}`);
    }
    assert.equal(got.stats['ovalDefinitions'], 1222);
  });
  it('skips only specs that cannot matter: the pre-filtered scan equals the scan of every spec', { timeout: 120_000 }, async () => {
    const fs = new NodeFileSystem();
    const specs = await findSpecs(fs, path.join(shared, 'corpus/cve-azl3/specs'), 'specs');
    const req = { feeds: [{ shown: 'oval', abs: path.join(shared, 'corpus/oval/azurelinux-3.0-oval.xml'), osv: { names: 'binary' as const } }], specs, define: ['dist .azl3'], cwd: root };
    const fast = await runScan(fs, req);
    const all = await runScan(fs, { ...req, evaluateAll: true });
    console.log(`pre-filter: ${fast.stats.specsEvaluated} of ${all.stats.specsEvaluated} specs evaluated`);
    assert.ok(fast.stats.specsEvaluated < all.stats.specsEvaluated / 2);
    assert.deepEqual(fast.findings, all.findings);
  });
});
