import * as path from 'node:path';
import type { Command } from 'commander';
import { diagnosticToJson } from '../../diag/index.js';
import type { ComponentRenderResult } from '../../render/render.js';
import type { RenderSummary } from '../../render/command.js';
import type { CommandHost } from '../host.js';
import { loadSelectedForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';
import { parseJobs } from '../flags.js';

interface RenderFlags {
  all?: boolean;
  package?: string[];
  outputDir?: string;
  checkOnly?: boolean;
  cleanStale?: boolean;
  dryRun?: boolean;
  jobs?: string;
  failOnError?: boolean;
  refresh?: boolean;
  offline?: boolean;
  cache?: boolean;
}

export interface RenderView {
  /** Paths in the table and diagnostics are shown relative to this directory. */
  readonly cwd: string;
  readonly checkOnly: boolean;
  readonly cleanStale: boolean;
  readonly dryRun: boolean;
  /**
   * Exit 1 when a component failed. Default true: a failed render must fail CI. (azldev exits 0
   * and only writes RENDER_FAILED markers; `failOnError: false` keeps that behaviour.)
   */
  readonly failOnError?: boolean;
}

/** The render summary as the CLI prints it: table, what would change, failures, JSON, exit code. */
export function renderCommandResult(run: RenderSummary, v: RenderView): CommandResult {
  const outDir = run.outputDir;
  const lines: string[] = [];
  if (v.dryRun) {
    for (const r of run.results) for (const d of r.overlayDiffs ?? []) lines.push(`# ${r.component}: ${d.overlay}`, d.diff || '(no change)\n');
  }
  if (run.outOfDate) {
    lines.push(`rendered output is stale; ${run.changed.length} component(s) would change: ${run.changed.map((r) => r.component).join(', ')}`);
    for (const r of run.changed) {
      const ch = r.changes;
      if (ch) for (const [k, f] of [['+', ch.added], ['-', ch.removed], ['~', ch.modified]] as const) for (const x of f) lines.push(`  ${k} ${r.component}/${x}`);
    }
    if (v.cleanStale) for (const s of run.stale) lines.push(`  stale: ${path.relative(outDir, s)}`);
  }
  const failOnError = v.failOnError ?? true;
  const failed = run.failed;
  if (failed.length) lines.push(`${failed.length} component(s) failed to render: ${failed.map((r) => r.component).join(', ')}${failOnError ? '' : ' (RENDER_FAILED markers written; exit 0 because of --no-fail-on-error)'}`);
  const jsonResult = (r: ComponentRenderResult): unknown => ({
    component: r.component,
    outputDir: r.outputDir,
    status: r.status,
    changed: r.changed,
    ...(r.cached ? { cached: true } : {}),
    ...(r.changes ? { changes: r.changes } : {}),
    ...(r.upstreamCommit ? { upstreamCommit: r.upstreamCommit, commitRule: r.commitRule } : {}),
    syntheticCommits: r.syntheticCommits ?? 0,
    ...(r.release ? { release: r.release } : {}),
    diagnostics: r.diagnostics.map((d) => diagnosticToJson(d, v.cwd)),
    ...(r.overlayDiffs ? { overlayDiffs: r.overlayDiffs } : {}),
  });
  return {
    json: {
      outputDir: outDir,
      results: run.results.map(jsonResult),
      stale: run.stale.map((s) => path.relative(outDir, s)),
      removedStale: run.removedStale.map((s) => path.relative(outDir, s)),
    },
    table: {
      columns: ['component', 'status', 'changed', 'upstream', 'release', 'output'],
      rows: run.results.map((r) => [r.component, r.status, r.changed ? 'yes' : 'no', r.upstreamCommit?.slice(0, 12) ?? '', r.release ? `${r.release.from} → ${r.release.to}` : '', path.relative(v.cwd, r.outputDir)]),
    },
    ...(lines.length ? { text: lines.join('\n') } : {}),
    ...(failed.length ? { diagnostics: failed.flatMap((r) => r.diagnostics) } : {}),
    exitCode: (failed.length && failOnError) || run.outOfDate ? 1 : 0,
  };
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('render')
    .description('render components: upstream spec + overlays → the rendered spec tree (no mock, no root)')
    .argument('[names...]', 'components to render (same as -p)')
    .option('-a, --all', 'render every component')
    .option('-p, --package <name...>', 'components to render (names or patterns)')
    .option('-o, --output-dir <dir>', 'output directory (default: project rendered-specs-dir)')
    .option('--check-only', 'render and compare only; exit 1 and list what would change')
    .option('--clean-stale', 'remove output directories of components that no longer exist')
    .option('--dry-run', 'print the unified diff each overlay makes; write nothing')
    .option('-j, --jobs <n>', 'parallel components (default: the number of CPUs)')
    .option('--fail-on-error', 'exit 1 when any component failed (the default)')
    .option('--no-fail-on-error', 'exit 0 even when components failed, leaving RENDER_FAILED markers (azldev\'s default)')
    .option('--refresh', 'fetch dist-git mirrors even when they already hold what is needed')
    .option('--offline', 'never fetch; use the mirror cache only')
    .option('--no-cache', 'render every component even when its render stamp says nothing changed');
  host.withOutput(cmd, { short: false });
  cmd.action(
    host.action(async (names: string[], flags: RenderFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { runRender, withDefaultEngines } = await import('../../render/command.js');
      const { NodeScratchWriter } = await import('../../adapters/scratch-fs.js');
      const { checkOutputDir } = await import('../../util/paths.js');
      // a bad --output-dir is reported before the project is loaded
      if (flags.outputDir) await checkOutputDir(host.ctx.fs, path.resolve(host.ctx.cwd, flags.outputDir), '--output-dir');
      const jobs = parseJobs(flags.jobs) ?? Math.max(2, (await import('node:os')).availableParallelism());
      const { project, components } = await loadSelectedForCli(host.ctx, g, { all: !!flags.all, names: [...(flags.package ?? []), ...names] });
      const sink = makeSink(host.ctx, g);
      const deps = await withDefaultEngines({ fs: host.ctx.fs, git: host.ctx.git, proc: host.ctx.proc, clock: host.ctx.clock, sink, scratch: new NodeScratchWriter(), lock: host.ctx.lock });
      const shown = { cwd: host.ctx.cwd, checkOnly: !!flags.checkOnly, cleanStale: !!flags.cleanStale, dryRun: !!flags.dryRun };
      // Ctrl-C: finish the components in flight (each output dir is swapped whole), start no more.
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort();
        host.ctx.err('\ninterrupted: finishing the components in progress (Ctrl-C again to stop now)\n');
      };
      process.on('SIGINT', onSigint);
      const run = await runRender(deps, project, components, {
        ...shown,
        ...(flags.outputDir ? { outputDir: flags.outputDir } : {}),
        jobs,
        refresh: flags.offline ? 'never' : flags.refresh ? 'always' : 'if-needed',
        signal: abort.signal,
        ...(flags.cache === false ? { noCache: true } : {}),
      }).finally(() => process.off('SIGINT', onSigint));
      const r = renderCommandResult(run, { ...shown, ...(flags.failOnError === false ? { failOnError: false } : {}) });
      return abort.signal.aborted ? { ...r, exitCode: 130 } : r;
    }),
  );
}
