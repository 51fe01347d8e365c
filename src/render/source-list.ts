/**
 * The Source/Patch list of a spec, as `spectool -l -a` prints it, computed with the spec layer
 * (CST + macro expander; no rpm, no mock). Every conditional branch is listed (a superset of
 * what one architecture's spectool prints), so the file filter never drops a file some build
 * configuration needs. Values that cannot be fully expanded keep their `%{…}`, which makes the
 * filter step aside, as azldev does.
 */
import * as path from 'node:path';
import type { SourceLister } from './render.js';

export async function defaultSourceLister(): Promise<SourceLister | undefined> {
  const spec = await import('../spec/index.js');
  const macro = await import('../spec/macro.js');
  const defaults = await import('../spec/defaults.js');
  const evaluate = await import('../spec/evaluate.js');
  const base = defaults.fedoraContext();
  return async (specText, opts) => {
    const overrides = { ...opts.defines, _sourcedir: opts.sourceDir };
    const fresh = () => {
      const ctx = base.clone();
      for (const [k, v] of Object.entries(overrides)) ctx.set(k, v);
      return ctx;
    };
    const ctx = fresh();
    const values: string[] = [];
    const included = new Map<string, string>();
    // 1. Every branch (a superset of one architecture's list, so no configuration loses a file).
    const walk = async (text: string, file: string, depth: number): Promise<void> => {
      const doc = spec.parseSpec(text, file);
      const listed = new Map<unknown, string>();
      for (const e of doc.listEntries) listed.set(e.node, e.value);
      for (const node of doc.nodes) {
        if (node.kind === 'include' && depth < 8) {
          // `%include`/`%{load:}` of a file in the sources dir (gdb's _gdb.spec.Patch.include).
          const p = macro.expandMacros(node.path, ctx).text.trim();
          const rel = path.relative(opts.sourceDir, path.resolve(opts.sourceDir, p));
          if (!rel.startsWith('..') && !path.isAbsolute(rel) && opts.readFile) {
            const inc = await opts.readFile(path.join(opts.sourceDir, rel));
            if (inc !== undefined) {
              included.set(path.join(opts.sourceDir, rel), inc);
              if (node.form === '%include') await walk(inc, rel, depth + 1);
              else macro.loadMacroFile(inc, ctx);
            }
          }
          continue;
        }
        if (node.kind === 'macro-definition') {
          macro.expandMacros(specText.slice(node.start, node.end), ctx);
        } else if (node.kind === 'tag') {
          const v = macro.expandMacros(node.value, ctx).text.trim();
          if (['name', 'version', 'release', 'epoch'].includes(node.lname) && node.package === '') ctx.define(node.lname, v);
          if (node.family === 'source' || node.family === 'patch') {
            values.push(v);
            if (node.number !== undefined) ctx.define(`${node.family.toUpperCase()}${Number(node.number)}`, v);
          }
        } else if (listed.has(node)) {
          values.push(macro.expandMacros(listed.get(node)!, ctx).text.trim());
        }
      }
    };
    await walk(specText, opts.specPath, 0);
    // 2. The spec layer's evaluator (active branches, bconds, conditional definitions): exactly
    //    what spectool -l -a lists; its names are added to the set.
    try {
      const ev = evaluate.evaluateSpec(spec.parseSpec(specText, opts.specPath), fresh(), {
        include: (p) => included.get(path.resolve(opts.sourceDir, p)),
      });
      for (const r of [...ev.sources, ...ev.patches]) values.push(r.complete ? r.value : r.raw);
    } catch {
      // the all-branches walk above stands on its own
    }
    return values;
  };
}
