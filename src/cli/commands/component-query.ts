/** `strata component query NAME [--origin]` — the resolved config of one component (and where each value came from). */
import type { Command } from 'commander';
import type { ResolvedComponent } from '../../config/index.js';
import type { SourceSpan } from '../../diag/index.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { loadProjectForCli } from '../load-project.js';


/** JSON field path (camelCase) → the TOML field path origins are recorded under. */
function tomlPath(p: string[]): string {
  if (p[0] === 'build' && p[1] === 'defines') return p.join('.');
  if (p[0] === 'packages') return [p[0], p[1], ...p.slice(2).map(kebab)].join('.');
  return p.map((s) => (s === 'skipReason' ? 'skip_reason' : kebab(s))).join('.');
}
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}

/** Values computed from others (distro, version, membership), not written anywhere themselves. */
const DERIVED = new Set(['groups', 'spec.upstreamName', 'spec.distGitUri', 'spec.branch', 'spec.lookasideBaseUri', 'spec.releaseVer', 'spec.dir']);

/** Flatten the component's JSON view into (field, value, origin) rows. */
function rows(c: ResolvedComponent, json: Record<string, unknown>, fmt: (s: SourceSpan | undefined) => string): unknown[][] {
  const out: unknown[][] = [];
  const walk = (v: unknown, p: string[], origin?: SourceSpan) => {
    if (p[0] === 'origins' || p[0] === 'definedAt' || p[0] === 'file') return;
    if (p.length === 3 && (p[0] === 'overlays' || p[0] === 'sourceFiles') && (p[2] === 'definedAt' || p[2] === 'declaredIn')) return;
    if (p.length === 2 && (p[0] === 'overlays' || p[0] === 'sourceFiles')) {
      const item = p[0] === 'overlays' ? c.overlays[Number(p[1])] : c.sourceFiles[Number(p[1])];
      origin = item?.definedAt;
    }
    if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object'))) {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) walk(x, [...p, k], origin);
      return;
    }
    const key = p.join('.');
    const where = origin ?? (key === 'name' ? c.definedAt : c.origin(tomlPath(p)));
    const text = Array.isArray(v) ? JSON.stringify(v) : typeof v === 'string' && /[\n\t]/.test(v) ? JSON.stringify(v) : String(v);
    out.push([key, text, !where && DERIVED.has(key) ? '(derived)' : fmt(where)]);
  };
  walk(json, []);
  return out;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('query')
    .description('show the resolved configuration of one component')
    .argument('<name>', 'component name')
    .option('--origin', 'show the file:line:col each value was defined at (defaults show nothing)');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (name: string, flags: { origin?: boolean }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { project } = await loadProjectForCli(host.ctx, g);
      const { selectComponents, componentToJson } = await import('../../config/index.js');
      const [comp] = selectComponents(project, { patterns: [name] }).filter((x) => x.name === name);
      if (!comp) {
        const { StrataError, error } = await import('../../diag/index.js');
        throw new StrataError(error('COMPONENT_NOT_FOUND', `"${name}" is a pattern; query takes one component name`, { hint: 'use `strata component list -p PATTERN` to list matches' }));
      }
      const json = componentToJson(comp, { dir: project.dir, origins: !!flags.origin });
      const rel = (s: SourceSpan | undefined) => (s ? `${s.file.startsWith(project.dir + '/') ? s.file.slice(project.dir.length + 1) : s.file}:${s.line}:${s.col}` : '(default)');
      const r = rows(comp, json, rel);
      return {
        json,
        table: flags.origin ? { columns: ['field', 'value', 'defined at'], rows: r } : { columns: ['field', 'value'], rows: r.map((x) => x.slice(0, 2)) },
        text: `${comp.name}: defined at ${rel(comp.definedAt)}`,
      };
    }),
  );
}
