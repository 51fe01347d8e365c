// Lossless TOML edits: exact expected texts (every other byte kept), and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../diag/index.js';
import { checkTomlEdit, editToml, type TomlChange } from './toml-edit.js';

const F = '/p/base/comps/x/x.comp.toml';
/** The span a loaded overlay gets: the offset of its table (header or inline `{`). */
const at = (text: string, needle: string, nth = 0): TomlChange['at' & keyof TomlChange] => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, needle);
  return { file: F, line: text.slice(0, i).split('\n').length, col: 1, offset: i } as never;
};
const drop = (text: string, needle: string, nth = 0): TomlChange => ({ kind: 'remove-table', at: at(text, needle, nth), label: `drop ${needle}` });

const AOT = `[components.x]
# keep this comment
release = { calculation = "manual" }

# The first overlay: a workaround.
[[components.x.overlays]]
description = "one"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "foo"

# The second overlay.
[[components.x.overlays]]
description = "two"
type = "spec-set-tag"
tag = "Release"
value = "2%{?dist}"

[[components.x.overlays]]
description = "three"
type = "spec-add-tag"
tag = "Requires"
value = "bar"
[components.x.overlays.metadata]
category = "azl-compatibility"
upstream-status = "unknown"

[components.x.build]
without = ["docs"]
`;

test('toml-edit: dropping [[…overlays]] tables keeps everything else byte for byte', () => {
  assert.equal(editToml(F, AOT, [drop(AOT, '[[components.x.overlays]]', 0)]), AOT.replace(`# The first overlay: a workaround.
[[components.x.overlays]]
description = "one"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "foo"

`, ''));
  // the last one with its sub-table; the comment above the next table stays
  assert.equal(editToml(F, AOT, [drop(AOT, '[[components.x.overlays]]', 2)]), AOT.replace(`[[components.x.overlays]]
description = "three"
type = "spec-add-tag"
tag = "Requires"
value = "bar"
[components.x.overlays.metadata]
category = "azl-compatibility"
upstream-status = "unknown"

`, ''));
  // two at once
  const both = editToml(F, AOT, [drop(AOT, '[[components.x.overlays]]', 0), drop(AOT, '[[components.x.overlays]]', 1)]);
  assert.ok(both.startsWith('[components.x]\n# keep this comment\nrelease = { calculation = "manual" }\n\n[[components.x.overlays]]\ndescription = "three"'), both);
});

test('toml-edit: CRLF files keep CRLF', () => {
  const crlf = AOT.replace(/\n/g, '\r\n');
  const out = editToml(F, crlf, [drop(crlf, '[[components.x.overlays]]', 1)]);
  assert.equal(out, AOT.replace(`# The second overlay.
[[components.x.overlays]]
description = "two"
type = "spec-set-tag"
tag = "Release"
value = "2%{?dist}"

`, '').replace(/\n/g, '\r\n'));
});

const INLINE = `[components.shim]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43" } }

overlays = [
    # Workaround: add dist tag to the release
    # while we are still rebuilding.
    { type = "spec-update-tag", tag = "Release", value = "2%{?dist}" },

    # Workaround: a compat symlink.
    { type = "spec-append-lines", section = "%install", lines = ["ln -s a b"] },
    { type = "spec-append-lines", section = "%files", lines = ["b"] }
]
`;

test('toml-edit: inline overlay elements, with the comments of a paragraph that goes whole', () => {
  assert.equal(editToml(F, INLINE, [drop(INLINE, '{ type = "spec-update-tag"')]), `[components.shim]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43" } }

overlays = [
    # Workaround: a compat symlink.
    { type = "spec-append-lines", section = "%install", lines = ["ln -s a b"] },
    { type = "spec-append-lines", section = "%files", lines = ["b"] }
]
`);
  // one of two in a paragraph: its comment stays with the other
  assert.equal(editToml(F, INLINE, [drop(INLINE, '{ type = "spec-append-lines", section = "%install"')]), INLINE.replace('    { type = "spec-append-lines", section = "%install", lines = ["ln -s a b"] },\n', ''));
  // the last element: the comma before it goes
  assert.equal(editToml(F, INLINE, [drop(INLINE, '{ type = "spec-append-lines", section = "%files"')]), INLINE.replace(' lines = ["ln -s a b"] },\n    { type = "spec-append-lines", section = "%files", lines = ["b"] }\n', ' lines = ["ln -s a b"] }\n'));
  // the whole paragraph
  assert.equal(editToml(F, INLINE, [drop(INLINE, '{ type = "spec-append-lines"', 0), drop(INLINE, '{ type = "spec-append-lines"', 1)]), `[components.shim]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43" } }

overlays = [
    # Workaround: add dist tag to the release
    # while we are still rebuilding.
    { type = "spec-update-tag", tag = "Release", value = "2%{?dist}" },

]
`);
});

test('toml-edit: an element of a one-line array, and a string set in place', () => {
  const one = `[components.a]\noverlays = [{ type = "spec-remove-tag", tag = "A" }, { type = "spec-remove-tag", tag = "B" }, { type = "spec-remove-tag", tag = "C" }]  # three\n`;
  assert.equal(editToml(F, one, [drop(one, '{ type = "spec-remove-tag", tag = "B"')]), one.replace('{ type = "spec-remove-tag", tag = "B" }, ', ''));
  assert.equal(editToml(F, one, [drop(one, '{ type = "spec-remove-tag", tag = "C"')]), one.replace(', { type = "spec-remove-tag", tag = "C" }', ''));
  const v = `[x.default-component-config]\nspec = { type = "upstream", upstream-distro = { name = 'fedora', version = '43', snapshot = "2026-02-24T00:00:00-08:00" } } # f43\n`;
  const out = editToml(F, v, [
    { kind: 'set-string', at: at(v, "'43'"), value: 'rawhide', label: 'version' },
    { kind: 'set-string', at: at(v, '"2026-02-24'), value: '2026-08-22T00:00:00-07:00', label: 'snapshot' },
  ]);
  assert.equal(out, v.replace("'43'", "'rawhide'").replace('2026-02-24T00:00:00-08:00', '2026-08-22T00:00:00-07:00'));
  const d = `[distros.fedora]\ndefault-version = "43"  # the default\n`;
  assert.equal(editToml(F, d, [{ kind: 'set-string-path', path: ['distros', 'fedora', 'default-version'], value: 'rawhide', label: 'dv' }]), d.replace('"43"', '"rawhide"'));
});

function refused(fn: () => unknown, why: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isStrataError(e), String(e));
    assert.equal(e.code, 'REBASE_TOML_UNEDITABLE');
    assert.match(e.message, why);
    assert.match(e.message, /nothing was written/);
    return;
  }
  assert.fail('not refused');
}

test('toml-edit: refuses what it cannot do without losing formatting', () => {
  const commented = `[components.a]\noverlays = [\n  { type = "spec-remove-tag", tag = "A" }, # why A\n  { type = "spec-remove-tag", tag = "B" },\n]\n`;
  refused(() => editToml(F, commented, [drop(commented, '{ type = "spec-remove-tag", tag = "A"')]), /comment after it on its line/);
  const multi = `[x]\nversion = """43"""\n`;
  refused(() => editToml(F, multi, [{ kind: 'set-string', at: at(multi, '"""'), value: 'rawhide', label: 'version' }]), /not a one-line string/);
  const only = `[metadata]\ncategory = "azl-compatibility"\nupstream-status = "unknown"\n\n[[overlays]]\ntype = "spec-remove-tag"\ntag = "A"\n`;
  refused(() => editToml('/p/a.overlay.toml', only, [drop(only, '[[overlays]]')]), /every overlay of this overlay file/);
  refused(() => editToml(F, AOT, [{ kind: 'remove-table', at: { file: F, line: 2, col: 1, offset: AOT.indexOf('# keep') }, label: 'x' }]), /no overlay table at line 2/);
});

test('toml-edit: the re-parse cross-check catches an edit that touches another key', () => {
  const before = `[a]\nx = "1"\ny = "2"\n`;
  assert.equal(checkTomlEdit(before, `[a]\nx = "3"\ny = "2"\n`, (d) => void ((d.a as Record<string, unknown>).x = '3')), undefined);
  assert.equal(checkTomlEdit(before, `[a]\nx = "3"\ny = "3"\n`, (d) => void ((d.a as Record<string, unknown>).x = '3')), 'a.y');
});
