/**
 * Step 2: the pristine sources in the staging directory — the dist-git tree at the resolved
 * commit (read from the mirror's packs in process, `git archive` when the reader cannot), or a
 * copy of the local spec directory — with the spec named `<component>.spec`.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { readCommitTree, type ObjectStore } from '../sources/index.js';
import type { RenderContext } from './context.js';
import type { Resolved } from './resolve.js';

export interface Fetched {
  readonly dir: string;
  /** The dist-git mirror and commit the tree came from (upstream components). */
  readonly upstream?: { readonly repo: string; readonly commit: string; readonly rule: string };
  /** The mirror's object reader, when it could read this commit. */
  readonly store?: ObjectStore;
  readonly diagnostics: Diagnostic[];
}

async function copyDir(fs: FileSystem, from: string, to: string, root?: string): Promise<void> {
  await fs.mkdir(to);
  for (const n of await fs.readdir(from)) {
    if (n === '.git') continue;
    const a = path.join(from, n);
    let st = await fs.stat(a);
    // A link to a file inside `root` (the project) is copied as that file; other links are not followed.
    if (st?.isSymbolicLink && root) {
      const real = await fs.realpath(a).catch(() => undefined);
      st = real && real.startsWith(path.resolve(root) + path.sep) ? await fs.stat(real) : undefined;
      if (st?.isDirectory) continue;
    }
    if (!st) continue;
    if (st.isDirectory) await copyDir(fs, a, path.join(to, n), root);
    else if (st.isFile) await fs.copyFile(a, path.join(to, n));
  }
}

/** Materialize the pristine sources of `c` into `dir`. */
export async function fetchSources(ctx: RenderContext, c: ResolvedComponent, dir: string, resolved: Resolved | undefined): Promise<Fetched> {
  const { fs } = ctx.deps;
  if (c.spec.type === 'local' || !resolved) {
    if (c.spec.type !== 'local') throw new Error('unresolved upstream component');
    await copyDir(fs, c.spec.dir, dir, await fs.realpath(ctx.project.dir).catch(() => ctx.project.dir));
    const specName = path.basename(c.spec.path);
    if (specName !== `${c.name}.spec`) await fs.rename(path.join(dir, specName), path.join(dir, `${c.name}.spec`));
    return { dir, diagnostics: [] };
  }
  const up = c.spec;
  const { mirror } = resolved;
  const specName = `${up.upstreamName}.spec`;
  const tree = await readCommitTree(ctx.deps, mirror.path, resolved.commit);
  if (!tree.ok) throw new StrataError(error('RENDER_FETCH_FAILED', `cannot read ${resolved.commit} from ${up.distGitUri}: ${tree.stderr.trim()}`, { span: c.definedAt }));
  if (!tree.files.has(specName)) {
    throw new StrataError(error('RENDER_SPEC_MISSING', `dist-git ${up.distGitUri} has no ${specName} at ${resolved.commit.slice(0, 12)}`, { span: c.definedAt, hint: 'check upstream-name' }));
  }
  await fs.mkdir(dir);
  for (const [rel, data] of tree.files) await ctx.write(path.join(dir, rel), data, data.mode);
  if (up.upstreamName !== c.name) await fs.rename(path.join(dir, specName), path.join(dir, `${c.name}.spec`));
  return { dir, upstream: { repo: mirror.path, commit: resolved.commit, rule: resolved.rule }, diagnostics: [...resolved.diagnostics], ...(tree.store ? { store: tree.store } : {}) };
}
