/**
 * `component render`: upstream spec + overlays → the rendered spec tree, in process (no mock).
 *
 * `Renderer.run` renders many components in parallel under the output directory's lock; per
 * component, `renderOne` resolves the upstream commit (`resolve.ts`) and the synthetic commits
 * (`synthetic.ts`), skips the render when its stamp matches (`stamps.ts`), renders into a staging
 * directory beside the output (`pipeline.ts`: fetch, macros file, overlays, `sources` merge,
 * Release bump, rpmautospec, unreferenced-file filter), then swaps the staging dir into
 * `<out>/<letter>/<name>/` when it differs (`output.ts`).
 */
import * as path from 'node:path';
import type { Clock, EventSink, FileSystem, Git, ProcessLock, ProcessRunner, ScratchWriter } from '../adapters/types.js';
import { error, isStrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { MirrorCache, sha256Hex, type History } from '../sources/index.js';
import { mapPool } from '../util/pool.js';
import { replaceDir } from '../util/replace-dir.js';
import { makeRenderContext, type RenderContext } from './context.js';
import { recoverInterrupted, componentOutputDir, diffSnapshots, FAILURE_MARKER, FAILURE_TEXT, findStale, goQueryEscape, isEmptyDiff, isSafeComponentName, markFailed, snapshotDir, stagingPrefix, writeAlias } from './output.js';
import { renderStaged, type StagedRender } from './pipeline.js';
import { distGitDeps, resolveComponentCommit } from './resolve.js';
import { hashSnapshot, StampStore, stampKey } from './stamps.js';
import { ProjectHistory, syntheticCommitsFor } from './synthetic.js';

/** Lists the Source/Patch values of a spec as `spectool -l -a` would (after macro expansion). */
export type SourceLister = (
  specText: string,
  opts: { specPath: string; sourceDir: string; defines: Readonly<Record<string, string>>; readFile?: (p: string) => Promise<string | undefined> },
) => Promise<string[]>;

/**
 * rpmautospec `process-distgit` in-process: returns the processed spec, or undefined for "nothing
 * to do". With `history`, that in-memory commit graph is used instead of the repository's.
 */
export type AutospecProcessor = (opts: { repoDir: string; specPath: string; defines: Readonly<Record<string, string>>; history?: History }) => Promise<string | undefined>;

export interface RenderDeps {
  readonly fs: FileSystem;
  readonly git: Git;
  readonly proc: ProcessRunner;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly listSources?: SourceLister;
  readonly autospec?: AutospecProcessor;
  /** Fast writes for the staging directory (default: atomic writes through `fs`). */
  readonly scratch?: ScratchWriter;
  /** rpmautospec `calculate-release` (complete release without dist), for provenance macros. */
  readonly calculateRelease?: (opts: { specPath: string; defines: Readonly<Record<string, string>>; history?: History }) => Promise<string>;
  /**
   * Cross-process lock: one render at a time into one output directory (a second one waits).
   * Without it, concurrent renders into the same output are not excluded, and the recovery of
   * an interrupted render could race a live one.
   */
  readonly lock?: ProcessLock;
}

export interface RenderOptions {
  readonly outDir: string;
  readonly checkOnly?: boolean;
  readonly dryRun?: boolean;
  readonly cleanStale?: boolean;
  readonly jobs?: number;
  readonly signal?: AbortSignal;
  /** How mirrors are refreshed (default `if-needed`: fetch only what is missing). */
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** Ignore render stamps: render every component (stamps are still not written). */
  readonly noCache?: boolean;
}

export type RenderStatus = 'ok' | 'error' | 'cancelled';

export interface ComponentRenderResult {
  readonly component: string;
  readonly outputDir: string;
  readonly status: RenderStatus;
  /** Output differs from what was there before (or would, with --check-only). */
  readonly changed: boolean;
  readonly changes?: { readonly added: string[]; readonly removed: string[]; readonly modified: string[] };
  readonly upstreamCommit?: string;
  readonly commitRule?: string;
  readonly syntheticCommits?: number;
  readonly release?: { readonly from: string; readonly to: string };
  readonly diagnostics: readonly Diagnostic[];
  /** The render was skipped: its stamp matched and the output was intact. */
  readonly cached?: boolean;
  /** --dry-run: the unified diff each overlay makes. */
  readonly overlayDiffs?: readonly { readonly overlay: string; readonly diff: string }[];
}

export interface RenderRunResult {
  readonly results: ComponentRenderResult[];
  readonly stale: string[];
  readonly removedStale: string[];
}

export class Renderer {
  private readonly ctx: RenderContext;
  private readonly mirrors: MirrorCache;
  private history?: Promise<ProjectHistory>;
  private readonly stamps: StampStore;

  constructor(
    private readonly deps: RenderDeps,
    private readonly project: ResolvedProject,
    private readonly opts: RenderOptions,
  ) {
    this.ctx = makeRenderContext(deps, project, opts);
    this.mirrors = new MirrorCache(distGitDeps(this.ctx), { workDir: project.project.workDir });
    this.stamps = new StampStore(deps.fs, deps.scratch, path.join(project.project.workDir, 'render-stamps', sha256Hex(path.resolve(opts.outDir)).slice(0, 16)));
  }

  private async syntheticFor(c: ResolvedComponent, resolved: Awaited<ReturnType<typeof resolveComponentCommit>>) {
    this.history ??= ProjectHistory.load(this.deps.git, this.project.dir, this.project.project.lockDir);
    return syntheticCommitsFor(this.ctx, await this.history, c, resolved);
  }

  /** Render one component into `stage` (a fresh directory). */
  async renderInto(c: ResolvedComponent, stage: string): Promise<StagedRender> {
    const resolved = await resolveComponentCommit(this.ctx, this.mirrors, c);
    return renderStaged(this.ctx, c, stage, resolved, await this.syntheticFor(c, resolved));
  }

  /** Render, compare and (unless check-only/dry-run) replace one component's output. */
  async renderOne(c: ResolvedComponent, stagingRoot: string): Promise<ComponentRenderResult> {
    const { fs } = this.deps;
    const outputDir = componentOutputDir(this.opts.outDir, c.name);
    if (!isSafeComponentName(c.name)) {
      return { component: c.name, outputDir, status: 'error', changed: false, diagnostics: [error('RENDER_BAD_NAME', `component name ${JSON.stringify(c.name)} cannot be a directory name`, { span: c.definedAt })] };
    }
    const stage = path.join(stagingRoot, c.name);
    try {
      const resolved = await resolveComponentCommit(this.ctx, this.mirrors, c);
      const synthetic = await this.syntheticFor(c, resolved);
      // Render stamp: when nothing that decides the output changed and the output is as written,
      // the render is skipped (no git, no overlay work).
      const key = this.opts.dryRun || this.opts.noCache ? undefined : await stampKey(this.ctx, c, resolved, synthetic);
      const before = await snapshotDir(fs, outputDir);
      const beforeHash = hashSnapshot(before);
      if (key) {
        const stamp = await this.stamps.read(c.name);
        if (stamp && stamp.key === key && stamp.output === beforeHash && !before.has(FAILURE_MARKER)) {
          return { component: c.name, outputDir, status: 'ok', changed: false, ...(resolved ? { upstreamCommit: resolved.commit, commitRule: resolved.rule } : {}), syntheticCommits: synthetic.length, diagnostics: [...(resolved?.diagnostics ?? [])], cached: true };
        }
      }
      const r = await renderStaged(this.ctx, c, stage, resolved, synthetic);
      const after = await snapshotDir(fs, stage);
      const d = diffSnapshots(before, after);
      const changed = !isEmptyDiff(d);
      if (changed && !this.opts.checkOnly && !this.opts.dryRun) {
        await replaceDir(fs, stage, outputDir);
        await writeAlias(fs, this.opts.outDir, c.name);
      } else await fs.remove(stage);
      if (key && (!changed || (!this.opts.checkOnly && !this.opts.dryRun))) await this.stamps.write(c.name, { key, output: hashSnapshot(after) });
      return { ...r, outputDir, status: 'ok', changed, ...(changed ? { changes: d } : {}) };
    } catch (e) {
      await fs.remove(stage).catch(() => undefined);
      if (this.opts.signal?.aborted) return { component: c.name, outputDir, status: 'cancelled', changed: false, diagnostics: [] };
      const diagnostics: Diagnostic[] = isStrataError(e)
        ? [...e.diagnostics]
        : [error('RENDER_FAILED', `component ${c.name}: ${(e as Error).message ?? String(e)}`, { span: c.definedAt })];
      const before = await snapshotDir(fs, outputDir);
      const marked = before.get(FAILURE_MARKER) === FAILURE_TEXT;
      if (!this.opts.checkOnly && !this.opts.dryRun && !marked) await markFailed(fs, outputDir);
      return { component: c.name, outputDir, status: 'error', changed: !marked, diagnostics };
    }
  }

  /** Render many components in parallel (holding the output directory's lock, when given one). */
  async run(components: readonly ResolvedComponent[]): Promise<RenderRunResult> {
    const { lock, sink } = this.deps;
    if (!lock) return this.runUnlocked(components);
    const lockPath = path.join(this.project.project.workDir, 'locks', `render-${sha256Hex(path.resolve(this.opts.outDir)).slice(0, 16)}.lock`);
    await this.deps.fs.mkdir(path.dirname(lockPath));
    const waiting = setTimeout(() => sink({ kind: 'log', level: 'info', message: `waiting for another render into ${this.opts.outDir} to finish (lock ${lockPath})` }), 1000);
    let release: () => Promise<void>;
    try {
      release = await lock.acquire(lockPath, { pollMs: 200 });
    } finally {
      clearTimeout(waiting);
    }
    try {
      return await this.runUnlocked(components);
    } finally {
      await release();
    }
  }

  private async runUnlocked(components: readonly ResolvedComponent[]): Promise<RenderRunResult> {
    const { fs, sink } = this.deps;
    await fs.mkdir(this.opts.outDir);
    for (const f of await recoverInterrupted(fs, this.opts.outDir)) sink({ kind: 'log', level: 'info', message: `recovered from an interrupted render: ${f}` });
    const stagingRoot = await fs.mkdtemp(stagingPrefix(process.pid), this.opts.outDir);
    let results: ComponentRenderResult[];
    let done = 0;
    sink({ kind: 'start', task: 'render', total: components.length });
    try {
      // renderOne reports failures in its result (it does not throw them).
      results = await mapPool(components, this.opts.jobs ?? 4, async (c): Promise<ComponentRenderResult> => {
        if (this.opts.signal?.aborted) return { component: c.name, outputDir: componentOutputDir(this.opts.outDir, c.name), status: 'cancelled', changed: false, diagnostics: [] };
        const r = await this.renderOne(c, stagingRoot);
        done++;
        sink({ kind: 'item', task: 'render', item: c.name, status: r.status === 'error' ? 'failed' : r.changed ? 'changed' : 'unchanged', ...(r.status === 'error' ? { detail: r.diagnostics[0]?.message ?? '' } : {}) });
        sink({ kind: 'progress', task: 'render', done, total: components.length, item: c.name });
        return r;
      });
    } finally {
      await fs.remove(stagingRoot);
      sink({ kind: 'end', task: 'render' });
    }
    let stale: string[] = [];
    const removedStale: string[] = [];
    if (this.opts.cleanStale) {
      const known = new Set<string>();
      for (const n of this.project.components.keys()) {
        known.add(n);
        known.add(goQueryEscape(n));
      }
      stale = await findStale(fs, this.opts.outDir, known);
      if (!this.opts.checkOnly && !this.opts.dryRun) {
        for (const s of stale) {
          await fs.remove(s);
          removedStale.push(s);
        }
      }
    }
    return { results: results.sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0)), stale, removedStale };
  }
}
