// The self fingerprint covers exactly what a build stages: top-level regular files (dotfiles
// included, .git not), their content and executable bit, and the build options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { buildInputFiles, fullFingerprint, selfFingerprint } from './fingerprint.js';
import type { BuildUnit } from './types.js';

const fs = new NodeFileSystem();

test('self fingerprint: changes with every staged input, and only with those', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-fp-'));
  try {
    writeFileSync(path.join(dir, 'p.spec'), 'Name: p\n');
    writeFileSync(path.join(dir, 'p-1.0.tar.gz'), 'tarball');
    const unit: BuildUnit = { name: 'p', dir, spec: path.join(dir, 'p.spec') };
    const fp = (u: BuildUnit = unit, macros: Record<string, string> = { dist: '.x1' }) => selfFingerprint(fs, u, macros, 'rpmbuild');
    const base = await fp();
    assert.equal(await fp(), base, 'deterministic');

    const changes: { name: string; apply: () => void; undo: () => void; changes: boolean }[] = [
      { name: 'a source changes', apply: () => writeFileSync(path.join(dir, 'p-1.0.tar.gz'), 'other'), undo: () => writeFileSync(path.join(dir, 'p-1.0.tar.gz'), 'tarball'), changes: true },
      { name: 'a dotfile is added (staged: rpmbuild sees it)', apply: () => writeFileSync(path.join(dir, '.p.key'), 'k'), undo: () => rmSync(path.join(dir, '.p.key')), changes: true },
      { name: 'a file becomes executable', apply: () => chmodSync(path.join(dir, 'p-1.0.tar.gz'), 0o755), undo: () => chmodSync(path.join(dir, 'p-1.0.tar.gz'), 0o644), changes: true },
      { name: 'a file in a subdirectory (never staged)', apply: () => (mkdirSync(path.join(dir, 'sub')), writeFileSync(path.join(dir, 'sub', 'x'), 'x')), undo: () => rmSync(path.join(dir, 'sub'), { recursive: true }), changes: false },
      { name: 'the .git directory', apply: () => (mkdirSync(path.join(dir, '.git')), writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref')), undo: () => rmSync(path.join(dir, '.git'), { recursive: true }), changes: false },
    ];
    for (const c of changes) {
      c.apply();
      assert.equal((await fp()) !== base, c.changes, c.name);
      c.undo();
      assert.equal(await fp(), base, `${c.name}: undone`);
    }
    assert.notEqual(await fp(unit, { dist: '.x2' }), base, 'a distro macro');
    assert.notEqual(await fp({ ...unit, with: ['docs'] }), base, '--with');
    assert.notEqual(await fp({ ...unit, skipCheck: true }), base, 'skipping %check');
    assert.deepEqual(await buildInputFiles(fs, dir), ['p-1.0.tar.gz', 'p.spec']);

    const full = fullFingerprint(base, new Map([['lib', 'a']]));
    assert.notEqual(fullFingerprint(base, new Map([['lib', 'b']])), full, 'a dependency rebuilt');
    assert.equal(fullFingerprint(base, new Map([['lib', 'a']])), full);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
