/**
 * Loading a project, as the steps it performs: discover the root (`discover.ts`), load the
 * include tree (`load-includes.ts`), merge the files (`merge.ts`), resolve distros
 * (`resolve-distros.ts`) and components (`resolve-components.ts`), load overlay files
 * (`load-overlay-files.ts`) and check the whole project (`check-project.ts`).
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { StrataError, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { checkArchivePairing, checkDistroInputs, checkLocalSpec, checkOverlaySources, checkPackageGroups, checkRepoSets } from './check-project.js';
import { Collector, withIncludeChains } from './collector.js';
import type { ConfigFileModel, ProjectPart } from './config-file.js';
import { findProjectIn, findProjectRoot } from './discover.js';
import { loadIncludeTree } from './load-includes.js';
import { loadOverlayFiles, type OverlayDocCache } from './load-overlay-files.js';
import { mergeConfigFiles } from './merge.js';
import { byKey } from './order.js';
import { planComponentInputs, resolveComponent, resolveComponentGroups } from './resolve-components.js';
import { resolveDefaultDistro, resolveDistros } from './resolve-distros.js';
import { resolveImages } from './resolve-images.js';
import type { LoadedFile, ProjectInfo, ResolvedComponent, ResolvedProject } from './types.js';

/** azldev's built-in defaults (its embedded defaults.toml and ApplyProjectDefaults). */
export const PROJECT_DEFAULTS = {
  logDir: 'build/logs',
  workDir: 'build/work',
  outputDir: 'out',
  lockDir: 'locks',
  renderedSpecsDir: 'specs',
  imageCustomizerContainerTag: 'mcr.microsoft.com/azurelinux/imagecustomizer:1',
} as const;

export interface LoadProjectOptions {
  readonly fs: FileSystem;
  /** The project directory (holding azldev.toml/strata.toml). Takes precedence over startDir. */
  readonly projectDir?: string;
  /** Where to start searching upward for the project file. */
  readonly startDir?: string;
  /** Extra config files merged after the project tree, in order (azldev's `--config-file`). */
  readonly extraConfigFiles?: readonly string[];
}

export interface LoadProjectResult {
  readonly project: ResolvedProject;
  /** Warnings (and notes); errors are thrown. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Load, merge, resolve and validate a project. Collects every diagnostic of the load; throws a
 * StrataError carrying all of them when any is an error, otherwise returns the warnings.
 */
export async function loadProject(opts: LoadProjectOptions): Promise<LoadProjectResult> {
  const { fs } = opts;
  const { dir, rootFile } = opts.projectDir ? await findProjectIn(fs, opts.projectDir) : await findProjectRoot(fs, opts.startDir ?? '.');
  const diags = new Collector();
  const tree = await loadIncludeTree(fs, dir, rootFile, opts.extraConfigFiles ?? [], diags);
  const project = await resolveProject(fs, dir, rootFile, tree.models, tree.files, diags);
  const chains = new Map(tree.files.map((f) => [f.path, f.includeChain]));
  const all = withIncludeChains(diags.items, chains);
  if (all.some((d) => d.severity === 'error')) throw new StrataError(all);
  return { project, diagnostics: all };
}

/** The parsed files → the resolved project: merge, distros, components, overlay files, checks. */
async function resolveProject(fs: FileSystem, dir: string, rootFile: string, models: readonly ConfigFileModel[], files: readonly LoadedFile[], diags: Collector): Promise<ResolvedProject> {
  const merged = mergeConfigFiles(models, diags);
  const project = resolveProjectInfo(merged.project, dir);

  const distros = resolveDistros(merged.distros, diags);
  const defaultDistro = resolveDefaultDistro(merged.project, distros, diags);

  const groups = await resolveComponentGroups(fs, dir, merged.groups, merged.components, diags);
  const distroDefaults = defaultDistro ? (merged.distros.get(defaultDistro.at.distro.name)?.versions.get(defaultDistro.at.version.name)?.defaultComponentConfigs ?? []) : [];
  const components = new Map<string, ResolvedComponent>();
  const overlayDocs: OverlayDocCache = new Map();
  const pending: Promise<void>[] = [];
  for (const input of planComponentInputs(merged, groups, distroDefaults)) {
    const r = resolveComponent(input, { defaultDistro: defaultDistro?.ref, distros, diags });
    if (!r) continue;
    const c = r.component;
    if (r.overlayFiles) {
      pending.push(
        loadOverlayFiles(fs, dir, { patterns: r.overlayFiles.value.patterns, dir: input.overlayFilesDir }, r.overlayFiles.span, overlayDocs, diags).then((loaded) => {
          c.overlays = [...c.overlays, ...loaded.overlays];
          c.overlayFiles = loaded.files;
          checkArchivePairing(c, diags);
        }),
      );
    } else checkArchivePairing(c, diags);
    if (c.spec.type === 'local') pending.push(checkLocalSpec(fs, dir, c.name, c.spec, c.origin('spec.path'), diags));
    components.set(c.name, c);
  }
  await Promise.all(pending);

  await checkOverlaySources(fs, dir, components.values(), diags);
  checkPackageGroups(merged.packageMembers, diags);
  const images = resolveImages(merged.images, merged.testSuites, merged.packageGroups, diags);
  const repos = { rpmRepos: merged.rpmRepos, templates: merged.rpmRepoSetTemplates, sets: merged.rpmRepoSets, templateSpans: merged.templateSpans };
  checkRepoSets(repos, diags);
  checkDistroInputs(distros.values(), repos, diags);

  return {
    dir,
    rootFile,
    files,
    project,
    ...(defaultDistro ? { defaultDistro: defaultDistro.ref } : {}),
    distros,
    components,
    componentGroups: groups.groups,
    packageGroups: new Map([...merged.packageGroups].sort(byKey)),
    defaultPackageConfig: { publish: merged.defaultPackagePublish },
    images,
    testSuites: new Map([...merged.testSuites].sort(byKey)),
    tools: { imageCustomizer: { containerTag: merged.containerTag ?? PROJECT_DEFAULTS.imageCustomizerContainerTag } },
    resources: { rpmRepos: new Map([...merged.rpmRepos].sort(byKey)), rpmRepoSetTemplates: new Map([...merged.rpmRepoSetTemplates].sort(byKey)), rpmRepoSets: new Map([...merged.rpmRepoSets].sort(byKey)) },
    ...(merged.signing ? { signing: merged.signing } : {}),
    ...(merged.attestation ? { attestation: merged.attestation } : {}),
    cveFeeds: merged.cveFeeds,
  };
}

/** `[project]` TOML keys, by ProjectPart field (for `origins`). */
const PROJECT_KEYS: readonly (readonly [keyof ProjectPart, string])[] = [
  ['description', 'description'],
  ['logDir', 'log-dir'],
  ['workDir', 'work-dir'],
  ['outputDir', 'output-dir'],
  ['renderedSpecsDir', 'rendered-specs-dir'],
  ['lockDir', 'lock-dir'],
  ['defaultAuthorEmail', 'default-author-email'],
  ['defaultDistro', 'default-distro'],
];

/** `[project]` with azldev's default directories (relative to the project) for what is unset. */
function resolveProjectInfo(p: ProjectPart, dir: string): ProjectInfo {
  const origins: [string, SourceSpan][] = [];
  for (const [field, key] of PROJECT_KEYS) {
    const v = p[field];
    if (v) origins.push([key, v.span]);
  }
  return {
    ...(p.description !== undefined ? { description: p.description.value } : {}),
    renderedSpecsDir: p.renderedSpecsDir?.value ?? path.join(dir, PROJECT_DEFAULTS.renderedSpecsDir),
    lockDir: p.lockDir?.value ?? path.join(dir, PROJECT_DEFAULTS.lockDir),
    outputDir: p.outputDir?.value ?? path.join(dir, PROJECT_DEFAULTS.outputDir),
    workDir: p.workDir?.value ?? path.join(dir, PROJECT_DEFAULTS.workDir),
    logDir: p.logDir?.value ?? path.join(dir, PROJECT_DEFAULTS.logDir),
    ...(p.defaultAuthorEmail !== undefined ? { defaultAuthorEmail: p.defaultAuthorEmail.value } : {}),
    origins: new Map(origins.sort(byKey)),
  };
}
