/**
 * Re-apply a component's overlays, in order, to a new upstream spec (and, when known, its new
 * sources) and classify each: `applies`, `no-longer-applies`, `redundant` or `already-upstream`.
 * The overlays are planned by the overlay engine's own handlers (src/overlay/handlers.ts); this
 * module decides what a planner's failure or empty result means for a rebase. One classifier
 * per overlay type in a typed table, so a new overlay type is a compile error until it is
 * classified. Pure: the caller reads files.
 */
import * as path from 'node:path';
import { error, isStrataError, type Diagnostic, type DiagnosticCode, type SourceSpan } from '../diag/index.js';
import type { Overlay } from '../config/types.js';
import {
  decodeBytes,
  matchGlob,
  overlayLabel,
  planOverlayFiles,
  planOverlaySpec,
  type AnyOverlay,
  type FileEntry,
  type OverlayOf,
  type OverlayType,
} from '../overlay/index.js';
import {
  applySplices,
  findLineSections,
  lineEditSplices,
  packageSections,
  parseDependencies,
  parseSpec,
  viewSpecLines,
  type LineSection,
  type SpecLineView,
} from '../spec/index.js';
import { nearestLines, regexLiterals } from './nearest.js';
import { patchFit, type SourceTree } from './patches.js';
import type { Candidate, OverlayVerdict, RebaseClass, VerdictBasis } from './types.js';

/** The new upstream of one component. */
export interface NewUpstream {
  /** The spec text (the upstream spec, named `<component>.spec`). */
  readonly spec: string;
  /** Where the spec was read, for messages and spans (a path, or `dist-git URL@commit:NAME.spec`). */
  readonly specFile: string;
  /** The dist-git files beside the spec (relative path → bytes), when known. */
  readonly files?: ReadonlyMap<string, Uint8Array>;
  /** The unpacked upstream sources (for patch checks), when known. */
  readonly tree?: SourceTree;
}

export interface ClassifyDeps {
  /** Read an overlay's own file (`source` of patch-add/file-add); undefined when it cannot be read. */
  readonly readSource: (absPath: string) => Promise<Uint8Array | undefined>;
}

interface State {
  spec: string;
  view: SpecLineView;
  /** The view of the new upstream spec as published (line numbers in messages are its). */
  readonly orig: SpecLineView;
  readonly specFile: string;
  /** The sources as the overlays so far left them (undefined: unknown). */
  readonly files: Map<string, Uint8Array> | undefined;
  readonly tree: SourceTree | undefined;
  readonly deps: ClassifyDeps;
}

interface Outcome {
  readonly class: RebaseClass;
  readonly reason: string;
  /** The spec after the overlay, when it applies and edits the spec. */
  readonly after?: string;
  readonly basis?: VerdictBasis;
  readonly unverified?: boolean;
  /** For no-longer-applies: the planner's failure (code + message + hint). */
  readonly failure?: { readonly code: DiagnosticCode; readonly message: string; readonly hint?: string };
  readonly scope?: readonly { start: number; end: number }[];
}

type Classifier<O extends AnyOverlay> = (st: State, o: O) => Promise<Outcome> | Outcome;
type ClassifierTable = { readonly [K in OverlayType]: Classifier<OverlayOf<K>> };

// ---------------------------------------------------------------------------------------------
// helpers

type Planned = { ok: true; after: string } | { ok: false; code: DiagnosticCode; message: string; hint?: string };

function planSpec(st: State, o: AnyOverlay): Planned {
  try {
    const edits = planOverlaySpec(st.view, o, { specFile: path.basename(st.specFile) });
    const after = edits.length ? applySplices(st.spec, lineEditSplices(st.view, edits), st.specFile) : st.spec;
    return { ok: true, after };
  } catch (e) {
    if (!isStrataError(e)) throw e;
    const d = e.diagnostics[0]!;
    return { ok: false, code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
  }
}

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');

const DEP_TAG = /^(build)?(requires|provides|conflicts|obsoletes|recommends|suggests|supplements|enhances|buildconflicts|orderwithrequires)(\(.*\))?$/i;

function depKeys(value: string): string[] {
  return parseDependencies(value).map((d) => (d.op ? `${d.name} ${d.op} ${d.evr ?? ''}` : d.name));
}

/** The sections holding the tags of a package ('' = main), or undefined when the package is missing. */
function tagScope(view: SpecLineView, pkg: string | undefined): LineSection[] | undefined {
  const secs = pkg ? findLineSections(view, '%package', pkg) : packageSections(view, '');
  return secs.length ? secs : undefined;
}

interface TagHit {
  readonly i: number;
  readonly value: string;
  /** The line sits inside a conditional the section itself is not in (`%if 0%{?fedora}`): it may not be active for the distro. */
  readonly conditional: boolean;
}

function tagLinesIn(view: SpecLineView, secs: readonly LineSection[], tag: string): TagHit[] {
  const lt = tag.toLowerCase();
  const out: TagHit[] = [];
  for (const s of secs) for (let i = s.start; i < s.end; i++) {
    const l = view.lines[i]!;
    if (l.kind === 'tag' && l.tag!.toLowerCase() === lt) out.push({ i, value: l.value!, conditional: view.context[i] !== view.context[s.start] });
  }
  return out;
}

/**
 * The tag line(s) that already carry `value` of `tag` (dependency lists compared entry by
 * entry): the first one, or undefined.
 */
function tagValueAt(have: readonly TagHit[], tag: string, value: string): TagHit | undefined {
  const same = have.find((h) => norm(h.value) === norm(value));
  if (same) return same;
  if (!DEP_TAG.test(tag)) return undefined;
  const want = depKeys(value);
  if (want.length === 0) return undefined;
  const hits = want.map((k) => have.find((h) => depKeys(h.value).includes(k)));
  return hits.every(Boolean) ? hits.find((h) => h!.conditional) ?? hits[0] : undefined;
}

/**
 * The 1-based line in the new upstream spec as published of line `i` of the current (already
 * overlaid) spec: the same text nearest to it; the current line when the text is new.
 */
function lineNo(st: State, i: number): number {
  if (st.view === st.orig) return i + 1;
  const t = st.view.lines[i]?.text;
  let best = -1;
  st.orig.lines.forEach((l, k) => {
    if (l.text === t && (best < 0 || Math.abs(k - i) < Math.abs(best - i))) best = k;
  });
  return (best < 0 ? i : best) + 1;
}

/** The section ranges an overlay's `section` + `package` target (all sections when no section). */
function sectionScope(view: SpecLineView, section: string | undefined, pkg: string | undefined): LineSection[] | undefined {
  if (!section) return [...view.sections];
  const secs = pkg === undefined || pkg === '' ? (section === '%package' ? packageSections(view, '') : findLineSections(view, section, '')) : findLineSections(view, section, pkg);
  return secs.length ? secs : undefined;
}

/** Whether the non-blank `lines` appear, in order and consecutively (blank lines ignored), inside `secs`. */
function linesPresent(view: SpecLineView, secs: readonly { start: number; end: number }[], lines: readonly string[]): number | undefined {
  const want = lines.map((l) => l.trim()).filter(Boolean);
  if (want.length === 0) return undefined;
  for (const s of secs) {
    // Only lines in the section's own conditional context count: a line inside `%if` may not be active.
    const have: { i: number; t: string }[] = [];
    for (let i = s.start; i < s.end; i++) {
      const t = view.lines[i]!.text.trim();
      if (t && view.context[i] === view.context[s.start]) have.push({ i, t });
    }
    for (let k = 0; k + want.length <= have.length; k++) {
      if (want.every((w, j) => have[k + j]!.t === w)) return have[k]!.i;
    }
  }
  return undefined;
}

function noLonger(p: Extract<Planned, { ok: false }>, reason: string, scope?: readonly { start: number; end: number }[]): Outcome {
  return { class: 'no-longer-applies', reason, failure: { code: p.code, message: p.message, ...(p.hint ? { hint: p.hint } : {}) }, ...(scope ? { scope } : {}) };
}

function applied(p: Extract<Planned, { ok: true }>, reason = 'changes the new spec as intended'): Outcome {
  return { class: 'applies', reason, after: p.after };
}

function fail(code: DiagnosticCode, message: string, hint?: string): Extract<Planned, { ok: false }> {
  return { ok: false, code, message, ...(hint ? { hint } : {}) };
}

// ---------------------------------------------------------------------------------------------
// spec overlays

const addTag: Classifier<OverlayOf<'spec-add-tag' | 'spec-insert-tag'>> = (st, o) => {
  const secs = tagScope(st.view, o.package);
  const p = planSpec(st, o);
  if (!p.ok) return noLonger(p, `the package ${o.package ? JSON.stringify(o.package) : ''} is gone from the new spec`.replace('  ', ' '));
  const have = tagLinesIn(st.view, secs ?? [], o.tag);
  const there = tagValueAt(have, o.tag, o.value);
  if (there && !there.conditional) return { class: 'redundant', reason: `the new spec already has ${o.tag}: ${there.value} (line ${lineNo(st, there.i)})` };
  if (there) return applied(p, `the new spec has ${o.tag}: ${there.value} only inside a conditional (line ${lineNo(st, there.i)}), which may not hold for this distro: kept`);
  // A numbered Source/Patch the new spec already uses for another file: a second one breaks the spec.
  if (/^(source|patch)\d+$/i.test(o.tag) && have.length) {
    return noLonger(fail('OVERLAY_DEST_EXISTS', `${overlayLabel(o)}: the new spec already has ${o.tag}: ${have[0]!.value} (line ${lineNo(st, have[0]!.i)}); adding a second ${o.tag} breaks it`, `renumber the tag`),
      `${o.tag} is taken in the new spec by ${have[0]!.value}`);
  }
  return applied(p);
};

const rewriteTag: Classifier<OverlayOf<'spec-set-tag' | 'spec-update-tag'>> = (st, o) => {
  const secs = tagScope(st.view, o.package);
  const p = planSpec(st, o);
  if (!p.ok) {
    return noLonger(p, secs ? `the new spec has no ${o.tag} tag to update` : `the package ${JSON.stringify(o.package)} is gone from the new spec`, secs);
  }
  if (p.after === st.spec) {
    const have = tagLinesIn(st.view, secs ?? [], o.tag);
    return { class: 'redundant', reason: `the new spec already has ${o.tag}: ${o.value}${have.length ? ` (line ${lineNo(st, have[0]!.i)})` : ''}` };
  }
  const have = tagLinesIn(st.view, secs ?? [], o.tag);
  if (have.length && have.every((h) => norm(h.value) === norm(o.value))) {
    return { class: 'redundant', reason: `the new spec already has ${o.tag}: ${o.value} (line ${lineNo(st, have[0]!.i)}; only the spacing differs)` };
  }
  return applied(p, have.length ? `${o.tag}: ${have[0]!.value} → ${o.value}` : `adds ${o.tag}: ${o.value}`);
};

const removeTag: Classifier<OverlayOf<'spec-remove-tag'>> = (st, o) => {
  const secs = tagScope(st.view, o.package);
  const p = planSpec(st, o);
  if (p.ok) return applied(p, `removes ${o.tag}${o.value ? `: ${o.value}` : ''}`);
  if (!secs) return noLonger(p, `the package ${JSON.stringify(o.package)} is gone from the new spec`);
  const have = tagLinesIn(st.view, secs, o.tag);
  if (o.value && DEP_TAG.test(o.tag)) {
    // The dependency is still there in another form (a version, another line): the overlay must follow.
    const names = new Set(parseDependencies(o.value).map((d) => d.name));
    const still = have.find((h) => parseDependencies(h.value).some((d) => names.has(d.name)));
    if (still) return noLonger(p, `the new spec still has ${o.tag}: ${still.value} (line ${lineNo(st, still.i)}) in another form`, secs);
  }
  return { class: 'redundant', reason: `the new spec has no ${o.tag}${o.value ? `: ${o.value}` : ''} any more: already absent` };
};

const addLines: Classifier<OverlayOf<'spec-prepend-lines' | 'spec-append-lines'>> = (st, o) => {
  const secs = sectionScope(st.view, o.section, o.package);
  const p = planSpec(st, o);
  if (!p.ok) return noLonger(p, `the new spec has no ${o.section}${o.package ? ` ${o.package}` : ''} section`);
  const at = linesPresent(st.view, secs ?? [], o.lines);
  if (at !== undefined) return { class: 'redundant', reason: `the new spec already has these lines (line ${lineNo(st, at)})` };
  return applied(p);
};

/** The patch numbers a line applies (`%patch 2`, `%patch -P2`, `%patch2`, `%{PATCH2}`). */
export function patchNumbersIn(line: string): number[] {
  const out: number[] = [];
  const t = line.trim();
  const old = /^%patch(\d+)\b/.exec(t);
  if (old) out.push(Number(old[1]));
  else if (/^%patch\s/.test(t)) {
    const toks = t.split(/\s+/).slice(1);
    for (let k = 0; k < toks.length; k++) {
      const x = toks[k]!;
      if (/^-P\d+$/.test(x)) out.push(Number(x.slice(2)));
      else if (x === '-P' && /^\d+$/.test(toks[k + 1] ?? '')) out.push(Number(toks[++k]));
      else if (/^-[pbzFdE]$/.test(x)) k++;
      else if (/^\d+$/.test(x)) out.push(Number(x));
    }
  }
  for (const m of t.matchAll(/%\{PATCH(\d+)\}/gi)) out.push(Number(m[1]));
  return out;
}

/** Patch number → the first line that applies it. */
function appliedPatches(view: SpecLineView): Map<number, number> {
  const out = new Map<number, number>();
  view.lines.forEach((l, i) => {
    if (l.kind === 'tag') return;
    for (const n of patchNumbersIn(l.text)) if (!out.has(n)) out.set(n, i);
  });
  return out;
}

const searchReplace: Classifier<OverlayOf<'spec-search-replace'>> = (st, o) => {
  const secs = sectionScope(st.view, o.section, o.package);
  const p = planSpec(st, o);
  if (p.ok) {
    if (p.after === st.spec) return { class: 'redundant', reason: 'every match is already the replacement' };
    const edits = planOverlaySpec(st.view, o, { specFile: path.basename(st.specFile) });
    // The replacement keeps the match and adds lines the new spec already has right after it.
    const t = (x: string) => x.trim();
    if (edits.every((e) => e.ins.length > 1 && e.ins.every((l, k) => st.view.lines[e.at + k] !== undefined && t(st.view.lines[e.at + k]!.text) === t(l)))) {
      return { class: 'redundant', reason: `the new spec already has the replacement lines where the pattern matches (line ${lineNo(st, edits[0]!.at)})` };
    }
    // A replacement that applies a patch by number the new spec already applies: the numbers moved.
    const applied0 = appliedPatches(st.view);
    for (const e of edits) {
      const had = new Set(patchNumbersIn(st.view.lines[e.at]!.text));
      for (const n of e.ins.flatMap((l) => patchNumbersIn(l))) {
        if (had.has(n) || !applied0.has(n)) continue;
        const tagLine = st.view.lines.findIndex((l) => l.kind === 'tag' && l.tag!.toLowerCase() === `patch${n}`);
        return noLonger(fail('OVERLAY_NO_MATCH', `${overlayLabel(o)}: the replacement applies patch ${n}, which the new spec already applies at line ${lineNo(st, applied0.get(n)!)}${tagLine >= 0 ? ` (Patch${n}: ${st.view.lines[tagLine]!.value})` : ''}`, 'upstream added patches: renumber the patch this overlay applies'),
          `the patch numbers moved: patch ${n} is now upstream's${tagLine >= 0 ? ` ${st.view.lines[tagLine]!.value}` : ''}, already applied at line ${lineNo(st, applied0.get(n)!)}`, secs);
      }
    }
    return applied(p);
  }
  if (!secs) return noLonger(p, `the new spec has no ${o.section}${o.package ? ` ${o.package}` : ''} section`);
  const linesOf = (ss: readonly LineSection[]) => ss.flatMap((x) => st.view.lines.slice(x.start, x.end).map((l, k) => ({ i: x.start + k, t: l.text })));
  const scopeLines = linesOf(secs);
  // Sections of the same kind in every package: text that moved from `%files gtk` to `%files libs` did not go away.
  const kindLines = o.section && o.package ? linesOf(st.view.sections.filter((x) => x.name === o.section)) : scopeLines;
  const lits = regexLiterals(o.regex).filter((l) => l.length >= 4).sort((a, b) => b.length - a.length);
  const still = lits.length ? kindLines.find((l) => l.t.includes(lits[0]!)) : undefined;
  if (still) {
    const where = scopeLines.some((l) => l.i === still.i) ? '' : ` of ${st.view.sections.find((x) => x.start <= still.i && still.i < x.end)?.name ?? 'another section'} ${st.view.sections.find((x) => x.start <= still.i && still.i < x.end)?.pkg ?? ''}`.trimEnd();
    return noLonger(p, `the pattern matches nothing, but its text ${JSON.stringify(lits[0])} is still in the new spec (line ${lineNo(st, still.i)}${where}): the context changed`, secs);
  }
  // A replacement worth looking for: a line with at least 4 characters of which one is a letter or digit.
  const repl = o.replacement.split('\n').map((l) => l.trim()).filter((l) => l.length >= 4 && /[A-Za-z0-9]/.test(l));
  if (repl.length) {
    const found = repl.map((r) => scopeLines.find((l) => l.t.includes(r)));
    if (found.every(Boolean)) return { class: 'redundant', reason: `the pattern is gone and the replacement is already there (line ${lineNo(st, found[0]!.i)})` };
    if (!lits.length) return noLonger(p, 'the pattern matches nothing and the replacement is not in the new spec', secs);
    return noLonger(p, `the pattern matches nothing (${JSON.stringify(lits[0])} is gone) and the replacement is not in the new spec`, secs);
  }
  if (!lits.length) return noLonger(p, 'the pattern matches nothing (it has no literal text to look for)', secs);
  // The overlay only deletes (or leaves a bare separator): gone is done.
  return { class: 'redundant', reason: `the overlay ${o.replacement.trim() ? 'rewrites' : 'deletes'} text the new spec no longer has (${JSON.stringify(lits[0])} is gone${o.section ? ` from every ${o.section}` : ''})` };
};

const removeSection: Classifier<OverlayOf<'spec-remove-section' | 'spec-remove-subpackage'>> = (st, o) => {
  const p = planSpec(st, o);
  if (p.ok) return applied(p);
  if (p.code === 'OVERLAY_SECTION_NOT_FOUND') {
    const what = o.type === 'spec-remove-section' ? `${o.section}${o.package ? ` ${o.package}` : ''}` : `sub-package ${o.package}`;
    return { class: 'redundant', reason: `the new spec has no ${what}: already gone` };
  }
  return noLonger(p, p.message);
};

const patchAdd: Classifier<OverlayOf<'patch-add'>> = async (st, o) => {
  const name = path.posix.basename(o.file);
  for (const l of st.view.lines) {
    if (l.kind === 'tag' && /^patch\d*$/i.test(l.tag!) && path.posix.basename(l.value!) === name) {
      return { class: 'already-upstream', reason: `the new spec's patch list already carries ${l.tag}: ${l.value} (line ${lineNo(st, st.view.lines.indexOf(l))})`, basis: 'spec' };
    }
  }
  for (const s of st.view.sections.filter((x) => x.name.toLowerCase() === '%patchlist')) {
    for (let i = s.start; i < s.end; i++) if (path.posix.basename(st.view.lines[i]!.text.trim()) === name) {
      return { class: 'already-upstream', reason: `the new spec's %patchlist already carries ${name} (line ${lineNo(st, i)})`, basis: 'spec' };
    }
  }
  const p = planSpec(st, o);
  if (!p.ok) return noLonger(p, p.message);
  const bytes = await st.deps.readSource(o.source);
  const text = bytes ? decodeBytes(bytes).text : undefined;
  // The same patch content already in dist-git under another name.
  if (text !== undefined && st.files) {
    for (const [rel, b] of st.files) if (/\.(patch|diff)$/.test(rel) && decodeBytes(b).text === text) {
      return { class: 'already-upstream', reason: `dist-git already has this patch as ${rel}`, basis: 'spec+sources' };
    }
  }
  if (text !== undefined && st.tree) {
    const fit = patchFit(text, st.tree);
    if (fit === 'forward') return { ...applied(p, 'the patch applies to the new sources'), basis: 'spec+sources' };
    if (fit === 'reverse') return { class: 'already-upstream', reason: 'the patch no longer applies forward but applies in reverse to the new sources: its change is upstream', basis: 'spec+sources' };
    if (fit === 'neither') return { ...noLonger(fail('OVERLAY_NO_MATCH', `${overlayLabel(o)}: ${name} applies neither forward nor in reverse to the new sources`, 'rebase the patch onto the new upstream version'), 'the patch does not apply to the new sources'), basis: 'spec+sources' };
  }
  return { ...applied(p, 'adds the patch to the new spec; whether it applies to the new sources was not checked (sources not available)'), basis: 'spec', unverified: true };
};

const patchRemove: Classifier<OverlayOf<'patch-remove'>> = (st, o) => {
  const p = planSpec(st, o);
  if (p.ok) return applied(p);
  if (p.code === 'OVERLAY_PATTERN_NOT_FOUND') return { class: 'redundant', reason: `the new spec carries no patch matching ${o.file}: upstream dropped it` };
  return noLonger(p, p.message);
};

// ---------------------------------------------------------------------------------------------
// file overlays: on the dist-git files when known

function listing(files: ReadonlyMap<string, Uint8Array>): FileEntry[] {
  return [...files.keys()].sort().map((rel) => ({ rel, mode: 0o644 }));
}

async function fileOutcome(st: State, o: AnyOverlay): Promise<Outcome> {
  if (!st.files || ('archive' in o && o.archive)) {
    const why = !st.files ? 'the new dist-git files are not available' : `the archive ${(o as { archive?: string }).archive} is not unpacked by the check`;
    return { class: 'applies', reason: `kept: ${why}, so the file overlay could not be checked`, basis: 'spec', unverified: true };
  }
  const files = st.files;
  try {
    const ops = await planOverlayFiles(o, listing(files), async (rel) => files.get(rel) ?? new Uint8Array(), async (rel) => files.has(rel));
    for (const op of ops) {
      if (op.op === 'write') files.set(op.path, op.data);
      else if (op.op === 'remove') files.delete(op.path);
      else if (op.op === 'rename') {
        files.set(op.to, files.get(op.path)!);
        files.delete(op.path);
      } else if (op.op === 'copy') files.set(op.path, (await st.deps.readSource(op.from)) ?? new Uint8Array());
    }
    return { class: 'applies', reason: 'changes the new dist-git files as intended', basis: 'spec+sources' };
  } catch (e) {
    if (!isStrataError(e)) throw e;
    const d = e.diagnostics[0]!;
    const p = fail(d.code, d.message, d.hint);
    return { ...(await fileFailure(st, o, p, files)), basis: 'spec+sources' };
  }
}

async function fileFailure(st: State, o: AnyOverlay, p: Extract<Planned, { ok: false }>, files: ReadonlyMap<string, Uint8Array>): Promise<Outcome> {
  switch (o.type) {
    case 'file-remove':
      return p.code === 'OVERLAY_NO_MATCH' ? { class: 'redundant', reason: `no file matches ${o.file} in the new dist-git: already gone` } : noLonger(p, p.message);
    case 'file-add': {
      if (p.code !== 'OVERLAY_DEST_EXISTS') return noLonger(p, p.message);
      const mine = await st.deps.readSource(o.source);
      const theirs = files.get(o.file);
      if (mine && theirs && Buffer.from(mine).equals(Buffer.from(theirs))) {
        return { class: /\.(patch|diff)$/.test(o.file) ? 'already-upstream' : 'redundant', reason: `the new dist-git already has ${o.file} with the same content` };
      }
      return noLonger(p, `the new dist-git has its own ${o.file}`);
    }
    case 'file-rename': {
      if (p.code === 'OVERLAY_NO_MATCH' && [...files.keys()].some((k) => path.posix.basename(k) === o.replacement)) {
        return { class: 'redundant', reason: `the new dist-git already has ${o.replacement} and no ${o.file}` };
      }
      return noLonger(p, p.message);
    }
    case 'file-search-replace': {
      if (p.code === 'OVERLAY_PATTERN_NOT_FOUND' && o.replacement) {
        const hits = [...files].filter(([rel]) => matchGlob(o.file, rel));
        if (hits.some(([, b]) => decodeBytes(b).text.includes(o.replacement))) return { class: 'redundant', reason: 'the pattern is gone and the replacement is already in the file' };
      }
      return noLonger(p, p.message);
    }
    case 'file-prepend-lines': {
      return noLonger(p, p.message);
    }
    default:
      return noLonger(p, p.message);
  }
}

const fileOverlay: Classifier<AnyOverlay> = (st, o) => fileOutcome(st, o);

const prependFile: Classifier<OverlayOf<'file-prepend-lines'>> = async (st, o) => {
  if (st.files) {
    const want = o.lines.join('\n') + '\n';
    const hits = [...st.files].filter(([rel]) => matchGlob(o.file, rel) && !rel.endsWith('.spec'));
    if (hits.length && hits.every(([, b]) => decodeBytes(b).text.startsWith(want))) return { class: 'redundant', reason: `${hits.map(([r]) => r).join(', ')} already start with these lines`, basis: 'spec+sources' };
  }
  return fileOutcome(st, o);
};

const CLASSIFIERS: ClassifierTable = {
  'spec-add-tag': addTag,
  'spec-insert-tag': addTag,
  'spec-set-tag': rewriteTag,
  'spec-update-tag': rewriteTag,
  'spec-remove-tag': removeTag,
  'spec-prepend-lines': addLines,
  'spec-append-lines': addLines,
  'spec-search-replace': searchReplace,
  'spec-remove-section': removeSection,
  'spec-remove-subpackage': removeSection,
  'patch-add': patchAdd,
  'patch-remove': patchRemove,
  'file-prepend-lines': prependFile,
  'file-search-replace': fileOverlay,
  'file-add': fileOverlay,
  'file-remove': fileOverlay,
  'file-rename': fileOverlay,
};

function classifierOf<K extends OverlayType>(type: K): Classifier<OverlayOf<K>> {
  return CLASSIFIERS[type];
}

function run<K extends OverlayType>(type: K, st: State, o: OverlayOf<K>): Promise<Outcome> | Outcome {
  return classifierOf(type)(st, o);
}

// ---------------------------------------------------------------------------------------------

function specSpan(file: string, line: number): SourceSpan {
  return { file, line, col: 1 };
}

/**
 * Classify every overlay of a component against its new upstream, in order: each overlay sees
 * the spec as the overlays before it that still apply left it. Never throws for an overlay
 * that does not apply; that is a verdict.
 */
export async function classifyOverlays(overlays: readonly Overlay[], up: NewUpstream, deps: ClassifyDeps): Promise<OverlayVerdict[]> {
  const view0 = viewSpecLines(parseSpec(up.spec, up.specFile));
  const st: State = {
    spec: up.spec,
    view: view0,
    orig: view0,
    specFile: up.specFile,
    files: up.files ? new Map(up.files) : undefined,
    tree: up.tree,
    deps,
  };
  const origView = st.orig;
  const out: OverlayVerdict[] = [];
  for (const [index, o] of overlays.entries()) {
    const r = await run(o.type, st, o as never);
    const basis: VerdictBasis = r.basis ?? (o.type.startsWith('spec-') ? (st.files ? 'spec+sources' : 'spec') : st.files ? 'spec+sources' : 'spec');
    let candidates: Candidate[] | undefined;
    let diagnostic: Diagnostic | undefined;
    if (r.class === 'no-longer-applies') {
      // Line numbers of the new upstream spec as published (before the earlier overlays edited it).
      candidates = st.spec === up.spec ? nearestLines(st.view, o, 3, r.scope) : nearestLines(origView, o, 3);
      const f = r.failure!;
      diagnostic = error('OVERLAY_NO_MATCH', `${f.message.includes(overlayLabel(o)) ? f.message : `${overlayLabel(o)}: ${f.message}`} [${f.code}] — no longer applies to the new upstream (${up.specFile})`, {
        span: o.definedAt,
        hint: `${r.reason}${f.hint ? `; ${f.hint}` : ''}${candidates.length ? `; nearest lines in the new spec: ${candidates.map((c) => `${c.line}: ${c.text}`).join(' | ')}` : ''}`,
        related: [...candidates.map((c) => ({ message: `nearest candidate: ${c.text}`, span: specSpan(up.specFile, c.line) }))],
      });
    }
    out.push({
      index,
      type: o.type,
      ...(o.description ? { description: o.description } : {}),
      definedAt: o.definedAt,
      class: r.class,
      reason: r.reason,
      basis,
      ...(r.unverified ? { unverified: true } : {}),
      ...(candidates ? { candidates } : {}),
      ...(o.metadata ? { upstreamStatus: o.metadata.upstreamStatus, category: o.metadata.category } : {}),
      ...(diagnostic ? { diagnostic } : {}),
    });
    if (r.class === 'applies' && r.after !== undefined && r.after !== st.spec) {
      st.spec = r.after;
      st.view = viewSpecLines(parseSpec(st.spec, up.specFile));
    }
  }
  return out;
}
