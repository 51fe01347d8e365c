import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from './cst.js';
import { fedoraContext, parseDefineArg } from './defaults.js';
import { evaluateNEVR, evaluateSpec, printSourceList } from './evaluate.js';
import { evaluateExpression } from './expr.js';
import { expandMacros, findAutorelease, MacroContext } from './macro.js';
import { compareEVR, matchesConstraint, parseDependencies, parseEVR, rpmvercmp, satisfies } from './rpmver.js';

describe('expandMacros', () => {
  const base = (): MacroContext => {
    const c = fedoraContext();
    c.define('name', 'foo');
    c.define('version', '1.2.3');
    c.define('empty', '');
    return c;
  };
  const cases: Array<{ name: string; input: string; expected: string; incomplete?: string; undef?: string[] }> = [
    { name: 'simple', input: '%{name}-%version', expected: 'foo-1.2.3' },
    { name: 'percent escape', input: '100%% %%{name}', expected: '100% %{name}' },
    { name: 'nested definitions', input: '%{_libdir}/%{name}', expected: '/usr/lib64/foo' },
    { name: 'defined test', input: '%{?name}|%{?nope}|%?name', expected: 'foo||foo' },
    { name: 'test with value', input: '%{?name:yes}%{!?name:no}|%{?nope:yes}%{!?nope:no}', expected: 'yes|no' },
    { name: '?! order', input: '%{?!nope:x}%{!?nope:y}', expected: 'xy' },
    { name: 'defined but empty', input: '[%{?empty:set}]', expected: '[set]' },
    { name: 'undefined kept literally', input: '%{nope}/%nope', expected: '%{nope}/%nope', undef: ['nope'] },
    { name: 'undefined with args expands the args', input: '%{pypi_source %{name} %{version}}', expected: '%{pypi_source foo 1.2.3}', undef: ['pypi_source'] },
    { name: 'expand', input: '%{expand:%%{name}}', expected: 'foo' },
    { name: 'quote', input: '%{quote:a b}', expected: 'a b' },
    { name: 'lua cannot expand', input: 'x%{lua: print(1)}y', expected: 'x%{lua: print(1)}y', incomplete: 'lua' },
    { name: 'shell is never run', input: '%(rm -rf %{name})', expected: '%(rm -rf %{name})', incomplete: 'shell' },
    { name: 'shell idioms are emulated', input: '%(echo %{version} | cut -d. -f1-2)', expected: '1.2' },
    { name: 'expression', input: '%[2 * (3 + 4)] %[v"1.10" > v"1.9"] %{expr:"a" + "b"}', expected: '14 1 ab' },
    { name: 'basename/dirname/suffix', input: '%{basename:/a/b.tar.gz} %{dirname:/a/b.tar.gz} %{suffix:/a/b.tar.gz}', expected: 'b.tar.gz /a gz' },
    { name: 'url2path', input: '%{url2path:https://example.org/a/b.tgz}', expected: '/a/b.tgz' },
    { name: 'shrink/len/upper/lower', input: '%{shrink:  a  b }|%{len:abcd}|%{upper:aB}|%{lower:aB}', expected: 'a b|4|AB|ab' },
    { name: 'sub (lua-like)', input: '%{sub abcdef 2 4}|%{sub abcdef -2}|%{sub abcdef 1 -3}', expected: 'bcd|ef|abcd' },
    { name: 'defined/undefined', input: '%{defined name}%{undefined name}%{defined nope}', expected: '100' },
    { name: 'with/without', input: '%{with x}%{without x}', expected: '01' },
    { name: 'define consumes its line', input: '%define zz 5\n%{zz}', expected: '5' },
    { name: 'global expands its body now', input: '%global gg %{name}\n%gg', expected: 'foo' },
    { name: 'dnl discards the line', input: 'a%dnl comment\nb', expected: 'ab' },
    { name: 'exists without hook cannot expand', input: '%{exists:/x}', expected: '%{exists:/x}', incomplete: 'exists' },
    { name: 'S and P', input: '%{S:0}', expected: '/builddir/build/SOURCES/0' },
    { name: 'autorelease fallback', input: '%{autorelease}|%{autorelease -b 4 -n}|%{autorelease -p -e rc1 -s 20240101git}', expected: '1.fc43|4|0.1.rc1.20240101git.fc43' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = expandMacros(c.input, base());
      assert.equal(e.text, c.expected);
      assert.equal(e.complete, c.incomplete === undefined);
      if (c.incomplete) assert.deepEqual(e.unexpandable, [c.incomplete]);
      if (c.undef) assert.deepEqual(e.undefined, c.undef);
    });
  }
  it('parametric macros: options, %1, %*, %#, %0, -f*, conditional flags', () => {
    const c = new MacroContext();
    c.define('m', '[%0|%1|%2|%*|%#|%{-n}|%{-n*}|%{?-q:Q}%{!?-q:noQ}|%{-v:V}|%**]', 'n:qv');
    assert.equal(expandMacros('%m -n N -q a b\nrest', c).text, '[m|a|b|a b|2|-n N|N|Q||-n N -q a b]\nrest');
    assert.equal(expandMacros('%{m x}', c).text, '[m|x|%2|x|1|||noQ||x]');
    assert.equal(c.has('1'), false, 'arguments are popped after the call');
  });
  it('reports unknown options and deep recursion as errors', () => {
    const c = new MacroContext();
    c.define('m', 'x', 'a');
    assert.match(expandMacros('%m -z', c).errors[0]!, /unknown option -z/);
    c.define('loop', '%{loop}');
    const e = expandMacros('%{loop}', c);
    assert.equal(e.complete, false);
    assert.match(e.errors[0]!, /recursion/);
  });
  it('stops exponential expansions with an error instead of exhausting memory', () => {
    const c = new MacroContext();
    c.define('a0', 'xxxxxxxxxxxxxxxx');
    for (let k = 1; k < 40; k++) c.define(`a${k}`, `%{a${k - 1}}%{a${k - 1}}`);
    const e = expandMacros('%{a39}', c);
    assert.equal(e.complete, false);
    assert.ok(e.errors.includes('macro expansion result too large'));
  });
  it('bcond family with --with/--without', () => {
    const c = fedoraContext({ with: ['docs'], without: ['tests'] });
    expandMacros('%bcond_without tests\n%bcond_with docs\n%bcond_with gui\n%bcond check %{defined fedora}\n', c);
    assert.equal(expandMacros('%{with tests}%{with docs}%{with gui}%{with check}', c).text, '0101');
  });
  it('fedoraContext overrides and undefines', () => {
    const c = fedoraContext({ overrides: { dist: '.azl4' }, undefines: ['fedora'] });
    assert.equal(expandMacros('%{?dist}|%{?fedora}', c).text, '.azl4|');
  });
  it('parses --define arguments', () => {
    assert.deepEqual(parseDefineArg('dist .azl4'), { name: 'dist', body: '.azl4' });
    assert.deepEqual(parseDefineArg('%m(n:) x %1'), { name: 'm', body: 'x %1', params: 'n:' });
    assert.equal(parseDefineArg('1bad x'), undefined);
  });
  it('finds %autorelease with its options', () => {
    assert.deepEqual(findAutorelease('%autorelease -b 3 -e pre1'), { start: 0, end: 25, options: { prerelease: false, noDist: false, extraver: 'pre1', snapinfo: undefined, base: 3 } });
    assert.deepEqual(findAutorelease('%{?autorelease}')?.options.base, undefined);
    assert.equal(findAutorelease('1%{?dist}'), undefined);
  });
});

describe('evaluateExpression', () => {
  const cases: Array<{ name: string; input: string; expected?: number | string; error?: RegExp }> = [
    { name: 'integers', input: '1 + 2 * 3 - 4 / 2', expected: 5 },
    { name: 'leading zero', input: '043 >= 40', expected: 1 },
    { name: 'comparison chain', input: '1 < 2 && 3 > 2 || 0', expected: 1 },
    { name: 'not', input: '!0 && !!1', expected: 1 },
    { name: 'strings', input: '"abc" == "abc" && "a" < "b" && "x" != "y"', expected: 1 },
    { name: 'string value', input: '"ab" + "c"', expected: 'abc' },
    { name: 'versions', input: 'v"1.2.10" > v"1.2.9" && v"1.0~rc1" < v"1.0" && v"2^git" > v"2"', expected: 1 },
    { name: 'ternary', input: '1 ? 5 : 6', expected: 5 },
    { name: 'parentheses', input: '(1 + 2) * 3', expected: 9 },
    { name: 'unary minus', input: '-3 + 5', expected: 2 },
    { name: 'empty', input: '   ', error: /empty/ },
    { name: 'bare word', input: 'fedora > 3', error: /bare words/ },
    { name: 'type mismatch', input: '"a" == 1', error: /types must match/ },
    { name: 'unterminated string', input: '"abc', error: /unterminated/ },
    { name: 'division by zero', input: '1 / 0', error: /division/ },
    { name: 'trailing junk', input: '1 2', error: /unexpected/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = evaluateExpression(c.input);
      if (c.error) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error, c.error);
      } else {
        assert.equal(r.ok, true);
        if (r.ok) assert.equal(r.value.value, c.expected);
      }
    });
  }
});

describe('rpmver', () => {
  const cmp: Array<[string, string, number]> = [
    ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0', '1.0', 1], ['2.0.1', '2.0', 1], ['2.0', '2.0.1', -1],
    ['1.10', '1.9', 1], ['1.01', '1.1', 0], ['1.0a', '1.0', 1], ['1.0', '1.0a', -1], ['a', '1', -1], ['1', 'a', 1],
    ['1.0~rc1', '1.0', -1], ['1.0~rc1', '1.0~rc2', -1], ['1.0~~', '1.0~', -1], ['1.0^', '1.0', 1], ['1.0^git1', '1.0.1', -1],
    ['1.0^git1', '1.0^git2', -1], ['1_0', '1.0', 0], ['FC5', 'fc4', -1], ['2.0b', '2.0.1', -1],
  ];
  for (const [a, b, r] of cmp) it(`rpmvercmp(${a}, ${b}) = ${r}`, () => assert.equal(rpmvercmp(a, b), r));
  it('EVR parse/compare', () => {
    assert.deepEqual(parseEVR('2:1.0-3.fc43'), { epoch: '2', version: '1.0', release: '3.fc43' });
    assert.equal(compareEVR('1:1.0-1', '2.0-1'), 1);
    assert.equal(compareEVR('1.0', '1.0-5'), 0);
    assert.equal(compareEVR('1.0-2', '1.0-10'), -1);
  });
  it('dependencies and constraints', () => {
    assert.deepEqual(parseDependencies('foo >= 1.2, bar (a or b) perl(Foo::Bar) >= 2 libc.so.6()(64bit)'), [
      { name: 'foo', op: '>=', evr: '1.2' }, { name: 'bar' }, { name: '(a or b)', rich: true }, { name: 'perl(Foo::Bar)', op: '>=', evr: '2' }, { name: 'libc.so.6()(64bit)' },
    ]);
    const p = (s: string) => parseDependencies(s)[0]!;
    assert.equal(matchesConstraint(p('foo = 1.2-3'), p('foo >= 1.2')), true);
    assert.equal(matchesConstraint(p('foo = 1.1'), p('foo >= 1.2')), false);
    assert.equal(matchesConstraint(p('foo'), p('foo >= 9')), true);
    assert.equal(matchesConstraint(p('foo = 2'), p('foo < 2')), false);
    assert.equal(matchesConstraint(p('foo = 2'), p('bar')), false);
    assert.equal(satisfies('1.2-3', '>=', '1.2'), true);
    assert.equal(satisfies('1:0.1', '>', '9.9'), true);
  });
});

describe('evaluateSpec', () => {
  const spec = [
    '%global forgeurl https://example.org/foo',
    '%bcond_without tests',
    'Name:           foo',
    'Version:        2.1',
    'Release:        %autorelease -b 2',
    'Epoch:          1',
    'URL:            %{forgeurl}',
    'Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz',
    'Source:         extra-%{version}.txt',
    '%if 0%{?fedora} >= 40',
    'Patch0:         new.patch',
    '%else',
    'Patch0:         old.patch',
    '%endif',
    '%ifarch %{ix86}',
    'Source10:       only-x86.txt',
    '%endif',
    'Patch:          unnumbered.patch',
    'BuildRequires:  gcc >= 10, make',
    '%if %{with tests}',
    'BuildRequires:  pytest',
    '%endif',
    '%sourcelist',
    'listed-%{version}.tar.gz',
    '%package devel',
    'Requires:       %{name}%{?_isa} = %{epoch}:%{version}-%{release}',
    'Provides:       foo-headers = %{version}',
    '%package -n python3-%{name}',
    'Summary: py',
    '%description',
    'x',
    '',
  ].join('\n');
  it('decides branches, expands NEVR, sources, patches and dependencies', () => {
    const ev = evaluateSpec(parseSpec(spec, 'foo.spec'), fedoraContext());
    assert.deepEqual([ev.name, ev.epoch, ev.version, ev.release], ['foo', '1', '2.1', '2.fc43']);
    assert.equal(ev.releaseRaw, '%autorelease -b 2');
    assert.equal(ev.autorelease?.options.base, 2);
    assert.equal(printSourceList(ev), [
      'Source0: https://example.org/foo/archive/v2.1/foo-2.1.tar.gz',
      'Source1: extra-2.1.txt',
      'Source2: listed-2.1.tar.gz',
      'Patch0: new.patch',
      'Patch1: unnumbered.patch',
      '',
    ].join('\n'));
    assert.equal(ev.sources[0]!.fileName, 'foo-2.1.tar.gz');
    assert.deepEqual(ev.sources.map((s) => [s.explicit, s.origin]), [[true, 'Source0'], [false, 'Source'], [false, '%sourcelist']]);
    assert.deepEqual(ev.buildRequires.map((d) => d.name), ['gcc', 'make', 'pytest']);
    assert.deepEqual(ev.packages.map((p) => p.name), ['foo', 'foo-devel', 'python3-foo']);
    assert.deepEqual(ev.packages[1]!.requires, [{ name: 'foo(x86-64)', op: '=', evr: '1:2.1-2.fc43' }]);
    assert.deepEqual(ev.packages[1]!.provides, [{ name: 'foo-headers', op: '=', evr: '2.1' }]);
    assert.deepEqual(ev.diagnostics, []);
  });
  it('follows --without, another arch and another release', () => {
    const ev = evaluateSpec(parseSpec(spec), fedoraContext({ without: ['tests'], arch: 'i686', fedora: 39 }));
    assert.deepEqual(ev.patches.map((p) => p.value), ['old.patch', 'unnumbered.patch']);
    assert.deepEqual(ev.sources.map((s) => s.number), [0, 1, 10, 11]);
    assert.deepEqual(ev.buildRequires.map((d) => d.name), ['gcc', 'make']);
    assert.equal(ev.release, '2.fc39');
  });
  it('reports undecidable and bad conditions with spans', () => {
    const t = 'Name: x\n%if %(test -e /x && echo 1)\nSource0: a\n%endif\n%if %{?nothing}\n%endif\n%ifarch %{lua: print("x")}\n%endif\n%if 0%{from_include}\n%endif\n';
    const ev = evaluateSpec(parseSpec(t, 'x.spec'), fedoraContext());
    assert.deepEqual(ev.diagnostics.map((d) => [d.code, d.span?.line, d.span?.col]), [['SPEC_CANNOT_DECIDE', 2, 1], ['SPEC_BAD_EXPRESSION', 5, 5], ['SPEC_CANNOT_DECIDE', 7, 1], ['SPEC_CANNOT_DECIDE', 9, 1]]);
    assert.deepEqual(ev.sources, []);
    assert.equal(ev.undecided.length, 3);
  });
  it('handles rpm idioms: bare %with/%defined, names with dashes, continued %if lines', () => {
    const t = [
      'Name: x', '%bcond_without gtk', '%global snap 1',
      '%if %with gtk', 'Source1: gtk.tar', '%endif',
      '%if ! %defined snap', 'Source2: no.tar', '%endif',
      '%if 0%{?with_foo-bar}', 'Source3: no.tar', '%endif',
      '%if %{with gtk} || \\', '    %{with qt}', 'Source4: yes.tar', '%endif', '',
    ].join('\n');
    const ev = evaluateSpec(parseSpec(t), fedoraContext());
    assert.deepEqual(ev.diagnostics, []);
    assert.deepEqual(ev.sources.map((s) => s.value), ['gtk.tar', 'yes.tar']);
  });
  it('reports a source it cannot expand', () => {
    const ev = evaluateSpec(parseSpec('Name: x\n%global c abcdef1234\nSource0: x-%(git describe).tgz\n', 'x.spec'), fedoraContext());
    assert.equal(ev.sources[0]!.complete, false);
    assert.deepEqual(ev.diagnostics.map((d) => [d.code, d.span?.line]), [['SPEC_CANNOT_EXPAND', 3]]);
  });
  it('marks active nodes and follows %include through a reader', () => {
    const t = 'Name: x\n%if 0\nSource0: no\n%endif\n%include inc.spec\n';
    const doc = parseSpec(t);
    const ev = evaluateSpec(doc, fedoraContext(), { include: (p) => (p === 'inc.spec' ? 'Source1: yes-%{name}\n' : undefined) });
    assert.deepEqual(ev.sources.map((s) => s.value), ['yes-x']);
    assert.deepEqual(doc.nodes.map((n) => ev.active[n.index]), [true, true, false, true, true]);
    const ev2 = evaluateSpec(parseSpec(t, 'x.spec'), fedoraContext());
    assert.deepEqual(ev2.diagnostics.map((d) => d.code), ['SPEC_INCLUDE_NOT_FOLLOWED']);
  });
  it('tags produced by macro lines in a preamble count, as in rpm', () => {
    const t = 'Name: x\n%global extra Source3: gen.tar\n%{?extra}\n%{!?nope:BuildRequires: gen-dep}\n';
    const ev = evaluateSpec(parseSpec(t), fedoraContext());
    assert.deepEqual(ev.sources.map((s) => [s.number, s.value, s.line]), [[3, 'gen.tar', 3]]);
    assert.deepEqual(ev.buildRequires.map((d) => d.name), ['gen-dep']);
    assert.equal(ev.packages[0]!.tags[2]!.generatedBy?.line, 4);
  });
  it('re-reads the spec for a main-package BuildArch, as rpm does', () => {
    const t = '%global rv %(echo %{version} | cut -d. -f1-2)\nName: x\nVersion: 2.38.0\nBuildArch: noarch\nSource0: a/%{rv}/b/%{?late}\n%ifarch x86_64\nSource1: only-on-x86_64\n%endif\n%global late L\n';
    const ev = evaluateSpec(parseSpec(t), fedoraContext());
    // the first pass stopped at BuildArch: %{version} was defined, %{late} not yet (rpm's behaviour)
    assert.deepEqual(ev.sources.map((s) => s.value), ['a/2.38/b/']);
    const once = evaluateSpec(parseSpec(t), fedoraContext(), { buildArchReparse: false });
    assert.deepEqual(once.sources.map((s) => s.value), ['a/2.38.0/b/', 'only-on-x86_64']); // the first pass saw %{version} undefined
  });
  it('a macro definition drops one level of backslash escaping, like rpm', () => {
    const c = fedoraContext();
    expandMacros('%global g a\\\\.b\\\\\\\\c\\\\d', c);
    assert.equal(c.get('g')?.body, 'a\\.b\\\\c\\d');
  });
  it('evaluateNEVR honours --define overrides and the autorelease hook', () => {
    const t = 'Name: x\nVersion: %{ver}\nRelease: %autorelease -e beta\nEpoch: 3\n';
    const ctx = fedoraContext({ overrides: { ver: '4.5', dist: '.azl4' }, hooks: { autorelease: (o) => `7.${o.extraver}%{?dist}` } });
    const r = evaluateNEVR(t, ctx);
    assert.deepEqual([r.name, r.epoch, r.version, r.release], ['x', '3', '4.5', '7.beta.azl4']);
  });
});
