/**
 * The spec half of the overlays: one pure planner per overlay type, from the line view of the
 * spec CST (src/spec/edit.ts) to the line edits the overlay makes. Semantics follow azldev's
 * (research/azldev.md §3.7); deliberate differences are listed in src/overlay/README.md. New tag
 * lines are written in azldev's form (`Tag: value`), which the render golden cases hold.
 */
import { RE2JS } from 're2js';
import {
  appendPoint,
  findLineSections,
  formatTagLine,
  highestPatchNumber,
  logicalLength,
  packageSections,
  planSectionRemoval,
  skipPastConditional,
  type LineEdit,
  type LineSection,
  type SpecLineView,
  type TagLineStyle,
} from '../spec/index.js';
import { selectByFilePattern } from './glob.js';
import { overlayError, type AnyOverlay, type OverlayOf } from './types.js';

export interface SpecPlanContext {
  /** Spec file name for messages (`bash.spec`). */
  readonly specFile: string;
}

/** A spec planner for overlays of one type. */
export type SpecPlanner<O extends AnyOverlay> = (view: SpecLineView, o: O, ctx: SpecPlanContext) => LineEdit[];

/** Overlays write new tag lines as azldev does. */
const TAG_STYLE: TagLineStyle = 'azldev';

/** Compile an RE2 (Go syntax) regex, or throw a coded diagnostic. */
export function compileRe2(o: AnyOverlay, pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw overlayError(o, 'OVERLAY_BAD_REGEX', `invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`,
      'regexes use RE2 (Go) syntax: no backreferences or lookaround');
  }
}

/** Replace every match literally; returns the new text and the number of matches. */
export function replaceAllLiteral(re: RE2JS, text: string, replacement: string): { text: string; count: number } {
  let count = 0;
  const out = re.matcher(text).replaceAll(() => {
    count++;
    return replacement;
  });
  return { text: count ? out : text, count };
}

function tagLine(view: SpecLineView, tag: string, value: string): string {
  return formatTagLine(view.doc, tag, value, TAG_STYLE);
}

function packageDesc(pkg: string | undefined): string {
  return pkg ? `package ${JSON.stringify(pkg)}` : 'the main package';
}

function noSection(o: AnyOverlay, view: SpecLineView, section: string, pkg: string, ctx: SpecPlanContext): never {
  const have = [...new Set(view.sections.filter((s) => s.header >= 0).map((s) => (s.pkg ? `${s.name} ${s.pkg}` : s.name)))];
  throw overlayError(o, 'OVERLAY_SECTION_NOT_FOUND', `no ${section || '%package'} section${pkg ? ` for package ${JSON.stringify(pkg)}` : ''}`,
    `sections are matched exactly (case-sensitive) and packages by the literal header qualifier; the spec has: ${have.slice(0, 12).join(', ')}${have.length > 12 ? ', …' : ''}`,
    ctx.specFile);
}

/** The sections an overlay's `section` + `package` name (`%package` with no package: the preamble). */
function requireSections(o: AnyOverlay, view: SpecLineView, section: string, pkg: string, ctx: SpecPlanContext): LineSection[] {
  const found = pkg === '' && (section === '' || section === '%package') ? packageSections(view, '') : findLineSections(view, section, pkg);
  return found.length ? found : noSection(o, view, section, pkg, ctx);
}

/** The sections holding the tags of the overlay's package. */
function tagSections(o: AnyOverlay & { readonly package?: string }, view: SpecLineView, ctx: SpecPlanContext): LineSection[] {
  const pkg = o.package ?? '';
  return pkg === '' ? packageSections(view, '') : requireSections(o, view, '%package', pkg, ctx);
}

function addTagEdits(view: SpecLineView, sections: readonly LineSection[], line: string): LineEdit[] {
  return sections.map((s) => ({ at: appendPoint(view, s), del: 0, ins: [line] }));
}

function tagFamily(tag: string): string {
  return tag.toLowerCase().replace(/\d+$/, '');
}

function matchingTags(view: SpecLineView, sections: readonly LineSection[], tag: string, value?: string): number[] {
  const lt = tag.toLowerCase();
  const lv = value?.toLowerCase();
  const out: number[] = [];
  for (const s of sections) {
    for (let i = s.start; i < s.end; i++) {
      const l = view.lines[i]!;
      if (l.kind === 'tag' && l.tag!.toLowerCase() === lt && (lv === undefined || l.value!.toLowerCase() === lv)) out.push(i);
    }
  }
  return out;
}

function checkBalanced(o: AnyOverlay, view: SpecLineView, ctx: SpecPlanContext): void {
  if (view.unbalanced.length) {
    const line = view.unbalanced[0]! + 1;
    throw overlayError(o, 'OVERLAY_UNBALANCED_CONDITIONAL', `the spec's conditionals are unbalanced (line ${line}: ${view.lines[line - 1]!.text.trim()}); cannot remove a section safely`, undefined, ctx.specFile);
  }
}

/** spec-add-tag: at the end of the package's preamble (never inside a `%if` wrapping the next section). */
export const planAddTag: SpecPlanner<OverlayOf<'spec-add-tag'>> = (view, o, ctx) => addTagEdits(view, tagSections(o, view, ctx), tagLine(view, o.tag, o.value));

/** spec-insert-tag: after the last tag of the same family (else after the last tag), past an enclosing `%endif`. */
export const planInsertTag: SpecPlanner<OverlayOf<'spec-insert-tag'>> = (view, o, ctx) => {
  const fam = tagFamily(o.tag);
  const line = tagLine(view, o.tag, o.value);
  return tagSections(o, view, ctx).map((s) => {
    let lastSame = -1;
    let lastAny = -1;
    for (let i = s.start; i < s.end; i++) {
      const l = view.lines[i]!;
      if (l.kind !== 'tag') continue;
      lastAny = i;
      if (tagFamily(l.tag!) === fam) lastSame = i;
    }
    const after = lastSame >= 0 ? lastSame : lastAny;
    return { at: after < 0 ? appendPoint(view, s) : skipPastConditional(view, s, after + logicalLength(view, after)), del: 0, ins: [line] };
  });
};

/** spec-update-tag / spec-set-tag: rewrite every matching tag line; set-tag adds the tag when it is missing. */
function planRewriteTag(view: SpecLineView, o: OverlayOf<'spec-update-tag' | 'spec-set-tag'>, ctx: SpecPlanContext): LineEdit[] {
  const secs = tagSections(o, view, ctx);
  const hits = matchingTags(view, secs, o.tag);
  const line = tagLine(view, o.tag, o.value);
  if (hits.length === 0) {
    if (o.type === 'spec-set-tag') return addTagEdits(view, secs, line);
    throw overlayError(o, 'OVERLAY_NO_SUCH_TAG', `no tag ${o.tag} in ${packageDesc(o.package)}`, 'use spec-set-tag to add the tag when it is missing', ctx.specFile);
  }
  return hits.map((i) => ({ at: i, del: logicalLength(view, i), ins: [line] }));
}
export const planUpdateTag: SpecPlanner<OverlayOf<'spec-update-tag'>> = planRewriteTag;
export const planSetTag: SpecPlanner<OverlayOf<'spec-set-tag'>> = planRewriteTag;

/** spec-remove-tag: every matching tag line (with `value`, compared case-insensitively, when set). */
export const planRemoveTag: SpecPlanner<OverlayOf<'spec-remove-tag'>> = (view, o, ctx) => {
  const hits = matchingTags(view, tagSections(o, view, ctx), o.tag, o.value === '' ? undefined : o.value);
  if (hits.length === 0) {
    throw overlayError(o, 'OVERLAY_NO_SUCH_TAG', `no tag ${o.tag}${o.value ? ` = ${JSON.stringify(o.value)}` : ''} in ${packageDesc(o.package)}`,
      o.value ? 'the value is compared case-insensitively with the whole tag value' : undefined, ctx.specFile);
  }
  return hits.map((i) => ({ at: i, del: logicalLength(view, i), ins: [] }));
};

/** spec-prepend-lines / spec-append-lines: at the top/bottom of the spec, or of each matching section. */
function planLines(view: SpecLineView, o: OverlayOf<'spec-prepend-lines' | 'spec-append-lines'>, ctx: SpecPlanContext): LineEdit[] {
  const prepend = o.type === 'spec-prepend-lines';
  if (!o.section) return [{ at: prepend ? 0 : view.lines.length, del: 0, ins: o.lines }];
  return requireSections(o, view, o.section, o.package ?? '', ctx).map((s) => ({ at: prepend ? s.start : appendPoint(view, s), del: 0, ins: o.lines }));
}
export const planPrependLines: SpecPlanner<OverlayOf<'spec-prepend-lines'>> = planLines;
export const planAppendLines: SpecPlanner<OverlayOf<'spec-append-lines'>> = planLines;

/** spec-search-replace: the regex on each body line (of the section when set); a `\n` in the result splits the line. */
export const planSearchReplace: SpecPlanner<OverlayOf<'spec-search-replace'>> = (view, o, ctx) => {
  const re = compileRe2(o, o.regex);
  const secs = o.section ? requireSections(o, view, o.section, o.package ?? '', ctx) : view.sections;
  const edits: LineEdit[] = [];
  for (const s of secs) {
    for (let i = s.start; i < s.end; i++) {
      const r = replaceAllLiteral(re, view.lines[i]!.text, o.replacement);
      if (r.count === 0) continue;
      edits.push({ at: i, del: 1, ins: r.text.split('\n') });
    }
  }
  if (edits.length === 0) {
    throw overlayError(o, 'OVERLAY_PATTERN_NOT_FOUND',
      `regex ${JSON.stringify(o.regex)} matches no line${o.section ? ` of section ${o.section}${o.package ? ` for package ${JSON.stringify(o.package)}` : ''}` : ''}`,
      'the regex is applied to each line separately (section header lines excluded); RE2 syntax', ctx.specFile);
  }
  return edits;
};

/** spec-remove-section: every section with that header (never the preamble), conditional-balanced. */
export const planRemoveSection: SpecPlanner<OverlayOf<'spec-remove-section'>> = (view, o, ctx) => {
  checkBalanced(o, view, ctx);
  const pkg = o.package ?? '';
  const secs = findLineSections(view, o.section, pkg);
  return planSectionRemoval(view, secs.length ? secs : noSection(o, view, o.section, pkg, ctx));
};

/** spec-remove-subpackage: every section of the package, conditional-balanced. */
export const planRemoveSubpackage: SpecPlanner<OverlayOf<'spec-remove-subpackage'>> = (view, o, ctx) => {
  checkBalanced(o, view, ctx);
  const secs = view.sections.filter((s) => s.header >= 0 && s.pkg === o.package);
  if (secs.length === 0) {
    throw overlayError(o, 'OVERLAY_SECTION_NOT_FOUND', `no section for package ${JSON.stringify(o.package)}`,
      'the package is matched by the literal qualifier in the headers (`devel` for `%package devel`, the full name for `-n`)', ctx.specFile);
  }
  return planSectionRemoval(view, secs);
};

function isPatchlist(s: LineSection): boolean {
  return s.header >= 0 && s.name.toLowerCase() === '%patchlist';
}

/** patch-add: a `%patchlist` entry when the spec has one, else `Patch<highest+1>` at the end of the main preamble. */
export const planPatchAdd: SpecPlanner<OverlayOf<'patch-add'>> = (view, o) => {
  const lists = view.sections.filter(isPatchlist);
  if (lists.length) return lists.map((s) => ({ at: appendPoint(view, s), del: 0, ins: [o.file] }));
  return addTagEdits(view, packageSections(view, ''), tagLine(view, `Patch${highestPatchNumber(view) + 1}`, o.file));
};

/** patch-remove: every Patch tag and `%patchlist` entry whose value matches the glob. */
export const planPatchRemove: SpecPlanner<OverlayOf<'patch-remove'>> = (view, o, ctx) => {
  // Every patch name of the spec with its line; `file` selects among them (an exact name alone, else the glob's matches).
  const names: { at: number; name: string; del: number }[] = [];
  for (const s of view.sections) {
    const isList = isPatchlist(s);
    for (let i = s.start; i < s.end; i++) {
      const l = view.lines[i]!;
      if (isList && l.kind === 'raw' && l.text.trim() && !l.cond) names.push({ at: i, name: l.text.trim(), del: 1 });
      else if (l.kind === 'tag' && /^patch\d*$/i.test(l.tag!)) names.push({ at: i, name: l.value!, del: logicalLength(view, i) });
    }
  }
  const edits: LineEdit[] = selectByFilePattern(o.file, names, (n) => n.name).map((n) => ({ at: n.at, del: n.del, ins: [] }));
  if (edits.length === 0) {
    throw overlayError(o, 'OVERLAY_PATTERN_NOT_FOUND', `no Patch tag or %patchlist entry matches ${JSON.stringify(o.file)}`,
      '`file` is the exact value of a Patch tag or %patchlist entry, or else a glob matched against each', ctx.specFile);
  }
  return edits;
};
