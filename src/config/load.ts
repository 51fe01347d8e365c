/**
 * Loading a project: discovery, includes, per-file parsing, merging files, inheritance of
 * component configuration, overlay files and whole-project validation.
 */
import * as path from 'node:path';
import type { FileStat, FileSystem } from '../adapters/types.js';
import { didYouMean, error, StrataError, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { INVALID, mergeLayers, type ComponentLayer, type OverlayFilesValue } from './component-config.js';
import { parseConfigFile, type ConfigFileModel, type DistroPart, type GroupPart, type Spanned } from './config-file.js';
import { parseOverlay, parseOverlayMetadata } from './overlay.js';
import { isInside } from '../util/paths.js';
import { parseTomlDoc, TableReader, TomlDoc, type ReadSink } from './toml-read.js';
import type {
  ComponentGroup,
  Distro,
  DistroRef,
  DistroVersion,
  ImageConfig,
  LoadedFile,
  Overlay,
  PackageConfig,
  PackageGroup,
  PackagePublish,
  ProjectInfo,
  ReleaseCalculation,
  ResolvedComponent,
  ResolvedProject,
  RpmRepo,
  RpmRepoSet,
  RpmRepoSetTemplate,
  SigningConfig,
  SourceFileRef,
  SpecSource,
  TestSuiteConfig,
} from './types.js';

/** File names that mark a project root, in order of preference. */
export const PROJECT_FILE_NAMES = ['azldev.toml', 'strata.toml'] as const;

/** azldev's built-in defaults (its embedded defaults.toml and ApplyProjectDefaults). */
export const PROJECT_DEFAULTS = {
  logDir: 'build/logs',
  workDir: 'build/work',
  outputDir: 'out',
  lockDir: 'locks',
  renderedSpecsDir: 'specs',
  imageCustomizerContainerTag: 'mcr.microsoft.com/azurelinux/imagecustomizer:1',
} as const;

/**
 * The directory holding `azldev.toml` (or `strata.toml`), searching from `startDir` upward.
 * Throws StrataError PROJECT_NOT_FOUND when there is none.
 */
export async function findProjectRoot(fs: FileSystem, startDir: string): Promise<{ dir: string; rootFile: string }> {
  let dir = path.resolve(startDir);
  const start = await fs.stat(dir);
  if (!start) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `directory ${dir} does not exist`, { hint: 'check the -C DIR argument (relative paths start at the current directory)' }));
  if (!start.isDirectory && !start.isSymbolicLink) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `${dir} is not a directory`, { hint: 'pass the project directory with -C DIR, not a file in it' }));
  for (;;) {
    for (const name of PROJECT_FILE_NAMES) {
      const f = path.join(dir, name);
      const st = await statFollowingLinks(fs, f);
      if (st?.isFile) return { dir, rootFile: f };
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StrataError(error('PROJECT_NOT_FOUND', `no azldev.toml or strata.toml in ${path.resolve(startDir)} or any parent directory`, { hint: 'run inside a project, pass -C DIR, or create azldev.toml' }));
}

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

class Collector implements ReadSink {
  readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  add(d: Diagnostic): void {
    const key = `${d.code}|${d.span?.file}:${d.span?.line}:${d.span?.col}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(d);
  }
  hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

const hasGlobChars = (p: string) => /[*?[{]/.test(p);

/**
 * stat that follows a symbolic link: a project's own files (azldev.toml, a local spec, an overlay
 * source) may be links, e.g. into a shared checkout. A dangling link is "missing".
 */
async function statFollowingLinks(fs: FileSystem, p: string): Promise<FileStat | undefined> {
  const st = await fs.stat(p);
  if (!st?.isSymbolicLink) return st;
  try {
    return await fs.stat(await fs.realpath(p));
  } catch {
    return undefined;
  }
}

/**
 * Load, merge, resolve and validate a project. Collects every diagnostic of the load; throws a
 * StrataError carrying all of them when any is an error, otherwise returns the warnings.
 */
export async function loadProject(opts: LoadProjectOptions): Promise<LoadProjectResult> {
  const { fs } = opts;
  let dir: string;
  let rootFile: string;
  if (opts.projectDir) {
    dir = path.resolve(opts.projectDir);
    let found: string | undefined;
    for (const name of PROJECT_FILE_NAMES) {
      const f = path.join(dir, name);
      if ((await statFollowingLinks(fs, f))?.isFile) {
        found = f;
        break;
      }
    }
    if (!found && !(await fs.stat(dir))) throw new StrataError(error('PROJECT_DIR_NOT_FOUND', `directory ${dir} does not exist`, { hint: 'check the -C DIR argument (relative paths start at the current directory)' }));
    if (!found) throw new StrataError(error('PROJECT_NOT_FOUND', `no azldev.toml or strata.toml in ${dir}`, { hint: 'pass the directory that holds the project file' }));
    rootFile = found;
  } else {
    ({ dir, rootFile } = await findProjectRoot(fs, opts.startDir ?? '.'));
  }

  const diags = new Collector();
  const loader = new IncludeLoader(fs, dir, diags);
  await loader.load(rootFile, [], []);
  for (const extra of opts.extraConfigFiles ?? []) {
    const abs = path.resolve(dir, extra);
    if (!(await statFollowingLinks(fs, abs))?.isFile) {
      diags.add(error('CONFIG_FILE_NOT_FOUND', `config file ${abs} does not exist`, { hint: 'check the --config-file path' }));
      continue;
    }
    await loader.load(abs, [], []);
  }

  const project = await resolveProject(fs, dir, rootFile, loader.models, loader.files, diags);
  const chains = new Map(loader.files.map((f) => [f.path, f.includeChain]));
  const all = withIncludeChains(diags.items, chains);
  if (all.some((d) => d.severity === 'error')) throw new StrataError(all);
  return { project, diagnostics: all };
}

/** Give diagnostics found after parsing (resolution, cross-checks) the include chain of their file. */
function withIncludeChains(ds: readonly Diagnostic[], chains: ReadonlyMap<string, readonly SourceSpan[]>): Diagnostic[] {
  return ds.map((d) => {
    if (d.includeChain || !d.span) return d;
    const chain = chains.get(d.span.file);
    return chain && chain.length ? { ...d, includeChain: chain } : d;
  });
}

/** Depth-first pre-order include traversal (azldev's order), loading each file once. */
class IncludeLoader {
  readonly models: ConfigFileModel[] = [];
  readonly files: LoadedFile[] = [];
  private readonly loaded = new Set<string>();
  private readonly texts = new Map<string, Promise<string | Error>>();

  constructor(
    private readonly fs: FileSystem,
    private readonly projectDir: string,
    private readonly diags: Collector,
  ) {}

  private read(file: string): Promise<string | Error> {
    let p = this.texts.get(file);
    if (!p) {
      p = this.fs.readText(file).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      this.texts.set(file, p);
    }
    return p;
  }

  async load(file: string, chain: readonly SourceSpan[], stack: readonly string[]): Promise<void> {
    if (this.loaded.has(file)) return; // a diamond: already loaded through another path
    this.loaded.add(file);
    const text = await this.read(file);
    const chainExtra = chain.length ? { includeChain: chain } : {};
    if (text instanceof Error) {
      this.diags.add(error('CONFIG_READ', `cannot read ${file}: ${text.message}`, { ...(chain.length ? { span: chain[chain.length - 1]! } : {}), ...chainExtra, hint: 'check that the file exists and is readable (permissions of the file and its directories)' }));
      return;
    }
    this.files.push({ path: file, includeChain: chain });
    const doc = parseTomlDoc(file, text, chain);
    if (!(doc instanceof TomlDoc)) {
      this.diags.add(doc);
      return;
    }
    const model = parseConfigFile(doc, this.projectDir, this.diags);
    this.models.push(model);
    for (const inc of model.includes) {
      const pattern = inc.value;
      const incChain = [...chain, inc.span];
      if (path.isAbsolute(pattern)) {
        this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" is an absolute path`, { span: inc.span, hint: 'write includes relative to the including file', ...chainExtra }));
        continue;
      }
      let matches: string[];
      if (!hasGlobChars(pattern)) {
        const abs = path.resolve(doc.dir, pattern);
        if (!isInside(this.projectDir, abs)) {
          this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" points outside the project`, { span: inc.span, hint: `keep included files inside ${this.projectDir}`, ...chainExtra }));
          continue;
        }
        const st = await this.fs.stat(abs);
        if (st?.isDirectory) {
          const glob = `${pattern.replace(/\/+$/, '')}/*.toml`;
          this.diags.add(error('INCLUDE_IS_DIRECTORY', `included path "${pattern}" is a directory, not a TOML file (${abs})`, { span: inc.span, hint: `include the files in it, e.g. with a glob: includes = ["${glob}"]`, ...chainExtra }));
          continue;
        }
        if (!st?.isFile) {
          this.diags.add(error('INCLUDE_NOT_FOUND', `included file "${pattern}" does not exist (${abs})`, { span: inc.span, hint: 'fix the path (relative to the including file), or use a glob if the file is optional', ...chainExtra }));
          continue;
        }
        matches = [abs];
      } else {
        matches = (await this.fs.glob([pattern], doc.dir)).filter((m) => {
          if (isInside(this.projectDir, m)) return true;
          this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" matches ${m}, outside the project`, { span: inc.span, ...chainExtra }));
          return false;
        });
      }
      for (const m of matches) void this.read(m); // read siblings in parallel, process in order
      for (const m of matches) {
        const at = stack.indexOf(m) !== -1 || m === file;
        if (at) {
          const cycle = [...stack, file, m].map((f) => path.relative(this.projectDir, f)).join(' -> ');
          this.diags.add(error('INCLUDE_CYCLE', `include cycle: ${cycle}`, { span: inc.span, hint: 'remove one of the includes in the cycle', includeChain: incChain.slice(0, -1) }));
          continue;
        }
        await this.load(m, incChain, [...stack, file]);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

interface MergedDistro {
  span: SourceSpan;
  fields: Record<string, Spanned<string | boolean>>;
  repos?: { baseUri: string }[];
  versions: Map<string, { span: SourceSpan; fields: Record<string, Spanned<string>>; inputs?: Record<string, { repo?: string; set?: string }[]>; dcc: ComponentLayer[] }>;
}

function dupError(diags: Collector, what: string, name: string, here: SourceSpan, first: SourceSpan, chain: readonly SourceSpan[]): void {
  diags.add(
    error(what === 'component' ? 'COMPONENT_DUPLICATE' : 'DUPLICATE_DEFINITION', `${what} "${name}" is defined twice`, {
      span: here,
      related: [{ message: 'first defined here', span: first }],
      hint: `keep one definition of ${what} "${name}"`,
      ...(chain.length ? { includeChain: chain } : {}),
    }),
  );
}

async function resolveProject(fs: FileSystem, dir: string, rootFile: string, models: readonly ConfigFileModel[], files: readonly LoadedFile[], diags: Collector): Promise<ResolvedProject> {
  // ---- merge files in load order
  const proj: Record<string, Spanned<unknown>> = {};
  const distros = new Map<string, MergedDistro>();
  const groups = new Map<string, GroupPart & { chain: readonly SourceSpan[] }>();
  const components = new Map<string, { span: SourceSpan; layer: ComponentLayer }>();
  const projectDcc: ComponentLayer[] = [];
  let dpc: PackagePublish = {};
  const packageGroups = new Map<string, PackageGroup>();
  const packageSpans = new Map<string, Spanned<string>[]>();
  const images = new Map<string, { span: SourceSpan; value: Record<string, unknown> }>();
  const testSuites = new Map<string, TestSuiteConfig>();
  let containerTag: string | undefined;
  const rpmRepos = new Map<string, RpmRepo>();
  const templates = new Map<string, RpmRepoSetTemplate>();
  const sets = new Map<string, RpmRepoSet>();
  const templateSpans = new Map<string, SourceSpan>();
  let signing: { keyFile?: string; publicKeyFile?: string; keyId?: string; gpgHome?: string; span?: SourceSpan; origins?: Record<string, SourceSpan> } | undefined;

  for (const m of models) {
    const chain = m.doc.includeChain;
    if (m.project) for (const [k, v] of Object.entries(m.project)) if (v) proj[k] = v as Spanned<unknown>;
    for (const [name, d] of m.distros) mergeDistro(distros, name, d);
    for (const [name, g] of m.componentGroups) {
      const prev = groups.get(name);
      if (prev) dupError(diags, 'component group', name, g.span, prev.span, chain);
      else groups.set(name, { ...g, chain });
    }
    for (const [name, c] of m.components) {
      // a component name becomes a file name (locks/NAME.lock, specs/N/NAME/): it must stay one
      if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
        diags.add(error('COMPONENT_BAD_NAME', `component name ${JSON.stringify(name)} cannot be used as a file name`, { span: c.span, hint: 'name components like packages: letters, digits and ._+- (no "/" or "..")', ...(chain.length ? { includeChain: chain } : {}) }));
        continue;
      }
      const prev = components.get(name);
      if (prev) dupError(diags, 'component', name, c.span, prev.span, chain);
      else components.set(name, c);
    }
    if (m.defaultComponentConfig) projectDcc.push(m.defaultComponentConfig);
    if (m.defaultPackageConfig) dpc = { ...dpc, ...m.defaultPackageConfig.value };
    for (const [name, g] of m.packageGroups) {
      const prev = packageGroups.get(name);
      if (prev) dupError(diags, 'package group', name, g.span, prev.definedAt, chain);
      else {
        packageGroups.set(name, { name, ...(g.value.description !== undefined ? { description: g.value.description } : {}), packages: g.value.packages.map((p) => p.value), defaultPackageConfig: { publish: g.value.publish }, definedAt: g.span });
        packageSpans.set(name, g.value.packages);
      }
    }
    for (const [name, im] of m.images) {
      const prev = images.get(name);
      if (prev) dupError(diags, 'image', name, im.span, prev.span, chain);
      else images.set(name, im);
    }
    for (const [name, ts] of m.testSuites) {
      const prev = testSuites.get(name);
      if (prev) dupError(diags, 'test suite', name, ts.span, prev.definedAt, chain);
      else testSuites.set(name, { name, ...(ts.value as object), definedAt: ts.span } as TestSuiteConfig);
    }
    if (m.tools?.imageCustomizerContainerTag) containerTag = m.tools.imageCustomizerContainerTag.value;
    for (const [name, r] of m.resources.rpmRepos) rpmRepos.set(name, { name, ...(r.value as object), definedAt: r.span } as RpmRepo);
    for (const [name, r] of m.resources.rpmRepoSetTemplates) templates.set(name, { name, ...(r.value as object), definedAt: r.span } as RpmRepoSetTemplate);
    for (const [name, r] of m.resources.rpmRepoSets) {
      sets.set(name, { name, ...(r.value as object), definedAt: r.span } as RpmRepoSet);
      if (r.templateSpan) templateSpans.set(name, r.templateSpan);
    }
    if (m.signing) signing = { ...(signing ?? {}), ...m.signing.value, origins: { ...signing?.origins, ...m.signing.value.origins }, span: m.signing.span };
  }

  // ---- project info
  const str = (k: string) => proj[k]?.value as string | undefined;
  const projectInfo: ProjectInfo = {
    ...(str('description') !== undefined ? { description: str('description')! } : {}),
    renderedSpecsDir: str('renderedSpecsDir') ?? path.join(dir, PROJECT_DEFAULTS.renderedSpecsDir),
    lockDir: str('lockDir') ?? path.join(dir, PROJECT_DEFAULTS.lockDir),
    outputDir: str('outputDir') ?? path.join(dir, PROJECT_DEFAULTS.outputDir),
    workDir: str('workDir') ?? path.join(dir, PROJECT_DEFAULTS.workDir),
    logDir: str('logDir') ?? path.join(dir, PROJECT_DEFAULTS.logDir),
    ...(str('defaultAuthorEmail') !== undefined ? { defaultAuthorEmail: str('defaultAuthorEmail')! } : {}),
    origins: new Map(Object.entries(proj).flatMap(([k, v]) => (v ? [[k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v.span] as [string, SourceSpan]] : [])).sort(byKey)),
  };

  // ---- distros
  const resolvedDistros = new Map<string, Distro>();
  for (const [name, d] of [...distros].sort(byKey)) {
    const f = (k: string) => d.fields[k]?.value;
    const versions = new Map<string, DistroVersion>();
    for (const [vname, v] of [...d.versions].sort(byKey)) {
      const vf = (k: string) => v.fields[k]?.value;
      if (vf('release-ver') === undefined) {
        diags.add(error('CONFIG_MISSING_FIELD', `distro version ${name} ${vname} needs \`release-ver\``, { span: v.span, hint: 'add release-ver = "…" (the $releasever of this version)' }));
      }
      versions.set(vname, {
        name: vname,
        ...(vf('description') !== undefined ? { description: vf('description')! } : {}),
        releaseVer: vf('release-ver') ?? '',
        ...(vf('dist-git-branch') !== undefined ? { distGitBranch: vf('dist-git-branch')! } : {}),
        ...(vf('mock-config') !== undefined ? { mockConfig: vf('mock-config')! } : {}),
        ...(vf('mock-config-x86_64') !== undefined ? { mockConfigX86_64: vf('mock-config-x86_64')! } : {}),
        ...(vf('mock-config-aarch64') !== undefined ? { mockConfigAarch64: vf('mock-config-aarch64')! } : {}),
        inputs: v.inputs ?? {},
        definedAt: v.span,
      });
    }
    const dv = f('default-version') as string | undefined;
    if (dv !== undefined && !versions.has(dv)) {
      const dym = didYouMean(dv, versions.keys());
      diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no version "${dv}" (default-version)`, { span: d.fields['default-version']!.span, hint: dym ? `did you mean "${dym}"?` : `known versions: ${[...versions.keys()].join(', ') || 'none'}` }));
    }
    resolvedDistros.set(name, {
      name,
      ...(f('description') !== undefined ? { description: f('description') as string } : {}),
      ...(dv !== undefined ? { defaultVersion: dv } : {}),
      ...(f('dist-git-base-uri') !== undefined ? { distGitBaseUri: f('dist-git-base-uri') as string } : {}),
      ...(f('lookaside-base-uri') !== undefined ? { lookasideBaseUri: f('lookaside-base-uri') as string } : {}),
      repos: d.repos ?? [],
      disableOrigins: (f('disable-origins') as boolean | undefined) ?? false,
      versions,
      definedAt: d.span,
    });
  }

  /** Check a distro reference; reports at `nameSpan`/`versionSpan`. */
  const checkDistro = (name: string, version: string | undefined, nameSpan: SourceSpan | undefined, versionSpan: SourceSpan | undefined): { distro: Distro; version: DistroVersion } | undefined => {
    const distro = resolvedDistros.get(name);
    if (!distro) {
      const dym = didYouMean(name, resolvedDistros.keys());
      diags.add(error('UNKNOWN_DISTRO', `unknown distro "${name}"`, { ...(nameSpan ? { span: nameSpan } : {}), hint: dym ? `did you mean "${dym}"?` : `define [distros.${name}] or use one of: ${[...resolvedDistros.keys()].join(', ') || 'none defined'}` }));
      return undefined;
    }
    const vname = version ?? distro.defaultVersion;
    if (vname === undefined) {
      diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no default-version and no version was given`, { ...(nameSpan ? { span: nameSpan } : {}), hint: `set version = "…" or [distros.${name}] default-version` }));
      return undefined;
    }
    const v = distro.versions.get(vname);
    if (!v) {
      if (version === undefined) return undefined; // default-version already reported
      const dym = didYouMean(vname, distro.versions.keys());
      diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no version "${vname}"`, { ...((versionSpan ?? nameSpan) ? { span: (versionSpan ?? nameSpan)! } : {}), hint: dym ? `did you mean "${dym}"?` : `known versions: ${[...distro.versions.keys()].join(', ') || 'none'}` }));
      return undefined;
    }
    return { distro, version: v };
  };

  let defaultDistro: DistroRef | undefined;
  let defaultVersion: { distro: Distro; version: DistroVersion } | undefined;
  const ddSpanned = proj['defaultDistro'] as Spanned<{ name?: string; version?: string; snapshot?: string }> | undefined;
  if (ddSpanned?.value.name) {
    const r = checkDistro(ddSpanned.value.name, ddSpanned.value.version, ddSpanned.span, ddSpanned.span);
    if (r) {
      defaultVersion = r;
      defaultDistro = { name: r.distro.name, version: r.version.name, ...(ddSpanned.value.snapshot ? { snapshot: ddSpanned.value.snapshot } : {}) };
    }
  }

  // ---- groups: membership, spec discovery
  const memberOf = new Map<string, string[]>();
  const groupSpecLayers = new Map<string, { layer: ComponentLayer; span: SourceSpan; file: string }>();
  const resolvedGroups = new Map<string, ComponentGroup>();
  for (const [gname, g] of [...groups].sort(byKey)) {
    const members: string[] = [];
    for (const m of g.members) {
      members.push(m.value);
      const list = memberOf.get(m.value) ?? [];
      if (!list.includes(gname)) list.push(gname);
      memberOf.set(m.value, list);
    }
    if (g.specs.length) {
      const found = await fs.glob(g.specs, g.dir);
      const excluded = g.excludedPaths.length ? new Set(await fs.glob(g.excludedPaths, g.dir)) : new Set<string>();
      for (const specPath of found) {
        if (!specPath.endsWith('.spec') || excluded.has(specPath) || !isInside(dir, specPath)) continue;
        const name = path.basename(specPath, '.spec');
        const entries = new Map([
          ['spec.type', { value: 'local', span: g.span }],
          ['spec.path', { value: specPath, span: g.span }],
        ]);
        if (!groupSpecLayers.has(name)) groupSpecLayers.set(name, { layer: { kind: 'group-spec', label: `group ${gname} specs`, file: g.span.file, dir: g.dir, entries }, span: g.span, file: g.span.file });
        const list = memberOf.get(name) ?? [];
        if (!list.includes(gname)) list.push(gname);
        memberOf.set(name, list);
        members.push(name);
      }
    }
    resolvedGroups.set(gname, {
      name: gname,
      ...(g.description !== undefined ? { description: g.description } : {}),
      members,
      specs: g.specs,
      excludedPaths: g.excludedPaths,
      ...(g.metadata ? { metadata: g.metadata } : {}),
      definedAt: g.span,
    });
    for (const m of g.members) {
      if (!components.has(m.value) && !groupSpecLayers.has(m.value)) {
        const dym = didYouMean(m.value, components.keys());
        diags.add(error('UNKNOWN_COMPONENT', `component group "${gname}" lists "${m.value}", which is not a component`, { span: m.span, hint: dym ? `did you mean "${dym}"?` : 'define it under [components] or remove it from the group', ...(g.chain.length ? { includeChain: g.chain } : {}) }));
      }
    }
  }

  // ---- components
  const names = new Set([...components.keys(), ...groupSpecLayers.keys()]);
  const sortedNames = [...names].sort(cmp);
  const dvLayers = defaultVersion ? (distros.get(defaultVersion.distro.name)?.versions.get(defaultVersion.version.name)?.dcc ?? []) : [];
  const overlayDocCache = new Map<string, Promise<Overlay[] | undefined>>();
  const resolved = new Map<string, ResolvedComponent>();
  const pending: Promise<void>[] = [];
  for (const name of sortedNames) {
    const own = components.get(name);
    const gs = groupSpecLayers.get(name);
    const compGroups = (memberOf.get(name) ?? []).slice().sort(cmp);
    const layers: ComponentLayer[] = [...dvLayers, ...projectDcc];
    if (gs) layers.push(gs.layer);
    for (const gname of compGroups) {
      const dcc = groups.get(gname)?.defaultComponentConfig;
      if (dcc) layers.push(dcc);
    }
    if (own) layers.push(own.layer);
    const definedAt = own?.span ?? gs!.span;
    const file = own?.layer.file ?? gs!.file;
    const build = buildComponent(name, definedAt, file, compGroups, layers, { defaultDistro, checkDistro, resolvedDistros, diags });
    if (!build) continue;
    if (build.overlayFiles) {
      pending.push(
        // azldev: patterns are relative to the component's own config file (or its spec, for
        // group-discovered specs), wherever in the inheritance chain they were set.
        expandOverlayFiles(fs, dir, { patterns: build.overlayFiles.value.patterns, dir: own ? path.dirname(own.layer.file) : path.dirname(gs!.layer.entries.get('spec.path')!.value as string) }, build.overlayFiles.span, overlayDocCache, diags).then((r) => {
          build.component.overlays = [...build.component.overlays, ...r.overlays];
          build.component.overlayFiles = r.files;
          checkArchivePairing(build.component, diags);
        }),
      );
    } else checkArchivePairing(build.component, diags);
    if (build.component.spec.type === 'local') {
      const spec = build.component.spec;
      const specSpan = build.component.origin('spec.path');
      pending.push(
        statFollowingLinks(fs, spec.path).then(async (st) => {
          // render copies a local component's directory, following links only inside the project
          const real = st && (await fs.stat(spec.path))?.isSymbolicLink ? await fs.realpath(spec.path).catch(() => spec.path) : spec.path;
          if (real !== spec.path && !real.startsWith((await fs.realpath(dir).catch(() => dir)) + path.sep)) diags.add(error('PATH_ESCAPES_PROJECT', `component "${name}": local spec ${spec.path} is a symbolic link to ${real}, outside the project`, { ...(specSpan ? { span: specSpan } : {}), hint: 'keep the spec (or the link target) inside the project directory' }));
          else if (st?.isDirectory) diags.add(error('SPEC_NOT_FOUND', `component "${name}": local spec ${spec.path} is a directory, not a spec file`, { ...(specSpan ? { span: specSpan } : {}), hint: `spec.path names the .spec file itself, e.g. "${path.basename(spec.path)}/${name}.spec"` }));
          else if (!st?.isFile) diags.add(error('SPEC_NOT_FOUND', `component "${name}": local spec ${spec.path} does not exist`, { ...(specSpan ? { span: specSpan } : {}), hint: 'fix spec.path (relative to the file that sets it)' }));
        }),
      );
    }
    resolved.set(name, build.component);
  }
  await Promise.all(pending);

  // ---- overlay sources must exist (azldev finds out only when it applies the overlay)
  const sourceChecks = new Map<string, Promise<boolean>>();
  const missing: Promise<void>[] = [];
  for (const c of resolved.values()) {
    for (const ov of c.overlays) {
      if (ov.type !== 'patch-add' && ov.type !== 'file-add') continue;
      let p = sourceChecks.get(ov.source);
      if (!p) {
        p = statFollowingLinks(fs, ov.source).then((st) => !!st?.isFile);
        sourceChecks.set(ov.source, p);
      }
      const span = ov.fieldSpans['source'] ?? ov.definedAt;
      missing.push(
        p.then((ok) => {
          if (!ok) diags.add(error('OVERLAY_SOURCE_NOT_FOUND', `${ov.type}: source file ${path.relative(dir, ov.source)} does not exist`, { span, hint: `the path is relative to ${path.relative(dir, ov.declaredIn) || ov.declaredIn}` }));
        }),
      );
    }
  }
  await Promise.all(missing);

  // ---- packages: one group per package
  const pkgOwner = new Map<string, { group: string; span: SourceSpan }>();
  for (const [gname, spans] of [...packageSpans].sort(byKey)) {
    for (const p of spans) {
      const prev = pkgOwner.get(p.value);
      if (prev && prev.group !== gname) diags.add(error('PACKAGE_IN_TWO_GROUPS', `package "${p.value}" is in package groups "${prev.group}" and "${gname}"`, { span: p.span, related: [{ message: `also listed in "${prev.group}"`, span: prev.span }], hint: 'a package may belong to only one package group' }));
      else if (!prev) pkgOwner.set(p.value, { group: gname, span: p.span });
    }
  }

  // ---- images
  const resolvedImages = new Map<string, ImageConfig>();
  for (const [name, im] of [...images].sort(byKey)) {
    const v = im.value as { description?: string; definition?: ImageConfig['definition']; capabilities?: Record<string, boolean>; testSuites?: { name: string; span: SourceSpan }[]; publishChannels?: string[] };
    for (const ts of v.testSuites ?? []) {
      if (!testSuites.has(ts.name)) {
        const dym = didYouMean(ts.name, testSuites.keys());
        diags.add(error('UNKNOWN_TEST_SUITE', `image "${name}" refers to unknown test suite "${ts.name}"`, { span: ts.span, hint: dym ? `did you mean "${dym}"?` : 'define it under [test-suites]' }));
      }
    }
    resolvedImages.set(name, {
      name,
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.definition ? { definition: v.definition } : {}),
      capabilities: v.capabilities ?? {},
      testSuites: (v.testSuites ?? []).map((t) => t.name),
      publishChannels: v.publishChannels ?? [],
      definedAt: im.span,
    });
  }

  // ---- resources
  for (const [name, s] of sets) {
    if (s.template && !templates.has(s.template)) {
      const dym = didYouMean(s.template, templates.keys());
      diags.add(error('UNKNOWN_REPO_TEMPLATE', `repo set "${name}" uses unknown template "${s.template}"`, { span: templateSpans.get(name) ?? s.definedAt, hint: dym ? `did you mean "${dym}"?` : 'define it under [resources.rpm-repo-set-templates]' }));
    }
  }
  // repo sets expand to `<name-prefix><subrepo>`; the expanded names may not collide
  const repoNames = new Map<string, string>([...rpmRepos.keys()].map((n) => [n, `repo "${n}"`]));
  for (const [name, s] of [...sets].sort(byKey)) {
    const t = s.template ? templates.get(s.template) : undefined;
    if (!t) continue;
    const known = new Set(t.subrepos.map((x) => x.name));
    for (const sub of s.subrepos) {
      if (!known.has(sub)) diags.add(error('CONFIG_VALUE', `repo set "${name}": template "${t.name}" has no subrepo "${sub}"`, { span: s.definedAt, hint: `known: ${[...known].join(', ')}` }));
    }
    for (const sub of t.subrepos) {
      if (s.subrepos.length && !s.subrepos.includes(sub.name)) continue;
      const full = `${s.namePrefix ?? ''}${sub.name}`;
      const prev = repoNames.get(full);
      if (prev) diags.add(error('REPO_NAME_COLLISION', `repo set "${name}" expands to repo "${full}", which ${prev} already names`, { span: s.definedAt, hint: 'give the set a distinct name-prefix' }));
      else repoNames.set(full, `repo set "${name}"`);
    }
  }
  for (const d of resolvedDistros.values()) {
    for (const v of d.versions.values()) {
      for (const [use, list] of Object.entries(v.inputs)) {
        for (const e of list) {
          if (e.repo && !rpmRepos.has(e.repo)) diags.add(error('UNKNOWN_REPO', `distro ${d.name} ${v.name} inputs.${use}: unknown repo "${e.repo}"`, { span: v.definedAt, hint: 'define it under [resources.rpm-repos]' }));
          if (e.set && !sets.has(e.set)) diags.add(error('UNKNOWN_REPO', `distro ${d.name} ${v.name} inputs.${use}: unknown repo set "${e.set}"`, { span: v.definedAt, hint: 'define it under [resources.rpm-repo-sets]' }));
          if (use === 'rpm-build' && e.repo) {
            const gk = rpmRepos.get(e.repo)?.gpgKey;
            if (gk && !/^[a-z][a-z0-9+.-]*:\/\//i.test(gk)) diags.add(error('CONFIG_VALUE', `distro ${d.name} ${v.name}: rpm-build input repo "${e.repo}" may not use a local gpg-key`, { span: v.definedAt, hint: 'mock cannot see local key files; use a URL' }));
          }
        }
      }
    }
  }

  let signingConfig: SigningConfig | undefined;
  if (signing) {
    const { span, origins, ...rest } = signing;
    signingConfig = { ...rest, definedAt: span!, origins: new Map(Object.entries(origins ?? {}).sort(byKey)) };
  }

  return {
    dir,
    rootFile,
    files,
    project: projectInfo,
    ...(defaultDistro ? { defaultDistro } : {}),
    distros: resolvedDistros,
    components: resolved,
    componentGroups: resolvedGroups,
    packageGroups: new Map([...packageGroups].sort(byKey)),
    defaultPackageConfig: { publish: dpc },
    images: resolvedImages,
    testSuites: new Map([...testSuites].sort(byKey)),
    tools: { imageCustomizer: { containerTag: containerTag ?? PROJECT_DEFAULTS.imageCustomizerContainerTag } },
    resources: { rpmRepos: new Map([...rpmRepos].sort(byKey)), rpmRepoSetTemplates: new Map([...templates].sort(byKey)), rpmRepoSets: new Map([...sets].sort(byKey)) },
    ...(signingConfig ? { signing: signingConfig } : {}),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function byKey<T>(a: [string, T], b: [string, T]): number {
  return cmp(a[0], b[0]);
}

function mergeDistro(distros: Map<string, MergedDistro>, name: string, d: DistroPart): void {
  let m = distros.get(name);
  if (!m) {
    m = { span: d.span, fields: {}, versions: new Map() };
    distros.set(name, m);
  }
  Object.assign(m.fields, d.fields);
  if (d.repos) m.repos = d.repos; // slices are replaced (azldev)
  for (const [vname, v] of d.versions) {
    let mv = m.versions.get(vname);
    if (!mv) {
      mv = { span: v.span, fields: {}, dcc: [] };
      m.versions.set(vname, mv);
    }
    Object.assign(mv.fields, v.fields);
    if (v.inputs) mv.inputs = v.inputs;
    if (v.defaultComponentConfig) mv.dcc.push(v.defaultComponentConfig);
  }
}

// ---------------------------------------------------------------------------------------------

interface MutableComponent extends ResolvedComponent {
  overlays: Overlay[];
  overlayFiles: string[];
}

interface BuildEnv {
  readonly defaultDistro: DistroRef | undefined;
  readonly checkDistro: (name: string, version: string | undefined, nameSpan: SourceSpan | undefined, versionSpan: SourceSpan | undefined) => { distro: Distro; version: DistroVersion } | undefined;
  readonly resolvedDistros: ReadonlyMap<string, Distro>;
  readonly diags: Collector;
}

function buildComponent(
  name: string,
  definedAt: SourceSpan,
  file: string,
  groups: readonly string[],
  layers: readonly ComponentLayer[],
  env: BuildEnv,
): { component: MutableComponent; overlayFiles?: { value: OverlayFilesValue; span: SourceSpan } } | undefined {
  const { values, origins } = mergeLayers(layers);
  const { diags } = env;
  for (const x of values.values()) if (x === INVALID) return undefined; // already reported
  const v = <T>(k: string) => values.get(k) as T | undefined;
  const o = (k: string) => origins.get(k);
  const at = (k: string) => ({ span: o(k) ?? definedAt });

  let ok = true;
  const rawType = v<string>('spec.type');
  const type = rawType === 'local' ? 'local' : rawType === 'upstream' ? 'upstream' : v<string>('spec.path') !== undefined ? 'local' : 'upstream';
  let spec: SpecSource | undefined;
  if (type === 'local') {
    const p = v<string>('spec.path');
    for (const k of ['spec.upstream-name', 'spec.upstream-commit']) {
      if (values.has(k)) {
        diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": \`${k.slice(5)}\` only applies to upstream specs, but the spec is local`, { ...at(k), hint: `remove ${k.slice(5)}, or set spec.type = "upstream"` }));
        ok = false;
      }
    }
    if (p === undefined) {
      diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": a local spec needs \`path\``, { ...at('spec.type'), hint: 'add spec.path = "NAME.spec" (relative to this file)' }));
      ok = false;
    } else spec = { type: 'local', path: p, dir: path.dirname(p) };
  } else {
    if (values.has('spec.path')) {
      diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": \`path\` only applies to local specs, but the spec is upstream`, { ...at('spec.path'), hint: 'remove path, or set spec.type = "local"' }));
      ok = false;
    }
    const dname = v<string>('spec.upstream-distro.name') ?? env.defaultDistro?.name;
    if (dname === undefined) {
      diags.add(error('NO_DISTRO', `component "${name}": no upstream distro (no spec.upstream-distro and no project default-distro)`, { span: definedAt, hint: 'set [project] default-distro = { name = "…" } or spec.upstream-distro' }));
      ok = false;
    } else {
      const explicitName = values.has('spec.upstream-distro.name');
      const dversion = v<string>('spec.upstream-distro.version') ?? (explicitName ? undefined : env.defaultDistro?.version);
      const r = env.checkDistro(dname, dversion, o('spec.upstream-distro.name') ?? definedAt, o('spec.upstream-distro.version'));
      if (!r) ok = false;
      else {
        const upstreamName = v<string>('spec.upstream-name') ?? name;
        const snapshot = v<string>('spec.upstream-distro.snapshot') || (explicitName ? undefined : env.defaultDistro?.snapshot);
        const commit = v<string>('spec.upstream-commit');
        spec = {
          type: 'upstream',
          upstreamName,
          ...(commit ? { upstreamCommit: commit } : {}),
          upstreamDistro: { name: r.distro.name, version: r.version.name, ...(snapshot ? { snapshot } : {}) },
          ...(r.distro.distGitBaseUri ? { distGitUri: r.distro.distGitBaseUri.replaceAll('$pkg', upstreamName) } : {}),
          ...(r.version.distGitBranch ? { branch: r.version.distGitBranch } : {}),
          ...(r.distro.lookasideBaseUri ? { lookasideBaseUri: r.distro.lookasideBaseUri } : {}),
          releaseVer: r.version.releaseVer,
        };
      }
    }
  }

  const skip = v<boolean>('build.check.skip') ?? false;
  const skipReason = v<string>('build.check.skip_reason');
  if (skip && !skipReason) {
    diags.add(error('CHECK_SKIP_REASON', `component "${name}": build.check.skip = true needs \`skip_reason\``, { ...at('build.check.skip'), hint: 'add skip_reason = "why the tests cannot run"' }));
    ok = false;
  }
  const expected = v<boolean>('build.failure.expected') ?? false;
  const expectedReason = v<string>('build.failure.expected-reason');
  if (expected && !expectedReason) {
    diags.add(error('FAILURE_REASON', `component "${name}": build.failure.expected = true needs \`expected-reason\``, { ...at('build.failure.expected'), hint: 'add expected-reason = "…"' }));
    ok = false;
  }
  if (!ok || !spec) return undefined;

  const defines: Record<string, string> = {};
  const packages: Record<string, { publish: Record<string, string> }> = {};
  for (const [k, val] of values) {
    if (k.startsWith('build.defines.')) defines[k.slice(14)] = val as string;
    else if (k.startsWith('packages.')) {
      const m = /^packages\.(.+)\.publish\.([a-z-]+)$/.exec(k);
      if (m) {
        const field = m[2] === 'rpm-channel' ? 'rpmChannel' : m[2] === 'debuginfo-channel' ? 'debuginfoChannel' : 'channel';
        (packages[m[1]!] ??= { publish: {} }).publish[field] = val as string;
      }
    }
  }
  const sortedOrigins = new Map([...origins].sort(byKey));
  const component: MutableComponent = {
    name,
    definedAt,
    file,
    groups,
    spec,
    overlays: v<Overlay[]>('overlays') ?? [],
    overlayFiles: [],
    build: {
      with: v<string[]>('build.with') ?? [],
      without: v<string[]>('build.without') ?? [],
      defines: sortObject(defines),
      undefines: v<string[]>('build.undefines') ?? [],
      emitUpstreamProvenance: v<boolean>('build.emit-upstream-provenance') ?? false,
      check: { skip, ...(skipReason ? { skipReason } : {}) },
      failure: { expected, ...(expectedReason ? { expectedReason } : {}) },
      hints: { expensive: v<boolean>('build.hints.expensive') ?? false },
    },
    release: { calculation: v<ReleaseCalculation>('release.calculation') ?? 'auto' },
    render: { skipFileFilter: v<boolean>('render.skip-file-filter') ?? false },
    sourceFiles: v<SourceFileRef[]>('source-files') ?? [],
    publish: {
      ...(v<string>('publish.rpm-channel') !== undefined ? { rpmChannel: v<string>('publish.rpm-channel')! } : {}),
      ...(v<string>('publish.srpm-channel') !== undefined ? { srpmChannel: v<string>('publish.srpm-channel')! } : {}),
      ...(v<string>('publish.debuginfo-channel') !== undefined ? { debuginfoChannel: v<string>('publish.debuginfo-channel')! } : {}),
    },
    packages: sortObject(packages) as Record<string, PackageConfig>,
    origins: sortedOrigins,
    origin(field: string): SourceSpan | undefined {
      const exact = sortedOrigins.get(field);
      if (exact) return exact;
      for (const [k, s] of sortedOrigins) if (k.startsWith(field + '.')) return s;
      return undefined;
    },
  };
  const of = v<OverlayFilesValue>('overlay-files');
  return { component, ...(of && of.patterns.length ? { overlayFiles: { value: of, span: o('overlay-files')! } } : {}) };
}

function sortObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(byKey));
}

/** Archive overlays and `origin.type = "overlay"` source files must pair up. */
function checkArchivePairing(c: ResolvedComponent, diags: Collector): void {
  const archives = new Map<string, Overlay>();
  for (const ov of c.overlays) if ((ov.type === 'file-search-replace' || ov.type === 'file-remove') && ov.archive && !archives.has(ov.archive)) archives.set(ov.archive, ov);
  const overlayOrigins = new Map(c.sourceFiles.filter((s) => s.origin?.type === 'overlay').map((s) => [s.filename, s]));
  for (const [a, ov] of archives) {
    if (!overlayOrigins.has(a)) diags.add(error('ARCHIVE_OVERLAY_UNPAIRED', `component "${c.name}": overlay edits archive "${a}" but no source-files entry with origin.type = "overlay" names it`, { span: ov.definedAt, hint: `add [[components.${c.name}.source-files]] filename = "${a}", origin = { type = "overlay" }, replace-upstream = true, replace-reason = "…"` }));
  }
  for (const [f, s] of overlayOrigins) {
    if (!archives.has(f)) diags.add(error('ARCHIVE_OVERLAY_UNPAIRED', `component "${c.name}": source file "${f}" has origin "overlay" but no archive overlay edits it`, { span: s.definedAt, hint: 'remove the entry or add the archive overlay that produces it' }));
  }
}

/** Expand `overlay-files` patterns in azldev's order and load each document. */
async function expandOverlayFiles(
  fs: FileSystem,
  projectDir: string,
  value: OverlayFilesValue,
  span: SourceSpan,
  cache: Map<string, Promise<Overlay[] | undefined>>,
  diags: Collector,
): Promise<{ overlays: Overlay[]; files: string[] }> {
  const files: string[] = [];
  const seen = new Set<string>();
  for (const pattern of value.patterns) {
    if (path.isAbsolute(pattern) || pattern.split(/[\\/]/).includes('..')) {
      const abs = path.resolve(value.dir, pattern);
      if (path.isAbsolute(pattern) || !isInside(projectDir, abs)) {
        diags.add(error('PATH_ESCAPES_PROJECT', `overlay-files pattern "${pattern}" points outside the project`, { span, hint: 'write overlay-files relative to the component config' }));
        continue;
      }
    }
    let matches: string[];
    if (!hasGlobChars(pattern)) {
      const abs = path.resolve(value.dir, pattern);
      if (!(await statFollowingLinks(fs, abs))?.isFile) {
        diags.add(error('OVERLAY_FILES_NO_MATCH', `overlay file "${pattern}" does not exist (${abs})`, { span, hint: 'fix the path (relative to the component config), or use a glob if it is optional' }));
        continue;
      }
      matches = [abs];
    } else {
      matches = (await fs.glob([pattern], value.dir)).filter((m) => isInside(projectDir, m));
      matches.sort((a, b) => cmp(path.basename(a), path.basename(b)) || cmp(a, b));
    }
    for (const m of matches) {
      if (seen.has(m)) continue;
      seen.add(m);
      files.push(m);
    }
  }
  const overlays: Overlay[] = [];
  for (const f of files) {
    let p = cache.get(f);
    if (!p) {
      p = loadOverlayDoc(fs, projectDir, f, span, diags);
      cache.set(f, p);
    }
    const list = await p;
    if (list) overlays.push(...list);
  }
  return { overlays, files };
}

/** One overlay-files document: `[metadata]` + one or more `[[overlays]]`. */
async function loadOverlayDoc(fs: FileSystem, projectDir: string, file: string, from: SourceSpan, diags: Collector): Promise<Overlay[] | undefined> {
  let text: string;
  try {
    text = await fs.readText(file);
  } catch (e) {
    diags.add(error('CONFIG_READ', `cannot read overlay file ${file}: ${e instanceof Error ? e.message : String(e)}`, { span: from, hint: 'check that the file exists and is readable (permissions of the file and its directories)' }));
    return undefined;
  }
  if (text.trim() === '' || /^\s*(#[^\n]*\n?\s*)*$/.test(text)) {
    diags.add(error('OVERLAY_FILE_EMPTY', `overlay file ${path.relative(projectDir, file)} is empty`, { span: { file, line: 1, col: 1 }, hint: 'add a [metadata] table and at least one [[overlays]] entry, or delete the file', includeChain: [from] }));
    return undefined;
  }
  const doc = parseTomlDoc(file, text, [from]);
  if (!(doc instanceof TomlDoc)) {
    diags.add(doc);
    return undefined;
  }
  const root = new TableReader(doc, [], doc.value, diags);
  root.string('$schema');
  const mt = root.table('metadata');
  const metadata = mt ? parseOverlayMetadata(mt) : undefined;
  const list = root.tableArray('overlays');
  root.finish();
  if (!mt && root.value['metadata'] === undefined) {
    diags.add(error('OVERLAY_FILE_NO_METADATA', `overlay file ${path.relative(projectDir, file)} has no [metadata] table`, { span: { file, line: 1, col: 1 }, hint: 'add [metadata] with category and upstream-status', includeChain: [from] }));
  }
  if (!list || list.length === 0) {
    if (root.value['overlays'] === undefined || (Array.isArray(root.value['overlays']) && root.value['overlays'].length === 0)) {
      diags.add(error('OVERLAY_FILE_NO_OVERLAYS', `overlay file ${path.relative(projectDir, file)} has no [[overlays]]`, { span: { file, line: 1, col: 1 }, hint: 'add at least one [[overlays]] entry', includeChain: [from] }));
    }
    return undefined;
  }
  const out: Overlay[] = [];
  for (const t of list) {
    const ov = parseOverlay(t, { projectDir, overlayFile: file, ...(metadata ? { fileMetadata: metadata } : {}), allowInlineMetadata: false });
    if (ov) out.push(ov);
  }
  return out;
}

export type { ReadSink };
