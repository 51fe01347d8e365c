/**
 * `--verify-reproducible`: every component is built twice in different top directories (same
 * fixed root); the two sets of packages must be the same, package by package, header tag by
 * header tag and file by file.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import type { RpmDifference } from '../rpm/index.js';
import { compareBuiltRpms } from './built-rpms.js';
import type { RpmbuildResult } from './rpmbuild.js';

export interface ReproducibilityResult {
  readonly name: string;
  readonly identical: boolean;
  readonly differences: readonly RpmDifference[];
}

/** Compare the second build of component `name` with its first (which succeeded). */
export async function checkReproducible(fs: FileSystem, name: string, first: RpmbuildResult, second: RpmbuildResult): Promise<ReproducibilityResult> {
  const differences: RpmDifference[] = [];
  if (!second.ok) differences.push({ rpm: name, what: 'second build', first: 'succeeded', second: `failed: ${second.errors.join(' ')}` });
  else {
    const pairs = new Map<string, [string?, string?]>();
    for (const f of [first.srpm!, ...first.rpms]) pairs.set(path.basename(f), [f, undefined]);
    for (const f of [second.srpm!, ...second.rpms]) pairs.set(path.basename(f), [pairs.get(path.basename(f))?.[0], f]);
    for (const [base, [a, b]] of pairs) {
      if (!a || !b) differences.push({ rpm: base, what: 'package set', first: a ? 'present' : 'absent', second: b ? 'present' : 'absent' });
      else differences.push(...(await compareBuiltRpms(fs, a, b)));
    }
  }
  return { name, identical: differences.length === 0, differences };
}
