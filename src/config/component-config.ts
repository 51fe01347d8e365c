/**
 * One layer of component configuration (a distro-version default, the project default, a group
 * default or a component's own table) and the per-field merge rules that stack the layers.
 *
 * A layer is flat: each TOML leaf below the component is one entry keyed by its dotted path
 * (`build.check.skip`, `build.defines.NAME`, `packages.foo.publish.rpm-channel`), lists are one
 * entry each. Merging is then a fold over layers with the rule of each path.
 */
import type { SourceSpan } from '../diag/index.js';
import { parseOverlay, resolveInside } from './overlay.js';
import type { TableReader } from './toml-read.js';
import type { LayerKind, Overlay, SourceFileRef } from './types.js';

export interface LayerEntry {
  readonly value: unknown;
  readonly span: SourceSpan;
}

export interface ComponentLayer {
  readonly kind: LayerKind;
  /** e.g. `group check-skip-initial-failures`, for messages. */
  readonly label: string;
  readonly file: string;
  readonly dir: string;
  readonly entries: ReadonlyMap<string, LayerEntry>;
}

export type MergeRule = 'override' | 'append' | 'replace';

const NO_ENTRIES: ReadonlyMap<string, LayerEntry> = new Map();

/**
 * Stands for a value that was present but invalid (already reported). A component with such a
 * value is not resolved further, so one mistake does not cascade into follow-on errors.
 */
export const INVALID: unique symbol = Symbol('invalid');

/**
 * How each field combines across layers (later layers win). Everything not listed is `override`:
 * a later layer's value replaces the earlier one — including `false`, `""` and `0`, which azldev
 * cannot express (its mergo merge ignores zero values). Map-valued fields (`build.defines`,
 * `packages`) are flattened into one entry per key, so they merge key by key.
 */
export const COMPONENT_MERGE_RULES: Readonly<Record<string, MergeRule>> = {
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
  if (empty) return { kind: ctx.kind, label: ctx.label, file: t.doc.file, dir: t.doc.dir, entries: NO_ENTRIES };
  const entries = new Map<string, LayerEntry>();
  const put = (k: string, value: unknown, span: SourceSpan) => entries.set(k, { value, span });
  const scalar = (r: TableReader, key: string, prefix: string, v: unknown) => {
    if (v !== undefined) put(`${prefix}${key}`, v, r.valueSpan(key));
    else if (r.value[key] !== undefined) put(`${prefix}${key}`, INVALID, r.valueSpan(key));
  };

  const spec = t.table('spec');
  if (spec) {
    scalar(spec, 'type', 'spec.', spec.string('type', { oneOf: ['upstream', 'local', ''] }));
    const p = spec.string('path');
    if (p !== undefined) {
      const abs = p === '' ? undefined : resolveInside(spec, 'path', p, t.doc.dir, ctx.projectDir);
      put('spec.path', abs ?? INVALID, spec.valueSpan('path'));
    }
    const ud = spec.table('upstream-distro');
    if (ud) {
      const dname = ud.string('name', { required: true });
      put('spec.upstream-distro.name', dname ?? INVALID, dname !== undefined ? ud.valueSpan('name') : ud.span());
      scalar(ud, 'version', 'spec.upstream-distro.', ud.string('version'));
      const snap = ud.string('snapshot');
      if (snap !== undefined) {
        let snapOk = false;
        if (ctx.kind === 'component') {
          ud.report('COMPONENT_SNAPSHOT', `a component cannot set its own snapshot (\`${ud.where}.snapshot\`)`, ud.keySpan('snapshot'), 'set the snapshot on the distro version or a component group default-component-config');
        } else if (snap !== '' && Number.isNaN(Date.parse(snap))) {
          ud.report('CONFIG_VALUE', `\`${ud.where}.snapshot\`: "${snap}" is not an RFC 3339 time`, ud.valueSpan('snapshot'), 'e.g. "2026-02-24T00:00:00-08:00"');
        } else snapOk = true;
        put('spec.upstream-distro.snapshot', snapOk ? snap : INVALID, ud.valueSpan('snapshot'));
      } else if (ud.value['snapshot'] !== undefined) put('spec.upstream-distro.snapshot', INVALID, ud.valueSpan('snapshot'));
      ud.finish();
    }
    scalar(spec, 'upstream-name', 'spec.', spec.string('upstream-name'));
    const commit = spec.string('upstream-commit');
    if (commit !== undefined) {
      if (!COMMIT_RE.test(commit)) {
        spec.report('COMPONENT_BAD_COMMIT', `\`${spec.where}.upstream-commit\`: "${commit}" is not a 7–40 digit hexadecimal commit id`, spec.valueSpan('upstream-commit'), 'use the full or abbreviated (≥7) git commit hash');
        put('spec.upstream-commit', INVALID, spec.valueSpan('upstream-commit'));
      } else put('spec.upstream-commit', commit.toLowerCase(), spec.valueSpan('upstream-commit'));
    }
    spec.finish();
  }

  const release = t.table('release');
  if (release) {
    scalar(release, 'calculation', 'release.', release.string('calculation', { oneOf: RELEASE_CALCULATIONS }));
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
    put('overlays', bad ? INVALID : list, t.keySpan('overlays'));
  } else if (t.value['overlays'] !== undefined) {
    put('overlays', INVALID, t.keySpan('overlays'));
  }

  const of = t.stringArray('overlay-files');
  if (of !== undefined) put('overlay-files', { patterns: of, dir: t.doc.dir } satisfies OverlayFilesValue, t.valueSpan('overlay-files'));

  const build = t.table('build');
  if (build) {
    for (const k of ['with', 'without', 'undefines'] as const) scalar(build, k, 'build.', build.stringArray(k));
    const defines = build.stringMap('defines');
    if (defines) for (const [k, v] of Object.entries(defines)) put(`build.defines.${k}`, v, build.doc.valueSpan([...build.path, 'defines', k]));
    scalar(build, 'emit-upstream-provenance', 'build.', build.boolean('emit-upstream-provenance'));
    const check = build.table('check');
    if (check) {
      scalar(check, 'skip', 'build.check.', check.boolean('skip'));
      scalar(check, 'skip_reason', 'build.check.', check.string('skip_reason'));
      check.finish();
    }
    const failure = build.table('failure');
    if (failure) {
      scalar(failure, 'expected', 'build.failure.', failure.boolean('expected'));
      scalar(failure, 'expected-reason', 'build.failure.', failure.string('expected-reason'));
      failure.finish();
    }
    const hints = build.table('hints');
    if (hints) {
      scalar(hints, 'expensive', 'build.hints.', hints.boolean('expensive'));
      hints.finish();
    }
    build.finish();
  }

  const render = t.table('render');
  if (render) {
    scalar(render, 'skip-file-filter', 'render.', render.boolean('skip-file-filter'));
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
    put('source-files', list, t.keySpan('source-files'));
  }

  const publish = t.table('publish');
  if (publish) {
    for (const k of ['rpm-channel', 'srpm-channel', 'debuginfo-channel']) channel(publish, k, 'publish.', put);
    publish.finish();
  }

  const packages = t.tableMap('packages');
  if (packages) {
    for (const [name, p] of packages) {
      const pub = p.table('publish');
      if (pub) {
        for (const k of ['rpm-channel', 'debuginfo-channel', 'channel']) channel(pub, k, `packages.${name}.publish.`, put);
        pub.finish();
      }
      p.finish();
    }
  }

  t.finish();
  return { kind: ctx.kind, label: ctx.label, file: t.doc.file, dir: t.doc.dir, entries };
}

function channel(t: TableReader, key: string, prefix: string, put: (k: string, v: unknown, s: SourceSpan) => void): void {
  const v = t.string(key);
  if (v === undefined) return;
  if (!isSafeChannel(v)) {
    t.report('CONFIG_VALUE', `\`${t.where}.${key}\`: channel "${v}" may not be "." or ".." or contain a slash`, t.valueSpan(key), 'a channel is a single directory name (or "none")');
    return;
  }
  put(`${prefix}${key}`, v, t.valueSpan(key));
}

/** Parse one `[[source-files]]` entry with azldev's rules. */
export function parseSourceFile(s: TableReader): SourceFileRef | undefined {
  let ok = true;
  const filename = s.string('filename', { required: true });
  if (filename !== undefined && (filename.includes('/') || filename.includes('\\') || filename === '.' || filename === '..')) {
    s.report('PATH_ESCAPES_PROJECT', `source file name "${filename}" must be a plain file name`, s.valueSpan('filename'), 'source files live at the top of the sources directory');
    ok = false;
  }
  const hash = s.string('hash');
  const hashType = s.string('hash-type', { oneOf: HASH_TYPES }) as 'SHA256' | 'SHA512' | undefined;
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
    const type = o.string('type', { required: true, oneOf: ['download', 'custom', 'overlay'] });
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
        type: type as 'download' | 'custom' | 'overlay',
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

/** Fold layers with COMPONENT_MERGE_RULES; returns merged values and the span of each field. */
export function mergeLayers(layers: readonly ComponentLayer[]): { values: Map<string, unknown>; origins: Map<string, SourceSpan> } {
  const values = new Map<string, unknown>();
  const origins = new Map<string, SourceSpan>();
  for (const layer of layers) {
    for (const [k, e] of layer.entries) {
      const rule = COMPONENT_MERGE_RULES[k] ?? 'override';
      if (e.value === INVALID || values.get(k) === INVALID) values.set(k, INVALID);
      else if (rule === 'append') {
        const prev = values.get(k) as unknown[] | undefined;
        values.set(k, prev ? [...prev, ...(e.value as unknown[])] : e.value);
      } else values.set(k, e.value);
      origins.set(k, e.span);
    }
  }
  return { values, origins };
}
