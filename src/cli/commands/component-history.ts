import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface HistoryFlags {
  package?: string[];
  all?: boolean;
  offline?: boolean;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('history')
    .description('upstream dist-git commits between the locked commit and the newest one on the branch')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every upstream component')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: HistoryFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { runHistoryCommand } = await import('../../sources/commands.js');
      return runHistoryCommand(
        { fs: host.ctx.fs, git: host.ctx.git, sink: makeSink(host.ctx, g), lock: new (await import('../../adapters/process-lock.js')).NodeProcessLock() },
        {
          cwd: host.ctx.cwd,
          ...(g.project ? { projectDir: g.project } : {}),
          all: !!flags.all,
          names: [...(flags.package ?? []), ...names],
          ...(flags.offline ? { refresh: 'never' as const } : {}),
        },
      );
    }),
  );
}
