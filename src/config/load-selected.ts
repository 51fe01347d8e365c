/**
 * `loadSelected`: what every component command starts with — find and load the project from
 * the working directory (or `-C DIR`, searched upward like `git -C`), report its warnings to the
 * sink, and select components by `-a` / name patterns / `-g` groups.
 */
import * as path from 'node:path';
import { formatDiagnostic } from '../diag/index.js';
import type { EventSink, FileSystem } from '../adapters/types.js';
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

export async function loadSelected(deps: { fs: FileSystem; sink?: EventSink }, sel: ProjectSelection): Promise<{ project: ResolvedProject; components: ResolvedComponent[] }> {
  const loaded = await loadProject({ fs: deps.fs, startDir: sel.projectDir ? path.resolve(sel.cwd, sel.projectDir) : sel.cwd });
  for (const d of loaded.diagnostics) deps.sink?.({ kind: 'log', level: d.severity === 'warning' ? 'warn' : 'info', message: formatDiagnostic(d).trimEnd() });
  const components = selectComponents(loaded.project, { all: sel.all, patterns: sel.names, ...(sel.groups?.length ? { groups: sel.groups } : {}) });
  return { project: loaded.project, components };
}
