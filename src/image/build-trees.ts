/**
 * `strata image build NAME`: definition → layers → closure → install, written as one unit:
 * `<out>/images/<NAME>/trees/<layer>/` (each layer's root) and `trees/layers.json` (every
 * LayerTree). The trees are installed into a staging directory beside the target and swapped in
 * whole (src/util/replace-dir.ts), so a failed build leaves the previous output intact.
 */
import * as path from 'node:path';
import type { EventSink, FileSystem, ProcessRunner } from '../adapters/types.js';
import type { ResolvedProject } from '../config/types.js';
import { StrataError, error, type Diagnostic } from '../diag/index.js';
import { replaceDir } from '../util/replace-dir.js';
import { resolveClosure, type ImageClosure } from './closure.js';
import { loadImageDefinition } from './definitions.js';
import { installImage } from './install.js';
import { planImageLayers, type ImagePlan } from './layers-config.js';
import { loadRepoSet, type RepoSet } from './repo-metadata.js';
import type { LayerTree } from './types.js';

export const LAYERS_FILE = 'layers.json';

export interface BuildTreesOptions {
  readonly image: string;
  readonly arch: string;
  readonly profiles?: readonly string[];
  /** `<out>/repos` */
  readonly repoDir: string;
  readonly keyFiles?: readonly string[];
  readonly channels?: readonly string[];
  /** `<out>/images/<NAME>` (the trees go to `trees/` in it). */
  readonly imageDir: string;
  readonly sourceDateEpoch?: number;
}

export interface BuiltTrees {
  readonly dir: string;
  readonly plan: ImagePlan;
  readonly closure: ImageClosure;
  readonly trees: readonly LayerTree[];
  readonly diagnostics: readonly Diagnostic[];
  readonly timings: Readonly<Record<string, number>>;
  readonly repos: RepoSet;
}

/** The whole chain for one image. */
export async function resolveImage(fs: FileSystem, project: ResolvedProject, o: Pick<BuildTreesOptions, 'image' | 'arch' | 'profiles' | 'repoDir' | 'keyFiles' | 'channels'>): Promise<{ plan: ImagePlan; closure: ImageClosure; repos: RepoSet }> {
  const def = await loadImageDefinition(fs, project, o.image, { arch: o.arch, ...(o.profiles ? { profiles: o.profiles } : {}) });
  const plan = planImageLayers(def, project, o.arch);
  const repos = await loadRepoSet(fs, { repoDir: o.repoDir, ...(o.keyFiles ? { keyFiles: o.keyFiles } : {}), ...(o.channels ? { channels: o.channels } : {}) });
  const closure = await resolveClosure(repos, plan);
  return { plan, closure, repos };
}

/** layers.json: the LayerTrees with roots relative to the file. */
export function printLayersJson(trees: readonly LayerTree[], dir: string): string {
  return JSON.stringify({ version: 1, layers: trees.map((t) => ({ ...t, root: path.relative(dir, t.root) || '.' })) }, null, 2) + '\n';
}

export async function buildImageTrees(ctx: { fs: FileSystem; proc: ProcessRunner; sink: EventSink }, project: ResolvedProject, o: BuildTreesOptions): Promise<BuiltTrees> {
  const { fs } = ctx;
  const { plan, closure, repos } = await resolveImage(fs, project, o);
  const target = path.join(o.imageDir, 'trees');
  const st = await fs.stat(o.imageDir);
  if (st && !st.isDirectory) throw new StrataError(error('OUTPUT_NOT_A_DIRECTORY', `${o.imageDir} exists and is not a directory`, { hint: 'remove it or choose another output directory' }));
  await fs.mkdir(o.imageDir);
  const staging = await fs.mkdtemp('.trees-', o.imageDir);
  const work = await fs.mkdtemp('.work-', o.imageDir);
  try {
    const rootsDir = path.join(staging, '.roots'); // layer names start with a letter or digit
    await fs.mkdir(rootsDir);
    const installed = await installImage(ctx, closure, { rootsDir, workDir: work, repos, ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}) });
    // final layout: trees/<layer>/ and trees/layers.json
    for (const t of installed.trees) await fs.rename(t.root, path.join(staging, t.name));
    await fs.remove(rootsDir);
    const trees = installed.trees.map((t) => ({ ...t, root: path.join(target, t.name) }));
    await fs.writeFileAtomic(path.join(staging, LAYERS_FILE), printLayersJson(trees, target));
    await replaceDir(fs, staging, target);
    return { dir: target, plan, closure, trees, diagnostics: installed.diagnostics, timings: installed.timings, repos };
  } finally {
    await fs.remove(staging);
    await fs.remove(work);
  }
}
