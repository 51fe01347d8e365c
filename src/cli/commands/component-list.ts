/** `strata component list [-a] [-p PATTERN...] [-g GROUP]` — name, spec source, overlay count, groups. */
import type { Command } from 'commander';
import type { ResolvedComponent } from '../../config/index.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { loadProjectForCli } from '../load-project.js';


/** One-line description of where the spec comes from. */
export function specSourceText(c: ResolvedComponent, dir: string): string {
  const s = c.spec;
  if (s.type === 'local') return `local:${s.path.startsWith(dir + '/') ? s.path.slice(dir.length + 1) : s.path}`;
  const name = s.upstreamName !== c.name ? `${s.upstreamName}@` : '';
  return `upstream:${name}${s.upstreamDistro.name}/${s.upstreamDistro.version}${s.upstreamCommit ? `#${s.upstreamCommit.slice(0, 12)}` : ''}`;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('list')
    .description('list components with their spec source, overlay count and groups (default: all)')
    .argument('[patterns...]', 'component names or globs (same as -p)')
    .option('-a, --all-components', 'every component')
    .option('-p, --component <pattern...>', 'component names or globs')
    .option('-g, --component-group <group...>', 'components of these groups');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (patterns: string[], flags: { allComponents?: boolean; component?: string[]; componentGroup?: string[] }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { project } = await loadProjectForCli(host.ctx, g);
      const { selectComponents } = await import('../../config/index.js');
      const pats = [...(flags.component ?? []), ...patterns];
      const groups = flags.componentGroup ?? [];
      const all = flags.allComponents || (pats.length === 0 && groups.length === 0);
      const list = selectComponents(project, { all, patterns: pats, groups });
      const rel = (f: string) => (f.startsWith(project.dir + '/') ? f.slice(project.dir.length + 1) : f);
      const json = list.map((comp) => ({
        name: comp.name,
        spec: comp.spec.type === 'local' ? { type: 'local', path: rel(comp.spec.path) } : { type: 'upstream', upstreamName: comp.spec.upstreamName, distro: comp.spec.upstreamDistro.name, version: comp.spec.upstreamDistro.version, ...(comp.spec.upstreamCommit ? { commit: comp.spec.upstreamCommit } : {}) },
        overlays: comp.overlays.length,
        groups: comp.groups,
        file: rel(comp.file),
        renderedSpecDir: rel(`${project.project.renderedSpecsDir}/${comp.name[0]!.toLowerCase()}/${comp.name}`),
      }));
      return {
        json,
        table: { columns: ['name', 'spec', 'overlays', 'groups'], rows: list.map((comp) => [comp.name, specSourceText(comp, project.dir), comp.overlays.length, comp.groups]) },
      };
    }),
  );
}
