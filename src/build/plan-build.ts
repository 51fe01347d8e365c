/**
 * `planBuild`: from a resolved project, the selected components and the command's flags to the
 * options of `runBuild` — the mock config of the default distro version, `--define` macros, the
 * output paths checked, the sources prepared (unless taken from a prepared directory), one
 * build unit per component found in its prepared directory, publish channels and the CPU
 * shares of parallel builds. Every problem is a coded diagnostic.
 */
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { mockConfigFor, type ResolvedComponent, type ResolvedProject } from '../config/index.js';
import { checkOutputDir } from '../util/paths.js';
import { resolvePackageChannel } from './channels.js';
import { requireMock } from './mock.js';
import { prepareSources, type PrepareSourcesDeps } from './prepare-sources.js';
import { cpusAllowed } from './rpmbuild.js';
import type { BuildOptions } from './run-build.js';
import { rpmspecInspector, specModelInspector } from './spec-facts.js';
import type { BuildUnit } from './types.js';

export interface BuildRequest {
  readonly project: ResolvedProject;
  readonly components: readonly ResolvedComponent[];
  /**
   * Prepare the sources into `<work-dir>/prepared/` first (render + fetch and verify every
   * source); undefined: take them from `preparedDir` as they are.
   */
  readonly prepare?: { readonly deps: PrepareSourcesDeps; readonly offline: boolean };
  /** A directory of prepared sources, `DIR/<component>/` (when `prepare` is not given). */
  readonly preparedDir?: string;
  readonly jobs: number;
  readonly backend: 'rpmbuild' | 'mock';
  /** `--define 'NAME VALUE'`. */
  readonly defines: readonly string[];
  readonly force: boolean;
  readonly failFast: boolean;
  readonly verifyReproducible: boolean;
  /** Base of the fixed build paths (absolute). */
  readonly fixedRootBase?: string;
  /** The machine's rpm architecture (which mock config to take). */
  readonly arch: string;
  /** CPUs of the machine. */
  readonly cpus: number;
  /** With jobs > 1, pin each build slot to its own share of the CPUs this process may run on. */
  readonly cpuAffinity: boolean;
}

/** `--define 'NAME VALUE'` (an optional `%` before the name) as macros. */
export function parseMacroDefines(defines: readonly string[]): Record<string, string> {
  const macros: Record<string, string> = {};
  for (const d of defines) {
    const m = /^\s*%?([A-Za-z_][\w]*)\s+([\s\S]*)$/.exec(d);
    if (!m) throw new StrataError(error('BUILD_BAD_DEFINE', `--define expects 'NAME VALUE', got '${d}'`, { hint: "write --define 'dist .azl4'" }));
    macros[m[1]!] = m[2]!;
  }
  return macros;
}

/** The mock binary and the `-r` config of the project's default distro version. */
export async function resolveMockSetup(proc: ProcessRunner, project: ResolvedProject, arch: string): Promise<{ path: string; config: string }> {
  const m = await requireMock(proc);
  const ref = project.defaultDistro;
  const ver = ref ? project.distros.get(ref.name)?.versions.get(ref.version) : undefined;
  const config = ver ? mockConfigFor(ver, arch) : undefined;
  if (!config) throw new StrataError(error('BUILD_MOCK_CONFIG', 'the mock backend needs a mock config on the default distro version', { ...(ver ? { span: ver.definedAt } : {}), hint: 'set mock-config-x86_64 (or mock-config) in [distros.NAME.versions.VERSION]' }));
  return { path: m.path!, config };
}

/**
 * One build unit per component from `<root>/<component>/`: the spec named after the component,
 * or the only spec there. BUILD_NO_SPEC for every component without one.
 */
export async function loadBuildUnits(fs: FileSystem, project: ResolvedProject, components: readonly ResolvedComponent[], root: string): Promise<BuildUnit[]> {
  const units: BuildUnit[] = [];
  const missing: string[] = [];
  for (const comp of components) {
    const dir = path.join(root, comp.name);
    const specs = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.spec'));
    const spec = specs.includes(`${comp.name}.spec`) ? `${comp.name}.spec` : specs.length === 1 ? specs[0] : undefined;
    if (!spec) {
      missing.push(comp.name);
      continue;
    }
    units.push({
      name: comp.name,
      dir,
      spec: path.join(dir, spec),
      with: comp.build.with,
      without: comp.build.without,
      defines: comp.build.defines,
      undefines: comp.build.undefines,
      skipCheck: comp.build.check.skip,
      definedAt: comp.definedAt,
    });
  }
  if (missing.length) {
    throw new StrataError(
      missing.map((m) => {
        const definedAt = project.components.get(m)?.definedAt;
        return error('BUILD_NO_SPEC', `${m}: no spec in ${path.join(root, m)}`, { ...(definedAt ? { span: definedAt } : {}), hint: 'prepare the component first: strata component prepare-sources -p NAME -o DIR' });
      }),
    );
  }
  return units;
}

/** The CPUs this process may run on (`Cpus_allowed_list`), when taskset can pin builds to them. */
export async function loadCpuAffinity(fs: FileSystem, proc: ProcessRunner): Promise<number[] | undefined> {
  const cpuSet = cpusAllowed(await fs.readText('/proc/self/status').catch(() => ''));
  if (!cpuSet || !(await proc.which('taskset'))) return undefined;
  return cpuSet;
}

export async function planBuild(fs: FileSystem, proc: ProcessRunner, req: BuildRequest): Promise<BuildOptions> {
  const { project } = req;
  const mock = req.backend === 'mock' ? await resolveMockSetup(proc, project, req.arch) : undefined;
  await checkOutputDir(fs, project.project.outputDir, 'output-dir (in [project])', project.project.origins.get('output-dir'));
  await checkOutputDir(fs, project.project.workDir, 'work-dir (in [project])', project.project.origins.get('work-dir'));
  const macros = parseMacroDefines(req.defines);
  const preparedRoot = req.preparedDir ?? path.join(project.project.workDir, 'prepared');
  if (req.prepare) {
    const prepared = await prepareSources(req.prepare.deps, project, req.components, preparedRoot, req.prepare.offline ? { refresh: 'never' } : {});
    const problems = prepared.flatMap((p) => p.diagnostics.filter((d) => d.severity === 'error'));
    if (problems.length) throw new StrataError(problems);
  }
  const units = await loadBuildUnits(fs, project, req.components, preparedRoot);
  const selected = new Set(units.map((u) => u.name));
  const cpuSet = req.jobs > 1 && req.cpuAffinity ? await loadCpuAffinity(fs, proc) : undefined;
  return {
    units,
    providers: [...project.components.keys()].filter((n) => !selected.has(n)),
    outDir: project.project.outputDir,
    workDir: project.project.workDir,
    ...(req.fixedRootBase ? { fixedRootBase: req.fixedRootBase } : {}),
    macros,
    jobs: req.jobs,
    force: req.force,
    failFast: req.failFast,
    backend: req.backend,
    ...(mock ? { mock } : {}),
    inspector: specModelInspector(fs, rpmspecInspector(proc)),
    channelOf: (component, rpmName) => resolvePackageChannel(project, project.components.get(component), rpmName),
    verifyReproducible: req.verifyReproducible,
    cpus: req.cpus,
    ...(cpuSet ? { cpuSet } : {}),
    evidence: { ...evidenceVendor(project), arch: req.arch },
  };
}

/**
 * The purl vendor and distro of the project's packages: the default distro's name and version
 * (`pkg:rpm/azurelinux/…?distro=azurelinux-4.0`).
 */
export function evidenceVendor(project: ResolvedProject): { vendor: string; distro: string } {
  const d = project.defaultDistro;
  const name = (d?.name ?? 'strata').toLowerCase();
  const ver = d?.version ?? (d ? project.distros.get(d.name)?.defaultVersion : undefined);
  return { vendor: name, distro: ver ? `${name}-${ver}` : name };
}
