/**
 * What a build adds to its record: the flag macros as rpm evaluates them with this build's
 * defines, the backend, rpm and host versions, the packages unpacked into the buildroot, the
 * host tools that satisfied the other BuildRequires, and every output with its digests (file
 * SHA-256, and SHA256HEADER and SIGMD5, which stay the same when the package is re-signed).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { parseRpm, rpmInfo, SigTag, rpmPurl, type RpmPackage } from '../rpm/index.js';
import { BUILD_RECORD_VERSION, type BuildRecord, type HostToolRecord, type PackageRecord, type PreparedInputs } from './build-record.js';
import { macroArgs } from './spec-facts.js';
import type { BuildUnit } from './types.js';

/** The flag macros recorded (those rpm does not define are left out). */
export const FLAG_MACROS = [
  'optflags', 'build_cflags', 'build_cxxflags', 'build_fflags', 'build_ldflags',
  '_hardened_build', '_hardening_cflags', '_hardening_ldflags', '_annotated_build', '_lto_cflags', '_package_note_flags',
  '_fortify_level', '_include_frame_pointers', '_smp_build_ncpus', '_smp_mflags', '_target_cpu', '_build_id_links',
] as const;

export interface Vendor {
  /** purl namespace (lower-cased). */
  readonly vendor: string;
  /** purl `distro` qualifier, e.g. `azurelinux-4.0`. */
  readonly distro: string;
}

/** The flag macros evaluated by rpmbuild with `macros` and the unit's defines and --with/--without. */
export async function evaluateFlags(proc: ProcessRunner, unit: BuildUnit, macros: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const evals = FLAG_MACROS.flatMap((m) => ['--eval', `@@${m}=%{?${m}}`]);
  const r = await proc.run('rpmbuild', [...macroArgs(unit, macros), ...evals], {});
  const out: Record<string, string> = {};
  if (r.code !== 0) return out;
  for (const line of r.stdout.split('\n')) {
    const m = /^@@([A-Za-z_0-9]+)=(.*)$/.exec(line);
    if (m && m[2]!.trim() !== '') out[m[1]!] = m[2]!.trim();
  }
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const toHex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

/** A package of the record from its bytes. */
export function packageRecord(bytes: Uint8Array, file: string, v: Vendor): PackageRecord {
  const pkg: RpmPackage = parseRpm(bytes, file);
  const info = rpmInfo(pkg);
  const epoch = info.epoch;
  const sha256header = pkg.signature.string(SigTag.SHA256HEADER);
  const sigmd5 = toHex(pkg.signature.bin(SigTag.MD5));
  return {
    name: info.name,
    ...(epoch !== undefined ? { epoch } : {}),
    version: info.version,
    release: info.release,
    arch: info.arch,
    nevra: `${info.name}-${epoch ? `${epoch}:` : ''}${info.version}-${info.release}.${info.arch}`,
    file: path.basename(file),
    sha256: sha256(bytes),
    ...(sha256header ? { sha256header } : {}),
    ...(sigmd5 ? { sigmd5 } : {}),
    purl: rpmPurl({ vendor: v.vendor, name: info.name, ...(epoch !== undefined ? { epoch } : {}), version: info.version, release: info.release, arch: info.arch, distro: v.distro }),
  };
}

/** Facts of the machine a run builds on, looked up once per run. */
export interface HostFacts {
  readonly rpmVersion: string;
  readonly hostOs: string;
  readonly backendVersion: string;
  /** What the host reports for a BuildRequires it satisfies (cached per name). */
  hostTool(requires: string): Promise<HostToolRecord>;
  /** Start looking up these requirements (one batch), e.g. every external BuildRequires of a run at its start. */
  prefetch(requires: readonly string[]): void;
}

export async function loadHostFacts(fs: FileSystem, proc: ProcessRunner, backend: 'rpmbuild' | 'mock', mockPath?: string): Promise<HostFacts> {
  const version = async (cmd: string, args: string[], re: RegExp) => {
    const r = await proc.run(cmd, args, {}).catch(() => undefined);
    return (r && r.code === 0 ? re.exec(r.stdout)?.[1] : undefined) ?? 'unknown';
  };
  const osRelease = await fs.readText('/etc/os-release').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown';
  const rpmVersion = await version('rpm', ['--version'], /RPM version (\S+)/);
  const backendVersion = backend === 'mock' ? await version(mockPath ?? 'mock', ['--version'], /^(\S+)/) : rpmVersion;
  const cache = new Map<string, Promise<HostToolRecord>>();
  /** One `dpkg-query -S` and one `dpkg-query -W` for a batch of requirements (each call reads every package's file list). */
  const lookupAll = async (list: readonly string[]): Promise<Map<string, HostToolRecord>> => {
    const paths = new Map<string, string>();
    await Promise.all(
      list.map(async (requires) => {
        const name = requires.split(/\s+/)[0] ?? '';
        const file = name.startsWith('/') ? name : /^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(name) ? await proc.which(name) : undefined;
        if (file) paths.set(requires, file);
      }),
    );
    const owners = new Map<string, string>();
    const files = [...new Set(paths.values())];
    if (files.length) {
      const r = await proc.run('dpkg-query', ['-S', ...files], {}).catch(() => undefined);
      for (const line of r?.stdout.split('\n') ?? []) {
        const m = /^([^:,\s]+)(?::[^:\s]+)?(?:, [^:]+)?: (\/.*)$/.exec(line);
        if (m && !owners.has(m[2]!)) owners.set(m[2]!, m[1]!);
      }
    }
    const versions = new Map<string, string>();
    const pkgs = [...new Set(owners.values())];
    if (pkgs.length) {
      const r = await proc.run('dpkg-query', ['-W', '-f', '${Package} ${Version}\n', ...pkgs], {}).catch(() => undefined);
      for (const line of r?.stdout.split('\n') ?? []) {
        const [p, v] = line.split(' ');
        if (p && v) versions.set(p.replace(/:.*$/, ''), v);
      }
    }
    const out = new Map<string, HostToolRecord>();
    for (const requires of list) {
      const file = paths.get(requires);
      const pkg = file ? owners.get(file) : undefined;
      const version = pkg ? versions.get(pkg) : undefined;
      out.set(requires, { requires, ...(file ? { path: file } : {}), ...(pkg ? { package: pkg } : {}), ...(version ? { version } : {}) });
    }
    return out;
  };
  const prefetch = (list: readonly string[]): void => {
    const todo = [...new Set(list)].filter((r) => !cache.has(r));
    if (!todo.length) return;
    const batch = lookupAll(todo);
    for (const r of todo) cache.set(r, batch.then((m) => m.get(r)!));
  };
  return {
    rpmVersion,
    hostOs: pretty,
    backendVersion,
    prefetch,
    hostTool(requires) {
      prefetch([requires]);
      return cache.get(requires)!;
    },
  };
}

export interface AssembleRecord {
  readonly inputs: PreparedInputs;
  readonly unit: BuildUnit;
  readonly arch: string;
  readonly vendor: Vendor;
  readonly backend: 'rpmbuild' | 'mock';
  readonly host: HostFacts;
  readonly flags: Readonly<Record<string, string>>;
  readonly defines: Readonly<Record<string, string>>;
  readonly sourceDateEpoch: number;
  readonly buildPath?: string;
  readonly buildroot: readonly PackageRecord[];
  readonly hostTools: readonly HostToolRecord[];
  readonly srpm: PackageRecord;
  readonly rpms: readonly PackageRecord[];
}

export function assembleBuildRecord(a: AssembleRecord): BuildRecord {
  const { version: _v, ...inputs } = a.inputs;
  return {
    ...inputs,
    version: BUILD_RECORD_VERSION,
    arch: a.arch,
    vendor: a.vendor.vendor,
    distro: a.vendor.distro,
    build: {
      flags: a.flags,
      defines: a.defines,
      with: [...(a.unit.with ?? [])],
      without: [...(a.unit.without ?? [])],
      sourceDateEpoch: a.sourceDateEpoch,
      ...(a.buildPath ? { buildPath: a.buildPath } : {}),
      backend: { name: a.backend, version: a.host.backendVersion },
      rpmVersion: a.host.rpmVersion,
      hostOs: a.host.hostOs,
      buildroot: a.buildroot,
      hostTools: a.hostTools,
    },
    outputs: { srpm: a.srpm, rpms: a.rpms },
  };
}
