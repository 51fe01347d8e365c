/**
 * Planners for the spec-editing overlays: pure functions from spec text to the line edits an
 * overlay makes. Semantics follow azldev's (research/azldev.md §3.7) on the line view of the spec
 * CST (spec-lines.ts); deliberate differences are listed in src/overlay/README.md.
 */
import { RE2JS } from 're2js';
import { error, StrataError, type Diagnostic, type DiagnosticCode } from '../diag/index.js';
import { matchGlob } from './glob.js';
import {
  appendPoint,
  findSections,
  logicalLength,
  packageSections,
  parseSpecLines,
  skipPastConditional,
  type SpecLines,
  type SpecSection,
} from './spec-lines.js';
import { overlayLabel, type Overlay, type Splice } from './types.js';

/** Replace `del` lines at `at` with `ins`. */
export interface LineEdit {
  readonly at: number;
  readonly del: number;
  readonly ins: readonly string[];
}

export interface SpecPlanContext {
  /** Spec file name for messages (`bash.spec`). */
  readonly specFile: string;
}

export function overlayError(o: Overlay, code: DiagnosticCode, what: string, hint?: string, specFile?: string): StrataError {
  const d: Diagnostic = error(code, `${overlayLabel(o)}: ${what}${specFile ? ` (${specFile})` : ''}`, {
    ...(o.definedAt ? { span: o.definedAt } : {}),
    ...(hint ? { hint } : {}),
  });
  return new StrataError(d);
}

function required<K extends keyof Overlay>(o: Overlay, key: K): NonNullable<Overlay[K]> {
  const v = o[key];
  if (v === undefined || v === null || (typeof v === 'string' && v === '' && key !== 'value')) {
    throw overlayError(o, 'OVERLAY_MISSING_FIELD', `the field \`${String(key)}\` is required for ${o.type}`);
  }
  return v as NonNullable<Overlay[K]>;
}

/** Compile an RE2 (Go syntax) regex, or throw a coded diagnostic. */
export function compileRe2(o: Overlay, pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw overlayError(o, 'OVERLAY_INVALID_REGEX', `invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`,
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

function tagLine(tag: string, value: string): string {
  return `${tag}: ${value}`;
}

function sectionDesc(o: Overlay): string {
  return `section ${o.section ?? ''}${o.package ? ` for package ${JSON.stringify(o.package)}` : ''}`;
}

function requireSections(o: Overlay, model: SpecLines, section: string, pkg: string, ctx: SpecPlanContext): SpecSection[] {
  const found = section === '' && pkg === '' ? model.sections.filter((s) => s.header === -1) : section === '%package' && pkg === '' ? model.sections.filter((s) => s.header === -1) : findSections(model, section, pkg);
  if (found.length === 0) {
    const have = [...new Set(model.sections.filter((s) => s.header >= 0).map((s) => (s.pkg ? `${s.name} ${s.pkg}` : s.name)))];
    throw overlayError(o, 'OVERLAY_SECTION_NOT_FOUND', `no ${section || '%package'} section${pkg ? ` for package ${JSON.stringify(pkg)}` : ''}`,
      `sections are matched exactly (case-sensitive) and packages by the literal header qualifier; the spec has: ${have.slice(0, 12).join(', ')}${have.length > 12 ? ', …' : ''}`,
      ctx.specFile);
  }
  return found;
}

function tagSections(o: Overlay, model: SpecLines, ctx: SpecPlanContext): SpecSection[] {
  const pkg = o.package ?? '';
  return pkg === '' ? packageSections(model, '') : requireSections(o, model, '%package', pkg, ctx);
}

function addTagEdits(model: SpecLines, sections: readonly SpecSection[], line: string): LineEdit[] {
  return sections.map((s) => ({ at: appendPoint(model, s), del: 0, ins: [line] }));
}

function tagFamily(tag: string): string {
  return tag.toLowerCase().replace(/\d+$/, '');
}

function insertTagEdits(model: SpecLines, sections: readonly SpecSection[], tag: string, line: string): LineEdit[] {
  const fam = tagFamily(tag);
  const edits: LineEdit[] = [];
  for (const s of sections) {
    let lastSame = -1;
    let lastAny = -1;
    for (let i = s.start; i < s.end; i++) {
      const l = model.lines[i]!;
      if (l.kind !== 'tag') continue;
      lastAny = i;
      if (tagFamily(l.tag!) === fam) lastSame = i;
    }
    const after = lastSame >= 0 ? lastSame : lastAny;
    if (after < 0) edits.push({ at: appendPoint(model, s), del: 0, ins: [line] });
    else edits.push({ at: skipPastConditional(model, s, after + logicalLength(model, after)), del: 0, ins: [line] });
  }
  return edits;
}

function matchingTags(model: SpecLines, sections: readonly SpecSection[], tag: string, value?: string): number[] {
  const lt = tag.toLowerCase();
  const lv = value?.toLowerCase();
  const out: number[] = [];
  for (const s of sections) {
    for (let i = s.start; i < s.end; i++) {
      const l = model.lines[i]!;
      if (l.kind === 'tag' && l.tag!.toLowerCase() === lt && (lv === undefined || l.value!.toLowerCase() === lv)) out.push(i);
    }
  }
  return out;
}

function splitReplacementLines(text: string): string[] {
  return text.split('\n');
}

/** Highest numeric PatchN across all packages (April azldev: unnumbered `Patch:` is ignored). */
export function highestPatchNumber(model: SpecLines): number {
  let n = -1;
  for (const l of model.lines) {
    if (l.kind !== 'tag') continue;
    const m = /^patch(\d+)$/i.exec(l.tag!);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}

/** Removal range [header, end) balanced against conditionals, keeping macro definitions. */
function removalLines(model: SpecLines, s: SpecSection): Set<number> {
  const del = new Set<number>();
  for (let i = s.header; i < s.end; i++) del.add(i);
  // Keep conditional directives whose partner lies outside the range: the `%endif` of a
  // conditional that wraps this section, or a `%if` that opens around the next section.
  for (let i = s.header; i < s.end; i++) {
    const l = model.lines[i]!;
    if (!l.cond) continue;
    const p = model.partner.get(i);
    const opener = l.cond === 'close' ? p : undefined;
    const outside = p === undefined || p < s.header || p >= s.end || (opener !== undefined && (opener < s.header || opener >= s.end));
    if (outside) for (let k = i; k < i + logicalLength(model, i); k++) del.delete(k);
  }
  // Macro definitions are global in rpm: removing a section must not drop them (azldev #203).
  for (let i = s.start; i < s.end; i++) {
    const n = model.lines[i]!.node;
    if (n.kind === 'macro-definition' && n.keyword !== 'undefine') del.delete(i);
  }
  // A conditional left empty by the removal goes too.
  for (const [open, close] of model.partner) {
    if (model.lines[open]!.cond !== 'open' || del.has(open) || del.has(close)) continue;
    let touched = false;
    let empty = true;
    for (let k = open + logicalLength(model, open); k < close; k++) {
      if (del.has(k)) touched = true;
      else if (model.lines[k]!.text.trim() !== '' && model.lines[k]!.kind !== 'comment') empty = false;
    }
    if (touched && empty) for (let k = open; k <= close; k++) del.add(k);
  }
  // Blank lines after a balancing `%endif` the removal keeps stay, so the next section keeps its
  // separation.
  let lastKept = -1;
  for (let i = s.header; i < s.end; i++) if (!del.has(i)) lastKept = i;
  if (lastKept >= 0 && model.lines[lastKept]!.cond === 'close') for (let i = lastKept + 1; i < s.end && model.lines[i]!.text.trim() === ''; i++) del.delete(i);
  return del;
}

function removalEdits(model: SpecLines, sections: readonly SpecSection[]): LineEdit[] {
  const del = new Set<number>();
  for (const s of sections) for (const i of removalLines(model, s)) del.add(i);
  const sorted = [...del].sort((a, b) => a - b);
  const edits: LineEdit[] = [];
  for (let k = 0; k < sorted.length; ) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    edits.push({ at: sorted[k]!, del: j - k + 1, ins: [] });
    k = j + 1;
  }
  return edits;
}

function checkBalanced(o: Overlay, model: SpecLines, ctx: SpecPlanContext): void {
  if (model.unbalanced.length) {
    const line = model.unbalanced[0]! + 1;
    throw overlayError(o, 'OVERLAY_UNBALANCED_CONDITIONAL', `the spec's conditionals are unbalanced (line ${line}: ${model.lines[line - 1]!.text.trim()}); cannot remove a section safely`, undefined, ctx.specFile);
  }
}

/** The line edits one spec overlay makes. Throws a coded StrataError when it would change nothing. */
export function planSpecEdits(model: SpecLines, o: Overlay, ctx: SpecPlanContext): LineEdit[] {
  switch (o.type) {
    case 'spec-add-tag': {
      const tag = required(o, 'tag');
      return addTagEdits(model, tagSections(o, model, ctx), tagLine(tag, o.value ?? ''));
    }
    case 'spec-insert-tag': {
      const tag = required(o, 'tag');
      return insertTagEdits(model, tagSections(o, model, ctx), tag, tagLine(tag, o.value ?? ''));
    }
    case 'spec-update-tag':
    case 'spec-set-tag': {
      const tag = required(o, 'tag');
      const secs = tagSections(o, model, ctx);
      const hits = matchingTags(model, secs, tag);
      if (hits.length === 0) {
        if (o.type === 'spec-set-tag') return addTagEdits(model, secs, tagLine(tag, o.value ?? ''));
        throw overlayError(o, 'OVERLAY_NO_SUCH_TAG', `no tag ${tag} in ${o.package ? `package ${JSON.stringify(o.package)}` : 'the main package'}`,
          'use spec-set-tag to add the tag when it is missing', ctx.specFile);
      }
      return hits.map((i) => ({ at: i, del: logicalLength(model, i), ins: [tagLine(tag, o.value ?? '')] }));
    }
    case 'spec-remove-tag': {
      const tag = required(o, 'tag');
      const hits = matchingTags(model, tagSections(o, model, ctx), tag, o.value === '' ? undefined : o.value);
      if (hits.length === 0) {
        throw overlayError(o, 'OVERLAY_NO_SUCH_TAG',
          `no tag ${tag}${o.value ? ` = ${JSON.stringify(o.value)}` : ''} in ${o.package ? `package ${JSON.stringify(o.package)}` : 'the main package'}`,
          o.value ? 'the value is compared case-insensitively with the whole tag value' : undefined, ctx.specFile);
      }
      return hits.map((i) => ({ at: i, del: logicalLength(model, i), ins: [] }));
    }
    case 'spec-prepend-lines':
    case 'spec-append-lines': {
      const lines = required(o, 'lines');
      if (!o.section) {
        return [{ at: o.type === 'spec-prepend-lines' ? 0 : model.lines.length, del: 0, ins: lines }];
      }
      const secs = requireSections(o, model, o.section, o.package ?? '', ctx);
      return secs.map((s) => ({ at: o.type === 'spec-prepend-lines' ? s.start : appendPoint(model, s), del: 0, ins: lines }));
    }
    case 'spec-search-replace': {
      const pattern = required(o, 'regex');
      const re = compileRe2(o, pattern);
      const secs = o.section ? requireSections(o, model, o.section, o.package ?? '', ctx) : model.sections;
      const edits: LineEdit[] = [];
      let matches = 0;
      for (const s of secs) {
        for (let i = s.start; i < s.end; i++) {
          const r = replaceAllLiteral(re, model.lines[i]!.text, o.replacement ?? '');
          if (r.count === 0) continue;
          matches += r.count;
          edits.push({ at: i, del: 1, ins: splitReplacementLines(r.text) });
        }
      }
      if (matches === 0) {
        throw overlayError(o, 'OVERLAY_PATTERN_NOT_FOUND', `regex ${JSON.stringify(pattern)} matches no line${o.section ? ` of ${sectionDesc(o)}` : ''}`,
          'the regex is applied to each line separately (section header lines excluded); RE2 syntax', ctx.specFile);
      }
      return edits;
    }
    case 'spec-remove-section': {
      const section = required(o, 'section');
      if (section === '') throw overlayError(o, 'OVERLAY_MISSING_FIELD', 'the preamble cannot be removed');
      checkBalanced(o, model, ctx);
      return removalEdits(model, requireSections(o, model, section, o.package ?? '', ctx));
    }
    case 'spec-remove-subpackage': {
      const pkg = required(o, 'package');
      if (o.section) throw overlayError(o, 'OVERLAY_INVALID_FIELD', 'spec-remove-subpackage takes no `section`', 'it removes every section of the package');
      checkBalanced(o, model, ctx);
      const secs = model.sections.filter((s) => s.header >= 0 && s.pkg === pkg);
      if (secs.length === 0) {
        throw overlayError(o, 'OVERLAY_SECTION_NOT_FOUND', `no section for package ${JSON.stringify(pkg)}`,
          'the package is matched by the literal qualifier in the headers (`devel` for `%package devel`, the full name for `-n`)', ctx.specFile);
      }
      return removalEdits(model, secs);
    }
    case 'patch-add': {
      const source = required(o, 'source');
      const file = o.file ?? basename(source);
      const lists = model.sections.filter((s) => s.header >= 0 && s.name.toLowerCase() === '%patchlist');
      if (lists.length) return lists.map((s) => ({ at: appendPoint(model, s), del: 0, ins: [file] }));
      const n = highestPatchNumber(model) + 1;
      const tag = `Patch${n}`;
      return addTagEdits(model, tagSections(o, model, ctx), tagLine(tag, file));
    }
    case 'patch-remove': {
      const pattern = required(o, 'file');
      const edits: LineEdit[] = [];
      for (const s of model.sections) {
        const isList = s.header >= 0 && s.name.toLowerCase() === '%patchlist';
        for (let i = s.start; i < s.end; i++) {
          const l = model.lines[i]!;
          if (isList && l.kind === 'raw' && l.text.trim() && !l.cond && matchGlob(pattern, l.text.trim())) edits.push({ at: i, del: 1, ins: [] });
          else if (l.kind === 'tag' && /^patch\d*$/i.test(l.tag!) && matchGlob(pattern, l.value!)) edits.push({ at: i, del: logicalLength(model, i), ins: [] });
        }
      }
      if (edits.length === 0) {
        throw overlayError(o, 'OVERLAY_PATTERN_NOT_FOUND', `no Patch tag or %patchlist entry matches ${JSON.stringify(pattern)}`,
          '`file` is a glob matched against each Patch tag value', ctx.specFile);
      }
      return edits;
    }
    default:
      return [];
  }
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Apply line edits (non-overlapping) to the raw lines. */
export function applyLineEdits(raw: readonly string[], edits: readonly LineEdit[]): string[] {
  const sorted = [...edits].sort((a, b) => b.at - a.at || b.del - a.del);
  const out = raw.slice();
  for (const e of sorted) out.splice(e.at, e.del, ...e.ins);
  return out;
}

/** The same edits as text splices on `text` (the joined form of `raw`). */
export function lineEditsToSplices(raw: readonly string[], edits: readonly LineEdit[]): Splice[] {
  const offsets: number[] = [0];
  for (const l of raw) offsets.push(offsets[offsets.length - 1]! + l.length + 1);
  return [...edits]
    .sort((a, b) => a.at - b.at)
    .map((e) => ({
      offset: offsets[e.at]!,
      length: offsets[e.at + e.del]! - offsets[e.at]!,
      text: e.ins.map((l) => l + '\n').join(''),
    }));
}

/** Plan one spec overlay on spec lines: the edits and the resulting lines. */
export function planSpecOverlay(raw: readonly string[], o: Overlay, ctx: SpecPlanContext): { edits: LineEdit[]; lines: string[] } {
  const model = parseSpecLines(raw);
  const edits = planSpecEdits(model, o, ctx);
  return { edits, lines: applyLineEdits(raw, edits) };
}
