import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { isStrataError } from '../diag/index.js';
import { applyOverlays, type AnyOverlay } from './index.js';
import { repoRoot } from '../testing/example.js';

const at = { file: 'c.comp.toml', line: 4, col: 1 };
const fs = new NodeFileSystem();

function tree(): { root: string; extra: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ovl-'));
  writeFileSync(path.join(root, 'x.spec'), 'Name: x\nPatch0: a.patch\n\n%prep\n');
  writeFileSync(path.join(root, 'a.patch'), 'old line\nkeep\n');
  writeFileSync(path.join(root, 'b.conf'), 'key=old\n');
  mkdirSync(path.join(root, 'sub'));
  writeFileSync(path.join(root, 'sub', 'c.conf'), 'key=old\n');
  writeFileSync(path.join(root, 'unit\\x2d.service'), 'svc\n');
  // a real name that holds glob characters (the open-vm-tools case of the Azure Linux tree), and
  // a name that is also a glob matching other files
  writeFileSync(path.join(root, 'run-vmblock\\x2dfuse.mount'), 'mount\n');
  writeFileSync(path.join(root, '[ab].conf'), 'literal\n');
  const extra = mkdtempSync(path.join(os.tmpdir(), 'ovl-src-'));
  writeFileSync(path.join(extra, 'new.patch'), 'new\n');
  return { root, extra };
}

interface Case {
  readonly name: string;
  readonly overlay: (extra: string) => AnyOverlay;
  readonly check?: (root: string) => void;
  readonly code?: string;
}

const cases: Case[] = [
  {
    name: 'file-prepend-lines',
    overlay: () => ({ type: 'file-prepend-lines', file: '**/*.conf', lines: ['# added'] }),
    check: (r) => {
      assert.equal(readFileSync(path.join(r, 'b.conf'), 'utf8'), '# added\nkey=old\n');
      assert.equal(readFileSync(path.join(r, 'sub/c.conf'), 'utf8'), '# added\nkey=old\n');
    },
  },
  { name: 'file-prepend-lines on the spec', overlay: () => ({ type: 'file-prepend-lines', file: 'x.spec', lines: ['x'] }), code: 'OVERLAY_SPEC_TARGET' },
  { name: 'file-prepend-lines with no match', overlay: () => ({ type: 'file-prepend-lines', file: 'nope', lines: ['x'] }), code: 'OVERLAY_NO_MATCH' },
  {
    name: 'file-search-replace whole file, literal replacement',
    overlay: () => ({ type: 'file-search-replace', file: '*.conf', regex: '(?m)^key=(old)$', replacement: 'key=$1new' }),
    check: (r) => {
      assert.equal(readFileSync(path.join(r, 'b.conf'), 'utf8'), 'key=$1new\n');
      assert.equal(readFileSync(path.join(r, 'sub/c.conf'), 'utf8'), 'key=old\n', '* does not cross /');
    },
  },
  { name: 'file-search-replace changing nothing', overlay: () => ({ type: 'file-search-replace', file: '*.conf', regex: 'absent', replacement: '' }), code: 'OVERLAY_PATTERN_NOT_FOUND' },
  { name: 'file-search-replace bad regex', overlay: () => ({ type: 'file-search-replace', file: '*.conf', regex: '(a', replacement: '' }), code: 'OVERLAY_BAD_REGEX' },
  {
    name: 'file-add copies the source',
    overlay: (e) => ({ type: 'file-add', file: 'extra/new.patch', source: path.join(e, 'new.patch') }),
    check: (r) => assert.equal(readFileSync(path.join(r, 'extra/new.patch'), 'utf8'), 'new\n'),
  },
  { name: 'file-add over an existing file', overlay: (e) => ({ type: 'file-add', file: 'b.conf', source: path.join(e, 'new.patch') }), code: 'OVERLAY_DEST_EXISTS' },
  { name: 'file-add escaping the root', overlay: (e) => ({ type: 'file-add', file: '../evil', source: path.join(e, 'new.patch') }), code: 'OVERLAY_PATH_ESCAPES' },
  { name: 'file-add absolute destination', overlay: (e) => ({ type: 'file-add', file: '/etc/evil', source: path.join(e, 'new.patch') }), code: 'OVERLAY_PATH_ESCAPES' },
  { name: 'file-add escaping the root through backslashes', overlay: (e) => ({ type: 'file-add', file: 'a\\..\\..\\evil', source: path.join(e, 'new.patch') }), code: 'OVERLAY_PATH_ESCAPES' },
  { name: 'file-add missing source', overlay: (e) => ({ type: 'file-add', file: 'n', source: path.join(e, 'missing') }), code: 'OVERLAY_SOURCE_NOT_FOUND' },
  { name: 'file-remove', overlay: () => ({ type: 'file-remove', file: 'sub/*.conf' }), check: (r) => assert.ok(!existsSync(path.join(r, 'sub/c.conf'))) },
  { name: 'file-remove with no match', overlay: () => ({ type: 'file-remove', file: '*.xyz' }), code: 'OVERLAY_NO_MATCH' },
  {
    name: 'file-rename within the directory (names with backslashes)',
    overlay: () => ({ type: 'file-rename', file: 'unit*.service', replacement: 'unit.service' }),
    check: (r) => {
      assert.ok(existsSync(path.join(r, 'unit.service')));
      assert.ok(!existsSync(path.join(r, 'unit\\x2d.service')));
    },
  },
  {
    name: 'file-rename of a file named exactly, whose name holds a backslash (read as a glob it matches nothing)',
    overlay: () => ({ type: 'file-rename', file: 'run-vmblock\\x2dfuse.mount', replacement: 'run-vmblock-fuse.mount.in' }),
    check: (r) => {
      assert.equal(readFileSync(path.join(r, 'run-vmblock-fuse.mount.in'), 'utf8'), 'mount\n');
      assert.ok(!existsSync(path.join(r, 'run-vmblock\\x2dfuse.mount')));
    },
  },
  {
    name: 'an exact name wins over the glob it also is: file-remove of "[ab].conf" removes that file only',
    overlay: () => ({ type: 'file-remove', file: '[ab].conf' }),
    check: (r) => {
      assert.ok(!existsSync(path.join(r, '[ab].conf')));
      assert.ok(existsSync(path.join(r, 'b.conf')), 'b.conf matches the glob but the exact name wins');
    },
  },
  {
    name: 'a glob that names no file exactly still matches as a glob',
    overlay: () => ({ type: 'file-remove', file: '[bc].conf' }),
    check: (r) => {
      assert.ok(!existsSync(path.join(r, 'b.conf')));
      assert.ok(existsSync(path.join(r, '[ab].conf')));
    },
  },
  { name: 'file-rename with several matches', overlay: () => ({ type: 'file-rename', file: '**/*.conf', replacement: 'z.conf' }), code: 'OVERLAY_MULTIPLE_MATCHES' },
  { name: 'file-rename to a path', overlay: () => ({ type: 'file-rename', file: 'b.conf', replacement: '../z' }), code: 'OVERLAY_BAD_FIELD' },
  {
    name: 'patch-add copies and registers the patch',
    overlay: (e) => ({ type: 'patch-add', source: path.join(e, 'new.patch'), file: 'new.patch' }),
    check: (r) => {
      assert.equal(readFileSync(path.join(r, 'new.patch'), 'utf8'), 'new\n');
      assert.equal(readFileSync(path.join(r, 'x.spec'), 'utf8'), 'Name: x\nPatch0: a.patch\n\nPatch1: new.patch\n%prep\n');
    },
  },
  { name: 'patch-add over an existing file', overlay: (e) => ({ type: 'patch-add', source: path.join(e, 'new.patch'), file: 'a.patch' }), code: 'OVERLAY_DEST_EXISTS' },
  {
    name: 'patch-remove drops tag and file',
    overlay: () => ({ type: 'patch-remove', file: 'a.patch' }),
    check: (r) => {
      assert.ok(!existsSync(path.join(r, 'a.patch')));
      assert.equal(readFileSync(path.join(r, 'x.spec'), 'utf8'), 'Name: x\n\n%prep\n');
    },
  },
  { name: 'a spec overlay that matches but changes nothing', overlay: () => ({ type: 'spec-update-tag', tag: 'Name', value: 'x' }), code: 'OVERLAY_NO_CHANGE' },
  { name: 'a search-replace whose result equals its input', overlay: () => ({ type: 'spec-search-replace', regex: 'Name', replacement: 'Name' }), code: 'OVERLAY_NO_CHANGE' },
];

for (const c of cases) {
  test(c.name, async () => {
    const { root, extra } = tree();
    try {
      const o: AnyOverlay = { ...c.overlay(extra), definedAt: at };
      const run = () => applyOverlays({ fs, root, specFile: 'x.spec' }, [o]);
      if (c.code) {
        await assert.rejects(run, (e: unknown) => {
          assert.ok(isStrataError(e), String(e));
          assert.equal(e.code, c.code);
          assert.deepEqual(e.diagnostics[0]!.span, at);
          return true;
        });
      } else {
        await run();
        c.check!(root);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(extra, { recursive: true, force: true });
    }
  });
}

test('the real open-vm-tools overlays of the Azure Linux tree rename its unit file whose name holds "\\x2d"', async () => {
  const { parse } = await import('smol-toml');
  const tomlFile = path.resolve(repoRoot(), '../shared/fixtures/azurelinux/base/comps/open-vm-tools/open-vm-tools.comp.toml');
  const doc = parse(readFileSync(tomlFile, 'utf8')) as { components: Record<string, { overlays: Record<string, string>[] }> };
  const overlays = doc.components['open-vm-tools']!.overlays.map((o, i): AnyOverlay => ({ ...(o as unknown as AnyOverlay), definedAt: { file: tomlFile, line: i + 1, col: 1 } }));
  const rename = overlays.find((o) => o.type === 'file-rename') as { file: string } | undefined;
  assert.ok(rename && rename.file.includes('\\'), 'the real overlay names a file with a backslash');
  const root = mkdtempSync(path.join(os.tmpdir(), 'ovl-ovt-'));
  try {
    writeFileSync(path.join(root, 'open-vm-tools.spec'), 'Name: open-vm-tools\nSource3: run-vmblock\\x2dfuse.mount\n\n%description\nx\n');
    writeFileSync(path.join(root, rename.file), '[Mount]\n');
    await applyOverlays({ fs, root, specFile: 'open-vm-tools.spec' }, overlays.filter((o) => o.type === 'file-rename' || o.type === 'spec-update-tag'));
    assert.equal(readFileSync(path.join(root, 'run-vmblock-fuse.mount.in'), 'utf8'), '[Mount]\n');
    assert.ok(!existsSync(path.join(root, rename.file)));
    assert.match(readFileSync(path.join(root, 'open-vm-tools.spec'), 'utf8'), /^Source3: run-vmblock-fuse\.mount\.in$/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
