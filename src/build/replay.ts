/**
 * Replay a build from its record (`strata verify --rebuild`): the prepared sources, the
 * recorded defines, --with/--without and SOURCE_DATE_EPOCH, the recorded buildroot packages in
 * the sysroot, at the component's fixed build path, as the original build ran. The packages it
 * gives are compared with the published ones by the caller.
 */
import * as path from 'node:path';
import type { FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import type { BuildRecord } from './build-record.js';
import { DEFAULT_FIXED_ROOT_BASE } from './fixed-roots.js';
import { runRpmbuild, withFixedRootLock, type RpmbuildResult } from './rpmbuild.js';

export interface ReplayOptions {
  readonly record: BuildRecord;
  /** The prepared component directory (spec and sources, as `prepare-sources` writes it). */
  readonly preparedDir: string;
  /** Files of the recorded buildroot packages (e.g. the published ones). */
  readonly sysrootRpms: readonly string[];
  /** Scratch directory for the top directory of the replay. */
  readonly workDir: string;
  readonly fixedRootBase?: string;
}

export async function replayBuild(deps: { fs: FileSystem; proc: ProcessRunner; lock: ProcessLock }, o: ReplayOptions): Promise<RpmbuildResult> {
  const r = o.record;
  const fixedRoot = r.build.buildPath ?? path.join(o.fixedRootBase ?? DEFAULT_FIXED_ROOT_BASE, r.component);
  const ncpus = r.build.flags['_smp_build_ncpus'];
  return withFixedRootLock(deps.lock, fixedRoot, () =>
    runRpmbuild(
      {
        unit: { name: r.component, dir: o.preparedDir, spec: path.join(o.preparedDir, r.spec.name), with: r.build.with, without: r.build.without },
        topdir: path.join(o.workDir, `${r.component}-replay`),
        fixedRoot,
        macros: r.build.defines,
        ...(ncpus ? { binaryMacros: { _smp_build_ncpus: ncpus } } : {}),
        sourceDateEpoch: r.build.sourceDateEpoch,
        sysrootRpms: o.sysrootRpms,
      },
      deps.fs,
      deps.proc,
    ),
  );
}
