import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrataError } from '../diag/index.js';
import { findSections, parseSpec } from './cst.js';
import { applySplices, formatTagLine, planAddTag, planAppendToSection, planInsertTag, planPrependToSection, planRemoveSections, planRemoveTag, planSetTag, requirePlan, type EditPlan } from './edit.js';

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

function apply(text: string, plan: EditPlan): string {
  return applySplices(text, requirePlan(plan));
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

describe('tag edits', () => {
  const doc = parseSpec(SPEC, 'foo.spec');
  it('insert after the last tag of the family, past the enclosing %endif, in the neighbour style', () => {
    const out = apply(SPEC, planInsertTag(doc, { package: '', tag: 'Source9999', value: 'foo.azl.macros' }));
    assert.match(out, /%endif\nSource9999:     foo.azl.macros\nBuildRequires:  gcc\n/);
  });
  it('insert with no tag of the family goes after the last tag', () => {
    const out = apply(SPEC, planInsertTag(doc, { package: '', tag: 'Requires', value: 'bar' }));
    assert.match(out, /BuildRequires:  gcc\nRequires:       bar\n\n%if 0%\{\?fedora\}\n%package devel/);
  });
  it('add goes to the end of the preamble, never into the %if that wraps the next section', () => {
    const out = apply(SPEC, planAddTag(doc, { package: '', tag: 'Provides', value: 'x' }));
    assert.match(out, /BuildRequires:  gcc\nProvides:       x\n\n%if 0%\{\?fedora\}\n%package devel/);
  });
  it('add to a sub-package inside a conditional stays inside it', () => {
    const out = apply(SPEC, planAddTag(doc, { package: 'devel', tag: 'Requires', value: 'foo' }));
    assert.match(out, /%package devel\nSummary: devel\nRequires: foo\n%endif/);
  });
  it('set replaces the value only', () => {
    const out = apply(SPEC, planSetTag(doc, { package: '', tag: 'release', value: '5%{?dist}' }));
    assert.match(out, /\nRelease:        5%\{\?dist\}\n/);
    assert.equal(out.length, SPEC.length);
  });
  it('set of a missing tag inserts it; with insertIfMissing=false it is an error', () => {
    assert.match(apply(SPEC, planSetTag(doc, { package: '', tag: 'Epoch', value: '1' })), /BuildRequires:  gcc\nEpoch:          1\n/);
    const p = planSetTag(doc, { package: '', tag: 'Epoch', value: '1' }, { insertIfMissing: false });
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['SPEC_TAG_NOT_FOUND']);
  });
  it('set refuses a tag that sits in several branches', () => {
    const t = 'Name: x\n%if 0%{?rhel}\nRelease: 1\n%else\nRelease: 2\n%endif\n';
    const p = planSetTag(parseSpec(t, 'x.spec'), { package: '', tag: 'Release', value: '3' });
    assert.deepEqual(p.diagnostics.map((d) => [d.code, d.span?.line, d.related?.length]), [['SPEC_AMBIGUOUS_TARGET', 3, 2]]);
    assert.deepEqual(p.splices, []);
  });
  it('remove removes whole lines, optionally by value', () => {
    const t = 'Name: x\nBuildRequires: a\nBuildRequires: B\n';
    assert.equal(apply(t, planRemoveTag(parseSpec(t), { package: '', tag: 'buildrequires', value: 'b' })), 'Name: x\nBuildRequires: a\n');
    assert.equal(apply(t, planRemoveTag(parseSpec(t), { package: '', tag: 'BuildRequires' })), 'Name: x\n');
    assert.deepEqual(planRemoveTag(parseSpec(t), { package: '', tag: 'Requires' }).diagnostics.map((d) => d.code), ['SPEC_TAG_NOT_FOUND']);
  });
  it('unknown and ambiguous packages are refused', () => {
    assert.deepEqual(planAddTag(doc, { package: 'nope', tag: 'A', value: 'b' }).diagnostics.map((d) => d.code), ['SPEC_PACKAGE_NOT_FOUND']);
    const t = 'Name: x\n%if 1\n%package a\n%else\n%package a\n%endif\n';
    assert.deepEqual(planAddTag(parseSpec(t), { package: 'a', tag: 'A', value: 'b' }).diagnostics.map((d) => d.code), ['SPEC_AMBIGUOUS_TARGET']);
  });
  it('a text without final newline gets one before an appended line', () => {
    const t = 'Name: x';
    assert.equal(apply(t, planAddTag(parseSpec(t), { package: '', tag: 'Version', value: '1' })), 'Name: x\nVersion: 1\n');
  });
  it('formatTagLine copies indentation, tabs and alignment', () => {
    const d = parseSpec('  Name:\t\tfoo\nVersion:1\n');
    assert.equal(formatTagLine(d, d.tags[0], 'URL', 'u'), '  URL:\t\tu');
    assert.equal(formatTagLine(d, d.tags[1], 'URL', 'u'), 'URL:u');
    assert.equal(formatTagLine(d, undefined, 'URL', 'u'), 'URL: u');
  });
  it('CRLF specs get CRLF lines', () => {
    const t = 'Name: x\r\nVersion: 1\r\n';
    assert.equal(apply(t, planInsertTag(parseSpec(t), { package: '', tag: 'Release', value: '1' })), 'Name: x\r\nVersion: 1\r\nRelease: 1\r\n');
  });
});

describe('section edits', () => {
  const doc = parseSpec(SPEC, 'foo.spec');
  it('prepend after the header', () => {
    const out = apply(SPEC, planPrependToSection(doc, findSections(doc, 'prep')[0]!, ['echo hi']));
    assert.match(out, /%prep\necho hi\n%autosetup/);
  });
  it('append before trailing blank lines', () => {
    const out = apply(SPEC, planAppendToSection(doc, findSections(doc, 'description', '')[0]!, ['more']));
    assert.match(out, /%description\ndesc\nmore\n\n%if 0%\{\?fedora\}\n%description devel/);
  });
  it('removing a sub-package takes its wrapping conditional', () => {
    const secs = doc.sections.filter((s) => s.package === 'devel');
    const out = apply(SPEC, planRemoveSections(doc, secs));
    assert.doesNotMatch(out, /devel/);
    assert.equal(out.split('%if').length - 1, 1); // only the Source1 conditional remains
    assert.equal(out.split('%endif').length - 1, 1);
  });
  it('removing one section out of a shared conditional is refused', () => {
    const t = 'Name: x\n%package a\nSummary: a\n%if 1\nRequires: b\n%description a\nd\n%endif\n';
    const d = parseSpec(t, 'x.spec');
    const p = planRemoveSections(d, [findSections(d, 'package', 'a')[0]!]);
    assert.deepEqual(p.diagnostics.map((x) => [x.code, x.span?.line]), [['SPEC_CONDITIONAL_SPANS_SECTIONS', 4]]);
  });
  it('a section that holds the %else of a conditional opened before it is removed without it', () => {
    const t = 'Name: x\n%if 1\n%package a\nSummary: a\n%else\n%package b\n%endif\n';
    const d = parseSpec(t, 'x.spec');
    assert.equal(apply(t, planRemoveSections(d, [findSections(d, 'package', 'a')[0]!])), 'Name: x\n%if 1\n%else\n%package b\n%endif\n');
  });
  it('the main preamble cannot be removed', () => {
    assert.deepEqual(planRemoveSections(doc, [doc.sections[0]!]).diagnostics.map((d) => d.code), ['SPEC_CANNOT_REMOVE_PREAMBLE']);
  });
});
