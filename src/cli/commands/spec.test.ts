import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../testing/cli.js';

/** Every directory these tests make, removed when they end. */
const scratch = mkdtempSync(path.join(tmpdir(), 'strata-spec-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (cwd: string, ...argv: string[]) => runCli(cwd, argv);

const SPEC = '%bcond_with extra\nName: foo\nVersion: 1.2\nRelease: 1%{?dist}\nSource0: https://x.org/%{name}-%{version}%{?suffix}.tar.gz\n%if %{with extra}\nSource1: extra.txt\n%endif\nPatch: fix.patch\n%package devel\nSummary: d\n%description\nx\n';

function project(): string {
  const d = mkdtempSync(path.join(scratch, 'strata-spec-cli-'));
  writeFileSync(path.join(d, 'foo.spec'), SPEC);
  mkdirSync(path.join(d, 'more'));
  writeFileSync(path.join(d, 'more', 'bad.spec'), 'Name: bad\n%if 1\nVersion: 1\n');
  writeFileSync(path.join(d, 'more', 'latin.spec'), Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0xff]));
  return d;
}

describe('strata spec', () => {
  it('check reports diagnostics, round-trips, and exits 1 on errors', async () => {
    const d = project();
    const r = await cli(d, 'spec', 'check', '--roundtrip', '.');
    assert.equal(r.code, 1);
    assert.match(r.out, /more\/bad\.spec:2:1: error\[SPEC_UNCLOSED_IF\]/);
    assert.match(r.out, /3 spec file\(s\): 1 error\(s\), 0 warning\(s\), 3 round-trip byte-identical, 0 failed/);
    const j = await cli(d, 'spec', 'check', '--roundtrip', '-o', 'json', 'foo.spec', 'more/latin.spec');
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.out), { files: 2, errors: 0, warnings: 0, filesWithErrors: 0, roundtrip: { identical: 2, failed: [] }, diagnostics: [] });
  });
  it('check of a missing path is a coded error', async () => {
    const r = await cli(project(), 'spec', 'check', 'nope.spec');
    assert.equal(r.code, 1);
    assert.match(r.err, /SPEC_PATH_NOT_FOUND/);
  });
  it('sources prints SourceN: URL and honours --define/--with', async () => {
    const d = project();
    const r = await cli(d, 'spec', 'sources', 'foo.spec', '--define', 'suffix -src');
    assert.equal(r.code, 0);
    assert.equal(r.out, 'Source0: https://x.org/foo-1.2-src.tar.gz\nPatch0: fix.patch\n');
    const j = await cli(d, 'spec', 'sources', 'foo.spec', '--with', 'extra', '-o', 'json');
    const v = JSON.parse(j.out) as { complete: boolean; sources: Array<{ tag: string; fileName: string }> };
    assert.equal(v.complete, true);
    assert.deepEqual(v.sources.map((s) => [s.tag, s.fileName]), [['Source0', 'foo-1.2.tar.gz'], ['Source1', 'extra.txt']]);
  });
  it('sources follows %include of a file next to the spec', async () => {
    const d = project();
    writeFileSync(path.join(d, 'inc.spec'), 'Patch7: from-include.patch\n');
    writeFileSync(path.join(d, 'main.spec'), 'Name: m\nSource1: inc.spec\n%include %{SOURCE1}\n%include ../../etc/passwd\n');
    const r = await cli(d, 'spec', 'sources', 'main.spec');
    assert.match(r.out, /^Source1: inc\.spec\nPatch7: from-include\.patch\n/);
    assert.match(r.out, /warning\[SPEC_INCLUDE_NOT_FOLLOWED\]: %include \.\.\/\.\.\/etc\/passwd was not followed/);
  });
  it('show prints packages, sections, conditionals and sources', async () => {
    const d = project();
    const r = await cli(d, 'spec', 'show', 'foo.spec');
    assert.equal(r.code, 0);
    assert.match(r.out, /foo\.spec: foo-1\.2-1\.fc43/);
    assert.match(r.out, /devel → foo-devel {2}line 10/);
    assert.match(r.out, / - Source1: extra\.txt {2}:7 {2}\[%if %\{with extra\}@6\]/);
    const j = JSON.parse((await cli(d, 'spec', 'show', 'foo.spec', '-o', 'json', '--dist', '.azl4')).out) as { release: string; packages: unknown[]; conditionals: unknown[] };
    assert.equal(j.release, '1.azl4');
    assert.equal(j.packages.length, 2);
    assert.deepEqual(j.conditionals, [{ line: 6, endLine: 8, depth: 0, branches: [{ directive: 'if', expression: '%{with extra}', line: 6 }] }]);
  });
});
