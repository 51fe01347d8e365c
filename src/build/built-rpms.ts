/**
 * What the build reads from the packages it built, through the FileSystem adapter and the rpm
 * layer's header reader: names, provides and files (for the BuildRequires of dependents and for
 * channels), and the differences between two builds of one package (`--verify-reproducible`).
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { compareRpmPackages, parseRpm, rpmInfo, type RpmDifference } from '../rpm/index.js';
import type { Dep } from './types.js';

/** What the build needs to know about a built RPM. */
export interface BuiltRpmInfo {
  readonly name: string;
  readonly arch: string;
  readonly isSource: boolean;
  readonly provides: readonly Dep[];
  readonly files: readonly string[];
}

export async function readBuiltRpm(fs: FileSystem, file: string): Promise<BuiltRpmInfo> {
  const info = rpmInfo(parseRpm(await fs.readFile(file), file));
  return { name: info.name, arch: info.arch, isSource: info.isSource, provides: info.provides, files: info.files };
}

/** Every difference between two builds `a` and `b` of one package. */
export async function compareBuiltRpms(fs: FileSystem, a: string, b: string): Promise<RpmDifference[]> {
  const [x, y] = await Promise.all([fs.readFile(a), fs.readFile(b)]);
  return compareRpmPackages(path.basename(a), parseRpm(x, a), parseRpm(y, b));
}

/** The package name of `name-version-release.arch.rpm`. */
export function rpmNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.rpm$/, '');
  const noArch = base.slice(0, base.lastIndexOf('.'));
  const parts = noArch.split('-');
  return parts.slice(0, -2).join('-');
}
