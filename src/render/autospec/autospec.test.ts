/**
 * Table tests for the rpmautospec re-implementation: wrapping (expected values produced by CPython's
 * textwrap with rpmautospec's settings), commit message → items, dates, magic comments, feature
 * detection, release counting and changelog assembly over synthetic histories, output assembly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitLogToChangelogItems, formatChangelogDate, formatChangelogEntry, CHANGELOG_WRAP } from './changelog.js';
import { detectSpecFeatures } from './features.js';
import type { History, HistoryCommit } from '../../sources/git/index.js';
import { blobsAlongFirstParents, parseBatchOutput, parseLogOutput } from '../../sources/git/index.js';
import { parseMagicComments } from './magic-comments.js';
import { renderProcessedSpec, runAutospec } from './process.js';
import { fillText } from './textwrap.js';
import { verflagsFromHeader, type SpecHeaderEvaluator } from './verflags.js';
import { changelogVisitor, releaseNumberVisitor, runOnHistory } from './walk.js';
import type { FileSystem, Git } from '../../adapters/types.js';

const WRAP_CASES: { name: string; input: string; expected: string }[] = [
 {
  "name": "hyphenated words break after a hyphen",
  "input": "- Backport the upstream patch that fixes the out-of-bounds read in the configuration parser when a section header is not terminated, reported as CVE-2024-99999",
  "expected": "- Backport the upstream patch that fixes the out-of-bounds read in the\n  configuration parser when a section header is not terminated, reported as\n  CVE-2024-99999"
 },
 {
  "name": "an over-long word is broken at the width",
  "input": "- Fix crash, see https://bugzilla.example.org/show_bug.cgi?id=2234567&comment=12&extra_query_parameter=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "expected": "- Fix crash, see https://bugzilla.example.org/show_bug.cgi?id=2234567&comme\n  nt=12&extra_query_parameter=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
 },
 {
  "name": "tabs expand to 8 columns counted from the dash",
  "input": "- Fix\ttab\tseparated   subject  with   spaces",
  "expected": "- Fix   tab     separated   subject  with   spaces"
 },
 {
  "name": "an empty item loses its trailing space",
  "input": "- ",
  "expected": "-"
 },
 {
  "name": "break inside a hyphenated compound",
  "input": "- Update the well-known self-contained out-of-tree build-system-integration-helpers package now",
  "expected": "- Update the well-known self-contained out-of-tree build-system-\n  integration-helpers package now"
 },
 {
  "name": "non-ASCII counts code points",
  "input": "- Übersetzungen aktualisiert – naïve café ☕ 日本語の説明 Übersetzungen aktualisiert – naïve café ☕ 日本語の説明",
  "expected": "- Übersetzungen aktualisiert – naïve café ☕ 日本語の説明 Übersetzungen\n  aktualisiert – naïve café ☕ 日本語の説明"
 },
 {
  "name": "em-dash between words splits",
  "input": "- a--b and then some words that go on and on until the line is long enough--really long enough",
  "expected": "- a--b and then some words that go on and on until the line is long enough\n  --really long enough"
 },
 {
  "name": "astral characters count once",
  "input": "- 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral letters 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 end",
  "expected": "- 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral letters 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n  𝔘𝔫𝔦𝔠𝔬𝔡𝔢 end"
 },
 {
  "name": "a run of hyphens is a long word",
  "input": "- x----------------------------------------------------------------------------------------------------",
  "expected": "- x------------------------------------------------------------------------\n  ----------------------------"
 },
 {
  "name": "long hyphenated word breaks at its last hyphen",
  "input": "- word abc-def-ghi-jkl-mno-pqr-stu-vwx-yzabc-def-ghi-jkl-mno-pqr-stu-vwx-yzabc-def-ghi-jkl-mno-pqr-stu-vwx-yzabc-def-ghi-jkl-mno-pqr-stu-vwx-yz",
  "expected": "- word abc-def-ghi-jkl-mno-pqr-stu-vwx-yzabc-def-ghi-jkl-mno-pqr-stu-vwx-\n  yzabc-def-ghi-jkl-mno-pqr-stu-vwx-yzabc-def-ghi-jkl-mno-pqr-stu-vwx-yz"
 },
 {
  "name": "exactly 75 columns stay on one line",
  "input": "- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "expected": "- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
 },
 {
  "name": "76 columns wrap",
  "input": "- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
  "expected": "- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
 }
];

for (const c of WRAP_CASES) {
  test(`fillText: ${c.name}`, () => {
    assert.equal(fillText(c.input, CHANGELOG_WRAP), c.expected);
  });
}

const ITEM_CASES: { name: string; input: string; expected: string[] }[] = [
  { name: 'subject only', input: 'Initial import', expected: ['Initial import'] },
  { name: 'leading dash stripped from subject', input: '- Update translations\n', expected: ['Update translations'] },
  { name: 'subject lines joined', input: 'A subject that was\nwrapped by the editor\nover three lines\n\n- and an item\n', expected: ['A subject that was wrapped by the editor over three lines', 'and an item'] },
  { name: 'leading blank lines and spaces', input: '\n\n   Subject after blank lines and spaces   \n\nbody text is ignored\n', expected: ['Subject after blank lines and spaces'] },
  { name: 'body paragraph ignored', input: 'Update packaging\n\nThis paragraph explains why.\n\n- but not this list\n', expected: ['Update packaging'] },
  { name: 'items with and without space', input: 'Spec cleanups\n\n-drop BuildRoot\n-drop %clean section\n*not an item\n', expected: ['Spec cleanups', 'drop BuildRoot', 'drop %%clean section *not an item'] },
  { name: 'ellipsis continues the subject', input: 'Fix the build on i686 and\n\n... armv7hl, where the fallback is used\n- Add regression test\n', expected: ['Fix the build on i686 and armv7hl, where the fallback is used', 'Add regression test'] },
  { name: 'unicode ellipsis', input: 'Rework the sysusers\n\n…handling and the tmpfiles snippet\n', expected: ['Rework the sysusers handling and the tmpfiles snippet'] },
  { name: 'CRLF', input: 'Windows line endings in message\r\n\r\n- item one\r\n', expected: ['Windows line endings in message', 'item one'] },
  { name: 'empty item', input: 'Subject\n\n- \n- item after empty\n', expected: ['Subject', '', 'item after empty'] },
  { name: 'percent doubled', input: 'Escape 100% of %{macros} and %%doubled\n', expected: ['Escape 100%% of %%{macros} and %%%%doubled'] },
  { name: 'blank line ends the item list', input: 'S\n\n- a\n\n- b\n', expected: ['S', 'a'] },
  { name: 'item continuation lines', input: 'S\n\n- a long\n  item\n- b\n', expected: ['S', 'a long item', 'b'] },
  { name: 'empty message', input: '', expected: [''] },
];

for (const c of ITEM_CASES) {
  test(`commitLogToChangelogItems: ${c.name}`, () => {
    assert.deepEqual(commitLogToChangelogItems(c.input), c.expected);
  });
}

const DATE_CASES: { name: string; input: number; expected: string }[] = [
  { name: 'plain', input: 1577700074, expected: 'Mon Dec 30 2019' },
  { name: 'UTC day, not local day (23:30 -0800 is next day UTC)', input: Date.UTC(2021, 0, 2, 7, 30) / 1000, expected: 'Sat Jan 02 2021' },
  { name: 'zero-padded day', input: Date.UTC(2020, 1, 3) / 1000, expected: 'Mon Feb 03 2020' },
];
for (const c of DATE_CASES) {
  test(`formatChangelogDate: ${c.name}`, () => assert.equal(formatChangelogDate(c.input), c.expected));
}

const MAGIC_CASES: { name: string; input: string; expected: { skipChangelog: boolean; bumpRelease: number } }[] = [
  { name: 'own line', input: 'Fix\n\n[skip changelog]\n', expected: { skipChangelog: true, bumpRelease: 0 } },
  { name: 'inside a sentence does not count', input: 'Internal refactoring [skip changelog]\n', expected: { skipChangelog: false, bumpRelease: 0 } },
  { name: 'case matters', input: 'Reformat\n\n[Skip Changelog]\n', expected: { skipChangelog: false, bumpRelease: 0 } },
  { name: 'spaces inside brackets', input: 'W\n\n  [ skip   changelog ]  \n', expected: { skipChangelog: true, bumpRelease: 0 } },
  { name: 'list of parts', input: 'R\n\n[bump release: 20, skip changelog]\n', expected: { skipChangelog: true, bumpRelease: 20 } },
  { name: 'bump without colon', input: 'Bump\n\n[bump release 12]\n', expected: { skipChangelog: false, bumpRelease: 12 } },
  { name: 'largest bump wins', input: 'B\n[bump release: 7]\n[bump release: 3]\n', expected: { skipChangelog: false, bumpRelease: 7 } },
  { name: 'CRLF line', input: 'B\r\n[skip changelog]\r\n', expected: { skipChangelog: true, bumpRelease: 0 } },
];
for (const c of MAGIC_CASES) {
  test(`parseMagicComments: ${c.name}`, () => assert.deepEqual(parseMagicComments(c.input), c.expected));
}

const FEATURE_CASES: { name: string; input: string; expected: Partial<ReturnType<typeof detectSpecFeatures>> }[] = [
  { name: 'plain', input: 'Release: %autorelease\n%changelog\n%autochangelog\n', expected: { hasAutorelease: true, hasAutochangelog: true, changelogLine: 2, autochangelogLine: 3, isProcessed: false } },
  { name: 'braced conditional forms', input: 'Release: %{?autorelease}\n%changelog\n%{?autochangelog}\n', expected: { hasAutorelease: true, hasAutochangelog: true } },
  { name: 'braced with options', input: 'Release: %{autorelease -b 5}%{?dist}\n', expected: { hasAutorelease: true, changelogLine: null } },
  { name: 'autorelease after %changelog ignored', input: '%changelog\nRelease: %autorelease\n', expected: { hasAutorelease: false, changelogLine: 1 } },
  { name: 'mention in a comment counts', input: '# TODO: switch to %autorelease once EPEL 8 is gone\nRelease: 1\n%changelog\n', expected: { hasAutorelease: true } },
  { name: '%autoreleasex is not it', input: 'Release: %autoreleasex\n', expected: { hasAutorelease: false } },
  { name: 'lowercase tag, uppercase %CHANGELOG', input: 'release: %autorelease\n%CHANGELOG\n', expected: { hasAutorelease: true, changelogLine: 2 } },
  { name: 'indented autochangelog', input: '%changelog\n  %autochangelog  \n', expected: { hasAutochangelog: true, autochangelogLine: 2 } },
  { name: 'processed', input: '%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:\n', expected: { isProcessed: true, autoreleaseDefinitionLine: 1 } },
  { name: 'CR line ends', input: 'Release: %autorelease\r%changelog\r%autochangelog\r', expected: { changelogLine: 2, autochangelogLine: 3 } },
];
for (const c of FEATURE_CASES) {
  test(`detectSpecFeatures: ${c.name}`, () => {
    const f = detectSpecFeatures(c.input);
    for (const [k, v] of Object.entries(c.expected)) assert.equal(f[k as keyof typeof f], v, k);
  });
}

test('verflagsFromHeader: probe output, static release, epoch, extraver with underscore, error', () => {
  assert.deepEqual(verflagsFromHeader({ ok: true, version: '1.0', release: 'Ealpha_S_P1_B3' }), { ok: true, epochVersion: '1.0', extraver: 'alpha', snapinfo: null, prerelease: true, base: 3 });
  assert.deepEqual(verflagsFromHeader({ ok: true, epoch: '01', version: '1.0', release: 'E_S_P0_B' }), { ok: true, epochVersion: '1:1.0', extraver: null, snapinfo: null, prerelease: null, base: 1 });
  assert.deepEqual(verflagsFromHeader({ ok: true, version: '1.0', release: '3.fc40' }), { ok: true, epochVersion: '1.0', extraver: null, snapinfo: null, prerelease: null, base: null });
  assert.equal(verflagsFromHeader({ ok: true, version: '1.0', release: 'Epre_1_S_P0_B' }).ok && (verflagsFromHeader({ ok: true, version: '1.0', release: 'Epre_1_S_P0_B' }) as { base: number | null }).base, null);
  assert.deepEqual(verflagsFromHeader({ ok: false, detail: 'x' }), { ok: false, error: 'specfile-parse-error', detail: 'x' });
});

// ---- synthetic histories ----------------------------------------------------------------------

/** A tiny evaluator for synthetic specs: `V:1.0`, `E:2`, `R:<release as probe output>`, or `BROKEN`. */
const fakeEvaluator: SpecHeaderEvaluator = (text) => {
  if (text.includes('BROKEN')) return { ok: false, detail: 'broken' };
  const v = /V:(\S+)/.exec(text)?.[1] ?? '1.0';
  const e = /E:(\S+)/.exec(text)?.[1];
  const r = /R:(\S+)/.exec(text)?.[1] ?? 'E_S_P0_B';
  return { ok: true, version: v, release: r, ...(e ? { epoch: e } : {}) };
};

interface C {
  id: string;
  parents?: string[];
  spec?: string;
  tree?: string;
  changelog?: string;
  msg?: string;
  t?: number;
}

function makeHistory(commits: C[], head?: string): History {
  const map = new Map<string, HistoryCommit>();
  const blobs = new Map<string, string>();
  let t = 1600000000;
  for (const c of commits) {
    t += 86400;
    if (c.spec !== undefined) blobs.set(`spec:${c.spec}`, c.spec);
    if (c.changelog !== undefined) blobs.set(`cl:${c.changelog}`, c.changelog);
    map.set(c.id, {
      id: c.id,
      parents: c.parents ?? [],
      tree: c.tree ?? `tree-${c.id}`,
      authorName: 'A U Thor',
      authorEmail: 'a@example.org',
      commitTime: c.t ?? t,
      message: c.msg ?? `Commit ${c.id}`,
      ...(c.spec !== undefined ? { specBlob: `spec:${c.spec}` } : {}),
      ...(c.changelog !== undefined ? { changelogBlob: `cl:${c.changelog}` } : {}),
    });
  }
  return { head: head ?? commits[commits.length - 1]!.id, specName: 'p.spec', commits: map, blobs };
}

function walk(h: History) {
  const cache = new Map<string, ReturnType<typeof verflagsFromHeader>>();
  const vf = (c: HistoryCommit) => {
    if (c.specBlob === undefined) return { ok: false as const, error: 'specfile-missing' as const, detail: '' };
    let v = cache.get(c.specBlob);
    if (!v) cache.set(c.specBlob, (v = verflagsFromHeader(fakeEvaluator(h.blobs.get(c.specBlob)!, []))));
    return v;
  };
  return runOnHistory(h, h.head, [releaseNumberVisitor(vf, h), changelogVisitor(h)]);
}

const RELEASE_CASES: { name: string; input: C[]; expected: Record<string, number> }[] = [
  { name: 'linear', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1' }, { id: 'c', parents: ['b'], spec: 'V:1' }], expected: { a: 1, b: 2, c: 3 } },
  { name: 'version change resets', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:2' }, { id: 'c', parents: ['b'], spec: 'V:2 x' }], expected: { b: 1, c: 2 } },
  { name: 'epoch change resets', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1 E:1' }], expected: { a: 1, b: 1 } },
  { name: 'version revert resets too', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:2' }, { id: 'c', parents: ['b'], spec: 'V:1' }], expected: { c: 1 } },
  { name: 'commit without spec does not count but bridges', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'] }, { id: 'c', parents: ['b'], spec: 'V:1' }], expected: { a: 1, b: 1, c: 2 } },
  { name: 'unparseable spec counts and bridges', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'BROKEN' }, { id: 'c', parents: ['b'], spec: 'V:1' }], expected: { b: 2, c: 3 } },
  { name: 'merge takes the max of same-version parents', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1 b' }, { id: 's1', parents: ['a'], spec: 'V:1 s' }, { id: 's2', parents: ['s1'], spec: 'V:1 s2' }, { id: 's3', parents: ['s2'], spec: 'V:1 s3' }, { id: 'm', parents: ['b', 's3'], spec: 'V:1 m' }], expected: { b: 2, s3: 4, m: 5 } },
  { name: 'merge ignores parents of another version', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1 b' }, { id: 'c', parents: ['b'], spec: 'V:1 c' }, { id: 'u', parents: ['c'], spec: 'V:2' }, { id: 'm', parents: ['c', 'u'], spec: 'V:2 m' }], expected: { c: 3, u: 1, m: 2 } },
  { name: 'bump raises, low bump ignored', input: [{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1', msg: 'x\n\n[bump release: 10]' }, { id: 'c', parents: ['b'], spec: 'V:1', msg: 'y\n\n[bump release: 2]' }], expected: { b: 10, c: 11 } },
];
for (const c of RELEASE_CASES) {
  test(`release number: ${c.name}`, () => {
    const r = walk(makeHistory(c.input));
    for (const [id, n] of Object.entries(c.expected)) assert.equal(r.get(id)?.releaseNumber, n, id);
  });
}

test('release complete: prerelease, base, extraver, snapinfo', () => {
  const r = walk(makeHistory([{ id: 'a', spec: 'R:Erc1_Sgit1_P1_B5' }, { id: 'b', parents: ['a'], spec: 'R:Erc1_Sgit1_P1_B5 x' }]));
  assert.equal(r.get('b')?.releaseComplete, '0.6.rc1.git1');
  assert.equal(r.get('b')?.releaseNumber, 2);
});

test('changelog: skip, ours-merge follows the same-tree parent, unresolvable merge stops', () => {
  const h = makeHistory([
    { id: 'a', spec: 'V:1', msg: 'Initial import' },
    { id: 'b', parents: ['a'], spec: 'V:1 b', msg: 'Skipped\n\n[skip changelog]' },
    { id: 'side', parents: ['b'], spec: 'V:1 s', msg: 'On a side branch' },
    { id: 'c', parents: ['b'], spec: 'V:1 c', msg: 'Main line', tree: 'T' },
    { id: 'm', parents: ['c', 'side'], spec: 'V:1 c', msg: 'Merge (ours)', tree: 'T' },
    { id: 'd', parents: ['m'], spec: 'V:1 d', msg: 'After' },
  ]);
  const r = walk(h);
  assert.deepEqual(
    r.get('d')!.changelog!.map((e) => e.commitLog),
    ['After', 'Main line', 'Initial import'],
  );
  const h2 = makeHistory([
    { id: 'a', spec: 'V:1', msg: 'Initial import' },
    { id: 's', parents: ['a'], spec: 'V:1 s', msg: 'Side' },
    { id: 'c', parents: ['a'], spec: 'V:1 c', msg: 'Main' },
    { id: 'm', parents: ['c', 's'], spec: 'V:1 m', msg: 'True merge' },
    { id: 'd', parents: ['m'], spec: 'V:1 d', msg: 'After' },
  ]);
  const cl = walk(h2).get('d')!.changelog!;
  assert.equal(cl.length, 2);
  assert.equal(formatChangelogEntry(cl[1]!).split('\n')[1], '- RPMAUTOSPEC: unresolvable merge');
});

test('changelog: a changed changelog file replaces older history; removing it later drops it', () => {
  const h = makeHistory([
    { id: 'a', spec: 'V:1', msg: 'Old' },
    { id: 'b', parents: ['a'], spec: 'V:1', changelog: '* Old entries\n', msg: 'Convert\n\n[skip changelog]' },
    { id: 'c', parents: ['b'], spec: 'V:1', changelog: '* Old entries\n', msg: 'New work' },
  ]);
  const cl = walk(h).get('c')!.changelog!;
  assert.deepEqual(
    cl.map((e) => e.data ?? e.commitLog),
    ['New work', '* Old entries\n'],
  );
  const h2 = makeHistory([
    { id: 'a', spec: 'V:1', msg: 'Old' },
    { id: 'b', parents: ['a'], spec: 'V:1', changelog: '* Old entries\n', msg: 'Convert' },
    { id: 'c', parents: ['b'], spec: 'V:1', msg: 'Drop the file' },
  ]);
  assert.deepEqual(
    walk(h2).get('c')!.changelog!.map((e) => e.commitLog),
    ['Drop the file'],
  );
});

// ---- output assembly ---------------------------------------------------------------------------

test('renderProcessedSpec: header, lines up to %changelog, generated block', () => {
  const spec = 'Name: p\nRelease: %autorelease\n\n%changelog\n%autochangelog\n- manual\n';
  const f = detectSpecFeatures(spec);
  const entry = { commitId: 'x', authorBlurb: 'A <a@b>', timestamp: 1577700074, commitLog: 'Initial import', epochVersion: '1.0', releaseComplete: '1' };
  const out = renderProcessedSpec(spec, f, 1, [entry]);
  assert.ok(out.startsWith('## START: Set by rpmautospec\n## (rpmautospec version 0.8.4)\n## RPMAUTOSPEC: autorelease, autochangelog\n%define autorelease(e:s:pb:n)'));
  assert.ok(out.includes('    release_number = 1;\n'));
  assert.ok(out.endsWith('## END: Set by rpmautospec\n\nName: p\nRelease: %autorelease\n\n%changelog\n## START: Generated by rpmautospec\n* Mon Dec 30 2019 A <a@b> - 1.0-1\n- Initial import\n## END: Generated by rpmautospec\n'));
});

test('renderProcessedSpec: no %changelog section, CRLF spec, no final newline', () => {
  const spec = 'Name: p\r\nRelease: %autorelease';
  const f = detectSpecFeatures(spec);
  const out = renderProcessedSpec(spec, f, 3, []);
  assert.ok(out.endsWith('## END: Set by rpmautospec\n\nName: p\nRelease: %autorelease\n%changelog\n## START: Generated by rpmautospec\n\n## END: Generated by rpmautospec\n'), JSON.stringify(out));
});

test('renderProcessedSpec: autorelease with a hand-written changelog keeps it', () => {
  const spec = 'Release: %autorelease\n%changelog\n* Mon Dec 30 2019 A <a@b> - 1-1\n- x\n';
  const out = renderProcessedSpec(spec, detectSpecFeatures(spec), 2, undefined);
  assert.ok(out.includes('## RPMAUTOSPEC: autorelease\n%define'));
  assert.ok(out.endsWith('\n%changelog\n* Mon Dec 30 2019 A <a@b> - 1-1\n- x\n'));
});

test('parseLogOutput and parseBatchOutput read git output exactly', () => {
  const id = (c: string) => c.repeat(40);
  const rec1 = [id('a'), id('b'), id('t'), 'Ann', 'a@x', '1600000000', 'Subj\n\nbody\x1fwith US\n'].join('\x1f');
  const raw1 = `\n:100644 100644 ${id('1')} ${id('2')} M\0p.spec\0:100644 000000 ${id('3')} ${id('0')} D\0changelog\0:000000 100644 ${id('0')} ${id('4')} A\0dir/x\0`;
  const rec2 = [id('b'), '', id('u'), 'Bob', 'b@x', '1500000000', 'Root'].join('\x1f');
  const raw2 = `\n:000000 100644 ${id('0')} ${id('1')} A\0p.spec\0:000000 100644 ${id('0')} ${id('3')} A\0changelog\0`;
  const rec3 = [id('c'), id('a'), id('t'), 'Cy', 'c@x', '1700000000', 'Empty'].join('\x1f');
  // log order is by date: the child c comes first and has no diff (an empty commit)
  const logs = parseLogOutput(`${rec3}\0${rec1}\0${raw1}${rec2}\0${raw2}`);
  assert.deepEqual(
    logs.map((c) => [c.id[0], c.parents.map((p) => p[0]), c.message, [...c.changes.entries()].map(([k, v]) => `${k}=${v?.[0] ?? '-'}`)]),
    [
      ['c', ['a'], 'Empty', []],
      ['a', ['b'], 'Subj\n\nbody\x1fwith US\n', ['p.spec=2', 'changelog=-', 'dir/x=4']],
      ['b', [], 'Root', ['p.spec=1', 'changelog=3']],
    ],
  );
  const spec = blobsAlongFirstParents(logs, 'p.spec');
  assert.deepEqual([spec.get(id('c')), spec.get(id('a')), spec.get(id('b'))], [id('2'), id('2'), id('1')]);
  const cl = blobsAlongFirstParents(logs, 'changelog');
  assert.deepEqual([cl.get(id('c')), cl.get(id('a')), cl.get(id('b'))], [undefined, undefined, id('3')]);
  const body = Buffer.from('héllo', 'utf8');
  const batch = Buffer.concat([Buffer.from(`b1 blob ${body.length}\n`), body, Buffer.from('\nmissing-thing missing\n')]);
  assert.deepEqual([...parseBatchOutput(batch)], [['b1', 'héllo']]);
});

test('runAutospec: dirty work tree adds one release and an "Uncommitted changes" entry', async () => {
  const h = makeHistory([{ id: 'a', spec: 'V:1' }, { id: 'b', parents: ['a'], spec: 'V:1 b' }]);
  const git: Git = {
    run: async (args) => ({ code: args[0] === 'diff' ? 1 : 0, stdout: '', stderr: '' }),
    ok: async () => '',
  };
  const fs = { readText: async () => 'V:1 changed', stat: async () => ({ isFile: true, isDirectory: false, isSymbolicLink: false, size: 1, mode: 0o644, mtimeMs: 0 }) } as unknown as FileSystem;
  const run = await runAutospec({ git, fs, specPath: '/repo/p.spec', history: h, reflectWorktree: true, evaluator: fakeEvaluator, worktreeAuthor: 'Me <me@x>', now: () => new Date(Date.UTC(2024, 0, 1)) }, true);
  assert.equal(run.result.releaseNumber, 3);
  assert.equal(run.result.releaseComplete, '3');
  assert.deepEqual(
    run.result.changelog!.map((e) => `${e.authorBlurb} ${e.commitLog} ${e.releaseComplete}`),
    ['Me <me@x> Uncommitted changes 3', 'A U Thor <a@example.org> Commit b 2', 'A U Thor <a@example.org> Commit a 1'],
  );
  const clean = await runAutospec({ git, fs, specPath: '/repo/p.spec', history: h, reflectWorktree: false, evaluator: fakeEvaluator }, true);
  assert.equal(clean.result.releaseNumber, 2);
});

test('loadHistory: a repository without commits is a coded error with the spec as its place', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { NodeProcessRunner } = await import('../../adapters/node-process.js');
  const { SystemGit } = await import('../../adapters/git.js');
  const { loadHistory } = await import('../../sources/git/index.js');
  const repo = mkdtempSync(path.join(tmpdir(), 'autospec-nohist-'));
  try {
    const git = new SystemGit(new NodeProcessRunner());
    await git.ok(['init', '-q'], { cwd: repo });
    writeFileSync(path.join(repo, 'p.spec'), 'Name: p\n');
    await assert.rejects(loadHistory({ git, repoDir: repo, specName: 'p.spec' }), (e: { code?: string; diagnostics?: { span?: { file: string } }[] }) => {
      assert.equal(e.code, 'AUTOSPEC_NO_HISTORY');
      assert.equal(e.diagnostics?.[0]?.span?.file, path.join(repo, 'p.spec'));
      return true;
    });
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
