/**
 * Overlays and overlay metadata: TOML table → the `Overlay` discriminated union, with azldev's
 * required-field rules, RE2 validation of regexes and path confinement.
 */
import * as path from 'node:path';
import { RE2JS } from 're2js';
import { didYouMean, type SourceSpan } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import type { TableReader } from './toml-read.js';
import { OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES, type Overlay, type OverlayMetadata, type OverlayType } from './types.js';

/** Keys each overlay type requires and the optional keys it uses (everything else is ignored, with a warning). */
export const OVERLAY_FIELDS: Record<OverlayType, { required: readonly string[]; optional: readonly string[] }> = {
  'spec-add-tag': { required: ['tag', 'value'], optional: ['package'] },
  'spec-insert-tag': { required: ['tag', 'value'], optional: ['package'] },
  'spec-set-tag': { required: ['tag', 'value'], optional: ['package'] },
  'spec-update-tag': { required: ['tag', 'value'], optional: ['package'] },
  'spec-remove-tag': { required: ['tag'], optional: ['value', 'package'] },
  'spec-prepend-lines': { required: ['lines'], optional: ['section', 'package'] },
  'spec-append-lines': { required: ['lines'], optional: ['section', 'package'] },
  'spec-search-replace': { required: ['regex'], optional: ['replacement', 'section', 'package'] },
  'spec-remove-section': { required: ['section'], optional: ['package'] },
  'spec-remove-subpackage': { required: ['package'], optional: [] },
  'patch-add': { required: ['source'], optional: ['file'] },
  'patch-remove': { required: ['file'], optional: [] },
  'file-prepend-lines': { required: ['file', 'lines'], optional: [] },
  'file-search-replace': { required: ['file', 'regex'], optional: ['replacement', 'archive'] },
  'file-add': { required: ['file', 'source'], optional: [] },
  'file-remove': { required: ['file'], optional: ['archive'] },
  'file-rename': { required: ['file', 'replacement'], optional: [] },
};

const ALL_FIELDS = ['description', 'file', 'section', 'package', 'tag', 'value', 'regex', 'replacement', 'lines', 'source', 'archive'] as const;
const ARCHIVE_EXTS = ['.tar', '.tar.gz', '.tgz', '.tar.xz', '.txz', '.tar.zst', '.tzst', '.tar.bz2', '.tbz2'];

export interface OverlayParseContext {
  readonly projectDir: string;
  /** Set for overlays read from an overlay-files document. */
  readonly overlayFile?: string;
  /** Metadata stamped on every overlay of an overlay-files document. */
  readonly fileMetadata?: OverlayMetadata;
  /** Per-overlay `metadata` is an error in overlay-files documents. */
  readonly allowInlineMetadata: boolean;
}

/** Validate an RE2 pattern; returns the error text or undefined. */
export function re2Error(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** True when `p` is a relative path that stays below its base (no absolute path, no `..`). */
export function isConfinedRelative(p: string): boolean {
  if (p === '' || path.isAbsolute(p) || p.startsWith('\\')) return false;
  return !p.split(/[\\/]/).includes('..');
}

/** `p` resolved against `dir`; reports PATH_ESCAPES_PROJECT and returns undefined when outside `root`. */
export function resolveInside(t: TableReader, key: string, p: string, dir: string, root: string): string | undefined {
  if (path.isAbsolute(p)) {
    t.report('PATH_ESCAPES_PROJECT', `\`${t.where}.${key}\`: absolute path "${p}" is not allowed`, t.valueSpan(key), 'use a path relative to the file that declares it');
    return undefined;
  }
  const abs = path.resolve(dir, p);
  if (!isInside(root, abs)) {
    t.report('PATH_ESCAPES_PROJECT', `\`${t.where}.${key}\`: "${p}" points outside the project (${abs})`, t.valueSpan(key), `keep files inside ${root}`);
    return undefined;
  }
  return abs;
}

export function parseOverlayMetadata(t: TableReader): OverlayMetadata | undefined {
  const category = t.string('category', { required: true, oneOf: OVERLAY_CATEGORIES });
  const status = t.string('upstream-status', { required: true, oneOf: UPSTREAM_STATUSES });
  const urls = (key: 'commits' | 'bugs') =>
    (t.tableArray(key) ?? []).flatMap((c) => {
      const url = c.string('url', { required: true });
      c.finish();
      if (url === undefined) return [];
      if (!/^https?:\/\/[^/\s]+/i.test(url)) {
        c.report('OVERLAY_METADATA', `\`${c.where}.url\`: "${url}" is not an absolute http(s) URL`, c.valueSpan('url'), 'write the full URL, e.g. https://src.fedoraproject.org/…');
        return [];
      }
      return [{ url }];
    });
  const commits = urls('commits');
  const bugs = urls('bugs');
  t.finish();
  if (category === 'upstream-backport') {
    if (commits.length === 0) t.report('OVERLAY_METADATA', `\`${t.where}\`: category "upstream-backport" needs at least one entry in \`commits\``, t.span(), 'add commits = [{ url = "https://…/commit/…" }]');
    if (status !== undefined && status !== 'upstreamed' && status !== 'upstreamable') {
      t.report('OVERLAY_METADATA', `\`${t.where}\`: category "upstream-backport" needs upstream-status "upstreamed" or "upstreamable", not "${status}"`, t.valueSpan('upstream-status'), 'a backport is upstreamed (or upstreamable) by definition');
    }
  }
  if (category === undefined || status === undefined) return undefined;
  return { category: category as OverlayMetadata['category'], upstreamStatus: status as OverlayMetadata['upstreamStatus'], commits, bugs, definedAt: t.span() };
}

/** Parse one overlay table. Reports every problem; returns undefined when it is unusable. */
export function parseOverlay(t: TableReader, ctx: OverlayParseContext): Overlay | undefined {
  const type = t.string('type', { required: true });
  const description = t.string('description');
  let metadata: OverlayMetadata | undefined = ctx.fileMetadata;
  const metaT = t.has('metadata') ? t.table('metadata') : undefined;
  if (metaT) {
    if (!ctx.allowInlineMetadata) {
      t.report('OVERLAY_FILE_METADATA', `\`${t.where}\` has its own \`metadata\`; in an overlay file the metadata belongs to the file's [metadata] table`, t.keySpan('metadata'), 'move it to the top-level [metadata] table (one per file)');
    } else metadata = parseOverlayMetadata(metaT);
  }
  if (type === undefined) {
    for (const f of ALL_FIELDS) t.raw(f);
    t.finish();
    return undefined;
  }
  if (!(OVERLAY_TYPES as readonly string[]).includes(type)) {
    const dym = didYouMean(type, OVERLAY_TYPES);
    t.report('OVERLAY_UNKNOWN_TYPE', `unknown overlay type "${type}"`, t.valueSpan('type'), dym ? `did you mean "${dym}"?` : `one of: ${OVERLAY_TYPES.join(', ')}`);
    for (const f of ALL_FIELDS) t.raw(f);
    t.finish();
    return undefined;
  }
  const ot = type as OverlayType;
  const rule = OVERLAY_FIELDS[ot];
  const fields: Record<string, string | string[]> = {};
  const fieldSpans: Record<string, SourceSpan> = {};
  let ok = true;
  for (const f of ALL_FIELDS) {
    if (f === 'description') continue;
    const v = f === 'lines' ? t.stringArray(f) : t.string(f);
    if (v !== undefined) {
      fields[f] = v;
      fieldSpans[f] = t.valueSpan(f);
    } else if (t.value[f] !== undefined) ok = false; // wrong type, reported
  }
  t.finish();
  const used = new Set([...rule.required, ...rule.optional]);
  // azldev rejects these two outright; any other ignored key is a warning.
  if (ot === 'spec-remove-subpackage' && t.value['section'] !== undefined) {
    t.report('OVERLAY_BAD_FIELD', 'spec-remove-subpackage takes no `section`: it removes every section of the package', t.keySpan('section'), 'remove `section`; use spec-remove-section to remove one section');
    ok = false;
  }
  if (t.value['archive'] !== undefined && !used.has('archive')) {
    t.report('OVERLAY_BAD_FIELD', `\`archive\` is only allowed on file-remove and file-search-replace, not ${ot}`, t.keySpan('archive'), 'remove `archive`');
    ok = false;
  }
  t.warnUnused(
    ALL_FIELDS.filter((f) => f !== 'description' && f !== 'archive' && !used.has(f) && !(ot === 'spec-remove-subpackage' && f === 'section')),
    `${ot} does not use it`,
  );
  for (const r of rule.required) {
    const v = fields[r];
    // `lines = []` is allowed to be empty only for nothing; an empty required string is missing.
    if (v === undefined && t.value[r] === undefined) {
      t.report('OVERLAY_MISSING_FIELD', `${ot} overlay needs \`${r}\``, t.span(), `add ${r} = ${r === 'lines' ? '["…"]' : '"…"'}`);
      ok = false;
    } else if (v === '') {
      t.report('OVERLAY_MISSING_FIELD', `${ot} overlay has an empty \`${r}\``, t.valueSpan(r), `give ${r} a value`);
      ok = false;
    }
  }
  const str = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string) : undefined);
  // package without section
  if ((ot === 'spec-prepend-lines' || ot === 'spec-append-lines' || ot === 'spec-search-replace') && str('package') && !str('section')) {
    t.report('OVERLAY_PACKAGE_WITHOUT_SECTION', `${ot}: \`package\` needs a \`section\``, t.keySpan('package'), 'add section = "%files" (or the section the lines belong to)');
    ok = false;
  }
  // regex validity (RE2, Go's dialect)
  const rx = str('regex');
  if (rx !== undefined && rx !== '' && used.has('regex')) {
    const err = re2Error(rx);
    if (err) {
      t.report('OVERLAY_BAD_REGEX', `${ot}: invalid RE2 regular expression: ${err}`, t.valueSpan('regex'), 'regexes use RE2 syntax (no lookaround or backreferences); escape literal characters with \\');
      ok = false;
    }
  }
  // file must be relative and stay inside the sources
  const file = str('file');
  if (file !== undefined && used.has('file') && file !== '' && !isConfinedRelative(file)) {
    t.report('PATH_ESCAPES_PROJECT', `${ot}: \`file\` "${file}" must be a relative path inside the component's sources (no "..", not absolute)`, t.valueSpan('file'), 'name the file relative to the sources root');
    ok = false;
  }
  const archive = str('archive');
  if (archive !== undefined && used.has('archive')) {
    if (!ARCHIVE_EXTS.some((e) => archive.endsWith(e))) {
      t.report('OVERLAY_BAD_ARCHIVE', `${ot}: \`archive\` "${archive}" is not a tar archive (${ARCHIVE_EXTS.join(' ')})`, t.valueSpan('archive'), 'name the source tarball the edit applies to');
      ok = false;
    } else if (!isConfinedRelative(archive)) {
      t.report('PATH_ESCAPES_PROJECT', `${ot}: \`archive\` "${archive}" must be a relative path`, t.valueSpan('archive'));
      ok = false;
    }
  }
  if (ot === 'file-rename') {
    const r = str('replacement');
    if (r && (r.includes('/') || r.includes('\\') || r === '.' || r === '..')) {
      t.report('OVERLAY_BAD_FIELD', `file-rename: \`replacement\` "${r}" must be a plain file name`, t.valueSpan('replacement'), 'file-rename renames within the same directory');
      ok = false;
    }
  }
  if ((ot === 'file-prepend-lines' || ot === 'file-add') && file && /\.spec$/.test(file)) {
    t.report('OVERLAY_BAD_FIELD', `${ot} cannot target the spec file "${file}"`, t.valueSpan('file'), 'use a spec-* overlay to edit the spec');
    ok = false;
  }
  let source: string | undefined;
  const src = str('source');
  if (src !== undefined && used.has('source') && src !== '') {
    source = resolveInside(t, 'source', src, t.doc.dir, ctx.projectDir);
    if (source === undefined) ok = false;
  }
  if (!ok) return undefined;

  const common = {
    ...(description !== undefined ? { description } : {}),
    definedAt: t.span(),
    declaredIn: t.doc.file,
    declaredDir: t.doc.dir,
    ...(ctx.overlayFile ? { overlayFile: ctx.overlayFile } : {}),
    ...(metadata ? { metadata } : {}),
    fieldSpans,
  };
  const pkg = str('package') ? { package: str('package')! } : {};
  const sec = str('section') ? { section: str('section')! } : {};
  const lines = (fields['lines'] as string[] | undefined) ?? [];
  switch (ot) {
    case 'spec-add-tag':
    case 'spec-insert-tag':
    case 'spec-set-tag':
    case 'spec-update-tag':
      return { type: ot, ...common, tag: str('tag')!, value: str('value')!, ...pkg };
    case 'spec-remove-tag':
      return { type: ot, ...common, tag: str('tag')!, ...(str('value') !== undefined ? { value: str('value')! } : {}), ...pkg };
    case 'spec-prepend-lines':
    case 'spec-append-lines':
      return { type: ot, ...common, lines, ...sec, ...pkg };
    case 'spec-search-replace':
      return { type: ot, ...common, regex: rx!, replacement: str('replacement') ?? '', ...sec, ...pkg };
    case 'spec-remove-section':
      return { type: ot, ...common, section: str('section')!, ...pkg };
    case 'spec-remove-subpackage':
      return { type: ot, ...common, package: str('package')! };
    case 'patch-add':
      return { type: ot, ...common, source: source!, file: file || path.basename(source!) };
    case 'patch-remove':
      return { type: ot, ...common, file: file! };
    case 'file-prepend-lines':
      return { type: ot, ...common, file: file!, lines };
    case 'file-search-replace':
      return { type: ot, ...common, file: file!, regex: rx!, replacement: str('replacement') ?? '', ...(archive ? { archive } : {}) };
    case 'file-add':
      return { type: ot, ...common, file: file!, source: source! };
    case 'file-remove':
      return { type: ot, ...common, file: file!, ...(archive ? { archive } : {}) };
    case 'file-rename':
      return { type: ot, ...common, file: file!, replacement: str('replacement')! };
  }
}
