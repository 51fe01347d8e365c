import { Option, type Command } from 'commander';
import type { CliContext, GlobalOptions } from './context.js';
import { printResult, type CommandResult } from './output.js';

/**
 * What command modules get: the context, the parsed global options, and `run` that wraps an
 * action so that its result is printed by the shared renderer and its exit code recorded.
 */
export interface CommandHost {
  readonly ctx: CliContext;
  globals(cmd: Command): GlobalOptions;
  /**
   * Add `-o, --output <format>` (and `-O, --output-format`) to a subcommand. Commands whose `-o`
   * means an output directory (render, prepare-sources) pass `{ short: false }` and keep only `-O`.
   */
  /** The command group `name` (e.g. `component`), created on first use so modules can share it. */
  group(program: Command, name: string, description: string): Command;
  withOutput(cmd: Command, opts?: { short?: boolean; formats?: readonly string[] }): Command;
  /** Wrap an async action returning a CommandResult. Errors propagate to main(), which prints diagnostics. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<CommandResult>): (...args: A) => Promise<void>;
  exitCode: number;
  /** Globals of the command being run (set before its action starts), for error printing. */
  current?: GlobalOptions;
}

export function makeHost(ctx: CliContext): CommandHost {
  // formats each command declared with withOutput, to refuse a global `-o toml` it cannot print
  const formatsOf = new WeakMap<Command, readonly string[]>();
  const host: CommandHost = {
    ctx,
    exitCode: 0,
    globals(cmd: Command): GlobalOptions {
      const o = cmd.optsWithGlobals() as { project?: string; output?: string; outputFormat?: string; quiet?: boolean; verbose?: boolean };
      const output = (o.outputFormat ?? o.output ?? 'table') as GlobalOptions['output'];
      return { ...(o.project ? { project: o.project } : {}), output, quiet: !!o.quiet, verbose: !!o.verbose };
    },
    group(program: Command, name: string, description: string): Command {
      return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
    },
    withOutput(cmd: Command, opts: { short?: boolean; formats?: readonly string[] } = {}): Command {
      const formats = [...(opts.formats ?? ['table', 'json'])];
      formatsOf.set(cmd, formats);
      if (opts.short !== false) cmd.addOption(new Option('-o, --output <format>', 'output format').choices(formats));
      cmd.addOption(new Option('-O, --output-format <format>', 'output format').choices(formats));
      return cmd;
    },
    action<A extends unknown[]>(fn: (...args: A) => Promise<CommandResult>) {
      return async (...args: A) => {
        const cmd = args[args.length - 1] as Command;
        const g = host.globals(cmd);
        host.current = g;
        const allowed = formatsOf.get(cmd);
        // 'text' is the human view everywhere; other formats only where the command declares them
        if (allowed && g.output !== 'text' && !allowed.includes(g.output)) {
          host.current = { ...g, output: 'table' };
          const { StrataError, error } = await import('../diag/index.js');
          throw new StrataError(error('CLI_BAD_FORMAT', `\`strata ${cmd.parent?.parent ? cmd.parent.name() + ' ' : ''}${cmd.name()}\` cannot print ${g.output}`, { hint: `use -o ${allowed.join(' or -o ')}` }));
        }
        const r = await fn(...args);
        host.exitCode = await printResult(ctx, g, r);
      };
    },
  };
  return host;
}
