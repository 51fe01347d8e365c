/**
 * One component's render into a fresh staging directory, as the steps it performs: fetch, macros
 * file, overlays, `sources` merge, Release bump, `%autorelease`/`%autochangelog`, unreferenced-file
 * filter. (Comparing with the output and swapping it in is the caller's: `render.ts`.)
 */
import * as path from 'node:path';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { decodeBytes } from '../overlay/index.js';
import { joinSpecLines, splitSpecText } from '../spec/index.js';
import { resolveAutospec } from './autorelease.js';
import type { RenderContext } from './context.js';
import { fetchSources } from './fetch.js';
import { removeUnreferencedFiles } from './file-filter.js';
import { buildMacrosMap, macrosFileName, printMacrosFile } from './macros.js';
import { applyComponentOverlays, overlayDiffs } from './overlays.js';
import { addProvenanceMacros } from './provenance.js';
import { bumpRelease } from './release.js';
import type { ComponentRenderResult } from './render.js';
import type { Resolved } from './resolve.js';
import { writeMergedSourcesFile } from './sources-file.js';
import type { SyntheticCommit } from './synthetic.js';

export type StagedRender = Omit<ComponentRenderResult, 'outputDir' | 'changed' | 'status'>;

export async function renderStaged(ctx: RenderContext, c: ResolvedComponent, stage: string, resolved: Resolved | undefined, synthetic: readonly SyntheticCommit[]): Promise<StagedRender> {
  const { fs } = ctx.deps;
  // 1. The pristine sources.
  const fetched = await fetchSources(ctx, c, stage, resolved);
  const specFile = `${c.name}.spec`;
  const specPath = path.join(stage, specFile);
  if (!(await fs.stat(specPath))?.isFile) {
    throw new StrataError(error('RENDER_SPEC_MISSING', `component ${c.name}: no ${specFile} in its sources`, { span: c.definedAt }));
  }
  const specOriginal = decodeBytes(await fs.readFile(specPath));
  // 2. The macros file.
  const macroMap = buildMacrosMap(c.build);
  const provenanceDiags: Diagnostic[] = [];
  if (c.build.emitUpstreamProvenance) await addProvenanceMacros(ctx, c, macroMap, specOriginal.text, specPath, fetched, provenanceDiags);
  const macros = printMacrosFile(macroMap);
  if (macros !== undefined) await ctx.write(path.join(stage, macrosFileName(c.name)), macros, 0o644);
  // 3. Overlays.
  const overlays = await applyComponentOverlays(ctx, c, stage, specFile, specOriginal.text, macros !== undefined);
  const diagnostics: Diagnostic[] = [...fetched.diagnostics, ...provenanceDiags, ...overlays.diagnostics];
  // 4. `sources` with `source-files` merged.
  await writeMergedSourcesFile(ctx, c, stage, overlays.repacked);
  // 5. The static Release bump by the synthetic commit count.
  const bump = bumpRelease(splitSpecText(overlays.spec), synthetic.length, c.release.calculation, { specFile, span: c.origin('release.calculation') ?? c.definedAt });
  let spec = joinSpecLines(bump.lines);
  await ctx.write(specPath, specOriginal.encode(spec));
  // 6. rpmautospec on the dist-git history with the synthetic commits stacked on it.
  const defines: Record<string, string> = { dist: '%{nil}' };
  const processed = await resolveAutospec(ctx, stage, specFile, spec, fetched, synthetic, defines);
  if (processed !== undefined) {
    spec = processed;
    await ctx.write(specPath, specOriginal.encode(spec));
  }
  // An overlay may not leave a `.git` in the output.
  await fs.remove(path.join(stage, '.git'));
  // 7. The unreferenced-file filter.
  if (!c.render.skipFileFilter) await removeUnreferencedFiles(ctx, stage, specFile, spec, defines);
  return {
    component: c.name,
    ...(fetched.upstream ? { upstreamCommit: fetched.upstream.commit, commitRule: fetched.upstream.rule } : {}),
    syntheticCommits: synthetic.length,
    ...(bump.from !== undefined && bump.to !== undefined ? { release: { from: bump.from, to: bump.to } } : {}),
    diagnostics,
    ...(ctx.opts.dryRun ? { overlayDiffs: overlayDiffs(specFile, overlays.results) } : {}),
  };
}
