/**
 * One azldev/Strata config file → a validated, per-file model. Nothing is merged here; every
 * value keeps the span it was read from so that the merge can say where things came from.
 */
import * as path from 'node:path';
import type { SourceSpan } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import { parseComponentLayer, type ComponentLayer, isSafeChannel } from './component-config.js';
import { parseOverlayMetadata, resolveInside } from './overlay.js';
import { TableReader, type ReadSink, type TomlDoc } from './toml-read.js';
import type { CveFeedConfig, ExtensionReleaseConfig, ImageConfig, ImageLayerConfig, OverlayMetadata, PackagePublish, RpmRepo, RpmRepoSet, RpmRepoSetTemplate, TestSuiteConfig } from './types.js';

/** A value and where it was written. */
export interface Spanned<T> {
  readonly value: T;
  readonly span: SourceSpan;
}

export interface ProjectPart {
  readonly description?: Spanned<string>;
  readonly logDir?: Spanned<string>;
  readonly workDir?: Spanned<string>;
  readonly outputDir?: Spanned<string>;
  readonly renderedSpecsDir?: Spanned<string>;
  readonly lockDir?: Spanned<string>;
  readonly defaultAuthorEmail?: Spanned<string>;
  readonly defaultDistro?: Spanned<{ name?: string; version?: string; snapshot?: string }>;
}

/** The string fields of a distro version, by TOML key. */
export type DistroVersionFields = Partial<Record<'description' | 'release-ver' | 'dist-git-branch' | 'mock-config' | 'mock-config-x86_64' | 'mock-config-aarch64', Spanned<string>>>;

export interface DistroVersionPart {
  readonly span: SourceSpan;
  readonly fields: DistroVersionFields;
  readonly inputs?: Record<string, { repo?: string; set?: string }[]>;
  readonly defaultComponentConfig?: ComponentLayer;
}

/** The fields of a distro, by TOML key. */
export interface DistroFields {
  readonly description?: Spanned<string>;
  readonly 'default-version'?: Spanned<string>;
  readonly 'dist-git-base-uri'?: Spanned<string>;
  readonly 'lookaside-base-uri'?: Spanned<string>;
  readonly 'disable-origins'?: Spanned<boolean>;
}

export interface DistroPart {
  readonly span: SourceSpan;
  readonly fields: DistroFields;
  readonly repos?: { baseUri: string }[];
  readonly versions: [string, DistroVersionPart][];
}

export interface GroupPart {
  readonly span: SourceSpan;
  readonly description?: string;
  readonly members: Spanned<string>[];
  readonly specs: string[];
  readonly excludedPaths: string[];
  readonly dir: string;
  readonly metadata?: OverlayMetadata;
  readonly defaultComponentConfig?: ComponentLayer;
}

export interface ComponentPart {
  readonly span: SourceSpan;
  readonly layer: ComponentLayer;
}

export interface NamedPart<T> {
  readonly span: SourceSpan;
  readonly value: T;
}

export interface ImagePart {
  readonly description?: string;
  readonly definition?: ImageConfig['definition'];
  readonly capabilities?: Record<string, boolean>;
  readonly testSuites?: Spanned<string>[];
  readonly publishChannels?: string[];
  readonly layers?: ImageLayerConfig[];
}

/** A resource or test suite as written: the resolved type without its name and position. */
export type Unnamed<T> = Omit<T, 'name' | 'definedAt'>;

export interface ConfigFileModel {
  readonly doc: TomlDoc;
  readonly includes: Spanned<string>[];
  readonly project?: ProjectPart;
  readonly distros: [string, DistroPart][];
  readonly componentGroups: [string, GroupPart][];
  readonly components: [string, ComponentPart][];
  readonly defaultComponentConfig?: ComponentLayer;
  readonly defaultPackageConfig?: Spanned<PackagePublish>;
  readonly packageGroups: [string, NamedPart<{ description?: string; packages: Spanned<string>[]; publish: PackagePublish }>][];
  readonly images: [string, NamedPart<ImagePart>][];
  readonly testSuites: [string, NamedPart<Unnamed<TestSuiteConfig>>][];
  readonly tools?: { imageCustomizerContainerTag?: Spanned<string> };
  readonly resources: {
    rpmRepos: [string, NamedPart<Unnamed<RpmRepo>>][];
    rpmRepoSetTemplates: [string, NamedPart<Unnamed<RpmRepoSetTemplate>>][];
    rpmRepoSets: [string, NamedPart<Unnamed<RpmRepoSet>> & { templateSpan?: SourceSpan }][];
  };
  readonly signing?: NamedPart<{ keyFile?: string; publicKeyFile?: string; keyId?: string; gpgHome?: string; origins: Record<string, SourceSpan> }>;
  /** `[attestation]`: origins by TOML key (`key-file`, `public-key-file`, `trusted-keys`, `trusted-keys[N]`). */
  readonly attestation?: NamedPart<{ keyFile?: string; publicKeyFile?: string; trustedKeys?: string[]; origins: Record<string, SourceSpan> }>;
  /** `[[cve.feeds]]` (Strata extension). */
  readonly cveFeeds: CveFeedConfig[];
}

const REPO_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const SAFE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** The TOML keys of `extension-release`, by field. */
const EXTENSION_RELEASE_KEYS = [
  ['id', 'id'],
  ['versionId', 'version-id'],
  ['sysextLevel', 'sysext-level'],
  ['architecture', 'architecture'],
] as const;

/** Strata extension: one `[[images.NAME.layers]]` table (the checks across layers are in resolve-images.ts). */
function parseImageLayer(l: TableReader): ImageLayerConfig {
  const name = l.string('name', { required: true }) ?? '';
  if (name && !SAFE_NAME_RE.test(name)) l.report('CONFIG_VALUE', `layer name "${name}" must be a safe file name (it names the layer's artefacts)`, l.valueSpan('name'), 'use letters, digits, ".", "_", "+", "-"');
  const names = (key: string) => (l.stringArray(key) ?? []).map((v, i) => ({ value: v, span: l.doc.valueSpan([...l.path, key, i]) }));
  const packages = names('packages');
  const groups = names('groups');
  const definitionPackages = l.boolean('definition-packages');
  const kind = l.oneOf('kind', ['base', 'extension']);
  const er = l.table('extension-release');
  let extensionRelease: ExtensionReleaseConfig | undefined;
  if (er) {
    const fields: { -readonly [K in keyof ExtensionReleaseConfig]?: ExtensionReleaseConfig[K] } = {};
    for (const [field, key] of EXTENSION_RELEASE_KEYS) {
      const v = er.string(key);
      if (v === undefined) continue;
      // extension-release is a shell-style KEY=VALUE file: keep values to what systemd's matching accepts
      if (!/^[A-Za-z0-9_.~+-]+$/.test(v)) er.report('CONFIG_VALUE', `\`${er.where}.${key}\`: "${v}" is not a valid extension-release value`, er.valueSpan(key), 'use letters, digits, ".", "_", "-", "~", "+"');
      else fields[field] = v;
    }
    er.finish();
    extensionRelease = { ...fields, definedAt: er.span() } as ExtensionReleaseConfig;
  }
  l.finish();
  return {
    name,
    nameSpan: l.valueSpan('name'),
    packages,
    groups,
    ...(kind ? { kind, kindSpan: l.valueSpan('kind') } : {}),
    ...(definitionPackages !== undefined ? { definitionPackages, definitionPackagesSpan: l.valueSpan('definition-packages') } : {}),
    ...(extensionRelease ? { extensionRelease } : {}),
    definedAt: l.span(),
  };
}

function sp<T>(t: TableReader, key: string, v: T | undefined): Spanned<T> | undefined {
  return v === undefined ? undefined : { value: v, span: t.valueSpan(key) };
}

function parsePackagePublish(t: TableReader | undefined): PackagePublish {
  if (!t) return {};
  const out: { rpmChannel?: string; debuginfoChannel?: string; channel?: string } = {};
  for (const [k, f] of [['rpm-channel', 'rpmChannel'], ['debuginfo-channel', 'debuginfoChannel'], ['channel', 'channel']] as const) {
    const v = t.string(k);
    if (v === undefined) continue;
    if (!isSafeChannel(v)) t.report('CONFIG_VALUE', `\`${t.where}.${k}\`: channel "${v}" may not be "." or ".." or contain a slash`, t.valueSpan(k), 'a channel is a single directory name (or "none")');
    else out[f] = v;
  }
  t.finish();
  return out;
}

/** Parse a loaded TOML document as an azldev config file. */
export function parseConfigFile(doc: TomlDoc, projectDir: string, sink: ReadSink): ConfigFileModel {
  const root = new TableReader(doc, [], doc.value, sink);
  root.string('$schema');

  const includes: Spanned<string>[] = [];
  const inc = root.stringArray('includes');
  if (inc) inc.forEach((p, i) => includes.push({ value: p, span: doc.valueSpan(['includes', i]) }));

  // [project]
  let project: ProjectPart | undefined;
  const pt = root.table('project');
  if (pt) {
    const dirField = (key: string): Spanned<string> | undefined => {
      const v = pt.string(key);
      if (v === undefined || v === '') return undefined;
      const abs = resolveInside(pt, key, v, doc.dir, projectDir);
      return abs === undefined ? undefined : { value: abs, span: pt.valueSpan(key) };
    };
    let defaultDistro: ProjectPart['defaultDistro'];
    const dd = pt.table('default-distro');
    if (dd) {
      const name = dd.string('name', { required: true });
      const version = dd.string('version');
      const snapshot = dd.string('snapshot');
      dd.finish();
      defaultDistro = { value: { ...(name ? { name } : {}), ...(version ? { version } : {}), ...(snapshot ? { snapshot } : {}) }, span: pt.valueSpan('default-distro') };
    }
    const description = sp(pt, 'description', pt.string('description'));
    const defaultAuthorEmail = sp(pt, 'default-author-email', pt.string('default-author-email'));
    const logDir = dirField('log-dir');
    const workDir = dirField('work-dir');
    const outputDir = dirField('output-dir');
    const renderedSpecsDir = dirField('rendered-specs-dir');
    const lockDir = dirField('lock-dir');
    pt.finish();
    project = {
      ...(description ? { description } : {}),
      ...(defaultAuthorEmail ? { defaultAuthorEmail } : {}),
      ...(logDir ? { logDir } : {}),
      ...(workDir ? { workDir } : {}),
      ...(outputDir ? { outputDir } : {}),
      ...(renderedSpecsDir ? { renderedSpecsDir } : {}),
      ...(lockDir ? { lockDir } : {}),
      ...(defaultDistro ? { defaultDistro } : {}),
    };
  }

  // [distros]
  const distros: [string, DistroPart][] = [];
  for (const [name, d] of root.tableMap('distros') ?? []) {
    const fields: { -readonly [K in keyof DistroFields]: DistroFields[K] } = {};
    for (const k of ['description', 'default-version', 'dist-git-base-uri', 'lookaside-base-uri'] as const) {
      const v = sp(d, k, d.string(k));
      if (v) fields[k] = v;
    }
    const dOrig = sp(d, 'disable-origins', d.boolean('disable-origins'));
    if (dOrig) fields['disable-origins'] = dOrig;
    let repos: { baseUri: string }[] | undefined;
    const rs = d.tableArray('repos');
    if (rs) {
      repos = [];
      for (const r of rs) {
        const b = r.string('base-uri', { required: true });
        r.finish();
        if (b) repos.push({ baseUri: b });
      }
    }
    const versions: [string, DistroVersionPart][] = [];
    for (const [vname, v] of d.tableMap('versions') ?? []) {
      const vf: DistroVersionFields = {};
      for (const k of ['description', 'release-ver', 'dist-git-branch'] as const) {
        const x = sp(v, k, v.string(k));
        if (x) vf[k] = x;
      }
      for (const k of ['mock-config', 'mock-config-x86_64', 'mock-config-aarch64'] as const) {
        const x = v.string(k);
        if (x === undefined || x === '') continue;
        const abs = resolveInside(v, k, x, doc.dir, projectDir);
        if (abs) vf[k] = { value: abs, span: v.valueSpan(k) };
      }
      let inputs: Record<string, { repo?: string; set?: string }[]> | undefined;
      const it = v.table('inputs');
      if (it) {
        inputs = {};
        for (const use of ['rpm-build', 'image-build']) {
          const list = it.tableArray(use);
          if (!list) continue;
          inputs[use] = list.map((e) => {
            const repo = e.string('repo');
            const set = e.string('set');
            e.finish();
            if ((repo === undefined) === (set === undefined)) e.report('CONFIG_VALUE', `\`${e.where}\` needs exactly one of \`repo\` or \`set\``, e.span(), 'write { repo = "NAME" } or { set = "NAME" }');
            return { ...(repo ? { repo } : {}), ...(set ? { set } : {}) };
          });
        }
        it.finish();
      }
      const dccT = v.table('default-component-config');
      const dcc = dccT ? parseComponentLayer(dccT, { projectDir, kind: 'distro-default', label: `distro ${name} ${vname} default` }) : undefined;
      v.finish();
      versions.push([vname, { span: v.span(), fields: vf, ...(inputs ? { inputs } : {}), ...(dcc ? { defaultComponentConfig: dcc } : {}) }]);
    }
    d.finish();
    distros.push([name, { span: d.span(), fields, ...(repos ? { repos } : {}), versions }]);
  }

  // [component-groups]
  const componentGroups: [string, GroupPart][] = [];
  for (const [name, g] of root.tableMap('component-groups') ?? []) {
    const description = g.string('description');
    const members = (g.stringArray('components') ?? []).map((m, i) => ({ value: m, span: doc.valueSpan([...g.path, 'components', i]) }));
    const specs = g.stringArray('specs') ?? [];
    const excludedPaths = g.stringArray('excluded-paths') ?? [];
    specs.forEach((s, i) => {
      if (s.startsWith('/') || s.split('/').includes('..')) g.report('PATH_ESCAPES_PROJECT', `\`${g.where}.specs\`: pattern "${s}" must stay inside the project`, doc.valueSpan([...g.path, 'specs', i]), 'write the glob relative to this file');
    });
    const mt = g.table('metadata');
    const metadata = mt ? parseOverlayMetadata(mt) : undefined;
    const dccT = g.table('default-component-config');
    const dcc = dccT ? parseComponentLayer(dccT, { projectDir, kind: 'group', label: `group ${name}` }) : undefined;
    g.finish();
    componentGroups.push([name, { span: g.span(), ...(description !== undefined ? { description } : {}), members, specs: specs.filter((s) => !s.startsWith('/') && !s.split('/').includes('..')), excludedPaths, dir: doc.dir, ...(metadata ? { metadata } : {}), ...(dcc ? { defaultComponentConfig: dcc } : {}) }]);
  }

  // [components]
  const components: [string, ComponentPart][] = [];
  for (const [name, c] of root.tableMap('components') ?? []) {
    components.push([name, { span: c.span(), layer: parseComponentLayer(c, { projectDir, kind: 'component', label: `component ${name}` }) }]);
  }

  const dccT = root.table('default-component-config');
  const defaultComponentConfig = dccT ? parseComponentLayer(dccT, { projectDir, kind: 'project-default', label: 'project default-component-config' }) : undefined;

  let defaultPackageConfig: Spanned<PackagePublish> | undefined;
  const dpc = root.table('default-package-config');
  if (dpc) {
    defaultPackageConfig = { value: parsePackagePublish(dpc.table('publish')), span: dpc.span() };
    dpc.finish();
  }

  const packageGroups: ConfigFileModel['packageGroups'] = [];
  for (const [name, g] of root.tableMap('package-groups') ?? []) {
    const description = g.string('description');
    const packages = (g.stringArray('packages') ?? []).map((p, i) => ({ value: p, span: doc.valueSpan([...g.path, 'packages', i]) }));
    const d = g.table('default-package-config');
    const publish = d ? parsePackagePublish(d.table('publish')) : {};
    d?.finish();
    g.finish();
    packageGroups.push([name, { span: g.span(), value: { ...(description !== undefined ? { description } : {}), packages, publish } }]);
  }

  const images: ConfigFileModel['images'] = [];
  for (const [name, im] of root.tableMap('images') ?? []) {
    const out: { -readonly [K in keyof ImagePart]: ImagePart[K] } = {};
    const description = im.string('description');
    if (description !== undefined) out.description = description;
    const def = im.table('definition');
    if (def) {
      const type = def.string('type', { required: true, oneOf: ['kiwi'] });
      const p = def.string('path');
      const profile = def.string('profile');
      def.finish();
      const abs = p ? resolveInside(def, 'path', p, doc.dir, projectDir) : undefined;
      // without a type (reported as missing) the load fails; the definition is left out
      if (type) out.definition = { type, ...(abs ? { path: abs } : {}), ...(profile ? { profile } : {}) };
    }
    const cap = im.table('capabilities');
    if (cap) {
      const caps: Record<string, boolean> = {};
      for (const k of ['machine-bootable', 'container', 'systemd', 'runtime-package-management']) {
        const b = cap.boolean(k);
        if (b !== undefined) caps[k] = b;
      }
      cap.finish();
      out.capabilities = caps;
    }
    const tests = im.table('tests');
    if (tests) {
      out.testSuites = (tests.tableArray('test-suites') ?? []).flatMap((r) => {
        const n = r.string('name', { required: true });
        r.finish();
        return n ? [{ value: n, span: r.valueSpan('name') }] : [];
      });
      tests.finish();
    }
    const pub = im.table('publish');
    if (pub) {
      out.publishChannels = pub.stringArray('channels') ?? [];
      pub.finish();
    }
    const layers = im.tableArray('layers');
    if (layers) out.layers = layers.map(parseImageLayer);
    im.finish();
    images.push([name, { span: im.span(), value: out }]);
  }

  const testSuites: ConfigFileModel['testSuites'] = [];
  for (const [name, ts] of root.tableMap('test-suites') ?? []) {
    if (!SAFE_NAME_RE.test(name)) ts.report('CONFIG_VALUE', `test suite name "${name}" must be a safe file name`, ts.span(), 'use letters, digits, ".", "_", "-"');
    const description = ts.string('description');
    const type = ts.oneOf('type', ['pytest', 'lisa']);
    let pytest: Record<string, unknown> | undefined;
    const py = ts.table('pytest');
    if (py) {
      const o: Record<string, unknown> = {};
      const wd = py.string('working-dir');
      if (wd !== undefined) o['working-dir'] = resolveInside(py, 'working-dir', wd, doc.dir, projectDir);
      for (const k of ['test-paths', 'extra-args']) {
        const a = py.stringArray(k);
        if (a) o[k] = a;
      }
      const inst = py.string('install', { oneOf: ['pyproject', 'requirements', 'none'] });
      if (inst) o['install'] = inst;
      py.finish();
      pytest = o;
    }
    let lisaConfig: Record<string, unknown> | undefined;
    const lisa = ts.table('lisa');
    if (lisa) {
      const o: Record<string, unknown> = {};
      const fw = lisa.table('framework');
      if (fw) {
        const gitUrl = fw.string('git-url');
        const ref = fw.string('ref');
        if (ref !== undefined && !/^[0-9a-f]{40}$/.test(ref)) fw.report('CONFIG_VALUE', `\`${fw.where}.ref\` must be a full 40-digit commit id`, fw.valueSpan('ref'), 'pin LISA to an exact commit');
        fw.finish();
        o['framework'] = { ...(gitUrl ? { 'git-url': gitUrl } : {}), ...(ref ? { ref } : {}) };
      }
      for (const k of ['test-cases', 'pip-pre-install', 'pip-extras', 'extra-args']) {
        const a = lisa.stringArray(k);
        if (a) o[k] = a;
      }
      lisa.finish();
      lisaConfig = o;
    }
    if (type === 'pytest' && !py) ts.missing('pytest', false, 'CONFIG_MISSING_FIELD', 'add a [test-suites.NAME.pytest] table');
    if (type === 'lisa' && !lisa) ts.missing('lisa', false, 'CONFIG_MISSING_FIELD', 'add a [test-suites.NAME.lisa] table');
    ts.finish();
    const value = { ...(description !== undefined ? { description } : {}), ...(type ? { type } : {}), ...(pytest ? { pytest } : {}), ...(lisaConfig ? { lisa: lisaConfig } : {}) };
    testSuites.push([name, { span: ts.span(), value }]);
  }

  let tools: ConfigFileModel['tools'];
  const tt = root.table('tools');
  if (tt) {
    const ic = tt.table('imageCustomizer');
    let tag: Spanned<string> | undefined;
    if (ic) {
      tag = sp(ic, 'containerTag', ic.string('containerTag'));
      ic.finish();
    }
    tt.finish();
    tools = tag ? { imageCustomizerContainerTag: tag } : {};
  }

  const resources: ConfigFileModel['resources'] = { rpmRepos: [], rpmRepoSetTemplates: [], rpmRepoSets: [] };
  const rt = root.table('resources');
  if (rt) {
    for (const [name, r] of rt.tableMap('rpm-repos') ?? []) {
      if (!REPO_NAME_RE.test(name)) r.report('CONFIG_VALUE', `repository name "${name}" must match ${REPO_NAME_RE.source}`, r.span(), 'start with a letter or digit; use letters, digits, _ . : -');
      const description = r.string('description');
      const type = r.string('type', { oneOf: ['rpm-md'] }) ?? 'rpm-md';
      const baseUri = r.string('base-uri');
      const metalink = r.string('metalink');
      if ((baseUri === undefined) === (metalink === undefined)) r.report('CONFIG_VALUE', `\`${r.where}\` needs exactly one of \`base-uri\` or \`metalink\``, r.span(), 'add base-uri = "https://…"');
      const disableGpgCheck = r.boolean('disable-gpg-check') ?? false;
      const gpgKey = r.string('gpg-key');
      const arches = r.stringArray('arches') ?? [];
      r.finish();
      const value = { ...(description !== undefined ? { description } : {}), type, ...(baseUri ? { baseUri } : {}), ...(metalink ? { metalink } : {}), disableGpgCheck, ...(gpgKey ? { gpgKey } : {}), arches };
      resources.rpmRepos.push([name, { span: r.span(), value }]);
    }
    for (const [name, r] of rt.tableMap('rpm-repo-set-templates') ?? []) {
      const description = r.string('description');
      const subrepos = (r.tableArray('subrepos') ?? []).flatMap((s) => {
        const n = s.string('name', { required: true });
        const subpath = s.string('subpath', { required: true });
        const kind = s.string('kind', { required: true, oneOf: ['binary', 'debug', 'source'] });
        s.finish();
        return n && subpath !== undefined && kind ? [{ name: n, subpath, kind }] : [];
      });
      r.finish();
      resources.rpmRepoSetTemplates.push([name, { span: r.span(), value: { ...(description !== undefined ? { description } : {}), subrepos } }]);
    }
    for (const [name, r] of rt.tableMap('rpm-repo-sets') ?? []) {
      const template = r.string('template', { required: true });
      const baseUri = r.string('base-uri');
      const namePrefix = r.string('name-prefix');
      const gpgKey = r.string('gpg-key');
      const disableGpgCheck = r.boolean('disable-gpg-check') ?? false;
      const arches = r.stringArray('arches') ?? [];
      const subrepos = r.stringArray('subrepos') ?? [];
      r.finish();
      const value = { ...(template !== undefined ? { template } : {}), ...(baseUri !== undefined ? { baseUri } : {}), ...(namePrefix !== undefined ? { namePrefix } : {}), ...(gpgKey !== undefined ? { gpgKey } : {}), disableGpgCheck, arches, subrepos };
      resources.rpmRepoSets.push([name, { span: r.span(), value, ...(template !== undefined ? { templateSpan: r.valueSpan('template') } : {}) }]);
    }
    rt.finish();
  }

  let signing: ConfigFileModel['signing'];
  const st = root.table('signing');
  if (st) {
    const file = (k: string) => {
      const v = st.string(k);
      return v ? resolveInside(st, k, v, doc.dir, projectDir) : undefined;
    };
    const keyFile = file('key-file');
    const publicKeyFile = file('public-key-file');
    const keyId = st.string('key-id');
    if (keyId !== undefined && !/^(0x)?[0-9A-Fa-f]{8,40}$/.test(keyId)) st.report('CONFIG_VALUE', `\`signing.key-id\`: "${keyId}" is not a key id or fingerprint`, st.valueSpan('key-id'), 'use the 16-digit key id or the 40-digit fingerprint');
    const gh = st.string('gpg-home');
    const gpgHome = gh ? resolveInside(st, 'gpg-home', gh, doc.dir, projectDir) : undefined;
    st.finish();
    const origins: Record<string, SourceSpan> = {};
    for (const [k, v] of [['key-file', keyFile], ['public-key-file', publicKeyFile], ['key-id', keyId], ['gpg-home', gpgHome]] as const) if (v) origins[k] = st.valueSpan(k);
    signing = { span: st.span(), value: { ...(keyFile ? { keyFile } : {}), ...(publicKeyFile ? { publicKeyFile } : {}), ...(keyId ? { keyId } : {}), ...(gpgHome ? { gpgHome } : {}), origins } };
  }

  let attestation: ConfigFileModel['attestation'];
  const at = root.table('attestation');
  if (at) {
    const file = (k: string) => {
      const v = at.string(k);
      if (v === '') at.missing(k, true);
      return v ? resolveInside(at, k, v, doc.dir, projectDir) : undefined;
    };
    const keyFile = file('key-file');
    const publicKeyFile = file('public-key-file');
    const origins: Record<string, SourceSpan> = {};
    let trustedKeys: string[] | undefined;
    const tk = at.stringArray('trusted-keys');
    if (tk) {
      trustedKeys = [];
      origins['trusted-keys'] = at.valueSpan('trusted-keys');
      tk.forEach((p, i) => {
        const span = doc.valueSpan([...at.path, 'trusted-keys', i]);
        const abs = path.resolve(doc.dir, p);
        if (p === '') at.report('CONFIG_VALUE', `\`${at.where}.trusted-keys[${i}]\` is empty`, span, 'name a PEM public key file, relative to this file');
        else if (path.isAbsolute(p)) at.report('PATH_ESCAPES_PROJECT', `\`${at.where}.trusted-keys[${i}]\`: absolute path "${p}" is not allowed`, span, 'use a path relative to the file that declares it');
        else if (!isInside(projectDir, abs)) at.report('PATH_ESCAPES_PROJECT', `\`${at.where}.trusted-keys[${i}]\`: "${p}" points outside the project (${abs})`, span, `keep files inside ${projectDir}`);
        else {
          origins[`trusted-keys[${trustedKeys!.length}]`] = span;
          trustedKeys!.push(abs);
        }
      });
    }
    at.finish();
    for (const [k, v] of [['key-file', keyFile], ['public-key-file', publicKeyFile]] as const) if (v) origins[k] = at.valueSpan(k);
    attestation = { span: at.span(), value: { ...(keyFile ? { keyFile } : {}), ...(publicKeyFile ? { publicKeyFile } : {}), ...(trustedKeys ? { trustedKeys } : {}), origins } };
  }

  const cveFeeds: CveFeedConfig[] = [];
  const cv = root.table('cve');
  if (cv) {
    for (const f of cv.tableArray('feeds') ?? []) {
      const p = f.string('path', { required: true, nonEmpty: true });
      const abs = p ? resolveInside(f, 'path', p, doc.dir, projectDir) : undefined;
      const names = f.string('names', { oneOf: ['binary', 'source'] }) as 'binary' | 'source' | undefined;
      const ecosystems = f.stringArray('ecosystems');
      ecosystems?.forEach((e, i) => {
        if (!/^[A-Za-z][\w.+-]*(:[\w.+-]*)?$/.test(e)) f.report('CONFIG_VALUE', `\`${f.where}.ecosystems[${i}]\`: "${e}" is not an OSV ecosystem`, doc.valueSpan([...f.path, 'ecosystems', i]), 'write an ecosystem as OSV does ("AlmaLinux:9"), or a prefix ending in ":" ("AlmaLinux:")');
      });
      f.finish();
      if (abs) cveFeeds.push({ path: abs, names: names ?? 'binary', ...(ecosystems ? { ecosystems } : {}), definedAt: f.span(), pathSpan: f.valueSpan('path') });
    }
    cv.finish();
  }

  root.finish();
  return {
    cveFeeds,
    doc,
    includes,
    ...(project ? { project } : {}),
    distros,
    componentGroups,
    components,
    ...(defaultComponentConfig ? { defaultComponentConfig } : {}),
    ...(defaultPackageConfig ? { defaultPackageConfig } : {}),
    packageGroups,
    images,
    testSuites,
    ...(tools ? { tools } : {}),
    resources,
    ...(signing ? { signing } : {}),
    ...(attestation ? { attestation } : {}),
  };
}
