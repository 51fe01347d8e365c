import { Command, CommanderError, Option } from 'commander';
import { isStrataError, StrataError } from '../diag/index.js';
import { diagnosticsToJson, reportDiagnostics } from './diagnostics.js';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { NodeProcessLock } from '../adapters/process-lock.js';
import type { CliContext } from './context.js';
import { makeHost } from './host.js';
import { registrations } from './commands/index.js';
import { toJson } from './output.js';
import { diagnosticForSystemError } from './system-error.js';

export const VERSION = '0.1.0';

export function buildProgram(ctx: CliContext): { program: Command; host: ReturnType<typeof makeHost> } {
  const host = makeHost(ctx);
  const program = new Command('strata')
    .description('Build a Fedora-derived distribution from declarative overlays (azldev-compatible).')
    .version(VERSION)
    .option('-C, --project <dir>', 'project directory (default: search upward for azldev.toml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'toml', 'text']))
    .addOption(new Option('-O, --output-format <format>', 'output format (azldev spelling)').choices(['table', 'json', 'toml', 'text']))
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'print debug output')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
  for (const r of registrations) r(program, host);
  return { program, host };
}

/** Run the CLI; returns the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { program, host } = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return host.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      // Commander already printed the message and usage to stderr; `-o json` also gets it on stdout.
      if (wantsJson(argv, host.current?.output)) {
        const message = e.message.replace(/^error:\s*/, '');
        ctx.out(toJson({ ok: false, diagnostics: [{ code: 'CLI_USAGE', severity: 'error', message, hint: 'run with --help for the usage of the command' }] }));
      }
      return 2;
    }
    const sys = isStrataError(e) ? undefined : diagnosticForSystemError(e);
    if (sys) e = new StrataError(sys, { cause: e });
    if (isStrataError(e)) {
      // -o json: the failure is the command's JSON value on stdout; stderr carries the diagnostics
      // as JSON lines like every other diagnostic
      const json = wantsJson(argv, host.current?.output);
      if (json) ctx.out(toJson({ ok: false, diagnostics: diagnosticsToJson(ctx, e.diagnostics) }));
      await reportDiagnostics(ctx, { output: json ? 'json' : 'table' }, e.diagnostics);
      return e.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    }
    const err = e as Error;
    if (wantsJson(argv, host.current?.output)) ctx.out(toJson({ ok: false, diagnostics: [{ code: 'INTERNAL_ERROR', severity: 'error', message: err?.message ?? String(e), hint: 'this is a bug in Strata; run again with STRATA_DEBUG=1 for details and report it' }] }));
    ctx.err(`strata: internal error: ${err?.message ?? String(e)}\n`);
    if (ctx.env.STRATA_DEBUG) ctx.err(String(err?.stack) + '\n');
    else ctx.err('  hint: this is a bug in Strata; run again with STRATA_DEBUG=1 for details and report it.\n');
    return 70;
  }
}

/**
 * Whether diagnostics go to stdout as JSON: the running command's parsed format, or — when parsing
 * failed before an action ran — an `-o json` / `-O json` / `--output[-format]=json` in argv.
 */
function wantsJson(argv: readonly string[], parsed: string | undefined): boolean {
  if (parsed !== undefined) return parsed === 'json';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if ((a === '-o' || a === '-O' || a === '--output' || a === '--output-format') && argv[i + 1] === 'json') return true;
    if (a === '-ojson' || a === '-Ojson' || a === '--output=json' || a === '--output-format=json') return true;
  }
  return false;
}

export function realContext(): CliContext {
  const isTTY = !!process.stderr.isTTY;
  const proc = new NodeProcessRunner();
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    isTTY,
    color: isTTY && !process.env.NO_COLOR,
    fs: new NodeFileSystem(),
    proc,
    git: new SystemGit(proc),
    clock: { now: () => new Date() },
    lock: new NodeProcessLock(),
  };
}
