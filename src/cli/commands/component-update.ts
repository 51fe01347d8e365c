import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface UpdateFlags {
  all?: boolean;
  package?: string[];
  checkOnly?: boolean;
  offline?: boolean;
  force?: boolean;
}

/** The shared `component` command group (created by whichever module registers first). */

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('update')
    .description('resolve upstream commits and write locks/<name>.lock (commit, import commit, input fingerprint)')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every component (also removes locks of components that no longer exist)')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--check-only', 'write nothing; exit 1 when any lock is missing or stale')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('--force', 're-resolve pinned/snapshotted components even when their resolution inputs did not change');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: UpdateFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { runUpdateCommand } = await import('../../sources/commands.js');
      return runUpdateCommand(
        { fs: host.ctx.fs, git: host.ctx.git, sink: makeSink(host.ctx, g), lock: new (await import('../../adapters/process-lock.js')).NodeProcessLock() },
        {
          cwd: host.ctx.cwd,
          ...(g.project ? { projectDir: g.project } : {}),
          all: !!flags.all,
          names: [...(flags.package ?? []), ...names],
          checkOnly: !!flags.checkOnly,
          ...(flags.offline ? { refresh: 'never' as const } : {}),
          ...(flags.force ? { force: true } : {}),
        },
      );
    }),
  );
}
