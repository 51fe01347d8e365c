import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { parseJobs } from '../flags.js';
import { loadSelectedForCli } from '../load-project.js';
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

/** The HTTP adapters preparing sources needs. */
async function httpAdapters() {
  const { NodeHttp, NodeFileHasher } = await import('../../adapters/http.js');
  return { http: new NodeHttp(), hasher: new NodeFileHasher() };
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
      const build = await import('../../build/index.js');
      const { project, components } = await loadSelectedForCli(ctx, g, { all: !!flags.all, names: [...(flags.package ?? []), ...names], groups: flags.group ?? [] });
      const jobs = parseJobs(flags.jobs) ?? 1;
      const prepare = flags.prepared
        ? undefined
        : { deps: { fs: ctx.fs, git: ctx.git, proc: ctx.proc, clock: ctx.clock, sink, lock: ctx.lock, ...(await httpAdapters()) }, offline: !!flags.offline };
      const options = await build.planBuild(ctx.fs, ctx.proc, {
        project,
        components,
        ...(prepare ? { prepare } : { preparedDir: path.resolve(ctx.cwd, flags.prepared!) }),
        jobs,
        backend: flags.backend ?? 'rpmbuild',
        defines: flags.define ?? [],
        force: !!flags.force,
        failFast: !!flags.failFast,
        verifyReproducible: !!flags.verifyReproducible,
        ...(flags.buildPaths ? { fixedRootBase: path.resolve(ctx.cwd, flags.buildPaths) } : {}),
        arch: process.arch === 'arm64' ? 'aarch64' : 'x86_64',
        cpus: availableParallelism(),
        cpuAffinity: flags.cpuAffinity !== false,
      });
      const res = await build.runBuild({ fs: ctx.fs, proc: ctx.proc, sink, lock: ctx.lock }, options);
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
        diagnostics: res.diagnostics,
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
