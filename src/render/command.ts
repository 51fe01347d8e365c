/**
 * The `component render` use case: check the output directory, render the selected components
 * and summarize the run as data (the CLI turns it into a table, text and JSON). Pure domain
 * code: adapters come in.
 */
import * as path from 'node:path';
import { error, StrataError } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { Renderer, type ComponentRenderResult, type RenderDeps } from './render.js';
import { defaultSourceLister } from './source-list.js';
import { checkOutputDir } from '../util/paths.js';

export interface RenderCommandOptions {
  readonly cwd: string;
  readonly outputDir?: string;
  readonly checkOnly: boolean;
  readonly cleanStale: boolean;
  readonly dryRun: boolean;
  readonly jobs?: number;
  readonly refresh?: 'always' | 'if-needed' | 'never';
  readonly noCache?: boolean;
  readonly signal?: AbortSignal;
}

/** What one render run did. Paths are absolute. */
export interface RenderSummary {
  readonly outputDir: string;
  readonly results: readonly ComponentRenderResult[];
  /** Output directories of components that no longer exist. */
  readonly stale: readonly string[];
  /** The stale directories removed (`cleanStale` without `checkOnly`). */
  readonly removedStale: readonly string[];
  /** The results with status `error`. */
  readonly failed: readonly ComponentRenderResult[];
  /** The results whose output changed (or would change, with `checkOnly`). */
  readonly changed: readonly ComponentRenderResult[];
  /** `checkOnly` found output that is not what rendering would write (changes, or stale dirs with `cleanStale`). */
  readonly outOfDate: boolean;
}

export async function runRender(deps: RenderDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: RenderCommandOptions, cpus = 2): Promise<RenderSummary> {
  const outDir = opts.outputDir ? path.resolve(opts.cwd, opts.outputDir) : project.project.renderedSpecsDir;
  const clean = path.normalize(outDir);
  const configured = opts.outputDir ? undefined : project.project.origins.get('rendered-specs-dir');
  if (clean === '/' || clean === path.normalize(project.dir)) {
    throw new StrataError(error('RENDER_OUTPUT_DIR_INVALID', `refusing to render into ${clean}`, { ...(configured ? { span: configured } : {}), hint: 'pick a dedicated directory such as specs/' }));
  }
  await checkOutputDir(deps.fs, outDir, opts.outputDir ? '--output-dir' : 'rendered-specs-dir (in [project])', configured);
  const renderer = new Renderer(deps, project, {
    outDir,
    checkOnly: opts.checkOnly,
    dryRun: opts.dryRun,
    cleanStale: opts.cleanStale,
    jobs: opts.jobs ?? Math.max(2, cpus),
    ...(opts.refresh ? { refresh: opts.refresh } : {}),
    ...(opts.noCache ? { noCache: true } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const run = await renderer.run(components);
  const changed = run.results.filter((r) => r.changed);
  return {
    outputDir: outDir,
    results: run.results,
    stale: run.stale,
    removedStale: run.removedStale,
    failed: run.results.filter((r) => r.status === 'error'),
    changed,
    outOfDate: opts.checkOnly && (changed.length > 0 || (opts.cleanStale && run.stale.length > 0)),
  };
}

/** Fill in the in-process rpmautospec and the spec layer's Source/Patch lister when not injected. */
export async function withDefaultEngines(deps: RenderDeps): Promise<RenderDeps> {
  let out: RenderDeps = deps;
  if (!out.calculateRelease) {
    const { calculateRelease } = await import('./autospec/index.js');
    out = {
      ...out,
      calculateRelease: async ({ specPath, defines, history }) =>
        (await calculateRelease({ git: deps.git, fs: deps.fs, specPath, defines: Object.entries(defines), reflectWorktree: false, ...(history ? { history } : {}) })).release,
    };
  }
  if (!out.autospec) {
    const { processDistgit } = await import('./autospec/index.js');
    out = {
      ...out,
      autospec: async ({ specPath, defines, history }) => {
        const r = await processDistgit({ git: deps.git, fs: deps.fs, specPath, defines: Object.entries(defines), reflectWorktree: false, ...(history ? { history } : {}) });
        return r.changed ? r.text : undefined;
      },
    };
  }
  if (!out.listSources) {
    const lister = await defaultSourceLister();
    if (lister) out = { ...out, listSources: lister };
  }
  return out;
}
