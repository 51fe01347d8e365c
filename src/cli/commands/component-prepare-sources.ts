import * as path from 'node:path';
import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { diagnosticToJson } from '../../diag/index.js';
import { loadSelectedForCli } from '../load-project.js';
import { makeSink } from '../progress.js';
import { parseJobs } from '../flags.js';

interface PrepFlags {
  all?: boolean;
  package?: string[];
  outputDir?: string;
  offline?: boolean;
  jobs?: string;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('prepare-sources')
    .description('render components and fetch + verify their sources (lookaside, source-files, signatures) into DIR/<component>/')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every component')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('-o, --output-dir <dir>', 'output directory (default: <work-dir>/prepared)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('-j, --jobs <n>', 'parallel components (default 4)');
  host.withOutput(cmd, { short: false });
  cmd.action(
    host.action(async (names: string[], flags: PrepFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const sink = makeSink(ctx, g);
      const { project, components } = await loadSelectedForCli(ctx, g, { all: !!flags.all, names: [...(flags.package ?? []), ...names] });
      const [{ prepareSources }, { NodeHttp, NodeFileHasher }, { checkOutputDir }] = await Promise.all([
        import('../../build/prepare-sources.js'),
        import('../../adapters/http.js'),
        import('../../util/paths.js'),
      ]);
      const outRoot = flags.outputDir ? path.resolve(ctx.cwd, flags.outputDir) : path.join(project.project.workDir, 'prepared');
      await checkOutputDir(ctx.fs, outRoot, flags.outputDir ? '--output-dir' : 'work-dir/prepared', flags.outputDir ? undefined : project.project.origins.get('work-dir'));
      const prepared = await prepareSources(
        { fs: ctx.fs, git: ctx.git, proc: ctx.proc, clock: ctx.clock, sink, http: new NodeHttp(), hasher: new NodeFileHasher(), lock: ctx.lock },
        project,
        components,
        outRoot,
        { ...(flags.offline ? { refresh: 'never' as const } : {}), ...(flags.jobs !== undefined ? { jobs: parseJobs(flags.jobs)! } : {}) },
      );
      const warnings = prepared.flatMap((p) => p.diagnostics.filter((d) => d.severity !== 'note'));
      return {
        json: prepared.map((p) => ({
          component: p.component,
          dir: p.dir,
          spec: p.spec,
          ...(p.upstreamCommit ? { upstreamCommit: p.upstreamCommit } : {}),
          files: p.files.map((f) => ({ filename: f.filename, size: f.size, from: f.from })),
          signatures: p.signatures.map((s) => ({ data: s.call.data, signature: s.call.signature, keyring: s.call.keyring, keyIds: s.keyIds })),
          diagnostics: p.diagnostics.map((d) => diagnosticToJson(d, ctx.cwd)),
        })),
        table: {
          columns: ['component', 'files', 'fetched', 'signatures', 'dir'],
          rows: prepared.map((p) => [p.component, p.files.length, p.files.filter((f) => f.from !== 'present' && f.from !== 'cache').length, p.signatures.length ? `${p.signatures.length} ok` : '', path.relative(ctx.cwd, p.dir) || '.']),
        },
        ...(warnings.length ? { diagnostics: warnings } : {}),
      };
    }),
  );
}
