import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// The layering rule of shared/STYLE.md, enforced by dependency-cruiser over src/.
test('import direction follows the layering rule (dependency-cruiser)', () => {
  const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '..');
  const bin = path.join(root, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `layering violations:\n${r.stdout}\n${r.stderr}`);
});
