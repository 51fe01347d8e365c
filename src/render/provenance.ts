/**
 * `build.emit-upstream-provenance`: `%fedora_upstream_version` / `%fedora_upstream_release` from
 * the first Version/Release of the pristine Fedora spec (`%{?dist}` → `.fc<release-ver>`;
 * `%autorelease` computed from the dist-git history), unless the user defines them. A value
 * that cannot be computed is skipped with a warning, as azldev does.
 */
import * as path from 'node:path';
import { warning, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { packageSections, parseSpecLines, splitSpecText } from '../spec/index.js';
import { readHistoryAt } from '../sources/index.js';
import type { RenderContext } from './context.js';
import type { Fetched } from './fetch.js';
import { usesAutorelease } from './release.js';

export async function addProvenanceMacros(ctx: RenderContext, c: ResolvedComponent, m: Map<string, string>, pristine: string, specPath: string, fetched: Fetched, diags: Diagnostic[]): Promise<void> {
  if (c.spec.type !== 'upstream' || c.spec.upstreamDistro.name !== 'fedora') return;
  const rv = c.spec.releaseVer ?? c.spec.upstreamDistro.version;
  if (!/^\d+$/.test(rv)) return;
  const dist = `.fc${rv}`;
  const model = parseSpecLines(splitSpecText(pristine));
  const first = (tag: string) => {
    for (const s of packageSections(model, '')) for (let i = s.start; i < s.end; i++) if (model.lines[i]!.kind === 'tag' && model.lines[i]!.tag!.toLowerCase() === tag) return model.lines[i]!.value!;
    return undefined;
  };
  const version = first('version');
  let release = first('release');
  const span = c.origin('build.emit-upstream-provenance') ?? c.definedAt;
  if (release !== undefined && usesAutorelease(release)) {
    try {
      if (!ctx.deps.calculateRelease) throw new Error('no rpmautospec engine');
      const history = fetched.upstream ? await readHistoryAt(ctx.deps.git, fetched.store, fetched.upstream.repo, fetched.upstream.commit, path.basename(specPath)) : undefined;
      const r = await ctx.deps.calculateRelease({ specPath, defines: { dist: '%{nil}' }, ...(history ? { history } : {}) });
      if (!/^\d/.test(r)) throw new Error(`unexpected release ${r}`);
      release = r + dist;
    } catch (e) {
      diags.push(warning('PROVENANCE_RELEASE_UNKNOWN', `component ${c.name}: cannot compute the upstream %autorelease for fedora_upstream_release: ${(e as Error).message}`, { span }));
      release = undefined;
    }
  } else if (release !== undefined) release = release.replace(/%\{\??dist\}/g, dist);
  if (version !== undefined && !m.has('fedora_upstream_version')) m.set('fedora_upstream_version', version);
  if (release !== undefined && !m.has('fedora_upstream_release')) m.set('fedora_upstream_release', release);
}
