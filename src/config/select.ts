/**
 * Choosing components: `-a`, name globs (`-p`, shell-style `*?[]`), and groups (`-g`).
 */
import { didYouMean, error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from './types.js';

export interface ComponentSelection {
  /** Every component. */
  readonly all?: boolean;
  /** Name globs (`*`, `?`, `[…]`); an exact name is a pattern too. */
  readonly patterns?: readonly string[];
  /** Component group names. */
  readonly groups?: readonly string[];
}

/** Compile a shell-style glob (`*`, `?`, `[...]`, `[!...]`) over a whole name into a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += '\\' + glob[++i];
    else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/**
 * The selected components, sorted by name, without duplicates. Throws StrataError with
 * NO_COMPONENT_SELECTED when nothing was asked for, COMPONENT_NOT_FOUND for each pattern that
 * matches nothing, UNKNOWN_GROUP for each unknown group (all reported together).
 */
export function selectComponents(project: ResolvedProject, sel: ComponentSelection): ResolvedComponent[] {
  const patterns = sel.patterns ?? [];
  const groups = sel.groups ?? [];
  if (!sel.all && patterns.length === 0 && groups.length === 0) {
    throw new StrataError(error('NO_COMPONENT_SELECTED', 'no components selected', { hint: 'pass -a for all components, -p PATTERN, or -g GROUP' }));
  }
  if (sel.all) return [...project.components.values()];
  const chosen = new Set<string>();
  const diags: Diagnostic[] = [];
  for (const p of patterns) {
    let n = 0;
    if (!/[*?[\\]/.test(p)) {
      if (project.components.has(p)) {
        chosen.add(p);
        n = 1;
      }
    } else {
      const re = globToRegExp(p);
      for (const name of project.components.keys()) {
        if (re.test(name)) {
          chosen.add(name);
          n++;
        }
      }
    }
    if (n === 0) {
      const dym = didYouMean(p, project.components.keys());
      diags.push(error('COMPONENT_NOT_FOUND', `no component matches "${p}"`, { hint: dym ? `did you mean "${dym}"?` : 'check the name; `strata component list -a` lists every component' }));
    }
  }
  for (const g of groups) {
    const group = project.componentGroups.get(g);
    if (!group) {
      const dym = didYouMean(g, project.componentGroups.keys());
      diags.push(error('UNKNOWN_GROUP', `no component group "${g}"`, { hint: dym ? `did you mean "${dym}"?` : `known groups: ${[...project.componentGroups.keys()].join(', ') || 'none'}` }));
      continue;
    }
    for (const m of group.members) if (project.components.has(m)) chosen.add(m);
  }
  if (diags.length) throw new StrataError(diags);
  return [...chosen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => project.components.get(n)!);
}
