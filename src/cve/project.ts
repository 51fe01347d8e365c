/**
 * What a project scan takes from the resolved project: each component's build defines (the
 * distro's default-component-config merged into the component, as a build sees them) and the
 * overlay texts that can name a CVE (description, metadata bug/commit links, the patch file an
 * overlay adds).
 */
import * as path from 'node:path';
import type { ResolvedProject } from '../config/index.js';
import type { SourceSpan } from '../diag/index.js';
import type { FeedSource } from './feeds.js';

export interface ProjectSpecs {
  readonly components: ReadonlyMap<string, { readonly define: readonly string[] }>;
  readonly overlays: Map<string, { text: string; span: SourceSpan }[]>;
}

/** Overlay spans are shown relative to `cwd`. */
export function projectSpecs(project: ResolvedProject, cwd: string): ProjectSpecs {
  const components = new Map<string, { define: string[] }>();
  const overlays = new Map<string, { text: string; span: SourceSpan }[]>();
  for (const [name, c] of project.components) {
    components.set(name, { define: Object.entries(c.build.defines).map(([k, v]) => `${k} ${v}`) });
    const texts: { text: string; span: SourceSpan }[] = [];
    for (const o of c.overlays) {
      const parts = [o.description ?? '', ...(o.metadata?.bugs.map((b) => b.url) ?? []), ...(o.metadata?.commits.map((b) => b.url) ?? []), 'file' in o && typeof o.file === 'string' ? o.file : '', 'source' in o && typeof o.source === 'string' ? o.source : ''].filter(Boolean);
      if (parts.length) texts.push({ text: parts.join(' '), span: { ...o.definedAt, file: path.relative(cwd, o.definedAt.file) || o.definedAt.file } });
    }
    if (texts.length) overlays.set(name, texts);
  }
  return { components, overlays };
}

/** The feeds of `[[cve.feeds]]`; a missing one is reported at its `path` value. */
export function feedsOfProject(project: ResolvedProject, cwd: string): FeedSource[] {
  return project.cveFeeds.map((f) => ({
    shown: path.relative(cwd, f.path) || f.path,
    abs: f.path,
    osv: { names: f.names, ...(f.ecosystems ? { ecosystems: f.ecosystems } : {}) },
    definedAt: f.pathSpan,
  }));
}
