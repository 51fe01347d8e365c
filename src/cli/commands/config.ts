/**
 * `strata config dump [-o toml|json]` — the resolved project.
 * `strata config check` — validate everything, print every diagnostic, exit non-zero on error.
 * Also exports `loadProjectForCli`, the one way commands load the project (prints warnings).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../diag/index.js';
import type { LoadProjectResult } from '../../config/index.js';
import type { CliContext, GlobalOptions } from '../context.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';

/** Load the project for a command: `-C DIR` or the cwd, searching upward; warnings go to stderr. */
export async function loadProjectForCli(ctx: CliContext, g: GlobalOptions, extraConfigFiles: readonly string[] = [], printWarnings = true): Promise<LoadProjectResult> {
  const { loadProject } = await import('../../config/index.js');
  const startDir = path.resolve(ctx.cwd, g.project ?? '.');
  const r = await loadProject({ fs: ctx.fs, startDir, extraConfigFiles: extraConfigFiles.map((f) => path.resolve(ctx.cwd, f)) });
  if (printWarnings && !g.quiet && g.output !== 'json' && r.diagnostics.length) await printDiagnostics(ctx, r.diagnostics);
  return r;
}

/** Print diagnostics to stderr in the house format (source line, caret, hint, include chain). */
export async function printDiagnostics(ctx: CliContext, ds: readonly Diagnostic[]): Promise<void> {
  const { formatDiagnostic } = await import('../../diag/index.js');
  const texts = new Map<string, string | undefined>();
  for (const d of ds) {
    const f = d.span?.file;
    if (f && !texts.has(f)) texts.set(f, await ctx.fs.readText(path.resolve(ctx.cwd, f)).catch(() => undefined));
  }
  for (const d of ds) ctx.err(formatDiagnostic(d, { sourceOf: (f) => texts.get(f), relativeTo: ctx.cwd, color: ctx.color }) + '\n');
}


export function register(program: Command, host: CommandHost): void {
  const group = host.group(program, 'config', 'inspect and validate the project configuration');

  const dump = group
    .command('dump')
    .description('print the fully resolved project (includes, inheritance and overlay files applied)')
    .option('--origins', 'add, for every component, where each value was defined')
    .option('--config-file <file...>', 'extra config files merged last (like azldev --config-file)');
  host.withOutput(dump, { formats: ['toml', 'json', 'table'] });
  dump.action(
    host.action(async (flags: { origins?: boolean; configFile?: string[] }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { project } = await loadProjectForCli(host.ctx, g, flags.configFile ?? []);
      const { projectToJson } = await import('../../config/index.js');
      const json = projectToJson(project, flags.origins ? { origins: true } : {});
      if (g.output === 'json') return { json };
      const { stringify } = await import('smol-toml');
      return { json, text: stringify(json) };
    }),
  );

  const check = group
    .command('check')
    .description('validate the whole project; print every diagnostic; exit 1 on any error')
    .option('--config-file <file...>', 'extra config files merged last');
  host.withOutput(check);
  check.action(
    host.action(async (flags: { configFile?: string[] }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const r = await loadProjectForCli(host.ctx, g, flags.configFile ?? []);
      const { diagnosticToJson } = await import('../../diag/index.js');
      const p = r.project;
      let overlays = 0;
      for (const comp of p.components.values()) overlays += comp.overlays.length;
      const summary = { ok: true, files: p.files.length, components: p.components.size, overlays, componentGroups: p.componentGroups.size, warnings: r.diagnostics.filter((d) => d.severity === 'warning').length };
      return {
        json: { ...summary, diagnostics: r.diagnostics.map((d) => diagnosticToJson(d, host.ctx.cwd)) },
        text: `ok: ${summary.files} files, ${summary.components} components, ${summary.overlays} overlays, ${summary.componentGroups} component groups, ${summary.warnings} warning(s)`,
      };
    }),
  );
}
