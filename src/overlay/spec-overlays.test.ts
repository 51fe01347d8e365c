import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../diag/index.js';
import { applySplices, lineEditSplices, parseSpec, viewSpecLines } from '../spec/index.js';
import { planOverlaySpec, type AnyOverlay } from './index.js';

const at = { file: 'base/comps/x/x.comp.toml', line: 7, col: 1 };

const SPEC = `Name:           x
Version:        1.0
Release:        3%{?dist}
Summary:        test
License:        MIT
Source0:        x-1.0.tar.gz
%if %{with extra}
Source1:        extra.tar.gz
%endif
Patch0:         fix.patch
BuildRequires:  gcc
BuildRequires:  make

%description
Test.

%package devel
Summary:        dev
Requires:       x = %{version}

%description devel
Dev.

%if %{with docs}
%package doc
Summary:        docs
%global docdir %{_docdir}/x

%description doc
Docs.
%endif

%prep
%autosetup

%build
%make_build

%install
%make_install

%if %{with check}
%check
make check
%endif

%files
/usr/bin/x

%files devel
/usr/include/x.h

%if %{with docs}
%files doc
/usr/share/doc/x
%endif

%changelog
* Mon Jan 01 2024 A <a@b> - 1.0-1
- init
`;

/** The spec after one overlay (planned on the line view, applied as splices). */
function applyToSpec(spec: string, o: AnyOverlay): string {
  const view = viewSpecLines(parseSpec(spec, 'x.spec'));
  return applySplices(spec, lineEditSplices(view, planOverlaySpec(view, o, { specFile: 'x.spec' })));
}

interface Case {
  readonly name: string;
  readonly overlay: AnyOverlay;
  /** Expected spec after the overlay (as a function of the input for brevity). */
  readonly expected?: (s: string) => string;
  readonly code?: string;
}

const cases: Case[] = [
  {
    name: 'spec-add-tag appends to the end of the preamble (after the blank line)',
    overlay: { type: 'spec-add-tag', tag: 'BuildRequires', value: 'cmake' },
    expected: (s) => s.replace('BuildRequires:  make\n\n', 'BuildRequires:  make\n\nBuildRequires: cmake\n'),
  },
  {
    name: 'spec-add-tag into a sub-package',
    overlay: { type: 'spec-add-tag', tag: 'Requires', value: 'y', package: 'devel' },
    expected: (s) => s.replace('Requires:       x = %{version}\n\n', 'Requires:       x = %{version}\n\nRequires: y\n'),
  },
  {
    name: 'spec-add-tag never lands inside the %if that wraps the next section',
    overlay: { type: 'spec-add-tag', tag: 'Provides', value: 'z', package: 'devel' },
    expected: (s) => s.replace('Requires:       x = %{version}\n\n', 'Requires:       x = %{version}\n\nProvides: z\n'),
  },
  { name: 'spec-add-tag on a missing sub-package', overlay: { type: 'spec-add-tag', tag: 'Requires', value: 'y', package: 'nope' }, code: 'OVERLAY_SECTION_NOT_FOUND' },
  {
    name: 'spec-insert-tag after the last tag of the family, past %endif',
    overlay: { type: 'spec-insert-tag', tag: 'Source2', value: 'more.tar.gz' },
    expected: (s) => s.replace('%endif\nPatch0:', '%endif\nSource2: more.tar.gz\nPatch0:'),
  },
  {
    name: 'spec-insert-tag with no tag of the family goes after the last tag',
    overlay: { type: 'spec-insert-tag', tag: 'Obsoletes', value: 'old' },
    expected: (s) => s.replace('BuildRequires:  make\n', 'BuildRequires:  make\nObsoletes: old\n'),
  },
  {
    name: 'spec-update-tag rewrites every occurrence',
    overlay: { type: 'spec-update-tag', tag: 'buildrequires', value: 'clang' },
    expected: (s) => s.replace('BuildRequires:  gcc\nBuildRequires:  make', 'buildrequires: clang\nbuildrequires: clang'),
  },
  { name: 'spec-update-tag without the tag', overlay: { type: 'spec-update-tag', tag: 'Epoch', value: '1' }, code: 'OVERLAY_NO_SUCH_TAG' },
  {
    name: 'spec-set-tag updates when present',
    overlay: { type: 'spec-set-tag', tag: 'Release', value: '5%{?dist}' },
    expected: (s) => s.replace('Release:        3%{?dist}', 'Release: 5%{?dist}'),
  },
  {
    name: 'spec-set-tag adds when absent',
    overlay: { type: 'spec-set-tag', tag: 'Epoch', value: '1' },
    expected: (s) => s.replace('BuildRequires:  make\n\n', 'BuildRequires:  make\n\nEpoch: 1\n'),
  },
  {
    name: 'spec-remove-tag with a value (case-insensitive)',
    overlay: { type: 'spec-remove-tag', tag: 'BuildRequires', value: 'GCC' },
    expected: (s) => s.replace('BuildRequires:  gcc\n', ''),
  },
  { name: 'spec-remove-tag with no match', overlay: { type: 'spec-remove-tag', tag: 'BuildRequires', value: 'cmake' }, code: 'OVERLAY_NO_SUCH_TAG' },
  {
    name: 'spec-prepend-lines without section goes to the top',
    overlay: { type: 'spec-prepend-lines', lines: ['%global a 1'] },
    expected: (s) => '%global a 1\n' + s,
  },
  {
    name: 'spec-prepend-lines after the section header',
    overlay: { type: 'spec-prepend-lines', section: '%build', lines: ['export X=1'] },
    expected: (s) => s.replace('%build\n', '%build\nexport X=1\n'),
  },
  {
    name: 'spec-append-lines to the bottom',
    overlay: { type: 'spec-append-lines', lines: ['- more'] },
    expected: (s) => s + '- more\n',
  },
  {
    name: 'spec-append-lines to %install stays outside the %if wrapping %check',
    overlay: { type: 'spec-append-lines', section: '%install', lines: ['rm -f x'] },
    expected: (s) => s.replace('%make_install\n\n%if %{with check}', '%make_install\n\nrm -f x\n%if %{with check}'),
  },
  { name: 'spec-append-lines on a missing section', overlay: { type: 'spec-append-lines', section: '%Build', lines: ['x'] }, code: 'OVERLAY_SECTION_NOT_FOUND' },
  {
    name: 'spec-search-replace per line, literal replacement',
    overlay: { type: 'spec-search-replace', regex: '(make)_build', replacement: '$1 -j1' },
    expected: (s) => s.replace('%make_build', '%$1 -j1'),
  },
  {
    name: 'spec-search-replace with a newline splits the line',
    overlay: { type: 'spec-search-replace', section: '%prep', regex: '^%autosetup$', replacement: '%autosetup\nsed -i x y' },
    expected: (s) => s.replace('%autosetup\n', '%autosetup\nsed -i x y\n'),
  },
  { name: 'spec-search-replace never matches header lines', overlay: { type: 'spec-search-replace', regex: '^%files devel', replacement: '' }, code: 'OVERLAY_PATTERN_NOT_FOUND' },
  { name: 'spec-search-replace invalid RE2', overlay: { type: 'spec-search-replace', regex: '(?<=a)b', replacement: '' }, code: 'OVERLAY_BAD_REGEX' },
  {
    name: 'spec-remove-section keeps the wrapping %endif balanced and the %if of the next section',
    overlay: { type: 'spec-remove-section', section: '%install' },
    expected: (s) => s.replace('%install\n%make_install\n\n', ''),
  },
  {
    name: 'spec-remove-subpackage drops an emptied conditional and keeps %global (in its conditional)',
    overlay: { type: 'spec-remove-subpackage', package: 'doc' },
    expected: (s) =>
      s
        // The %global was defined under the condition: it stays, still conditional.
        .replace('%if %{with docs}\n%package doc\nSummary:        docs\n%global docdir %{_docdir}/x\n\n%description doc\nDocs.\n%endif\n\n', '%if %{with docs}\n%global docdir %{_docdir}/x\n%endif\n\n')
        .replace('%if %{with docs}\n%files doc\n/usr/share/doc/x\n%endif\n\n', ''),
  },
  { name: 'spec-remove-subpackage missing', overlay: { type: 'spec-remove-subpackage', package: 'nope' }, code: 'OVERLAY_SECTION_NOT_FOUND' },
  { name: 'spec-remove-section missing', overlay: { type: 'spec-remove-section', section: '%check', package: 'devel' }, code: 'OVERLAY_SECTION_NOT_FOUND' },
  {
    name: 'patch-add adds Patch<N+1> at the end of the preamble',
    overlay: { type: 'patch-add', source: '/abs/fix2.patch', file: 'fix2.patch' },
    expected: (s) => s.replace('BuildRequires:  make\n\n', 'BuildRequires:  make\n\nPatch1: fix2.patch\n'),
  },
  {
    name: 'patch-remove removes matching Patch tags',
    overlay: { type: 'patch-remove', file: 'fix*.patch' },
    expected: (s) => s.replace('Patch0:         fix.patch\n', ''),
  },
  { name: 'patch-remove with no match', overlay: { type: 'patch-remove', file: 'nope*.patch' }, code: 'OVERLAY_PATTERN_NOT_FOUND' },
];

for (const c of cases) {
  test(c.name, () => {
    const o: AnyOverlay = { ...c.overlay, definedAt: at };
    const run = () => applyToSpec(SPEC, o);
    if (c.code) {
      assert.throws(run, (e: unknown) => {
        assert.ok(isStrataError(e));
        assert.equal(e.code, c.code);
        assert.deepEqual(e.diagnostics[0]!.span, at);
        assert.match(e.diagnostics[0]!.message, new RegExp(c.overlay.type));
        return true;
      });
    } else {
      const out = run();
      const want = c.expected!(SPEC);
      assert.notEqual(want, SPEC, 'test expectation must change the spec');
      assert.equal(out, want);
    }
  });
}

test('spec-prepend-lines on %patchlist-less spec: patch-add appends to %patchlist when present', () => {
  const spec = 'Name: x\n\n%patchlist\na.patch\n\n%prep\n';
  const out = applyToSpec(spec, { type: 'patch-add', source: '/p/b.patch', file: 'b.patch' });
  assert.equal(out, 'Name: x\n\n%patchlist\na.patch\n\nb.patch\n%prep\n');
});

test('%define bodies continued with \\ do not create phantom sections', () => {
  const spec = 'Name: x\n\n%define sub() \\\n%package %1 \\\nSummary: %1\n\n%build\nmake\n\n%files\n';
  // `%package %1` is part of the macro body (rpm joins it), so there is no such package …
  assert.throws(() => applyToSpec(spec, { type: 'spec-add-tag', tag: 'Requires', value: 'y', package: '%1' }), (e: unknown) => isStrataError(e) && e.code === 'OVERLAY_SECTION_NOT_FOUND');
  // … and removing %build keeps the whole definition, continuation lines included.
  const out = applyToSpec(spec, { type: 'spec-remove-section', section: '%build' });
  assert.equal(out, 'Name: x\n\n%define sub() \\\n%package %1 \\\nSummary: %1\n\n%files\n');
});

test('a \\-continued shell line does not hide the next section header (rpm reads it as a header)', () => {
  const spec = 'Name: x\n\n%build\n./configure \\\n%install\nmake install\n';
  const out = applyToSpec(spec, { type: 'spec-append-lines', section: '%install', lines: ['x'] });
  assert.equal(out, spec + 'x\n');
});

test('tag edits replace a multi-line tag (an open %{shrink: …}) as a whole', () => {
  const spec = 'Name: x\nLicense: %{shrink:\n  MIT AND\n  BSD\n}\nSource0: a.tar.gz\n';
  const upd = applyToSpec(spec, { type: 'spec-update-tag', tag: 'License', value: 'MIT' });
  assert.equal(upd, 'Name: x\nLicense: MIT\nSource0: a.tar.gz\n');
  const ins = applyToSpec(spec, { type: 'spec-insert-tag', tag: 'License', value: 'GPL' });
  assert.equal(ins, 'Name: x\nLicense: %{shrink:\n  MIT AND\n  BSD\n}\nLicense: GPL\nSource0: a.tar.gz\n');
});

test('section removal keeps a continued %if that opens around the next section whole', () => {
  const spec = 'Name: x\n\n%build\nmake\n\n%if 0%{?fedora} || \\\n    0%{?rhel}\n%check\nmake check\n%endif\n';
  const out = applyToSpec(spec, { type: 'spec-remove-section', section: '%build' });
  assert.equal(out, 'Name: x\n\n%if 0%{?fedora} || \\\n    0%{?rhel}\n%check\nmake check\n%endif\n');
});

test('%description -l LANG belongs to the main package', () => {
  const spec = 'Name: x\n\n%description\nEnglish.\n\n%description -l de\nDeutsch.\n\n%files\n';
  const out = applyToSpec(spec, { type: 'spec-remove-section', section: '%description' });
  assert.equal(out, 'Name: x\n\n%files\n');
});

test('a tag needs its colon right after the name, as azldev reads it', () => {
  const spec = 'Name: x\nRequires(post): a\nSummary : s\n';
  const out = applyToSpec(spec, { type: 'spec-remove-tag', tag: 'Requires(post)' });
  assert.equal(out, 'Name: x\nSummary : s\n');
  assert.throws(() => applyToSpec(spec, { type: 'spec-remove-tag', tag: 'Summary' }), (e: unknown) => isStrataError(e) && e.code === 'OVERLAY_NO_SUCH_TAG');
});

test('a CRLF spec without final newline keeps both: only the edited line changes', () => {
  assert.equal(applyToSpec('Name: x\r\nRelease: 1', { type: 'spec-update-tag', tag: 'Release', value: '2' }), 'Name: x\r\nRelease: 2');
});
