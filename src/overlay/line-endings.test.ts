/**
 * Acceptance: overlays on a CRLF spec and on a spec without a final newline change only the lines
 * they edit — every other line keeps its bytes (line ending included), inserted lines take the
 * file's line ending, and no newline appears at the end unless an edit is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffArrays } from 'diff';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { applyOverlays, type AnyOverlay } from './index.js';

const LF_SPEC = `Name:           x
Version:        1.0
Release:        1%{?dist}
Summary:        test
License:        MIT
BuildRequires:  gcc

%description
Test.

%prep
%autosetup

%build
%make_build

%install
%make_install

%check
make check

%files
/usr/bin/x
`;

const OVERLAYS: AnyOverlay[] = [
  { type: 'spec-set-tag', tag: 'Release', value: '2%{?dist}' },
  { type: 'spec-add-tag', tag: 'BuildRequires', value: 'make' },
  { type: 'spec-append-lines', section: '%install', lines: ['rm -f x'] },
  { type: 'spec-search-replace', regex: '^make check$', replacement: 'make check || :' },
  { type: 'spec-remove-section', section: '%prep' },
];
/** Lines the overlays remove and add (by text). */
const REMOVED = ['Release:        1%{?dist}', 'make check', '%prep', '%autosetup', ''];
const ADDED = ['Release: 2%{?dist}', 'BuildRequires: make', 'rm -f x', 'make check || :'];

async function render(spec: string, overlays: readonly AnyOverlay[]): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ovl-eol-'));
  try {
    return (await applyOverlays({ fs: new NodeFileSystem(), root, specFile: 'x.spec', keepSpecInMemory: true }, overlays, spec)).spec;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The lines of a text with their endings: `[text, ending]`. */
function lines(t: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /([^\r\n]*)(\r\n|\n|$)/gy;
  for (let m = re.exec(t); m && m.index < t.length; m = re.exec(t)) out.push([m[1]!, m[2]!]);
  return out;
}

/** Compare line by line: lines common to both keep their bytes; the others are exactly the edits. */
function assertOnlyEditedLinesChange(before: string, after: string, removed: readonly string[], added: readonly string[], eol: string): void {
  const a = lines(before);
  const b = lines(after);
  const parts = diffArrays(a.map(([t]) => t), b.map(([t]) => t));
  const gone: string[] = [];
  const fresh: string[] = [];
  let i = 0;
  let j = 0;
  for (const p of parts) {
    if (p.removed) {
      gone.push(...p.value);
      i += p.value.length;
    } else if (p.added) {
      fresh.push(...p.value);
      for (let k = 0; k < p.value.length; k++, j++) assert.equal(b[j]![1], j === b.length - 1 ? a[a.length - 1]![1] : eol, `inserted line ${j + 1} uses the file's line ending`);
    } else {
      for (let k = 0; k < p.value.length; k++, i++, j++) {
        // A kept line keeps its bytes; only the old last line gains an ending when lines are appended after it.
        if (i === a.length - 1 && j < b.length - 1) assert.deepEqual(b[j], [a[i]![0], eol], `line ${j + 1}`);
        else assert.deepEqual(b[j], a[i], `line ${j + 1} is unchanged`);
      }
    }
  }
  assert.deepEqual(gone.sort(), [...removed].sort());
  assert.deepEqual(fresh.sort(), [...added].sort());
}

for (const [name, spec, eol] of [
  ['a CRLF spec', LF_SPEC.replace(/\n/g, '\r\n'), '\r\n'],
  ['a spec without final newline', LF_SPEC.slice(0, -1), '\n'],
  ['a CRLF spec without final newline', LF_SPEC.replace(/\n/g, '\r\n').slice(0, -2), '\r\n'],
] as const) {
  test(`overlays on ${name} change only the lines they edit`, async () => {
    const out = await render(spec, OVERLAYS);
    assertOnlyEditedLinesChange(spec, out, REMOVED, ADDED, eol);
    // The same edits as on the LF spec, byte for byte, in the file's own form.
    const lf = await render(LF_SPEC, OVERLAYS);
    const want = (eol === '\r\n' ? lf.replace(/\n/g, '\r\n') : lf).slice(0, spec.endsWith('\n') ? undefined : -eol.length);
    assert.equal(out, want);
  });
  test(`appending at the end of ${name} adds no newline after the new last line unless the file has one`, async () => {
    const out = await render(spec, [{ type: 'spec-append-lines', lines: ['- appended'] }]);
    assertOnlyEditedLinesChange(spec, out, [], ['- appended'], eol);
    assert.equal(out.endsWith('\n'), spec.endsWith('\n'));
  });
}
