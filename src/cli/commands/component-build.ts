import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface BuildFlags {
  all?: boolean;
  package?: string[];
  group?: string[];
  jobs?: string;
  backend?: 'rpmbuild' | 'mock';
  force?: boolean;
  verifyReproducible?: boolean;
  prepared?: string;
  define?: string[];
  buildPaths?: string;
  offline?: boolean;
  failFast?: boolean;
  cpuAffinity?: boolean;
}

/** The CPUs this process may run on, when taskset can pin builds to them. */
async function allowedCpus(ctx: CommandHost['ctx']): Promise<{ cpuSet?: number[] }> {
  const { cpusAllowed } = await import('../../build/index.js');
  const cpuSet = cpusAllowed(await ctx.fs.readText('/proc/self/status').catch(() => ''));
  if (!cpuSet || !(await ctx.proc.which('taskset'))) return {};
  return { cpuSet };
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('build')
    .description('build components in dependency order: SRPM + RPMs, incremental, parallel, reproducible')
    .argument('[names...]', 'components to build (same as -p)')
    .option('-a, --all', 'build every component')
    .option('-p, --package <name...>', 'components to build (names or patterns)')
    .option('-g, --group <group...>', 'component groups to build')
    .option('-j, --jobs <n>', 'components built at the same time', '1')
    .addOption(new Option('--backend <backend>', 'build backend').choices(['rpmbuild', 'mock']).default('rpmbuild'))
    .option('--force', 'rebuild even when the input fingerprint is unchanged')
    .option('--fail-fast', 'start no new build after a failure (default: keep going; only dependents of a failure are skipped)')
    .option('--verify-reproducible', 'build every component twice in different directories and compare the RPMs')
    .option('--prepared <dir>', 'take prepared sources from DIR/<component>/ (as written by `component prepare-sources`) instead of preparing them now')
    .option('--offline', 'prepare sources from the dist-git mirror cache only')
    .option('--define <macro...>', "extra rpm macro for every build, 'NAME VALUE'")
    .option('--build-paths <dir>', 'base of the fixed build paths (default /var/tmp/strata-build)')
    .option('--no-cpu-affinity', 'with -j N, let parallel builds run on any CPU instead of pinning each to its own share (taskset)');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: BuildFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const sink = makeSink(ctx, g);
      const { loadSelected } = await import('../../config/index.js');
      const build = await import('../../build/index.js');
      const repo = await import('../../repo/index.js');
      const { StrataError, error, formatDiagnostic } = await import('../../diag/index.js');
      const { project, components } = await loadSelected(
        { fs: ctx.fs, sink },
        { cwd: ctx.cwd, ...(g.project ? { projectDir: g.project } : {}), all: !!flags.all, names: [...(flags.package ?? []), ...names], groups: flags.group ?? [] },
      );
      const backend = flags.backend ?? 'rpmbuild';
      let mock: { path: string; config: string } | undefined;
      if (backend === 'mock') {
        const m = await build.requireMock(ctx.proc);
        const ref = project.defaultDistro;
        const ver = ref ? project.distros.get(ref.name)?.versions.get(ref.version) : undefined;
        const config = (process.arch === 'arm64' ? ver?.mockConfigAarch64 : ver?.mockConfigX86_64) ?? ver?.mockConfig;
        if (!config) throw new StrataError(error('BUILD_MOCK_CONFIG', 'the mock backend needs a mock config on the default distro version', { ...(ver ? { span: ver.definedAt } : {}), hint: 'set mock-config-x86_64 (or mock-config) in [distros.NAME.versions.VERSION]' }));
        mock = { path: m.path!, config };
      }
      const jobs = Number(flags.jobs ?? '1');
      if (!Number.isInteger(jobs) || jobs < 1) throw new StrataError(error('BUILD_BAD_JOBS', `-j expects a positive integer, not ${flags.jobs}`, { hint: 'write -j 4 (how many rpmbuilds run in parallel)' }));
      const { checkOutputDir } = await import('../output-path.js');
      await checkOutputDir(ctx.fs, project.project.outputDir, 'output-dir (in [project])', project.project.origins.get('output-dir'));
      await checkOutputDir(ctx.fs, project.project.workDir, 'work-dir (in [project])', project.project.origins.get('work-dir'));
      const macros: Record<string, string> = {};
      for (const d of flags.define ?? []) {
        const m = /^\s*%?([A-Za-z_][\w]*)\s+([\s\S]*)$/.exec(d);
        if (!m) throw new StrataError(error('BUILD_BAD_DEFINE', `--define expects 'NAME VALUE', got '${d}'`, { hint: "write --define 'dist .azl4'" }));
        macros[m[1]!] = m[2]!;
      }

      // Prepared sources: a directory per component with the rendered spec and verified sources.
      const preparedRoot = flags.prepared ? path.resolve(ctx.cwd, flags.prepared) : path.join(project.project.workDir, 'prepared');
      if (!flags.prepared) {
        // update/render + fetch and verify every source (the sources engineer's prepare-sources).
        const [{ prepareSources }, { NodeHttp, NodeFileHasher }] = await Promise.all([import('../../build/prepare-sources.js'), import('../../adapters/http.js')]);
        const prepared = await prepareSources({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, clock: ctx.clock, sink, http: new NodeHttp(), hasher: new NodeFileHasher(), lock: new (await import('../../adapters/process-lock.js')).NodeProcessLock() }, project, components, preparedRoot, flags.offline ? { refresh: 'never' } : {});
        const problems = prepared.flatMap((p) => p.diagnostics.filter((d) => d.severity === 'error'));
        if (problems.length) throw new StrataError(problems);
      }
      const units: import('../../build/index.js').BuildUnit[] = [];
      const missing: string[] = [];
      for (const comp of components) {
        const dir = path.join(preparedRoot, comp.name);
        const specs = (await ctx.fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.spec'));
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
          missing.map((m) =>
            error('BUILD_NO_SPEC', `${m}: no spec in ${path.join(preparedRoot, m)}`, {
              ...(project.components.get(m)?.definedAt ? { span: project.components.get(m)!.definedAt } : {}),
              hint: 'prepare the component first: strata component prepare-sources -p NAME -o DIR',
            }),
          ),
        );
      }
      const readRpm = async (f: string) => {
        const info = repo.rpmInfo(repo.parseRpm(await ctx.fs.readFile(f), f));
        return { name: info.name, arch: info.arch, isSource: info.isSource, provides: info.provides, files: info.files };
      };
      const compareRpms = async (a: string, b: string) => {
        const [x, y] = await Promise.all([ctx.fs.readFile(a), ctx.fs.readFile(b)]);
        return repo.compareRpmPackages(path.basename(a), repo.parseRpm(x, a), repo.parseRpm(y, b));
      };
      const { NodeProcessLock } = await import('../../adapters/process-lock.js');
      const res = await build.runBuild(
        { fs: ctx.fs, proc: ctx.proc, sink, lock: new NodeProcessLock() },
        {
          units,
          providers: [...project.components.keys()].filter((n) => !units.some((u) => u.name === n)),
          outDir: project.project.outputDir,
          workDir: project.project.workDir,
          ...(flags.buildPaths ? { fixedRootBase: path.resolve(ctx.cwd, flags.buildPaths) } : {}),
          macros,
          jobs,
          force: !!flags.force,
          failFast: !!flags.failFast,
          backend,
          ...(mock ? { mock } : {}),
          inspector: build.specModelInspector(ctx.fs, build.rpmspecInspector(ctx.proc)),
          readRpm,
          compareRpms,
          channelOf: (component, rpmName) => build.resolvePackageChannel(project, project.components.get(component), rpmName),
          verifyReproducible: !!flags.verifyReproducible,
          cpus: (await import('node:os')).availableParallelism(),
          ...(jobs > 1 && flags.cpuAffinity !== false ? await allowedCpus(ctx) : {}),
        },
      );
      if (g.output !== 'json') {
        const sourceOf = (f: string) => {
          try {
            return readFileSync(f, 'utf8');
          } catch {
            return undefined;
          }
        };
        for (const d of res.diagnostics) ctx.err(formatDiagnostic(d, { sourceOf, relativeTo: ctx.cwd, color: ctx.color }) + '\n');
      }
      const count = (s: string) => res.records.filter((r) => r.status === s).length;
      const bad = res.records.filter((r) => r.status === 'failed' || r.status === 'skipped');
      const irreproducible = res.reproducibility.filter((r) => !r.identical);
      const lines: string[] = [];
      const selected = new Set(res.records.map((r) => r.name));
      if (res.graph.order.length) {
        const deps = res.graph.edges.filter((e) => selected.has(e.from)).map((e) => `${e.to} -> ${e.from} (${e.dep})${selected.has(e.to) ? '' : ' [last build of ' + e.to + ']'}`);
        lines.push(`build order: ${res.graph.order.filter((n) => selected.has(n)).join(', ')}${deps.length ? `; edges: ${deps.join(', ')}` : ''}`);
      }
      for (const r of res.records.filter((x) => x.status === 'failed')) {
        lines.push(`\n${r.name} failed: ${r.reason ?? ''}${r.log ? `\n  log: ${path.relative(ctx.cwd, r.log)}` : ''}`);
        for (const l of r.logTail ?? []) lines.push(`  | ${l}`);
      }
      for (const r of res.reproducibility) {
        lines.push(`${r.name}: ${r.identical ? 'reproducible (byte-identical packages from two builds)' : `NOT reproducible, ${r.differences.length} difference(s):`}`);
        for (const d of r.differences) lines.push(`  ${d.rpm}: ${d.what}: ${d.first} != ${d.second}`);
      }
      lines.push(
        `\n${count('built')} built, ${count('unchanged')} unchanged, ${count('failed')} failed, ${count('skipped')} skipped in ${res.wallSeconds.toFixed(1)}s (rpmbuild ${res.rpmbuildSeconds.toFixed(1)}s, -j${jobs})` +
          `; results in ${path.relative(ctx.cwd, project.project.outputDir) || '.'}/`,
      );
      return {
        json: {
          ok: bad.length === 0 && irreproducible.length === 0 && !res.diagnostics.some((d) => d.severity === 'error'),
          order: res.graph.order,
          edges: res.graph.edges,
          cycles: res.graph.cycles,
          externalBuildRequires: Object.fromEntries(res.graph.external),
          records: res.records,
          reproducibility: res.reproducibility,
          wallSeconds: res.wallSeconds,
          rpmbuildSeconds: res.rpmbuildSeconds,
          diagnostics: res.diagnostics,
        },
        table: {
          columns: ['component', 'status', 'rpms', 'rpmbuild s', 'detail'],
          rows: res.records.map((r) => [r.name, r.status, r.rpms.length, r.rpmbuildSeconds.toFixed(2), r.reason ?? '']),
        },
        text: lines.join('\n'),
        exitCode: bad.length || irreproducible.length || res.diagnostics.some((d) => d.severity === 'error') ? 1 : 0,
      };
    }),
  );
}
