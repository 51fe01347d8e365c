import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../diag/index.js';
import { parseMacroDefines } from './plan-build.js';
import { planCpuShares } from './rpmbuild.js';

test('--define: NAME VALUE (an optional %), BUILD_BAD_DEFINE otherwise', () => {
  assert.deepEqual(parseMacroDefines(['dist .azl4', '%_with_x 1', ' vendor  Example Inc. ']), { dist: '.azl4', _with_x: '1', vendor: 'Example Inc. ' });
  for (const bad of ['dist', '1x y', '']) {
    assert.throws(
      () => parseMacroDefines([bad]),
      (e: unknown) => isStrataError(e) && e.diagnostics[0]!.code === 'BUILD_BAD_DEFINE' && e.diagnostics[0]!.message === `--define expects 'NAME VALUE', got '${bad}'`,
    );
  }
});

test('CPU shares: _smp_build_ncpus per slot; slots pinned only when every slot has its own CPUs', () => {
  const two = planCpuShares(2, 8, [0, 1, 2, 3]);
  assert.deepEqual(two.binaryMacros, { _smp_build_ncpus: '2' });
  assert.deepEqual([two.slotCpus(0), two.slotCpus(1)], [[0, 1], [2, 3]]);
  assert.equal(planCpuShares(1, 8, [0, 1, 2, 3]).slotCpus(0), undefined, '-j1 is not pinned');
  assert.equal(planCpuShares(3, 8, [0, 1]).slotCpus(0), undefined, 'more slots than CPUs');
  assert.deepEqual(planCpuShares(3, 8, undefined).binaryMacros, { _smp_build_ncpus: '2' });
  assert.deepEqual(planCpuShares(2, undefined, undefined).binaryMacros, {});
});
