/**
 * One layer of component configuration (a distro-version default, the project default, a group
 * default or a component's own table) and the per-field merge rules that stack the layers.
 *
 * A layer keeps each value with the span it was written at: single values by their TOML path
 * below the component (`build.check.skip`), lists (appended across layers), `build.defines` and
 * `packages.NAME.publish` key by key. Merging is a fold over the layers, later layers winning.
 */
import type { SourceSpan } from '../diag/index.js';
import { parseOverlay, resolveInside } from './overlay.js';
import type { TableReader } from './toml-read.js';
import type { LayerKind, Overlay, ReleaseCalculation, SourceFileRef } from './types.js';

export interface LayerEntry<T> {
  readonly value: T;
  readonly span: SourceSpan;
}

/** The single-valued fields of a component, by their TOML path below the component. */
export interface ComponentScalars {
  'spec.type': string;
  'spec.path': string;
  'spec.upstream-distro.name': string;
  'spec.upstream-distro.version': string;
  'spec.upstream-distro.snapshot': string;
  'spec.upstream-name': string;
  'spec.upstream-commit': string;
  'release.calculation': ReleaseCalculation;
  'overlay-files': OverlayFilesValue;
  'build.emit-upstream-provenance': boolean;
  'build.check.skip': boolean;
  'build.check.skip_reason': string;
  'build.failure.expected': boolean;
  'build.failure.expected-reason': string;
  'build.hints.expensive': boolean;
  'render.skip-file-filter': boolean;
  'publish.rpm-channel': string;
  'publish.srpm-channel': string;
  'publish.debuginfo-channel': string;
}

/** The list fields of a component (appended across layers), by TOML path: the element types. */
export interface ComponentLists {
  overlays: Overlay;
  'source-files': SourceFileRef;
  'build.with': string;
  'build.without': string;
  'build.undefines': string;
}

export type ScalarField = keyof ComponentScalars;
export type ListField = keyof ComponentLists;
export type PackagePublishField = 'rpm-channel' | 'debuginfo-channel' | 'channel';

type ScalarEntryMap = { [K in ScalarField]: LayerEntry<ComponentScalars[K]> };
type ListEntryMap = { [K in ListField]: LayerEntry<readonly ComponentLists[K][]> };
export type ScalarEntries = Readonly<Partial<ScalarEntryMap>>;
export type ListEntries = Readonly<Partial<ListEntryMap>>;

export interface ComponentLayer {
  readonly kind: LayerKind;
  /** e.g. `group check-skip-initial-failures`, for messages. */
  readonly label: string;
  readonly file: string;
  readonly dir: string;
  readonly scalars: ScalarEntries;
  readonly lists: ListEntries;
  /** `build.defines`, by macro name. */
  readonly defines: ReadonlyMap<string, LayerEntry<string>>;
  /** `packages.NAME.publish.*`, by package name then key. */
  readonly packagePublish: ReadonlyMap<string, ReadonlyMap<PackagePublishField, LayerEntry<string>>>;
  /**
   * A value was present but invalid (already reported). A component with such a layer is not
   * resolved further, so one mistake does not cascade into follow-on errors.
   */
  readonly invalid: boolean;
}

export type MergeRule = 'override' | 'append' | 'replace';

const NO_DEFINES: ReadonlyMap<string, LayerEntry<string>> = new Map();
const NO_PACKAGES: ReadonlyMap<string, ReadonlyMap<PackagePublishField, LayerEntry<string>>> = new Map();

/**
 * How each field combines across layers (later layers win). Everything not listed is `override`:
 * a later layer's value replaces the earlier one — including `false`, `""` and `0`, which azldev
 * cannot express (its mergo merge ignores zero values). Map-valued fields (`build.defines`,
 * `packages`) merge key by key. The lists are the `ComponentLists` fields.
 */
export const COMPONENT_MERGE_RULES: { readonly [K in ListField]: 'append' } & { readonly 'overlay-files': 'replace' } = {
  overlays: 'append',
  'source-files': 'append',
  'build.with': 'append',
  'build.without': 'append',
  'build.undefines': 'append',
  /** Replaced, not appended; `overlay-files = []` turns inherited overlay files off. */
  'overlay-files': 'replace',
};

export const RELEASE_CALCULATIONS = ['auto', 'autorelease', 'static', 'manual'] as const;
const HASH_TYPES = ['SHA256', 'SHA512'] as const;
const COMMIT_RE = /^[0-9a-fA-F]{7,40}$/;

export interface ComponentParseContext {
  readonly projectDir: string;
  readonly kind: LayerKind;
  readonly label: string;
}

/**
 * `overlay-files` value: the patterns and the directory of the file that set them. The loader
 * resolves the patterns against the component's own directory (azldev's rule), not this one.
 */
export interface OverlayFilesValue {
  readonly patterns: readonly string[];
  readonly dir: string;
}

export function isSafeChannel(v: string): boolean {
  return v !== '.' && v !== '..' && !v.includes('/') && !v.includes('\\');
}

/** Parse one component-config table into a flat layer. Problems go to the reader's sink. */
export function parseComponentLayer(t: TableReader, ctx: ComponentParseContext): ComponentLayer {
  // Fast path: most components are bare `[components.NAME]` tables.
  let empty = true;
  for (const _ in t.value) {
    empty = false;
    break;
  }
  if (empty) return { kind: ctx.kind, label: ctx.label, file: t.doc.file, dir: t.doc.dir, scalars: {}, lists: {}, defines: NO_DEFINES, packagePublish: NO_PACKAGES, invalid: false };
  const scalars: Partial<ScalarEntryMap> = {};
  const lists: Partial<ListEntryMap> = {};
  const defines = new Map<string, LayerEntry<string>>();
  const packagePublish = new Map<string, Map<PackagePublishField, LayerEntry<string>>>();
  let invalid = false;
  const put = <K extends ScalarField>(k: K, e: ScalarEntryMap[K] | undefined) => {
    if (e) scalars[k] = e;
  };
  const putList = <K extends ListField>(k: K, e: ListEntryMap[K]) => {
    lists[k] = e;
  };
  /** The value read from `r[key]` with its span; a present but invalid value marks the layer invalid. */
  const read = <T>(r: TableReader, key: string, v: T | undefined): LayerEntry<T> | undefined => {
    if (v !== undefined) return { value: v, span: r.valueSpan(key) };
    if (r.value[key] !== undefined) invalid = true;
    return undefined;
  };

  const spec = t.table('spec');
  if (spec) {
    put('spec.type', read(spec, 'type', spec.string('type', { oneOf: ['upstream', 'local', ''] })));
    const p = spec.string('path');
    if (p !== undefined) {
      const abs = p === '' ? undefined : resolveInside(spec, 'path', p, t.doc.dir, ctx.projectDir);
      if (abs !== undefined) put('spec.path', { value: abs, span: spec.valueSpan('path') });
      else invalid = true;
    }
    const ud = spec.table('upstream-distro');
    if (ud) {
      const dname = ud.string('name', { required: true });
      if (dname !== undefined) put('spec.upstream-distro.name', { value: dname, span: ud.valueSpan('name') });
      else invalid = true;
      put('spec.upstream-distro.version', read(ud, 'version', ud.string('version')));
      const snap = ud.string('snapshot');
      if (snap !== undefined) {
        let snapOk = false;
        if (ctx.kind === 'component') {
          ud.report('COMPONENT_SNAPSHOT', `a component cannot set its own snapshot (\`${ud.where}.snapshot\`)`, ud.keySpan('snapshot'), 'set the snapshot on the distro version or a component group default-component-config');
        } else if (snap !== '' && Number.isNaN(Date.parse(snap))) {
          ud.report('CONFIG_VALUE', `\`${ud.where}.snapshot\`: "${snap}" is not an RFC 3339 time`, ud.valueSpan('snapshot'), 'e.g. "2026-02-24T00:00:00-08:00"');
        } else snapOk = true;
        if (snapOk) put('spec.upstream-distro.snapshot', { value: snap, span: ud.valueSpan('snapshot') });
        else invalid = true;
      } else if (ud.value['snapshot'] !== undefined) invalid = true;
      ud.finish();
    }
    put('spec.upstream-name', read(spec, 'upstream-name', spec.string('upstream-name')));
    const commit = spec.string('upstream-commit');
    if (commit !== undefined) {
      if (!COMMIT_RE.test(commit)) {
        spec.report('COMPONENT_BAD_COMMIT', `\`${spec.where}.upstream-commit\`: "${commit}" is not a 7–40 digit hexadecimal commit id`, spec.valueSpan('upstream-commit'), 'use the full or abbreviated (≥7) git commit hash');
        invalid = true;
      } else put('spec.upstream-commit', { value: commit.toLowerCase(), span: spec.valueSpan('upstream-commit') });
    }
    spec.finish();
  }

  const release = t.table('release');
  if (release) {
    put('release.calculation', read(release, 'calculation', release.oneOf('calculation', RELEASE_CALCULATIONS)));
    release.finish();
  }

  const overlays = t.tableArray('overlays');
  if (overlays) {
    const list: Overlay[] = [];
    let bad = false;
    for (const o of overlays) {
      const ov = parseOverlay(o, { projectDir: ctx.projectDir, allowInlineMetadata: true });
      if (ov) list.push(ov);
      else bad = true;
    }
    if (bad) invalid = true;
    else putList('overlays', { value: list, span: t.keySpan('overlays') });
  } else if (t.value['overlays'] !== undefined) {
    invalid = true;
  }

  const of = t.stringArray('overlay-files');
  if (of !== undefined) put('overlay-files', { value: { patterns: of, dir: t.doc.dir }, span: t.valueSpan('overlay-files') });

  const build = t.table('build');
  if (build) {
    for (const k of ['with', 'without', 'undefines'] as const) {
      const e = read(build, k, build.stringArray(k));
      if (e) putList(`build.${k}`, e);
    }
    const ds = build.stringMap('defines');
    if (ds) for (const [k, v] of Object.entries(ds)) defines.set(k, { value: v, span: build.doc.valueSpan([...build.path, 'defines', k]) });
    put('build.emit-upstream-provenance', read(build, 'emit-upstream-provenance', build.boolean('emit-upstream-provenance')));
    const check = build.table('check');
    if (check) {
      put('build.check.skip', read(check, 'skip', check.boolean('skip')));
      put('build.check.skip_reason', read(check, 'skip_reason', check.string('skip_reason')));
      check.finish();
    }
    const failure = build.table('failure');
    if (failure) {
      put('build.failure.expected', read(failure, 'expected', failure.boolean('expected')));
      put('build.failure.expected-reason', read(failure, 'expected-reason', failure.string('expected-reason')));
      failure.finish();
    }
    const hints = build.table('hints');
    if (hints) {
      put('build.hints.expensive', read(hints, 'expensive', hints.boolean('expensive')));
      hints.finish();
    }
    build.finish();
  }

  const render = t.table('render');
  if (render) {
    put('render.skip-file-filter', read(render, 'skip-file-filter', render.boolean('skip-file-filter')));
    render.finish();
  }

  const sf = t.tableArray('source-files');
  if (sf) {
    const list: SourceFileRef[] = [];
    for (const s of sf) {
      const r = parseSourceFile(s);
      if (r) list.push(r);
    }
    const seen = new Map<string, SourceFileRef>();
    for (const r of list) {
      const prev = seen.get(r.filename);
      if (prev) t.report('SOURCE_FILE_DUPLICATE', `source file "${r.filename}" is listed twice`, r.definedAt, 'keep one entry per file name');
      else seen.set(r.filename, r);
    }
    putList('source-files', { value: list, span: t.keySpan('source-files') });
  }

  const publish = t.table('publish');
  if (publish) {
    for (const k of ['rpm-channel', 'srpm-channel', 'debuginfo-channel'] as const) {
      put(`publish.${k}`, readChannel(publish, k));
    }
    publish.finish();
  }

  const packages = t.tableMap('packages');
  if (packages) {
    for (const [name, p] of packages) {
      const pub = p.table('publish');
      if (pub) {
        for (const k of ['rpm-channel', 'debuginfo-channel', 'channel'] as const) {
          const v = readChannel(pub, k);
          if (!v) continue;
          let fields = packagePublish.get(name);
          if (!fields) packagePublish.set(name, (fields = new Map()));
          fields.set(k, v);
        }
        pub.finish();
      }
      p.finish();
    }
  }

  t.finish();
  return { kind: ctx.kind, label: ctx.label, file: t.doc.file, dir: t.doc.dir, scalars, lists, defines, packagePublish, invalid };
}

/** The layer of a spec found by a component group's `specs` glob: a local spec at `specPath`. */
export function groupSpecLayer(label: string, file: string, dir: string, specPath: string, span: SourceSpan): ComponentLayer {
  return { kind: 'group-spec', label, file, dir, scalars: { 'spec.type': { value: 'local', span }, 'spec.path': { value: specPath, span } }, lists: {}, defines: NO_DEFINES, packagePublish: NO_PACKAGES, invalid: false };
}

/** A publish channel; an unsafe one is reported and dropped. */
function readChannel(t: TableReader, key: string): LayerEntry<string> | undefined {
  const v = t.string(key);
  if (v === undefined) return undefined;
  if (!isSafeChannel(v)) {
    t.report('CONFIG_VALUE', `\`${t.where}.${key}\`: channel "${v}" may not be "." or ".." or contain a slash`, t.valueSpan(key), 'a channel is a single directory name (or "none")');
    return undefined;
  }
  return { value: v, span: t.valueSpan(key) };
}

/** Parse one `[[source-files]]` entry with azldev's rules. */
function parseSourceFile(s: TableReader): SourceFileRef | undefined {
  let ok = true;
  const filename = s.string('filename', { required: true });
  if (filename !== undefined && (filename.includes('/') || filename.includes('\\') || filename === '.' || filename === '..')) {
    s.report('PATH_ESCAPES_PROJECT', `source file name "${filename}" must be a plain file name`, s.valueSpan('filename'), 'source files live at the top of the sources directory');
    ok = false;
  }
  const hash = s.string('hash');
  const hashType = s.oneOf('hash-type', HASH_TYPES);
  if (hash !== undefined && hashType === undefined && s.value['hash-type'] === undefined) {
    s.report('SOURCE_FILE_HASH_TYPE', `\`${s.where}\`: \`hash\` needs \`hash-type\``, s.keySpan('hash'), 'add hash-type = "SHA512" (or "SHA256")');
    ok = false;
  }
  if (hash !== undefined && hashType) {
    const len = hashType === 'SHA256' ? 64 : 128;
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hash)) {
      s.report('SOURCE_FILE_HASH', `\`${s.where}.hash\` is not a ${hashType} hex digest (${len} hex digits)`, s.valueSpan('hash'), 'copy the digest from `sha512sum` / `sha256sum`');
      ok = false;
    }
  }
  const replaceUpstream = s.boolean('replace-upstream');
  const replaceReason = s.string('replace-reason');
  if ((replaceUpstream === true) !== (replaceReason !== undefined && replaceReason !== '')) {
    s.report('SOURCE_FILE_REPLACE', `\`${s.where}\`: \`replace-upstream\` and \`replace-reason\` must be set together`, s.span(), 'say why the upstream file is replaced: replace-reason = "…"');
    ok = false;
  }
  let origin: SourceFileRef['origin'];
  const o = s.table('origin');
  if (o) {
    const type = o.oneOf('type', ['download', 'custom', 'overlay'], { required: true });
    const uri = o.string('uri');
    const script = o.string('script');
    const mockPackages = o.stringArray('mock-packages');
    const inputs = o.stringArray('inputs');
    o.finish();
    if (type === 'download') {
      if (!uri) {
        o.missing('uri', false, 'SOURCE_FILE_ORIGIN', 'add uri = "https://…"');
        ok = false;
      } else if (!/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
        o.report('SOURCE_FILE_ORIGIN', `\`${o.where}.uri\`: "${uri}" has no scheme`, o.valueSpan('uri'), 'write an absolute URI such as https://…');
        ok = false;
      }
    } else if (type === 'custom') {
      if (!script) {
        o.missing('script', false, 'SOURCE_FILE_ORIGIN', 'add script = "generate.sh"');
        ok = false;
      }
      for (const x of [script, ...(inputs ?? [])]) {
        if (x && (x.includes('/') || x.includes('\\') || x === '..')) {
          o.report('PATH_ESCAPES_PROJECT', `\`${o.where}\`: "${x}" must be a plain file name`, o.span(), 'custom-origin scripts and inputs sit beside the component config');
          ok = false;
        }
      }
    } else if (type === 'overlay') {
      if (uri) {
        o.report('SOURCE_FILE_ORIGIN', `\`${o.where}\`: an overlay origin has no \`uri\``, o.keySpan('uri'));
        ok = false;
      }
      if (replaceUpstream !== true) {
        o.report('SOURCE_FILE_ORIGIN', `\`${o.where}\`: origin type "overlay" needs replace-upstream = true`, o.span(), 'the archive is produced by archive overlays and replaces the upstream file');
        ok = false;
      }
    }
    if (type !== undefined) {
      origin = {
        type,
        ...(uri !== undefined ? { uri } : {}),
        ...(script !== undefined ? { script } : {}),
        ...(mockPackages ? { mockPackages } : {}),
        ...(inputs ? { inputs } : {}),
      };
    }
  }
  s.finish();
  if (!ok || filename === undefined) return undefined;
  return {
    filename,
    ...(hash !== undefined ? { hash: hash.toLowerCase() } : {}),
    ...(hashType ? { hashType } : {}),
    ...(origin ? { origin } : {}),
    replaceUpstream: replaceUpstream ?? false,
    ...(replaceReason ? { replaceReason } : {}),
    definedAt: s.span(),
  };
}

/** The layers of one component folded together: each value with the span of the layer that set it. */
export interface MergedComponentConfig {
  readonly scalars: ScalarEntries;
  readonly lists: ListEntries;
  readonly defines: ReadonlyMap<string, LayerEntry<string>>;
  readonly packagePublish: ReadonlyMap<string, ReadonlyMap<PackagePublishField, LayerEntry<string>>>;
  /** Some layer held an invalid value (already reported). */
  readonly invalid: boolean;
}

/** Fold layers with COMPONENT_MERGE_RULES (later layers win; lists append; maps merge by key). */
export function mergeLayers(layers: readonly ComponentLayer[]): MergedComponentConfig {
  let scalars: ScalarEntries = {};
  let lists: ListEntries = {};
  const defines = new Map<string, LayerEntry<string>>();
  const packagePublish = new Map<string, Map<PackagePublishField, LayerEntry<string>>>();
  let invalid = false;
  for (const layer of layers) {
    if (layer.invalid) invalid = true;
    scalars = { ...scalars, ...layer.scalars };
    const l = layer.lists;
    lists = {
      ...lists,
      ...(l.overlays ? { overlays: appendEntry(lists.overlays, l.overlays) } : {}),
      ...(l['source-files'] ? { 'source-files': appendEntry(lists['source-files'], l['source-files']) } : {}),
      ...(l['build.with'] ? { 'build.with': appendEntry(lists['build.with'], l['build.with']) } : {}),
      ...(l['build.without'] ? { 'build.without': appendEntry(lists['build.without'], l['build.without']) } : {}),
      ...(l['build.undefines'] ? { 'build.undefines': appendEntry(lists['build.undefines'], l['build.undefines']) } : {}),
    };
    for (const [k, e] of layer.defines) defines.set(k, e);
    for (const [name, fields] of layer.packagePublish) {
      let merged = packagePublish.get(name);
      if (!merged) packagePublish.set(name, (merged = new Map()));
      for (const [k, e] of fields) merged.set(k, e);
    }
  }
  return { scalars, lists, defines, packagePublish, invalid };
}

/** An appended list keeps the span of the last layer that added to it. */
function appendEntry<T>(prev: LayerEntry<readonly T[]> | undefined, next: LayerEntry<readonly T[]>): LayerEntry<readonly T[]> {
  return prev ? { value: [...prev.value, ...next.value], span: next.span } : next;
}

/** Every field's origin, by its TOML path below the component (`build.defines.NAME`, `packages.N.publish.K`), sorted. */
export function fieldOrigins(m: MergedComponentConfig): Map<string, SourceSpan> {
  const out: [string, SourceSpan][] = [];
  for (const [k, e] of Object.entries(m.scalars)) if (e) out.push([k, e.span]);
  for (const [k, e] of Object.entries(m.lists)) if (e) out.push([k, e.span]);
  for (const [k, e] of m.defines) out.push([`build.defines.${k}`, e.span]);
  for (const [name, fields] of m.packagePublish) for (const [k, e] of fields) out.push([`packages.${name}.publish.${k}`, e.span]);
  return new Map(out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
