import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrataError } from '../diag/index.js';
import { parseSpec } from './cst.js';
import { appendPoint, applySplices, findLineSections, formatTagLine, lineEditSplices, packageSections, planSectionRemoval, skipPastConditional, viewSpecLines, type LineEdit } from './edit.js';

const SPEC = `Name:           foo
Version:        1.0
Release:        1%{?dist}
Source0:        foo.tar.gz
%if %{with x}
Source1:        x.tar.gz
%endif
BuildRequires:  gcc

%if 0%{?fedora}
%package devel
Summary: devel
%endif

%description
desc

%if 0%{?fedora}
%description devel
d
%endif

%prep
%autosetup

%files
/usr/bin/foo
`;

function edit(text: string, edits: (v: ReturnType<typeof viewSpecLines>) => LineEdit[]): string {
  const view = viewSpecLines(parseSpec(text, 'foo.spec'));
  return applySplices(text, lineEditSplices(view, edits(view)));
}

describe('applySplices', () => {
  it('applies splices by offset and keeps insertion order at one offset', () => {
    assert.equal(applySplices('abcdef', [{ offset: 4, length: 1, text: 'X' }, { offset: 0, length: 0, text: '1' }, { offset: 0, length: 0, text: '2' }]), '12abcdXf');
  });
  it('refuses overlapping splices with a code', () => {
    assert.throws(() => applySplices('abcdef', [{ offset: 1, length: 3, text: '' }, { offset: 2, length: 1, text: '' }]), (e: unknown) => e instanceof StrataError && e.code === 'SPEC_SPLICE_OVERLAP');
    assert.throws(() => applySplices('ab', [{ offset: 1, length: 5, text: '' }]), (e: unknown) => e instanceof StrataError && e.code === 'SPEC_SPLICE_OVERLAP');
  });
});

describe('the line view', () => {
  const view = viewSpecLines(parseSpec(SPEC, 'foo.spec'));
  it('has one line per physical line, with its offset, line ending and kind', () => {
    assert.equal(view.lines.length, SPEC.split('\n').length - 1);
    for (const l of view.lines) assert.equal(SPEC.slice(l.start, l.start + l.text.length + l.eol.length), l.text + l.eol);
    assert.deepEqual([view.lines[0]!.kind, view.lines[0]!.tag, view.lines[0]!.value], ['tag', 'Name', 'foo']);
    assert.deepEqual([view.lines[4]!.kind, view.lines[4]!.cond], ['raw', 'open']);
    assert.equal(view.lines[10]!.kind, 'header');
  });
  it('CRLF lines keep their ending apart from their text; a missing final newline is an empty ending', () => {
    const v = viewSpecLines(parseSpec('Name: x\r\n%if 1\r\nVersion: 1\r\n%endif'));
    assert.deepEqual(v.lines.map((l) => [l.text, l.eol]), [['Name: x', '\r\n'], ['%if 1', '\r\n'], ['Version: 1', '\r\n'], ['%endif', '']]);
    assert.equal(v.lines[2]!.value, '1');
    assert.deepEqual([...v.partner], [[1, 3], [3, 1]]);
    assert.equal(v.eol, '\r\n');
  });
  it('appendPoint never lands inside the %if that wraps the next section; skipPastConditional leaves an enclosing %if', () => {
    const pre = packageSections(view, '')[0]!;
    assert.equal(view.lines[appendPoint(view, pre)]!.text, '%if 0%{?fedora}');
    assert.equal(view.lines[skipPastConditional(view, pre, 5)]!.text, 'BuildRequires:  gcc');
  });
});

describe('line edits as splices', () => {
  it('insert the neighbour-style tag past the enclosing %endif', () => {
    const out = edit(SPEC, (v) => {
      const pre = packageSections(v, '')[0]!;
      const line = formatTagLine(v.doc, 'Source9999', 'foo.azl.macros', 'neighbour', v.doc.tags[3]);
      return [{ at: skipPastConditional(v, pre, 5), del: 0, ins: [line] }];
    });
    assert.match(out, /%endif\nSource9999:     foo.azl.macros\nBuildRequires:  gcc\n/);
  });
  it('a replaced line changes only that line', () => {
    const out = edit(SPEC, () => [{ at: 2, del: 1, ins: ['Release:        5%{?dist}'] }]);
    assert.equal(out, SPEC.replace('Release:        1%{?dist}', 'Release:        5%{?dist}'));
  });
  it('CRLF specs get CRLF lines', () => {
    const t = 'Name: x\r\nVersion: 1\r\n';
    assert.equal(edit(t, (v) => [{ at: v.lines.length, del: 0, ins: ['Release: 1'] }]), 'Name: x\r\nVersion: 1\r\nRelease: 1\r\n');
  });
  it('a text without final newline stays without one, wherever the edit is', () => {
    const t = 'Name: x\nVersion: 1';
    assert.equal(edit(t, (v) => [{ at: v.lines.length, del: 0, ins: ['Release: 1', 'Epoch: 2'] }]), 'Name: x\nVersion: 1\nRelease: 1\nEpoch: 2');
    assert.equal(edit(t, () => [{ at: 1, del: 1, ins: ['Version: 2'] }]), 'Name: x\nVersion: 2');
    assert.equal(edit(t, () => [{ at: 1, del: 1, ins: [] }]), 'Name: x');
    assert.equal(edit(t, () => [{ at: 0, del: 1, ins: ['Name: y'] }]), 'Name: y\nVersion: 1');
  });
  it('edits that abut are merged, so deleting the last lines of an open-ended text does not overlap', () => {
    const t = 'a\nb\nc';
    assert.equal(edit(t, () => [{ at: 2, del: 1, ins: [] }, { at: 1, del: 1, ins: [] }]), 'a');
  });
  it('formatTagLine: azldev form, or the neighbour\'s indentation, tabs and alignment', () => {
    const d = parseSpec('  Name:\t\tfoo\nVersion:1\n');
    assert.equal(formatTagLine(d, 'URL', 'u', 'neighbour', d.tags[0]), '  URL:\t\tu');
    assert.equal(formatTagLine(d, 'URL', 'u', 'neighbour', d.tags[1]), 'URL:u');
    assert.equal(formatTagLine(d, 'URL', 'u', 'neighbour'), 'URL: u');
    assert.equal(formatTagLine(d, 'URL', 'u', 'azldev', d.tags[0]), 'URL: u');
  });
});

describe('section removal', () => {
  const remove = (t: string, pick: (v: ReturnType<typeof viewSpecLines>) => ReturnType<typeof findLineSections>) => edit(t, (v) => planSectionRemoval(v, pick(v)));
  it('removing a sub-package takes its wrapping conditionals', () => {
    const out = remove(SPEC, (v) => v.sections.filter((s) => s.header >= 0 && s.pkg === 'devel'));
    assert.doesNotMatch(out, /devel/);
    assert.equal(out.split('%if').length - 1, 1); // only the Source1 conditional remains
    assert.equal(out.split('%endif').length - 1, 1);
  });
  it('a section that holds the %else of a conditional opened before it is removed without it', () => {
    const t = 'Name: x\n%if 1\n%package a\nSummary: a\n%else\n%package b\n%endif\n';
    assert.equal(remove(t, (v) => findLineSections(v, '%package', 'a')), 'Name: x\n%if 1\n%else\n%package b\n%endif\n');
  });
  it('one section out of a shared conditional goes; the directives whose partner stays outside stay', () => {
    const t = 'Name: x\n%package a\nSummary: a\n%if 1\nRequires: b\n%description a\nd\n%endif\n';
    assert.equal(remove(t, (v) => findLineSections(v, '%package', 'a')), 'Name: x\n%if 1\n%description a\nd\n%endif\n');
  });
  it('macro definitions survive the removal', () => {
    const t = 'Name: x\n%build\n%global foo 1\nmake\n%files\n';
    assert.equal(remove(t, (v) => findLineSections(v, '%build', '')), 'Name: x\n%global foo 1\n%files\n');
  });
});
