/**
 * Build input fingerprints. A component's SELF fingerprint covers the files a build uses from its
 * prepared directory (name, content, executable bit), its build options and the distro macros; its FULL
 * fingerprint adds the full fingerprints of the components it build-requires, so a change below
 * rebuilds everything above it and nothing else.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { sha256Hex } from '../sources/fingerprint.js';
import type { BuildUnit } from './types.js';

// v2: source packages pin _smp_build_ncpus and the staged sources' modes and mtimes (rebuild older results).
// v3: the files are exactly what a build stages (top-level regular files, dotfiles included).
export const BUILD_FINGERPRINT_VERSION = 'strata-build-v3';

/**
 * The files of a prepared directory that a build uses: its top-level regular files (rpmbuild's
 * `_sourcedir` is flat), dotfiles included, sorted by name. What the fingerprint covers and what
 * staging copies are this one list, so no input can change without a rebuild.
 */
export async function buildInputFiles(fs: FileSystem, dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((n) => n !== '.git');
  const kept = await Promise.all(names.map(async (n) => ((await fs.stat(path.join(dir, n)))?.isFile ? n : undefined)));
  return kept.filter((n): n is string => n !== undefined).sort();
}

export async function selfFingerprint(fs: FileSystem, unit: BuildUnit, macros: Readonly<Record<string, string>>, backend: string): Promise<string> {
  const h = createHash('sha256');
  const line = (s: string) => h.update(s + '\n');
  line(BUILD_FINGERPRINT_VERSION);
  line(`backend ${backend}`);
  line(`spec ${path.relative(unit.dir, unit.spec)}`);
  const kv = (label: string, o: Readonly<Record<string, string>>) => {
    for (const k of Object.keys(o).sort()) line(`${label} ${JSON.stringify(k)} ${JSON.stringify(o[k])}`);
  };
  kv('macro', macros);
  kv('define', unit.defines ?? {});
  for (const w of [...(unit.with ?? [])].sort()) line(`with ${w}`);
  for (const w of [...(unit.without ?? [])].sort()) line(`without ${w}`);
  for (const u of [...(unit.undefines ?? [])].sort()) line(`undefine ${u}`);
  line(`check ${unit.skipCheck ? 'skip' : 'run'}`);
  for (const name of await buildInputFiles(fs, unit.dir)) {
    const f = path.join(unit.dir, name);
    const [st, data] = await Promise.all([fs.stat(f), fs.readFile(f)]);
    line(`file ${JSON.stringify(name)} ${(st?.mode ?? 0) & 0o111 ? 'x' : '-'} ${sha256Hex(data)}`);
  }
  return h.digest('hex');
}

export function fullFingerprint(self: string, depFingerprints: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  h.update(`${BUILD_FINGERPRINT_VERSION}\nself ${self}\n`);
  for (const k of [...depFingerprints.keys()].sort()) h.update(`dep ${k} ${depFingerprints.get(k)}\n`);
  return h.digest('hex');
}
