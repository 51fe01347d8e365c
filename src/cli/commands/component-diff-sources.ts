import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface DiffFlags {
  package?: string[];
  all?: boolean;
  offline?: boolean;
  raw?: boolean;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('diff-sources')
    .description('what updating the lock would change: upstream commits and the rendered-spec diff')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every upstream component')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('--raw', 'do not render; show the pristine upstream spec diff only');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: DiffFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { runDiffSourcesCommand } = await import('../../render/upstream-diff.js');
      return runDiffSourcesCommand(
        { fs: host.ctx.fs, git: host.ctx.git, proc: host.ctx.proc, clock: host.ctx.clock, sink: makeSink(host.ctx, g), lock: new (await import('../../adapters/process-lock.js')).NodeProcessLock() },
        {
          cwd: host.ctx.cwd,
          ...(g.project ? { projectDir: g.project } : {}),
          all: !!flags.all,
          names: [...(flags.package ?? []), ...names],
          ...(flags.offline ? { refresh: 'never' as const } : {}),
          ...(flags.raw ? { raw: true } : {}),
        },
      );
    }),
  );
}
