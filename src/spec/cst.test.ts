import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branchChain, filesEntries, findSections, nodeAt, parseSpec, printSpec, scriptletSections, SECTION_KINDS, type SpecNode, type TagNode } from './cst.js';
import { decodeSpecBytes, displayText, encodeSpecText, toSpecBytesString } from './text.js';

const kinds = (text: string): string[] => parseSpec(text).nodes.map((n) => n.kind);

describe('node kinds', () => {
  const cases: Array<{ name: string; input: string; expected: string[] }> = [
    { name: 'blank lines (spaces, tabs, empty)', input: '\n  \n\t\n', expected: ['blank', 'blank', 'blank'] },
    { name: 'comments, indented comments', input: '# a\n   # b\n', expected: ['comment', 'comment'] },
    { name: 'tag', input: 'Name: foo\n', expected: ['tag'] },
    { name: 'section header and text body', input: '%build\nmake\n', expected: ['section-header', 'text'] },
    { name: 'tags are only tags in a preamble', input: '%description\nNote: this\n', expected: ['section-header', 'text'] },
    { name: 'conditionals', input: '%if 1\n%elif 0\n%else\n%endif\n', expected: ['conditional', 'conditional', 'conditional', 'conditional'] },
    { name: 'arch and os conditionals (indented)', input: '%ifarch x86_64\n  %ifnarch s390x\n  %endif\n%endif\n%ifos linux\n%elifos darwin\n%endif\n%ifnos x\n%elifarch y\n%elifnarch z\n%elifnos w\n%endif\n', expected: Array(12).fill('conditional') },
    { name: 'macro definitions', input: '%global a 1\n%define b(n:) %{-n*}\n  %undefine c\n', expected: ['macro-definition', 'macro-definition', 'macro-definition'] },
    { name: 'bconds', input: '%bcond_with a\n%bcond_without b\n%bcond c 1\n', expected: ['bcond', 'bcond', 'bcond'] },
    { name: 'includes and loads', input: '%include foo.inc\n%{load:%{_sourcedir}/m.macros}\n%load x\n', expected: ['include', 'include', 'include'] },
    { name: 'macro call lines are text', input: '%{?systemd_requires}\n%forgemeta\n', expected: ['text', 'text'] },
    { name: 'a section keyword must start the line', input: '%build\n %install\n', expected: ['section-header', 'text'] },
    { name: 'a section keyword must end at whitespace', input: '%build\n%buildroot_x\n%install_info\n', expected: ['section-header', 'text', 'text'] },
    { name: 'conditional keyword must be a whole word', input: '%iffy 1\n%endiffy\n', expected: ['text', 'text'] },
    { name: 'commented conditional is a comment', input: '#%if 1\n', expected: ['comment'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(kinds(c.input), c.expected));
});

describe('logical lines', () => {
  it('joins %global with backslash continuations; the body does not create sections', () => {
    const t = '%global desc \\\n%package fake \\\nmore\nName: x\n';
    const d = parseSpec(t);
    assert.deepEqual(d.nodes.map((n) => [n.kind, n.line, n.endLine]), [['macro-definition', 1, 3], ['tag', 4, 4]]);
    assert.equal(d.sections.length, 1);
    const m = d.macroDefinitions[0]!;
    assert.equal(m.name, 'desc');
    assert.equal(m.body, '\\\n%package fake \\\nmore');
  });
  it('joins an unbalanced %{expand: over lines', () => {
    const d = parseSpec('%global _description %{expand:\nline one\n%files\n}\n%build\n');
    assert.deepEqual(d.nodes.map((n) => [n.kind, n.line, n.endLine]), [['macro-definition', 1, 4], ['section-header', 5, 5]]);
    assert.deepEqual(d.sections.map((s) => s.name), ['preamble', 'build']);
  });
  it('does not join shell lines on a trailing backslash', () => {
    const d = parseSpec('%build\n./configure \\\n  --x\n');
    assert.deepEqual(d.nodes.map((n) => n.line), [1, 2, 3]);
  });
  it('an unclosed macro call is a warning, not a join to EOF', () => {
    const d = parseSpec('Name: a\n%{?foo:\nVersion: 1\n');
    assert.deepEqual(d.diagnostics.map((x) => [x.code, x.span?.line, x.span?.col]), [['SPEC_UNCLOSED_MACRO', 2, 1]]);
    assert.deepEqual(d.nodes.map((n) => n.kind), ['tag', 'text', 'tag']);
  });
  it('joins a parametric macro definition whose body has %if lines', () => {
    const d = parseSpec('%define sub() \\\n%if %2 \\\n%package -n x-%1 \\\n%endif\nName: y\n');
    assert.deepEqual(d.nodes.map((n) => n.kind), ['macro-definition', 'tag']);
    assert.equal(d.conditionals.length, 0);
    assert.equal(d.macroDefinitions[0]!.params, '');
  });
});

describe('sections', () => {
  it('knows every rpm section keyword, case-insensitively', () => {
    for (const name of Object.keys(SECTION_KINDS)) {
      const d = parseSpec(`Name: x\n%${name.toUpperCase()}\nbody\n`);
      assert.equal(d.sections.length, 2, name);
      assert.equal(d.sections[1]!.name, name);
      assert.equal(d.sections[1]!.kind, SECTION_KINDS[name]);
      assert.equal(d.sections[1]!.keyword, `%${name.toUpperCase()}`);
    }
  });
  const cases: Array<{ name: string; input: string; expected: { package: string; absolute: boolean; options: string[]; trigger?: string } }> = [
    { name: 'suffix qualifier', input: '%package devel\n', expected: { package: 'devel', absolute: false, options: [] } },
    { name: '-n qualifier', input: '%description -n python3-foo\n', expected: { package: 'python3-foo', absolute: true, options: ['-n=python3-foo'] } },
    { name: '-f file list', input: '%files -f %{name}.lang\n', expected: { package: '', absolute: false, options: ['-f=%{name}.lang'] } },
    { name: '-f with suffix', input: '%files devel -f devel.list\n', expected: { package: 'devel', absolute: false, options: ['-f=devel.list'] } },
    { name: 'scriptlet with -p', input: '%post -p <lua>\n', expected: { package: '', absolute: false, options: ['-p=<lua>'] } },
    { name: 'scriptlet -p attached', input: '%postun -p/sbin/ldconfig libs\n', expected: { package: 'libs', absolute: false, options: ['-p=/sbin/ldconfig'] } },
    { name: 'trigger with condition', input: '%triggerin -n foo -- bar < 2\n', expected: { package: 'foo', absolute: true, options: ['-n=foo'], trigger: 'bar < 2' } },
    { name: 'file trigger with priority', input: '%filetriggerin -P 1000 -- /usr/lib\n', expected: { package: '', absolute: false, options: ['-P=1000'], trigger: '/usr/lib' } },
    { name: 'description language is not a qualifier', input: '%description -l de devel\n', expected: { package: 'devel', absolute: false, options: ['-l=de'] } },
    { name: 'changelog takes no qualifier', input: '%changelog foo\n', expected: { package: '', absolute: false, options: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = parseSpec(`Name: x\n${c.input}body\n`).sections[1]!;
      assert.equal(s.package, c.expected.package);
      assert.equal(s.absolute, c.expected.absolute);
      assert.deepEqual(s.options.map((o) => `${o.flag}=${o.value ?? ''}`), c.expected.options);
      assert.equal(s.triggerCondition, c.expected.trigger);
    });
  }
  it('has header and body ranges up to the next header', () => {
    const t = 'Name: x\n%prep\n%setup\n\n%build\nmake\n';
    const d = parseSpec(t);
    const prep = findSections(d, '%prep')[0]!;
    assert.equal(t.slice(prep.start, prep.bodyStart), '%prep\n');
    assert.equal(t.slice(prep.bodyStart, prep.bodyEnd), '%setup\n\n');
    assert.equal(prep.header!.line, 2);
    const build = findSections(d, 'build')[0]!;
    assert.equal(build.bodyEnd, t.length);
  });
  it('reports the conditionals around a header and the ones it straddles', () => {
    const t = 'Name: x\n%if %{with py}\n%package -n python3-x\nSummary: s\n%description -n python3-x\nd\n%endif\n%build\n';
    const d = parseSpec(t);
    const pkg = d.sections[1]!;
    assert.equal(pkg.branch?.directive.expression, '%{with py}');
    assert.equal(pkg.straddles.length, 0);
    const desc = d.sections[2]!;
    assert.equal(desc.straddles.length, 1);
    assert.equal(d.sections[0]!.straddles.length, 1); // the preamble holds the %if opener
  });
  it('sections in both branches of an %if are both listed, each with its branch', () => {
    const d = parseSpec('Name: x\n%if 0\n%package a\n%else\n%package b\n%endif\n');
    assert.deepEqual(d.sections.slice(1).map((s) => [s.package, s.branch?.index]), [['a', 0], ['b', 1]]);
  });
});

describe('tags', () => {
  const tagOf = (line: string): TagNode => {
    const d = parseSpec(line);
    const n = d.nodes[0]!;
    assert.equal(n.kind, 'tag');
    return n as TagNode;
  };
  const cases: Array<{ name: string; input: string; expected: Partial<Record<keyof TagNode, unknown>> & { sep: string } }> = [
    { name: 'simple', input: 'Name: foo\n', expected: { name: 'Name', family: 'name', number: undefined, value: 'foo', sep: ': ' } },
    { name: 'aligned with spaces', input: 'Version:        1.0\n', expected: { name: 'Version', value: '1.0', sep: ':        ' } },
    { name: 'numbered', input: 'Source12:\thttps://x/y.tar.gz#/z.tgz\n', expected: { name: 'Source12', lname: 'source12', family: 'source', number: '12', value: 'https://x/y.tar.gz#/z.tgz', sep: ':\t' } },
    { name: 'qualifier', input: 'Requires(post): coreutils\n', expected: { name: 'Requires', qualifier: 'post', family: 'requires', value: 'coreutils', sep: ': ' } },
    { name: 'language', input: 'Summary(de): Hallo\n', expected: { qualifier: 'de', value: 'Hallo', sep: ': ' } },
    { name: 'space before colon', input: 'License : MIT\n', expected: { name: 'License', value: 'MIT', sep: ' : ' } },
    { name: 'trailing whitespace is not in the value', input: 'URL: http://x  \t\n', expected: { value: 'http://x', sep: ': ' } },
    { name: 'empty value', input: 'Epoch:\n', expected: { value: '', sep: ':' } },
    { name: 'CRLF', input: 'Name: foo\r\n', expected: { value: 'foo', sep: ': ' } },
    { name: 'indented', input: '  BuildRequires: gcc\n', expected: { name: 'BuildRequires', value: 'gcc', sep: ': ' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = tagOf(c.input);
      const { sep, ...rest } = c.expected;
      for (const [k, v] of Object.entries(rest)) assert.deepEqual(t[k as keyof TagNode], v, k);
      assert.equal(c.input.slice(t.separatorRange.start, t.separatorRange.end), sep);
      assert.equal(c.input.slice(t.valueRange.start, t.valueRange.end), t.value);
      assert.equal(c.input.slice(t.nameRange.start, t.nameRange.end), t.name);
    });
  }
  it('belong to their package', () => {
    const d = parseSpec('Name: x\nSource: a\n%package devel\nRequires: x\n%package -n other\nProvides: y\n%description\nFoo: bar\n');
    assert.deepEqual(d.packages.map((p) => [p.key, p.absolute, p.tags.map((t) => t.name)]), [['', false, ['Name', 'Source']], ['devel', false, ['Requires']], ['other', true, ['Provides']]]);
  });
  it('an unknown tag is a warning with its span (not inside %if 0)', () => {
    const d = parseSpec('Name: x\nFoo: bar\n%if 0\nSee: http://x\n%endif\n');
    assert.deepEqual(d.diagnostics.map((x) => [x.code, x.severity, x.span?.line, x.span?.col, x.span?.length]), [['SPEC_UNKNOWN_TAG', 'warning', 2, 1, 3]]);
  });
});

describe('conditionals', () => {
  it('nest and know their chain of branches', () => {
    const t = '%if 0%{?fedora}\n%ifarch x86_64\nBuildRequires: a\n%else\nBuildRequires: b\n%endif\n%elif 0%{?rhel}\nBuildRequires: c\n%endif\n';
    const d = parseSpec(t);
    assert.equal(d.conditionals.length, 2);
    const [outer, inner] = d.conditionals;
    assert.equal(inner!.parent, outer!.branches[0]);
    assert.equal(inner!.depth, 1);
    assert.deepEqual(outer!.branches.map((b) => [b.directive.directive, b.directive.expression]), [['if', '0%{?fedora}'], ['elif', '0%{?rhel}']]);
    const chain = (n: SpecNode) => branchChain(n.branch).map((b) => `${b.directive.directive}:${b.index}`);
    assert.deepEqual(d.tags.map(chain), [['if:0', 'ifarch:0'], ['if:0', 'else:1'], ['elif:1']]);
    assert.equal(t.slice(outer!.start, outer!.end), t);
  });
  const bad: Array<{ name: string; input: string; code: string; line: number; col: number }> = [
    { name: 'endif without if', input: 'Name: x\n%endif\n', code: 'SPEC_ENDIF_WITHOUT_IF', line: 2, col: 1 },
    { name: 'else without if', input: 'Name: x\n  %else\n', code: 'SPEC_ELSE_WITHOUT_IF', line: 2, col: 3 },
    { name: 'elif without if', input: '%elifarch x\n', code: 'SPEC_ELSE_WITHOUT_IF', line: 1, col: 1 },
    { name: 'unclosed if', input: 'Name: x\n%if 1\n%if 2\n%endif\n', code: 'SPEC_UNCLOSED_IF', line: 2, col: 1 },
    { name: 'branch after else', input: '%if 1\n%else\n%elif 2\n%endif\n', code: 'SPEC_BRANCH_AFTER_ELSE', line: 3, col: 1 },
  ];
  for (const c of bad) {
    it(`diagnoses ${c.name}`, () => {
      const d = parseSpec(c.input, 'x.spec');
      assert.deepEqual(d.diagnostics.map((x) => [x.code, x.span?.file, x.span?.line, x.span?.col]), [[c.code, 'x.spec', c.line, c.col]]);
      assert.equal(printSpec(d), c.input);
    });
  }
});

describe('other views', () => {
  it('macro definitions with params and bodies', () => {
    const d = parseSpec('%global commit abc123\n%define short(n:) %{sub %1 1 7}\n%undefine foo\n');
    assert.deepEqual(d.macroDefinitions.map((m) => [m.keyword, m.name, m.params, m.body]), [['global', 'commit', undefined, 'abc123'], ['define', 'short', 'n:', '%{sub %1 1 7}'], ['undefine', 'foo', undefined, '']]);
  });
  it('a definition without a name is an error', () => {
    const d = parseSpec('%global\n');
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['SPEC_MACRO_NAME_MISSING']);
  });
  it('bconds', () => {
    const d = parseSpec('%bcond_with docs\n%bcond tests %{undefined rhel}\n');
    assert.deepEqual(d.bconds.map((b) => [b.keyword, b.name, b.defaultExpression]), [['bcond_with', 'docs', undefined], ['bcond', 'tests', '%{undefined rhel}']]);
  });
  it('includes', () => {
    const t = '%include %{SOURCE1}\n%{load:%{_sourcedir}/x.macros}\n';
    const d = parseSpec(t);
    assert.deepEqual(d.includes.map((i) => [i.form, i.path, t.slice(i.pathRange.start, i.pathRange.end)]), [['%include', '%{SOURCE1}', '%{SOURCE1}'], ['%{load:}', '%{_sourcedir}/x.macros', '%{_sourcedir}/x.macros']]);
  });
  it('%sourcelist and %patchlist entries', () => {
    const d = parseSpec('Name: x\n%sourcelist\nhttps://a/b.tar.gz\n# c\n\nlocal.txt\n%patchlist\nfix.patch\n%prep\n');
    assert.deepEqual(d.listEntries.map((e) => [e.kind, e.value, e.position, e.node.line]), [['source', 'https://a/b.tar.gz', 0, 3], ['source', 'local.txt', 1, 6], ['patch', 'fix.patch', 0, 8]]);
  });
  it('changelog entries', () => {
    const t = 'Name: x\n%changelog\n* Mon Jan 01 2024 A <a@b> - 1-1\n- one\n\n* Sun Dec 31 2023 B <b@c> - 0.9-1\n- two\n';
    const d = parseSpec(t);
    assert.deepEqual(d.changelog.map((e) => [e.header, e.line, t.slice(e.start, e.end)]), [
      ['Mon Jan 01 2024 A <a@b> - 1-1', 3, '* Mon Jan 01 2024 A <a@b> - 1-1\n- one\n\n'],
      ['Sun Dec 31 2023 B <b@c> - 0.9-1', 6, '* Sun Dec 31 2023 B <b@c> - 0.9-1\n- two\n'],
    ]);
  });
  it('%files entries and scriptlets', () => {
    const d = parseSpec('Name: x\n%files -f x.lang\n%license COPYING\n%config(noreplace) %attr(0600,root,root) %{_sysconfdir}/x.conf\n%if 1\n%{_bindir}/x\n%endif\n# c\n%post -p /sbin/ldconfig\n%triggerin -- bash\n');
    const f = filesEntries(d, findSections(d, 'files')[0]!);
    assert.deepEqual(f.map((e) => [e.directives, e.paths, e.node.line]), [[['%license'], 'COPYING', 3], [['%config(noreplace)', '%attr(0600,root,root)'], '%{_sysconfdir}/x.conf', 4], [[], '%{_bindir}/x', 6]]);
    assert.deepEqual(scriptletSections(d).map((s) => [s.name, s.kind]), [['post', 'scriptlet'], ['triggerin', 'trigger']]);
  });
  it('final newline presence', () => {
    assert.equal(parseSpec('Name: x\n').finalNewline, true);
    assert.equal(parseSpec('Name: x').finalNewline, false);
    assert.equal(parseSpec('').finalNewline, false);
    assert.equal(parseSpec('Name: x').nodes[0]!.contentEnd, 7);
  });
  it('nodeAt finds the node holding an offset', () => {
    const t = 'Name: x\n\n%build\n';
    const d = parseSpec(t);
    assert.equal(nodeAt(d, 0)!.kind, 'tag');
    assert.equal(nodeAt(d, 8)!.kind, 'blank');
    assert.equal(nodeAt(d, 10)!.kind, 'section-header');
    assert.equal(nodeAt(d, t.length), undefined);
  });
});

describe('bytes', () => {
  it('round-trips invalid UTF-8 and NUL bytes through latin1 decoding', () => {
    const bytes = Uint8Array.from([0x4e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0xc3, 0x0a, 0x0d]);
    const t = decodeSpecBytes(bytes);
    assert.deepEqual([...encodeSpecText(printSpec(parseSpec(t)))], [...bytes]);
  });
  it('displayText decodes valid UTF-8, keeps invalid bytes', () => {
    assert.equal(displayText(toSpecBytesString('Jiří')), 'Jiří');
    assert.equal(displayText('\u00ff\u00fe'), '\u00ff\u00fe');
  });
});
