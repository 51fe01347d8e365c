// Every class for every overlay type, on specs written for the test: each case is one overlay
// re-applied to NEW (and, where given, its dist-git files and unpacked sources).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { AnyOverlay, Overlay } from '../config/types.js';
import { classifyOverlays, type NewUpstream } from './classify.js';
import type { RebaseClass } from './types.js';

const NEW = `Name:           hello
Version:        2.0
Release:        1%{?dist}
Summary:        Hello
License:        MIT
Source0:        https://example.org/hello-%{version}.tar.gz
Source1:        hello.conf
Patch0:         fix-build.patch
Patch1:         cve-2026-0001.patch
BuildRequires:  gcc, make
BuildRequires:  pkgconfig(glib-2.0) >= 2.80
Requires:       hello-libs = %{version}-%{release}
%if 0%{?rhel}
BuildRequires:  rust-toolset
%else
BuildRequires:  cargo-rpm-macros
%endif

%description
Hello.

%package libs
Summary:        Libraries
Requires:       glibc

%description libs
Libraries.

%package devel
Summary:        Headers
Requires:       hello-libs%{?_isa} = %{version}-%{release}

%description devel
Headers.

%prep
%autosetup -p1

%build
%meson -Dgtk=enabled
%meson_build

%install
%meson_install
install -p -m 755 ./%{_vpath_builddir}/hello %{buildroot}%{_bindir}/hello
# no static libraries
rm -f %{buildroot}%{_libdir}/*.a

%check
%meson_test

%files
%license COPYING
%{_bindir}/hello

%files libs
%{_libdir}/libhello.so.*
%{_libdir}/girepository-1.0/Hello-2.0.typelib

%files devel
%{_includedir}/hello.h

%changelog
* Mon Aug 03 2026 P <p@x> - 2.0-1
- new version
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-classify-'));
const toml = path.join(dir, 'hello.comp.toml');
let line = 1;
/** A declared overlay (the TOML position is synthetic: a line per overlay). */
function ov(o: AnyOverlay, metadata?: Overlay['metadata']): Overlay {
  const at = { file: toml, line: line++, col: 1 };
  return { ...o, definedAt: at, declaredIn: toml, declaredDir: dir, fieldSpans: {}, ...(metadata ? { metadata } : {}) } as Overlay;
}
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const enc = new TextEncoder();
const SOURCES_V2 = new Map([
  ['src/main.c', 'int main(void) {\n  greet("world");\n  return 0;\n}\n'],
  ['src/greet.c', '#include <stdio.h>\nvoid greet(const char *who) {\n  printf("Hello, %s!\\n", who);\n}\n'],
]);
/** A patch of src/greet.c from `a` to `b`. */
const patchOf = (a: string, b: string) => createTwoFilesPatch('a/src/greet.c', 'b/src/greet.c', a, b);
const greetOld = '#include <stdio.h>\nvoid greet(const char *who) {\n  printf("Hello %s\\n", who);\n}\n';
const greetNew = SOURCES_V2.get('src/greet.c')!;
const greetNext = greetNew.replace('printf', 'fprintf(stdout, ').replace('who);', 'who));');

interface Case {
  readonly name: string;
  readonly overlay: Overlay;
  readonly expect: RebaseClass;
  readonly reason?: RegExp;
  /** dist-git files beside the spec (known = the check has the sources). */
  readonly files?: Record<string, string>;
  readonly withTree?: boolean;
}

const cases: Case[] = [
  // --- applies ---
  { name: 'set-tag changes Release', overlay: ov({ type: 'spec-set-tag', tag: 'Release', value: '1%{?dist}.azl1' }), expect: 'applies', reason: /Release: 1%\{\?dist\} → 1%\{\?dist\}\.azl1/ },
  { name: 'update-tag in a sub-package', overlay: ov({ type: 'spec-update-tag', tag: 'Summary', value: 'Libs', package: 'libs' }), expect: 'applies' },
  { name: 'add-tag a new BuildRequires', overlay: ov({ type: 'spec-add-tag', tag: 'BuildRequires', value: 'systemd-rpm-macros' }), expect: 'applies' },
  { name: 'add-tag a BuildRequires upstream has only inside %if/%else: kept', overlay: ov({ type: 'spec-add-tag', tag: 'BuildRequires', value: 'cargo-rpm-macros' }), expect: 'applies', reason: /only inside a conditional \(line 16\)/ },
  { name: 'insert-tag a new Requires', overlay: ov({ type: 'spec-insert-tag', tag: 'Requires', value: 'azurelinux-release' }), expect: 'applies' },
  { name: 'remove-tag present', overlay: ov({ type: 'spec-remove-tag', tag: 'Requires', value: 'glibc', package: 'libs' }), expect: 'applies' },
  { name: 'append-lines to %install', overlay: ov({ type: 'spec-append-lines', section: '%install', lines: ['ln -s hello %{buildroot}%{_bindir}/hi'] }), expect: 'applies' },
  { name: 'prepend-lines to %check', overlay: ov({ type: 'spec-prepend-lines', section: '%check', lines: ['exit 0'] }), expect: 'applies' },
  { name: 'search-replace matches', overlay: ov({ type: 'spec-search-replace', section: '%build', regex: '-Dgtk=enabled', replacement: '-Dgtk=disabled' }), expect: 'applies' },
  { name: 'remove-section present', overlay: ov({ type: 'spec-remove-section', section: '%files', package: 'devel' }), expect: 'applies' },
  { name: 'remove-subpackage present', overlay: ov({ type: 'spec-remove-subpackage', package: 'devel' }), expect: 'applies' },
  { name: 'patch-add without sources: kept, unverified', overlay: ov({ type: 'patch-add', source: file('azl-fix.patch', patchOf(greetNew, greetNext)), file: 'azl-fix.patch' }), expect: 'applies', reason: /not checked/ },
  { name: 'patch-add applies forward to the new sources', overlay: ov({ type: 'patch-add', source: file('azl-next.patch', patchOf(greetNew, greetNext)), file: 'azl-next.patch' }), expect: 'applies', withTree: true, reason: /applies to the new sources/ },
  { name: 'patch-remove present', overlay: ov({ type: 'patch-remove', file: 'cve-*.patch' }), expect: 'applies' },
  { name: 'file-add new file', overlay: ov({ type: 'file-add', file: 'azl.conf', source: file('azl.conf', 'x=1\n') }), expect: 'applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-add without dist-git files: kept, unverified', overlay: ov({ type: 'file-add', file: 'azl.conf', source: path.join(dir, 'azl.conf') }), expect: 'applies', reason: /could not be checked/ },
  { name: 'file-search-replace matches', overlay: ov({ type: 'file-search-replace', file: 'hello.conf', regex: 'x=0', replacement: 'x=2' }), expect: 'applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-remove present', overlay: ov({ type: 'file-remove', file: '*.conf' }), expect: 'applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-rename present', overlay: ov({ type: 'file-rename', file: 'hello.conf', replacement: 'hello.cfg' }), expect: 'applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-prepend-lines', overlay: ov({ type: 'file-prepend-lines', file: 'hello.conf', lines: ['# azl'] }), expect: 'applies', files: { 'hello.conf': 'x=0\n' } },

  // --- no-longer-applies ---
  { name: 'update-tag on a tag the new spec lacks', overlay: ov({ type: 'spec-update-tag', tag: 'Epoch', value: '1' }), expect: 'no-longer-applies', reason: /no Epoch tag/ },
  { name: 'update-tag on a package that is gone', overlay: ov({ type: 'spec-update-tag', tag: 'Summary', value: 'x', package: 'gtk' }), expect: 'no-longer-applies', reason: /package "gtk" is gone/ },
  { name: 'add-tag to a package that is gone', overlay: ov({ type: 'spec-add-tag', tag: 'Requires', value: 'x', package: 'gtk' }), expect: 'no-longer-applies' },
  { name: 'add-tag Source1 taken by another file', overlay: ov({ type: 'spec-add-tag', tag: 'Source1', value: 'azl.conf' }), expect: 'no-longer-applies', reason: /Source1 is taken/ },
  { name: 'remove-tag whose dependency is still there with a version', overlay: ov({ type: 'spec-remove-tag', tag: 'BuildRequires', value: 'pkgconfig(glib-2.0)' }), expect: 'no-longer-applies', reason: /still has BuildRequires: pkgconfig\(glib-2\.0\) >= 2\.80/ },
  { name: 'append-lines to a section that is gone', overlay: ov({ type: 'spec-append-lines', section: '%files', package: 'gtk', lines: ['%{_libdir}/x'] }), expect: 'no-longer-applies' },
  { name: 'search-replace: pattern gone, replacement not there', overlay: ov({ type: 'spec-search-replace', regex: '%configure --enable-gtk', replacement: '%configure --disable-gtk' }), expect: 'no-longer-applies', reason: /is gone\) and the replacement is not in the new spec/ },
  { name: 'search-replace deleting text that moved to another %files', overlay: ov({ type: 'spec-search-replace', section: '%files', package: 'devel', regex: '%.*girepository-1\\.0.*', replacement: '' }), expect: 'no-longer-applies', reason: /line 58 of %files libs/ },
  { name: 'search-replace deleting text whose context changed', overlay: ov({ type: 'spec-search-replace', section: '%install', regex: '^rm -f .*\\.la$', replacement: '' }), expect: 'no-longer-applies', reason: /context changed/ },
  { name: 'patch-add that applies neither way', overlay: ov({ type: 'patch-add', source: file('azl-old.patch', patchOf(greetOld.replace('Hello', 'Howdy'), greetOld)), file: 'azl-old.patch' }), expect: 'no-longer-applies', withTree: true, reason: /does not apply/ },
  { name: 'file-add onto a different upstream file', overlay: ov({ type: 'file-add', file: 'hello.conf', source: file('hello.conf', 'x=9\n') }), expect: 'no-longer-applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-search-replace: pattern gone, replacement not there', overlay: ov({ type: 'file-search-replace', file: 'hello.conf', regex: 'y=0', replacement: 'y=1' }), expect: 'no-longer-applies', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-rename of a file that is gone', overlay: ov({ type: 'file-rename', file: 'old.conf', replacement: 'new.conf' }), expect: 'no-longer-applies', files: { 'hello.conf': 'x=0\n' } },

  // --- redundant ---
  { name: 'set-tag to the value upstream has', overlay: ov({ type: 'spec-set-tag', tag: 'Version', value: '2.0' }), expect: 'redundant' },
  { name: 'update-tag to the value upstream has', overlay: ov({ type: 'spec-update-tag', tag: 'License', value: 'MIT' }), expect: 'redundant' },
  { name: 'add-tag of a dependency upstream lists with others', overlay: ov({ type: 'spec-add-tag', tag: 'BuildRequires', value: 'make' }), expect: 'redundant', reason: /already has BuildRequires/ },
  { name: 'insert-tag already there', overlay: ov({ type: 'spec-insert-tag', tag: 'Requires', value: 'glibc', package: 'libs' }), expect: 'redundant' },
  { name: 'remove-tag of a BuildRequires already absent', overlay: ov({ type: 'spec-remove-tag', tag: 'BuildRequires', value: 'autoconf' }), expect: 'redundant', reason: /already absent/ },
  { name: 'remove-tag of a tag already absent', overlay: ov({ type: 'spec-remove-tag', tag: 'Obsoletes' }), expect: 'redundant' },
  { name: 'search-replace: replacement present, pattern gone', overlay: ov({ type: 'spec-search-replace', section: '%install', regex: 'redhat-linux-build', replacement: '%{_vpath_builddir}' }), expect: 'redundant', reason: /replacement is already there \(line 45\)/ },
  { name: 'search-replace: every match already is the replacement', overlay: ov({ type: 'spec-search-replace', regex: '^%autosetup -p1$', replacement: '%autosetup -p1' }), expect: 'redundant' },
  { name: 'search-replace deleting text upstream dropped', overlay: ov({ type: 'spec-search-replace', section: '%install', regex: '.*openjdk21.*', replacement: '' }), expect: 'redundant', reason: /deletes text/ },
  { name: 'append-lines already there', overlay: ov({ type: 'spec-append-lines', section: '%install', lines: ['# no static libraries', 'rm -f %{buildroot}%{_libdir}/*.a'] }), expect: 'redundant' },
  { name: 'append-lines upstream has only inside a conditional: kept', overlay: ov({ type: 'spec-append-lines', lines: ['BuildRequires:  rust-toolset'] }), expect: 'applies' },
  { name: 'prepend-lines already there', overlay: ov({ type: 'spec-prepend-lines', section: '%check', lines: ['%meson_test'] }), expect: 'redundant' },
  { name: 'remove-section already gone', overlay: ov({ type: 'spec-remove-section', section: '%files', package: 'gtk' }), expect: 'redundant' },
  { name: 'remove-subpackage already gone', overlay: ov({ type: 'spec-remove-subpackage', package: 'gtk' }), expect: 'redundant' },
  { name: 'patch-remove of a patch upstream dropped', overlay: ov({ type: 'patch-remove', file: 'CVE-2025-*.patch' }), expect: 'redundant', reason: /upstream dropped it/ },
  { name: 'file-remove of a file already gone', overlay: ov({ type: 'file-remove', file: 'old.conf' }), expect: 'redundant', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-add identical to the upstream file', overlay: ov({ type: 'file-add', file: 'hello.conf', source: file('same.conf', 'x=0\n') }), expect: 'redundant', files: { 'hello.conf': 'x=0\n' } },
  { name: 'file-rename already done', overlay: ov({ type: 'file-rename', file: 'hello.conf', replacement: 'hello.cfg' }), expect: 'redundant', files: { 'hello.cfg': 'x=0\n' } },
  { name: 'file-search-replace already done', overlay: ov({ type: 'file-search-replace', file: 'hello.conf', regex: 'x=0', replacement: 'x=1' }), expect: 'redundant', files: { 'hello.conf': 'x=1\n' } },
  { name: 'file-prepend-lines already there', overlay: ov({ type: 'file-prepend-lines', file: 'hello.conf', lines: ['# azl'] }), expect: 'redundant', files: { 'hello.conf': '# azl\nx=0\n' } },

  // --- already-upstream ---
  { name: 'patch-add whose file the new patch list carries', overlay: ov({ type: 'patch-add', source: file('cve-2026-0001.patch', 'x'), file: 'cve-2026-0001.patch' }, { category: 'upstream-backport', upstreamStatus: 'upstreamed', commits: [{ url: 'https://example.org/c/1' }], bugs: [], definedAt: { file: toml, line: 1, col: 1 } }), expect: 'already-upstream', reason: /Patch1: cve-2026-0001\.patch/ },
  { name: 'patch-add that applies in reverse to the new sources', overlay: ov({ type: 'patch-add', source: file('backport.patch', patchOf(greetOld, greetNew)), file: 'backport.patch' }), expect: 'already-upstream', withTree: true, reason: /applies in reverse/ },
  { name: 'patch-add whose content dist-git has under another name', overlay: ov({ type: 'patch-add', source: file('azl-0001.patch', patchOf(greetOld, greetNew)), file: 'azl-0001.patch' }), expect: 'already-upstream', files: { 'fix-greet.patch': patchOf(greetOld, greetNew) }, reason: /as fix-greet\.patch/ },
  { name: 'file-add of a patch dist-git now has', overlay: ov({ type: 'file-add', file: 'fix-build.patch', source: file('fix-build.patch', 'same\n') }), expect: 'already-upstream', files: { 'fix-build.patch': 'same\n' } },
];

function upstream(c: Case): NewUpstream {
  return {
    spec: NEW,
    specFile: '/upstream/hello.spec',
    ...(c.files ? { files: new Map(Object.entries(c.files).map(([k, v]) => [k, enc.encode(v)])) } : {}),
    ...(c.withTree ? { tree: SOURCES_V2 } : {}),
  };
}

const deps = { readSource: async (p: string) => new Uint8Array((await import('node:fs')).readFileSync(p)) };

for (const c of cases) {
  test(`classify: ${c.expect}: ${c.name}`, async () => {
    const [v] = await classifyOverlays([c.overlay], upstream(c), deps);
    assert.equal(v!.class, c.expect, v!.reason);
    if (c.reason) assert.match(v!.reason, c.reason);
    assert.deepEqual(v!.definedAt, c.overlay.definedAt);
    if (c.expect === 'no-longer-applies') {
      assert.equal(v!.diagnostic?.code, 'OVERLAY_NO_MATCH');
      assert.deepEqual(v!.diagnostic?.span, c.overlay.definedAt);
    } else assert.equal(v!.diagnostic, undefined);
  });
}

test('classify: every overlay type and every class is covered by a case', () => {
  const types = new Set(cases.map((c) => c.overlay.type));
  for (const t of ['spec-add-tag', 'spec-insert-tag', 'spec-set-tag', 'spec-update-tag', 'spec-remove-tag', 'spec-prepend-lines', 'spec-append-lines', 'spec-search-replace', 'spec-remove-section', 'spec-remove-subpackage', 'patch-add', 'patch-remove', 'file-prepend-lines', 'file-search-replace', 'file-add', 'file-remove', 'file-rename']) assert.ok(types.has(t as never), t);
  assert.deepEqual(new Set(cases.map((c) => c.expect)), new Set(['applies', 'no-longer-applies', 'redundant', 'already-upstream']));
});

test('classify: no-longer-applies names the nearest candidate lines of the new spec', async () => {
  const o = ov({ type: 'spec-search-replace', section: '%build', regex: '^%configure --enable-gtk$', replacement: '%configure --disable-gtk' });
  const [v] = await classifyOverlays([o], { spec: NEW, specFile: '/upstream/hello.spec' }, deps);
  assert.equal(v!.class, 'no-longer-applies');
  assert.deepEqual(v!.candidates?.[0], { line: 40, text: '%meson -Dgtk=enabled' });
  assert.ok(v!.diagnostic!.related!.some((r) => r.span?.file === '/upstream/hello.spec' && r.span.line === 40));
  assert.match(v!.diagnostic!.hint!, /40: %meson -Dgtk=enabled/);
});

test('classify: overlays see the spec as the earlier ones left it; metadata is carried', async () => {
  const meta = { category: 'upstream-backport' as const, upstreamStatus: 'upstreamed' as const, commits: [{ url: 'https://example.org/c/2' }], bugs: [], definedAt: { file: toml, line: 1, col: 1 } };
  const a = ov({ type: 'spec-add-tag', tag: 'Source9', value: 'azl.conf' });
  const b = ov({ type: 'spec-search-replace', regex: '^Source9: azl.conf$', replacement: 'Source9: azl-2.conf' }, meta);
  const c = ov({ type: 'spec-add-tag', tag: 'Source9', value: 'azl-2.conf' });
  const vs = await classifyOverlays([a, b, c], { spec: NEW, specFile: '/upstream/hello.spec' }, deps);
  assert.deepEqual(vs.map((v) => v.class), ['applies', 'applies', 'redundant']);
  assert.deepEqual(vs.map((v) => v.index), [0, 1, 2]);
  assert.equal(vs[1]!.upstreamStatus, 'upstreamed');
  assert.equal(vs[1]!.category, 'upstream-backport');
});

test('classify: a replacement that applies a patch number upstream now uses is no-longer-applies (the numbers moved)', async () => {
  const spec = `Name: p\nVersion: 1\nRelease: 1\nSummary: p\nLicense: MIT\nPatch1: p-tests.patch\nPatch2: p-openssl4.patch\n\n%description\np\n\n%prep\n%setup -q\n%patch 1 -p1 -b .tests\n%patch 2 -p1 -b .openssl4\n`;
  const add = ov({ type: 'patch-add', source: file('fix.patch', 'x'), file: 'fix.patch' });
  const sr = ov({ type: 'spec-search-replace', section: '%prep', regex: '^%patch 1 -p1 -b \\.tests$', replacement: '%patch 1 -p1 -b .tests\n%patch 2 -p1' });
  const vs = await classifyOverlays([add, sr], { spec, specFile: '/upstream/p.spec' }, deps);
  assert.deepEqual(vs.map((v) => v.class), ['applies', 'no-longer-applies']);
  assert.match(vs[1]!.reason, /patch 2 is now upstream's p-openssl4\.patch, already applied at line 15/);
  // with the old numbering (no Patch2 upstream) it applies
  const old = spec.replace('Patch2: p-openssl4.patch\n', '').replace('%patch 2 -p1 -b .openssl4\n', '');
  assert.deepEqual((await classifyOverlays([add, sr], { spec: old, specFile: '/upstream/p.spec' }, deps)).map((v) => v.class), ['applies', 'applies']);
});

test('classify: patchNumbersIn reads every way of applying a patch', async () => {
  const { patchNumbersIn } = await import('./classify.js');
  assert.deepEqual(patchNumbersIn('%patch 1 -p1 -b .unsupported-tests'), [1]);
  assert.deepEqual(patchNumbersIn('%patch -P2 -p1'), [2]);
  assert.deepEqual(patchNumbersIn('%patch -p1 -P 3'), [3]);
  assert.deepEqual(patchNumbersIn('%patch4 -p1'), [4]);
  assert.deepEqual(patchNumbersIn('patch -p1 < %{PATCH5}'), [5]);
  assert.deepEqual(patchNumbersIn('%autopatch -p1'), []);
});
