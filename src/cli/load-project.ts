/**
 * How commands load the project: from `-C DIR` or the working directory (searched upward), with
 * the load's warnings reported at once through the one diagnostic renderer — before the command
 * goes on, so a later failure does not swallow them.
 */
import * as path from 'node:path';
import type { LoadProjectResult, ProjectSelection, SelectedProject } from '../config/index.js';
import type { CliContext, GlobalOptions } from './context.js';
import { reportDiagnostics } from './diagnostics.js';

/** Load the whole project (`config`, `component list`, `component query`). */
export async function loadProjectForCli(ctx: CliContext, g: GlobalOptions, extraConfigFiles: readonly string[] = []): Promise<LoadProjectResult> {
  const { loadProject } = await import('../config/index.js');
  const startDir = path.resolve(ctx.cwd, g.project ?? '.');
  const r = await loadProject({ fs: ctx.fs, startDir, extraConfigFiles: extraConfigFiles.map((f) => path.resolve(ctx.cwd, f)) });
  await reportDiagnostics(ctx, g, r.diagnostics);
  return r;
}

/** Load the project and select components by `-a` / names / `-g` (every component command). */
export async function loadSelectedForCli(ctx: CliContext, g: GlobalOptions, sel: Omit<ProjectSelection, 'cwd' | 'projectDir'>): Promise<SelectedProject> {
  const { loadSelected } = await import('../config/index.js');
  const r = await loadSelected({ fs: ctx.fs }, { cwd: ctx.cwd, ...(g.project ? { projectDir: g.project } : {}), ...sel });
  await reportDiagnostics(ctx, g, r.diagnostics);
  return r;
}
