/**
 * The `component render` use case: load the project, pick components, render, and shape the
 * result for the CLI's shared renderer (table / JSON). Pure domain code: adapters come in.
 */
import * as path from 'node:path';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { Renderer, type ComponentRenderResult, type RenderDeps } from './render.js';
import { defaultSourceLister } from './source-list.js';
import { loadSelected } from '../sources/index.js';
import { checkOutputDir } from '../util/paths.js';

export interface RenderCommandOptions {
  readonly cwd: string;
  readonly projectDir?: string;
  readonly all: boolean;
  readonly names: readonly string[];
  readonly outputDir?: string;
  readonly checkOnly: boolean;
  readonly cleanStale: boolean;
  readonly dryRun: boolean;
  readonly jobs?: number;
  readonly refresh?: 'always' | 'if-needed' | 'never';
  readonly noCache?: boolean;
  /**
   * Exit 1 when a component failed. Default true: a failed render must fail CI. (azldev exits 0
   * and only writes RENDER_FAILED markers; `failOnError: false` keeps that behaviour.)
   */
  readonly failOnError?: boolean;
  readonly signal?: AbortSignal;
}

/** Shape of the CLI's CommandResult (kept structural: domain code does not import cli). */
export interface RenderCommandResult {
  readonly json: unknown;
  readonly table?: { readonly columns: readonly string[]; readonly rows: readonly (readonly unknown[])[] };
  readonly text?: string;
  readonly exitCode?: number;
  /** Diagnostics of the components that failed (the CLI prints them with source lines and hints). */
  readonly diagnostics?: readonly Diagnostic[];
}

export async function runRender(deps: RenderDeps, project: ResolvedProject, components: readonly ResolvedComponent[], opts: RenderCommandOptions, cpus = 2): Promise<RenderCommandResult> {
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
  const failed = run.results.filter((r) => r.status === 'error');
  const changed = run.results.filter((r) => r.changed);
  const lines: string[] = [];
  if (opts.dryRun) {
    for (const r of run.results) for (const d of r.overlayDiffs ?? []) lines.push(`# ${r.component}: ${d.overlay}`, d.diff || '(no change)\n');
  }
  if (opts.checkOnly && (changed.length || (opts.cleanStale && run.stale.length))) {
    lines.push(`rendered output is stale; ${changed.length} component(s) would change: ${changed.map((r) => r.component).join(', ')}`);
    for (const r of changed) {
      const ch = r.changes;
      if (ch) for (const [k, v] of [['+', ch.added], ['-', ch.removed], ['~', ch.modified]] as const) for (const f of v) lines.push(`  ${k} ${r.component}/${f}`);
    }
    if (opts.cleanStale) for (const s of run.stale) lines.push(`  stale: ${path.relative(outDir, s)}`);
  }
  const failOnError = opts.failOnError ?? true;
  const exitCode = (failed.length && failOnError) || (opts.checkOnly && (changed.length || (opts.cleanStale && run.stale.length))) ? 1 : 0;
  if (failed.length) lines.push(`${failed.length} component(s) failed to render: ${failed.map((r) => r.component).join(', ')}${failOnError ? '' : ' (RENDER_FAILED markers written; exit 0 because of --no-fail-on-error)'}`);
  return {
    json: {
      outputDir: outDir,
      results: run.results.map(jsonResult),
      stale: run.stale.map((s) => path.relative(outDir, s)),
      removedStale: run.removedStale.map((s) => path.relative(outDir, s)),
    },
    table: {
      columns: ['component', 'status', 'changed', 'upstream', 'release', 'output'],
      rows: run.results.map((r) => [r.component, r.status, r.changed ? 'yes' : 'no', r.upstreamCommit?.slice(0, 12) ?? '', r.release ? `${r.release.from} → ${r.release.to}` : '', path.relative(opts.cwd, r.outputDir)]),
    },
    ...(lines.length ? { text: lines.join('\n') } : {}),
    ...(failed.length ? { diagnostics: failed.flatMap((r) => r.diagnostics) } : {}),
    exitCode,
  };
}

function jsonResult(r: ComponentRenderResult): unknown {
  return {
    component: r.component,
    outputDir: r.outputDir,
    status: r.status,
    changed: r.changed,
    ...(r.cached ? { cached: true } : {}),
    ...(r.changes ? { changes: r.changes } : {}),
    ...(r.upstreamCommit ? { upstreamCommit: r.upstreamCommit, commitRule: r.commitRule } : {}),
    syntheticCommits: r.syntheticCommits ?? 0,
    ...(r.release ? { release: r.release } : {}),
    diagnostics: r.diagnostics,
    ...(r.overlayDiffs ? { overlayDiffs: r.overlayDiffs } : {}),
  };
}

export async function runRenderCommand(deps: RenderDeps, opts: RenderCommandOptions): Promise<RenderCommandResult> {
  const { project, components } = await loadSelected(deps, opts);
  return runRender(await withDefaultEngines(deps), project, components, opts);
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
