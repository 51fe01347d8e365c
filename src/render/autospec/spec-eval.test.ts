/** Table tests for the spec evaluation behind verflags (on the spec layer's evaluator). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abridgeSpec, autospecContext, autoreleaseGetoptError, dropCheckExistArgs, evaluateSpecHeader } from './spec-eval.js';
import { verflagsFromHeader } from './verflags.js';

const PRE = 'Name: p\nSummary: s\nLicense: MIT\n';
const TAIL = '\n%description\nd\n\n%prep\n\n%files\n\n%changelog\n%autochangelog\n';
const NODIST = [['dist', '%{nil}']] as const;

const CASES: { name: string; input: string; expected: { epochVersion: string; extraver?: string | null; snapinfo?: string | null; prerelease?: boolean | null; base?: number | null } | { error: RegExp } }[] = [
  { name: 'plain autorelease', input: `${PRE}Version: 1.0\nRelease: %autorelease\n`, expected: { epochVersion: '1.0', prerelease: null, base: 1 } },
  { name: 'static release: no flags', input: `${PRE}Version: 1.0\nRelease: 3%{?dist}\n`, expected: { epochVersion: '1.0', base: null } },
  { name: 'all options', input: `${PRE}Version: 1.0\nRelease: %autorelease -p -e rc1 -s 20240105git1a2b3c4 -b 3 -n\n`, expected: { epochVersion: '1.0', extraver: 'rc1', snapinfo: '20240105git1a2b3c4', prerelease: true, base: 3 } },
  { name: 'braced with options and dist', input: `${PRE}Version: 1.0\nRelease: %{autorelease -b 5}%{?dist}\n`, expected: { epochVersion: '1.0', base: 5 } },
  { name: 'suffix after the macro: no flags', input: `${PRE}Version: 1.0\nRelease: %{autorelease -b 2}%{?dist}.1\n`, expected: { epochVersion: '1.0', base: null } },
  { name: 'check-exist form ignores its arguments', input: `${PRE}Version: 1.0\nRelease: %{?autorelease -b 3}\n`, expected: { epochVersion: '1.0', base: 1 } },
  { name: 'epoch and macro version', input: `%global major 9\n%global minor 14\n${PRE}Epoch: 2\nVersion: %{major}.%{minor}\nRelease: %autorelease\n`, expected: { epochVersion: '2:9.14' } },
  { name: 'explicit epoch 0 is printed', input: `${PRE}Epoch: 0\nVersion: 5.2.1\nRelease: %autorelease\n`, expected: { epochVersion: '0:5.2.1' } },
  { name: 'option value from a macro', input: `%global baserelease 7\n${PRE}Version: 0.9\nRelease: %autorelease -b %{baserelease}\n`, expected: { epochVersion: '0.9', base: 7 } },
  { name: 'bcond chooses the branch', input: `%bcond_without bootstrap\n${PRE}Version: 1\n%if %{with bootstrap}\nRelease: %autorelease -e bootstrap\n%else\nRelease: %autorelease\n%endif\n`, expected: { epochVersion: '1', extraver: 'bootstrap' } },
  { name: 'defined autorelease is true', input: `${PRE}Version: 1\n%if %{defined autorelease}\nRelease: %autorelease -p\n%else\nRelease: 1%{?dist}\n%endif\n`, expected: { epochVersion: '1', prerelease: true } },
  { name: 'underscore in extraver breaks the probe', input: `${PRE}Version: 1\nRelease: %autorelease -e pre_1\n`, expected: { epochVersion: '1', extraver: null, base: null } },
  { name: 'dist defined in the spec: no flags', input: `%global dist .fc99\n${PRE}Version: 1\nRelease: %{autorelease -b 5}%{?dist}\n`, expected: { epochVersion: '1', base: null } },
  { name: 'unclosed %if before %prep is an error', input: `${PRE}Version: 1\nRelease: %autorelease\n%if 0%{?with_tests}\nBuildRequires: x\n${TAIL}`, expected: { error: /SPEC_UNCLOSED_IF/ } },
  { name: 'unclosed %if after %prep is ignored (abridged parse)', input: `${PRE}Version: 1\nRelease: %autorelease\n${TAIL}%if 1\n`, expected: { epochVersion: '1' } },
  { name: 'option without its argument is an error', input: `${PRE}Version: 1\nRelease: %autorelease -e %{?nonexistent}\n`, expected: { error: /requires an argument -- 'e'/ } },
  { name: 'unknown option is an error', input: `${PRE}Version: 1\nRelease: %autorelease -x\n`, expected: { error: /invalid option -- 'x'/ } },
  { name: 'missing Version is an error', input: `${PRE}Release: %autorelease\n`, expected: { error: /Version/ } },
  { name: 'missing Name/Summary/License (lua-generated in font specs) is accepted', input: 'Version: 1\nRelease: %autorelease\n', expected: { epochVersion: '1' } },
];

for (const c of CASES) {
  test(`evaluateSpecHeader: ${c.name}`, () => {
    const vf = verflagsFromHeader(evaluateSpecHeader(c.input, NODIST));
    if ('error' in c.expected) {
      assert.equal(vf.ok, false, JSON.stringify(vf));
      if (!vf.ok) assert.match(vf.detail, c.expected.error);
      return;
    }
    assert.ok(vf.ok, JSON.stringify(vf));
    for (const [k, v] of Object.entries(c.expected)) assert.deepEqual((vf as unknown as Record<string, unknown>)[k], v, k);
  });
}

test('abridgeSpec cuts at the %prep line only', () => {
  assert.equal(abridgeSpec('a\n%prep\nb\n'), 'a\n');
  assert.equal(abridgeSpec('a\n  %prep  \nb\n'), 'a\n');
  assert.equal(abridgeSpec('a\n%prep -q\nb\n'), 'a\n%prep -q\nb\n');
});

test('dropCheckExistArgs rewrites only the check-exist form', () => {
  assert.equal(dropCheckExistArgs('Release: %{?autorelease -b 3}\n'), 'Release: %{?autorelease}\n');
  assert.equal(dropCheckExistArgs('Release: %{autorelease -b 3}\n'), 'Release: %{autorelease -b 3}\n');
});

test('autoreleaseGetoptError: clustered and attached values are fine', () => {
  const ctx = autospecContext([]);
  assert.equal(autoreleaseGetoptError('%autorelease -pe rc1', ctx), undefined);
  assert.equal(autoreleaseGetoptError('%autorelease -erc1 -n', ctx), undefined);
  assert.equal(autoreleaseGetoptError('%{autorelease -e -p}', ctx), undefined);
  assert.match(autoreleaseGetoptError('%autorelease -n -b', ctx) ?? '', /-- 'b'/);
});

test('--define overrides and the plain-rpm context', () => {
  const ctx = autospecContext([['dist', '.el9']]);
  assert.equal(ctx.get('dist')?.body, '.el9');
  assert.equal(autospecContext([]).has('fedora'), false);
  assert.equal(autospecContext([]).has('dist'), false);
});

test('unexpandable values in the probe are reported; an unrelated %{lua:} Release is not', () => {
  const shell = evaluateSpecHeader(`%global snap %(frobnicate --now)\n${PRE}Version: 1\nRelease: %autorelease -s %{snap}\n`, NODIST);
  assert.ok(shell.ok && shell.unexpanded?.length === 1 && shell.unexpanded[0]!.tag === 'Release' && shell.unexpanded[0]!.what.includes('shell'), JSON.stringify(shell));
  const processed = evaluateSpecHeader(`%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:\n    release_number = 4;\n    print(release_number);\n}\n${PRE}Version: 1\nRelease: %autorelease\n`, NODIST);
  assert.ok(processed.ok, JSON.stringify(processed));
  assert.equal(processed.ok && processed.unexpanded, undefined);
  const emulated = evaluateSpecHeader(`%global commit 1a2b3c4d5e6f\n%global short %(c=%{commit}; echo \${c:0:7})\n${PRE}Version: 1\nRelease: %autorelease -s git%{short}\n`, NODIST);
  const vf = verflagsFromHeader(emulated);
  assert.ok(vf.ok && vf.snapinfo === 'git1a2b3c4', JSON.stringify(vf));
});
