/** What every step of the render pipeline gets: the adapters, the project, the run's options. */
import type { ResolvedProject } from '../config/types.js';
import type { RenderDeps, RenderOptions } from './render.js';

export interface RenderContext {
  readonly deps: RenderDeps;
  readonly project: ResolvedProject;
  readonly opts: RenderOptions;
  /** Write into the staging directory (fast scratch writes when the deps have them). */
  readonly write: (p: string, data: string | Uint8Array, mode?: number) => Promise<void>;
}

export function makeRenderContext(deps: RenderDeps, project: ResolvedProject, opts: RenderOptions): RenderContext {
  const write = (p: string, data: string | Uint8Array, mode?: number): Promise<void> => (deps.scratch ? deps.scratch.writeFile(p, data, mode) : deps.fs.writeFileAtomic(p, data, mode));
  return { deps, project, opts, write };
}
