import * as path from 'node:path';
import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';
import { parseJobs } from '../flags.js';

interface RenderFlags {
  all?: boolean;
  package?: string[];
  outputDir?: string;
  checkOnly?: boolean;
  cleanStale?: boolean;
  dryRun?: boolean;
  jobs?: string;
  failOnError?: boolean;
  refresh?: boolean;
  offline?: boolean;
  cache?: boolean;
}


export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('render')
    .description('render components: upstream spec + overlays → the rendered spec tree (no mock, no root)')
    .argument('[names...]', 'components to render (same as -p)')
    .option('-a, --all', 'render every component')
    .option('-p, --package <name...>', 'components to render (names or patterns)')
    .option('-o, --output-dir <dir>', 'output directory (default: project rendered-specs-dir)')
    .option('--check-only', 'render and compare only; exit 1 and list what would change')
    .option('--clean-stale', 'remove output directories of components that no longer exist')
    .option('--dry-run', 'print the unified diff each overlay makes; write nothing')
    .option('-j, --jobs <n>', 'parallel components (default: the number of CPUs)')
    .option('--fail-on-error', 'exit 1 when any component failed (the default)')
    .option('--no-fail-on-error', 'exit 0 even when components failed, leaving RENDER_FAILED markers (azldev\'s default)')
    .option('--refresh', 'fetch dist-git mirrors even when they already hold what is needed')
    .option('--offline', 'never fetch; use the mirror cache only')
    .option('--no-cache', 'render every component even when its render stamp says nothing changed');
  host.withOutput(cmd, { short: false });
  cmd.action(
    host.action(async (names: string[], flags: RenderFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { runRenderCommand } = await import('../../render/command.js');
      const { NodeScratchWriter } = await import('../../adapters/scratch-fs.js');
      if (flags.outputDir) await (await import('../output-path.js')).checkOutputDir(host.ctx.fs, path.resolve(host.ctx.cwd, flags.outputDir), '--output-dir');
      const jobs = parseJobs(flags.jobs) ?? Math.max(2, (await import('node:os')).availableParallelism());
      const sink = makeSink(host.ctx, g);
      // Ctrl-C: finish the components in flight (each output dir is swapped whole), start no more.
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort();
        host.ctx.err('\ninterrupted: finishing the components in progress (Ctrl-C again to stop now)\n');
      };
      process.on('SIGINT', onSigint);
      const r = await runRenderCommand(
        { fs: host.ctx.fs, git: host.ctx.git, proc: host.ctx.proc, clock: host.ctx.clock, sink, scratch: new NodeScratchWriter(), lock: new (await import('../../adapters/process-lock.js')).NodeProcessLock() },
        {
          cwd: host.ctx.cwd,
          ...(g.project ? { projectDir: g.project } : {}),
          all: !!flags.all,
          names: [...(flags.package ?? []), ...names],
          ...(flags.outputDir ? { outputDir: flags.outputDir } : {}),
          checkOnly: !!flags.checkOnly,
          cleanStale: !!flags.cleanStale,
          dryRun: !!flags.dryRun,
          jobs,
          refresh: flags.offline ? 'never' : flags.refresh ? 'always' : 'if-needed',
          signal: abort.signal,
          ...(flags.cache === false ? { noCache: true } : {}),
          ...(flags.failOnError === false ? { failOnError: false } : {}),
        },
      ).finally(() => process.off('SIGINT', onSigint));
      return abort.signal.aborted ? { ...r, exitCode: 130 } : r;
    }),
  );
}
