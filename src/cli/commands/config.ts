/**
 * `strata config dump [-o toml|json]` — the resolved project.
 * `strata config check` — validate everything, print every diagnostic, exit non-zero on error.
 */
import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import { diagnosticsToJson } from '../diagnostics.js';
import { loadProjectForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';

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
      const p = r.project;
      let overlays = 0;
      for (const comp of p.components.values()) overlays += comp.overlays.length;
      const summary = { ok: true, files: p.files.length, components: p.components.size, overlays, componentGroups: p.componentGroups.size, warnings: r.diagnostics.filter((d) => d.severity === 'warning').length };
      return {
        json: { ...summary, diagnostics: diagnosticsToJson(host.ctx, r.diagnostics) },
        text: `ok: ${summary.files} files, ${summary.components} components, ${summary.overlays} overlays, ${summary.componentGroups} component groups, ${summary.warnings} warning(s)`,
      };
    }),
  );
}
