/**
 * `loadSelected`: what every component command starts with — find and load the project from
 * the working directory (or `-C DIR`, searched upward like `git -C`) and select components by
 * `-a` / name patterns / `-g` groups. The load's warnings are returned, not printed: the caller
 * reports them (the CLI through its one diagnostic renderer).
 */
import * as path from 'node:path';
import type { Diagnostic } from '../diag/index.js';
import type { FileSystem } from '../adapters/types.js';
import { loadProject } from './load.js';
import { selectComponents } from './select.js';
import type { ResolvedComponent, ResolvedProject } from './types.js';

export interface ProjectSelection {
  readonly cwd: string;
  /** `-C DIR`, relative to `cwd`. */
  readonly projectDir?: string;
  readonly all: boolean;
  /** Component names or shell-style patterns. */
  readonly names: readonly string[];
  /** Component group names (`-g`). */
  readonly groups?: readonly string[];
}

export interface SelectedProject {
  readonly project: ResolvedProject;
  readonly components: ResolvedComponent[];
  /** Warnings of the load (errors are thrown as one StrataError). */
  readonly diagnostics: readonly Diagnostic[];
}

export async function loadSelected(deps: { fs: FileSystem }, sel: ProjectSelection): Promise<SelectedProject> {
  const loaded = await loadProject({ fs: deps.fs, startDir: sel.projectDir ? path.resolve(sel.cwd, sel.projectDir) : sel.cwd });
  const components = selectComponents(loaded.project, { all: sel.all, patterns: sel.names, ...(sel.groups?.length ? { groups: sel.groups } : {}) });
  return { project: loaded.project, components, diagnostics: loaded.diagnostics };
}
