/**
 * Step 3 of loading a project: merge the per-file models, in load order, into one raw model.
 * `project`, `distros` (field by field; `repos` replaced), `tools`, `signing` and
 * `default-package-config` override; components, groups, images, package groups and test suites
 * must be unique (a duplicate is an error naming both places); `resources.*` by key.
 */
import { error, type SourceSpan } from '../diag/index.js';
import type { Collector } from './collector.js';
import type { ComponentLayer } from './component-config.js';
import type { ComponentPart, ConfigFileModel, DistroFields, DistroPart, DistroVersionFields, GroupPart, ImagePart, NamedPart, ProjectPart, Spanned } from './config-file.js';
import { byKey } from './order.js';
import type { DistroVersion, PackageGroup, PackagePublish, RpmRepo, RpmRepoSet, RpmRepoSetTemplate, SigningConfig, AttestationConfig, CveFeedConfig, TestSuiteConfig } from './types.js';

export interface MergedDistroVersion {
  readonly span: SourceSpan;
  fields: DistroVersionFields;
  inputs?: DistroVersion['inputs'];
  /** Every file's `default-component-config` of this version, in load order. */
  readonly defaultComponentConfigs: ComponentLayer[];
}

export interface MergedDistro {
  readonly span: SourceSpan;
  fields: DistroFields;
  repos?: readonly { baseUri: string }[];
  readonly versions: Map<string, MergedDistroVersion>;
}

export interface MergedGroup extends GroupPart {
  /** The include chain of the file that defines the group. */
  readonly chain: readonly SourceSpan[];
}

/** The whole project as written, before inheritance and cross-checks. */
export interface MergedConfig {
  readonly project: ProjectPart;
  readonly distros: ReadonlyMap<string, MergedDistro>;
  readonly groups: ReadonlyMap<string, MergedGroup>;
  readonly components: ReadonlyMap<string, ComponentPart>;
  /** Every top-level `default-component-config`, in load order. */
  readonly projectDefaults: readonly ComponentLayer[];
  readonly defaultPackagePublish: PackagePublish;
  readonly packageGroups: ReadonlyMap<string, PackageGroup>;
  /** The package names of each package group, with their positions. */
  readonly packageMembers: ReadonlyMap<string, readonly Spanned<string>[]>;
  readonly images: ReadonlyMap<string, NamedPart<ImagePart>>;
  readonly testSuites: ReadonlyMap<string, TestSuiteConfig>;
  readonly containerTag?: string;
  readonly rpmRepos: ReadonlyMap<string, RpmRepo>;
  readonly rpmRepoSetTemplates: ReadonlyMap<string, RpmRepoSetTemplate>;
  readonly rpmRepoSets: ReadonlyMap<string, RpmRepoSet>;
  /** Where each repo set names its template. */
  readonly templateSpans: ReadonlyMap<string, SourceSpan>;
  readonly signing?: SigningConfig;
  readonly attestation?: AttestationConfig;
  /** `[[cve.feeds]]` of all files, in load order. */
  readonly cveFeeds: readonly CveFeedConfig[];
}

type AttestationPart = NonNullable<ConfigFileModel['attestation']>['value'];
type SigningPart = NonNullable<ConfigFileModel['signing']>['value'];

/** Merge the files' models in load order; duplicates are reported to `diags`. */
export function mergeConfigFiles(models: readonly ConfigFileModel[], diags: Collector): MergedConfig {
  let project: ProjectPart = {};
  const distros = new Map<string, MergedDistro>();
  const groups = new Map<string, MergedGroup>();
  const components = new Map<string, ComponentPart>();
  const projectDefaults: ComponentLayer[] = [];
  let defaultPackagePublish: PackagePublish = {};
  const packageGroups = new Map<string, PackageGroup>();
  const packageMembers = new Map<string, Spanned<string>[]>();
  const images = new Map<string, NamedPart<ImagePart>>();
  const testSuites = new Map<string, TestSuiteConfig>();
  let containerTag: string | undefined;
  const rpmRepos = new Map<string, RpmRepo>();
  const templates = new Map<string, RpmRepoSetTemplate>();
  const sets = new Map<string, RpmRepoSet>();
  const templateSpans = new Map<string, SourceSpan>();
  let signing: { value: SigningPart; span: SourceSpan } | undefined;
  let attestation: { value: AttestationPart; span: SourceSpan } | undefined;
  const cveFeeds: CveFeedConfig[] = [];

  for (const m of models) {
    const chain = m.doc.includeChain;
    if (m.project) project = { ...project, ...m.project };
    for (const [name, d] of m.distros) mergeDistro(distros, name, d);
    for (const [name, g] of m.componentGroups) {
      const prev = groups.get(name);
      if (prev) reportDuplicate(diags, 'component group', name, g.span, prev.span, chain);
      else groups.set(name, { ...g, chain });
    }
    for (const [name, c] of m.components) {
      // a component name becomes a file name (locks/NAME.lock, specs/N/NAME/): it must stay one
      if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
        diags.add(error('COMPONENT_BAD_NAME', `component name ${JSON.stringify(name)} cannot be used as a file name`, { span: c.span, hint: 'name components like packages: letters, digits and ._+- (no "/" or "..")', ...(chain.length ? { includeChain: chain } : {}) }));
        continue;
      }
      const prev = components.get(name);
      if (prev) reportDuplicate(diags, 'component', name, c.span, prev.span, chain);
      else components.set(name, c);
    }
    if (m.defaultComponentConfig) projectDefaults.push(m.defaultComponentConfig);
    if (m.defaultPackageConfig) defaultPackagePublish = { ...defaultPackagePublish, ...m.defaultPackageConfig.value };
    for (const [name, g] of m.packageGroups) {
      const prev = packageGroups.get(name);
      if (prev) reportDuplicate(diags, 'package group', name, g.span, prev.definedAt, chain);
      else {
        packageGroups.set(name, { name, ...(g.value.description !== undefined ? { description: g.value.description } : {}), packages: g.value.packages.map((p) => p.value), defaultPackageConfig: { publish: g.value.publish }, definedAt: g.span });
        packageMembers.set(name, g.value.packages);
      }
    }
    for (const [name, im] of m.images) {
      const prev = images.get(name);
      if (prev) reportDuplicate(diags, 'image', name, im.span, prev.span, chain);
      else images.set(name, im);
    }
    for (const [name, ts] of m.testSuites) {
      const prev = testSuites.get(name);
      if (prev) reportDuplicate(diags, 'test suite', name, ts.span, prev.definedAt, chain);
      else testSuites.set(name, { name, ...ts.value, definedAt: ts.span });
    }
    if (m.tools?.imageCustomizerContainerTag) containerTag = m.tools.imageCustomizerContainerTag.value;
    for (const [name, r] of m.resources.rpmRepos) rpmRepos.set(name, { name, ...r.value, definedAt: r.span });
    for (const [name, r] of m.resources.rpmRepoSetTemplates) templates.set(name, { name, ...r.value, definedAt: r.span });
    for (const [name, r] of m.resources.rpmRepoSets) {
      sets.set(name, { name, ...r.value, definedAt: r.span });
      if (r.templateSpan) templateSpans.set(name, r.templateSpan);
    }
    if (m.attestation) {
      // field by field; a later trusted-keys replaces the earlier list (and its element origins)
      const prev = attestation?.value;
      const keep = m.attestation.value.trustedKeys ? Object.fromEntries(Object.entries(prev?.origins ?? {}).filter(([k]) => !k.startsWith('trusted-keys'))) : (prev?.origins ?? {});
      attestation = { value: { ...prev, ...m.attestation.value, origins: { ...keep, ...m.attestation.value.origins } }, span: m.attestation.span };
    }
    cveFeeds.push(...m.cveFeeds);
    if (m.signing) signing = { value: { ...signing?.value, ...m.signing.value, origins: { ...signing?.value.origins, ...m.signing.value.origins } }, span: m.signing.span };
  }

  let signingConfig: SigningConfig | undefined;
  if (signing) {
    const { origins, ...rest } = signing.value;
    signingConfig = { ...rest, definedAt: signing.span, origins: new Map(Object.entries(origins).sort(byKey)) };
  }

  let attestationConfig: AttestationConfig | undefined;
  if (attestation) {
    const { origins, trustedKeys, ...rest } = attestation.value;
    attestationConfig = { ...rest, trustedKeys: trustedKeys ?? [], definedAt: attestation.span, origins: new Map(Object.entries(origins).sort(byKey)) };
  }

  return {
    project,
    distros,
    groups,
    components,
    projectDefaults,
    defaultPackagePublish,
    packageGroups,
    packageMembers,
    images,
    testSuites,
    ...(containerTag !== undefined ? { containerTag } : {}),
    rpmRepos,
    rpmRepoSetTemplates: templates,
    rpmRepoSets: sets,
    templateSpans,
    cveFeeds,
    ...(signingConfig ? { signing: signingConfig } : {}),
    ...(attestationConfig ? { attestation: attestationConfig } : {}),
  };
}

function reportDuplicate(diags: Collector, what: string, name: string, here: SourceSpan, first: SourceSpan, chain: readonly SourceSpan[]): void {
  diags.add(
    error(what === 'component' ? 'COMPONENT_DUPLICATE' : 'DUPLICATE_DEFINITION', `${what} "${name}" is defined twice`, {
      span: here,
      related: [{ message: 'first defined here', span: first }],
      hint: `keep one definition of ${what} "${name}"`,
      ...(chain.length ? { includeChain: chain } : {}),
    }),
  );
}

function mergeDistro(distros: Map<string, MergedDistro>, name: string, d: DistroPart): void {
  let m = distros.get(name);
  if (!m) {
    m = { span: d.span, fields: {}, versions: new Map() };
    distros.set(name, m);
  }
  m.fields = { ...m.fields, ...d.fields };
  if (d.repos) m.repos = d.repos; // slices are replaced (azldev)
  for (const [vname, v] of d.versions) {
    let mv = m.versions.get(vname);
    if (!mv) {
      mv = { span: v.span, fields: {}, defaultComponentConfigs: [] };
      m.versions.set(vname, mv);
    }
    mv.fields = { ...mv.fields, ...v.fields };
    if (v.inputs) mv.inputs = v.inputs;
    if (v.defaultComponentConfig) mv.defaultComponentConfigs.push(v.defaultComponentConfig);
  }
}
