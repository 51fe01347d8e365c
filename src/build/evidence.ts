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

/** The marker of a flag macro's value in rpmbuild's output: `strata-flag:NAME=VALUE`. */
const FLAG_MARK = 'strata-flag:';

/**
 * `--eval` options that make rpmbuild print every flag macro as it evaluates it, before it does
 * anything else. Given to the binary build itself, they report the flags in exactly that build's
 * macro context (its defines, --with/--without and directories), at no cost of an extra process.
 */
export function flagEvalArgs(): string[] {
  return FLAG_MACROS.flatMap((m) => ['--eval', `${FLAG_MARK}${m}=%{?${m}}`]);
}

/** The flag macros `flagEvalArgs` made rpmbuild print (those rpm does not define are left out). */
export function parseFlagEval(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(FLAG_MARK)) continue;
    const m = /^([A-Za-z_0-9]+)=(.*)$/.exec(line.slice(FLAG_MARK.length));
    if (m && m[2]!.trim() !== '' && !(m[1]! in out)) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** The flag macros evaluated by rpmbuild with `macros` and the unit's defines and --with/--without (a process of its own: for backends whose build does not report them). */
export async function evaluateFlags(proc: ProcessRunner, unit: BuildUnit, macros: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const r = await proc.run('rpmbuild', [...macroArgs(unit, macros), ...flagEvalArgs()], {});
  return r.code === 0 ? parseFlagEval(r.stdout) : {};
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

/** Where the host's package database lives (Debian): its size and mtime change with every dpkg run. */
export const DPKG_STATUS = '/var/lib/dpkg/status';

interface OwnerCache {
  readonly version: 1;
  /** `size:mtimeMs` of the dpkg status file the answers were read under. */
  readonly dpkgStatus: string;
  /** File → the package that owns it and that package's version ({} = no package owns it). */
  readonly owners: Record<string, { readonly package?: string; readonly version?: string }>;
}

export interface HostFactsOptions {
  readonly mockPath?: string;
  /**
   * A file that keeps dpkg's answers between runs (in the work dir). Asking dpkg who owns a file
   * reads every installed package's file list (about 0.2 s of CPU on a small host, competing with
   * the builds); the answers stay valid until dpkg changes its status file, which the cache checks.
   */
  readonly cacheFile?: string;
}

export async function loadHostFacts(fs: FileSystem, proc: ProcessRunner, backend: 'rpmbuild' | 'mock', options: HostFactsOptions = {}): Promise<HostFacts> {
  const { mockPath, cacheFile } = options;
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
    const files = [...new Set(paths.values())];
    const known = await cached();
    const todo = files.filter((f) => !(f in known.owners));
    const answers: Record<string, { package?: string; version?: string }> = {};
    if (todo.length) {
      const owners = new Map<string, string>();
      const r = await proc.run('dpkg-query', ['-S', ...todo], {}).catch(() => undefined);
      for (const line of r?.stdout.split('\n') ?? []) {
        const m = /^([^:,\s]+)(?::[^:\s]+)?(?:, [^:]+)?: (\/.*)$/.exec(line);
        if (m && !owners.has(m[2]!)) owners.set(m[2]!, m[1]!);
      }
      const versions = new Map<string, string>();
      const pkgs = [...new Set(owners.values())];
      if (pkgs.length) {
        const w = await proc.run('dpkg-query', ['-W', '-f', '${Package} ${Version}\n', ...pkgs], {}).catch(() => undefined);
        for (const line of w?.stdout.split('\n') ?? []) {
          const [p, v] = line.split(' ');
          if (p && v) versions.set(p.replace(/:.*$/, ''), v);
        }
      }
      for (const f of todo) {
        const pkg = owners.get(f);
        const version = pkg ? versions.get(pkg) : undefined;
        answers[f] = { ...(pkg ? { package: pkg } : {}), ...(version ? { version } : {}) };
      }
      // Only answers dpkg gave are kept (a failed query is asked again next run).
      if (r && r.code !== 127 && known.dpkgStatus) await remember(known, answers);
    }
    const out = new Map<string, HostToolRecord>();
    for (const requires of list) {
      const file = paths.get(requires);
      const a = file ? (answers[file] ?? known.owners[file]) : undefined;
      out.set(requires, { requires, ...(file ? { path: file } : {}), ...(a?.package ? { package: a.package } : {}), ...(a?.version ? { version: a.version } : {}) });
    }
    return out;
  };
  let cachedOwners: Promise<OwnerCache> | undefined;
  /** The dpkg answers kept from earlier runs, when dpkg has not changed since; else none. */
  const cached = (): Promise<OwnerCache> =>
    (cachedOwners ??= (async () => {
      const st = await fs.stat(DPKG_STATUS).catch(() => undefined);
      const dpkgStatus = st ? `${st.size}:${st.mtimeMs}` : '';
      const empty: OwnerCache = { version: 1, dpkgStatus, owners: {} };
      if (!cacheFile || !dpkgStatus) return empty;
      try {
        const c = JSON.parse(await fs.readText(cacheFile)) as OwnerCache;
        return c.version === 1 && c.dpkgStatus === dpkgStatus && c.owners && typeof c.owners === 'object' ? c : empty;
      } catch {
        return empty;
      }
    })());
  const remember = async (known: OwnerCache, answers: OwnerCache['owners']): Promise<void> => {
    if (!cacheFile) return;
    const next: OwnerCache = { version: 1, dpkgStatus: known.dpkgStatus, owners: { ...known.owners, ...answers } };
    cachedOwners = Promise.resolve(next);
    await fs.mkdir(path.dirname(cacheFile)).catch(() => undefined);
    await fs.writeFileAtomic(cacheFile, `${JSON.stringify(next)}\n`).catch(() => undefined);
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
