/**
 * Evaluate a parsed spec under a macro context, without rpm: decide `%if`/`%ifarch` branches,
 * apply `%define`/`%global`/`%bcond`, and expand the active preamble of every package, the
 * Source/Patch list (numbered, unnumbered, `%sourcelist`/`%patchlist`) and dependencies.
 */
import { error, warning, type Diagnostic } from '../diag/index.js';
import { parseSpec, spanOf, type ConditionalNode, type SpecDocument, type SpecNode, type TagNode, type TextRange } from './cst.js';
import { evaluateExpression, isTrue } from './expr.js';
import { expandMacros, findAutorelease, type AutoreleaseOptions, type Expansion, type MacroContext } from './macro.js';
import { parseDependencies, type Dependency } from './rpmver.js';

export interface EvaluateOptions {
  /**
   * Read a file named by `%include` (path after expansion), relative paths being relative to the
   * spec. Return undefined when unavailable. Without it `%include` is reported, not followed.
   */
  readonly include?: (path: string) => string | undefined;
  /** Evaluate every line of every section (slower; default: only lines that can define macros). */
  readonly expandAllLines?: boolean;
  /** Re-read the spec for its main-package BuildArch like rpm does (default true). */
  readonly buildArchReparse?: boolean;
}

/** A tag in an active branch, with its expanded value. */
export interface ActiveTag {
  readonly node: TagNode;
  readonly name: string;
  readonly family: string;
  readonly value: string;
  /** False when part of the value could not be expanded (lua, shell, ...). */
  readonly complete: boolean;
  readonly unexpandable: readonly string[];
  /** For a tag produced by expanding a macro line: that line (then `node` belongs to the expansion, not to the document). */
  readonly generatedBy?: SpecNode;
}

export interface EvaluatedPackage {
  /** Key as in the CST ('' = main). */
  readonly key: string;
  readonly absolute: boolean;
  /** Full expanded package name. */
  readonly name: string;
  readonly section: number;
  readonly tags: readonly ActiveTag[];
  readonly requires: readonly Dependency[];
  readonly provides: readonly Dependency[];
  readonly buildRequires: readonly Dependency[];
  readonly conflicts: readonly Dependency[];
  readonly obsoletes: readonly Dependency[];
  readonly recommends: readonly Dependency[];
  readonly suggests: readonly Dependency[];
  readonly supplements: readonly Dependency[];
  readonly enhances: readonly Dependency[];
  readonly buildArch: string | undefined;
}

/** One source or patch as `spectool -l -a` lists it. */
export interface SourceRef {
  readonly kind: 'source' | 'patch';
  readonly number: number;
  /** Whether the number was written (`Source3:`) rather than assigned (`Source:`, `%sourcelist`). */
  readonly explicit: boolean;
  /** Where it came from: the tag name as written, or `%sourcelist` / `%patchlist`. */
  readonly origin: string;
  /** Expanded value (URL or file name). */
  readonly value: string;
  /** The file name rpm uses: the part after the last `/` (so `…#/name.tar.gz` gives `name.tar.gz`). */
  readonly fileName: string;
  readonly raw: string;
  readonly range: TextRange;
  readonly line: number;
  readonly complete: boolean;
}

export interface EvaluatedSpec {
  readonly name: string | undefined;
  readonly epoch: string | undefined;
  readonly version: string | undefined;
  readonly release: string | undefined;
  /** The Release value as written (to find `%autorelease`). */
  readonly releaseRaw: string | undefined;
  readonly autorelease: { readonly start: number; readonly end: number; readonly options: AutoreleaseOptions } | undefined;
  readonly packages: readonly EvaluatedPackage[];
  readonly sources: readonly SourceRef[];
  readonly patches: readonly SourceRef[];
  /** BuildRequires of all packages (rpm gathers them into the source package). */
  readonly buildRequires: readonly Dependency[];
  /** Whether node `index` of the document is in an active branch. */
  readonly active: readonly boolean[];
  /** `%(...)` bodies answered by the pure shell-idiom emulator rather than left unexpanded. */
  readonly emulated: readonly string[];
  /** Conditionals whose value could not be decided (treated as false). */
  readonly undecided: readonly ConditionalNode[];
  readonly diagnostics: readonly Diagnostic[];
  /** The macro context after the whole spec was read. */
  readonly context: MacroContext;
}

const DEFINING = /%(?:define|global|undefine|bcond|\{expand:|\{load:|\{?lua)|%\{[?!]*(?:define|global)/;

/** Tags rpm turns into macros (`%{version}`, `%{url}`, ...). */
const MACRO_TAGS = new Set(['name', 'version', 'release', 'epoch', 'summary', 'license', 'sourcelicense', 'distribution', 'disturl', 'vendor', 'group', 'packager', 'url', 'bugurl', 'vcs', 'modularitylabel', 'buildarch', 'buildarchitectures', 'translationurl', 'upstreamreleases']);

interface Frame { parentActive: boolean; taken: boolean; active: boolean }

/**
 * Evaluate `doc` in `ctx` (which is modified: clone it first to keep the original). Never
 * throws; problems become diagnostics (SPEC_CANNOT_DECIDE, SPEC_BAD_EXPRESSION,
 * SPEC_CANNOT_EXPAND, SPEC_INCLUDE_NOT_FOLLOWED).
 */
export function evaluateSpec(doc: SpecDocument, ctx: MacroContext, opts: EvaluateOptions = {}): EvaluatedSpec {
  let diagnostics: Diagnostic[] = [];
  let undecided: ConditionalNode[] = [];
  let active: boolean[] = new Array<boolean>(doc.nodes.length).fill(false);
  let pkgs: Array<{ key: string; absolute: boolean; name: string; section: number; tags: ActiveTag[] }> = [];
  let sources: SourceRef[] = [];
  let patches: SourceRef[] = [];
  let auto = { source: 0, patch: 0 };
  let mainName: string | undefined;
  let releaseRaw: string | undefined;
  let main = { key: '', absolute: false, name: '', section: 0, tags: [] as ActiveTag[] };
  pkgs.push(main);
  let current = main;
  // first pass: stops right after the main package's BuildArch (rpm returns PART_BUILDARCHITECTURES there)
  let firstPass = true;
  let stopped = false;
  let buildArch: string[] | undefined;
  const reset = (): void => {
    diagnostics = [];
    undecided = [];
    active = new Array<boolean>(doc.nodes.length).fill(false);
    sources = [];
    patches = [];
    auto = { source: 0, patch: 0 };
    mainName = undefined;
    releaseRaw = undefined;
    main = { key: '', absolute: false, name: '', section: 0, tags: [] };
    pkgs = [main];
    current = main;
  };

  const emulated = new Set<string>();
  const exp = (text: string): Expansion => {
    const e = expandMacros(text, ctx);
    for (const x of e.emulated) emulated.add(x);
    return e;
  };
  const cannotDecide = (d: SpecDocument, n: ConditionalNode, why: string): void => {
    undecided.push(n);
    diagnostics.push(warning('SPEC_CANNOT_DECIDE', `cannot decide %${n.directive} ${n.expression}: ${why}; treating it as false`, { span: spanOf(d, { start: n.start, end: n.contentEnd }) }));
  };

  const decide = (d: SpecDocument, n: ConditionalNode): boolean => {
    const kind = n.directive.replace(/^el(?=if)/, '');
    // `\`-continued %if lines: the backslash-newline is whitespace for the expression
    const exprText = n.expression.replace(/\\\r?\n/g, ' ');
    if (kind === 'if') {
      const e = exp(exprText);
      if (e.unexpandable.length) { cannotDecide(d, n, `uses ${e.unexpandable.join(', ')}`); return false; }
      const r = evaluateExpression(e.text);
      if (!r.ok && e.undefined.length) { cannotDecide(d, n, `undefined macro ${e.undefined.map((u) => `%{${u}}`).join(', ')} (defined by an %include or %{lua:} that was not followed?)`); return false; }
      if (!r.ok) {
        diagnostics.push(error('SPEC_BAD_EXPRESSION', `${r.error} in %${n.directive} ${n.expression}${e.text !== n.expression ? ` (expanded: ${e.text.trim()})` : ''}`, { span: spanOf(d, n.expressionRange), hint: 'rpm fails on this line; an empty value needs a fallback such as 0%{?name}' }));
        return false;
      }
      return isTrue(r.value);
    }
    const e = exp(exprText);
    if (e.unexpandable.length) { cannotDecide(d, n, `uses ${e.unexpandable.join(', ')}`); return false; }
    const want = exp(kind.includes('arch') ? '%{_target_cpu}' : '%{_target_os}').text.trim();
    const list = e.text.split(/[\s,]+/).filter(Boolean);
    const hit = list.includes(want);
    return kind.startsWith('ifn') ? !hit : hit;
  };

  const walk = (d: SpecDocument, depth: number, topLevel: boolean): void => {
    const frames: Frame[] = [];
    let on = true;
    for (const n of d.nodes) {
      if (stopped) return;
      if (n.kind === 'conditional') {
        if (n.directive.startsWith('if')) {
          const v: boolean = on ? decide(d, n) : false;
          frames.push({ parentActive: on, taken: v, active: v });
          on = on && v;
        } else if (n.directive === 'endif') {
          const f = frames.pop();
          on = f ? f.parentActive : on;
        } else {
          const f = frames[frames.length - 1];
          if (!f) continue;
          let v: boolean;
          if (n.directive === 'else') v = f.parentActive && !f.taken;
          else v = f.parentActive && !f.taken ? decide(d, n) : false;
          f.taken = f.taken || v;
          f.active = v;
          on = v;
        }
        if (topLevel) active[n.index] = true;
        continue;
      }
      if (!on) continue;
      if (topLevel) active[n.index] = true;
      visit(d, n, depth);
    }
  };

  const defineFromTag = (t: TagNode, value: string): void => {
    const f = t.family;
    if (MACRO_TAGS.has(f) && t.number === undefined && t.qualifier === undefined) {
      ctx.define(f, value);
      // rpm also defines an upper-case macro for tags of the main package (%{NAME}, %{URL})
      if (current === main) ctx.define(f.toUpperCase(), value);
    }
  };

  const addSource = (kind: 'source' | 'patch', explicitNum: string | undefined, origin: string, raw: string, range: TextRange, line: number, d: SpecDocument, expanded?: string): void => {
    const e = expanded !== undefined ? { text: expanded, complete: true, unexpandable: [] as string[], errors: [] as string[] } : exp(raw);
    let num: number;
    if (explicitNum !== undefined) num = Number(explicitNum);
    else num = auto[kind];
    auto[kind] = num + 1;
    const value = e.text.trim();
    const fileName = value.slice(value.lastIndexOf('/') + 1);
    const ref: SourceRef = { kind, number: num, explicit: explicitNum !== undefined, origin, value, fileName, raw, range, line, complete: e.complete };
    (kind === 'source' ? sources : patches).push(ref);
    const up = kind === 'source' ? 'SOURCE' : 'PATCH';
    ctx.define(`${up}${num}`, `%{_sourcedir}/${fileName}`);
    ctx.define(`__strata_${kind}_${num}`, fileName);
    if (!e.complete) diagnostics.push(warning('SPEC_CANNOT_EXPAND', `cannot fully expand ${origin}: ${[...e.unexpandable, ...e.errors].join(', ')}`, { span: spanOf(d, range) }));
  };

  /** A tag of the preamble; `generatedBy` is the macro line that produced it (rpm expands lines before reading tags). */
  const handleTag = (n: TagNode, d: SpecDocument, generatedBy: SpecNode | undefined): void => {
    const e = generatedBy ? { text: n.value, complete: true, unexpandable: [] as string[] } : exp(n.value);
    const value = e.text.trim();
    if (n.family === 'source' || n.family === 'patch') {
      if (generatedBy) addSource(n.family, n.number, n.name, d.text.slice(generatedBy.start, generatedBy.contentEnd), { start: generatedBy.start, end: generatedBy.contentEnd }, generatedBy.line, d, value);
      else addSource(n.family, n.number, n.name, n.value, n.valueRange, n.line, d);
    } else defineFromTag(n, value);
    if (current === main && n.family === 'name' && n.number === undefined) { mainName = value; main.name = value; }
    if (current === main && n.lname === 'release') releaseRaw = n.value;
    current.tags.push({ node: n, name: n.name, family: n.family, value, complete: e.complete, unexpandable: e.unexpandable, ...(generatedBy ? { generatedBy } : {}) });
    if (firstPass && current === main && (n.family === 'buildarch' || n.family === 'buildarchitectures') && opts.buildArchReparse !== false) {
      buildArch = value.split(/[\s,]+/).filter(Boolean);
      if (buildArch.length) stopped = true;
    }
  };

  const visit = (d: SpecDocument, n: SpecNode, depth: number): void => {
    const sec = d.sections[n.section]!;
    switch (n.kind) {
      case 'blank':
      case 'comment':
        return;
      case 'section-header': {
        if (sec.kind === 'package') {
          const q = sec.qualifier ? exp(sec.qualifier.name).text.trim() : '';
          const full = sec.absolute ? q : `${mainName ?? ctx.get('name')?.body ?? ''}-${q}`;
          const p = { key: sec.package, absolute: sec.absolute, name: full, section: sec.index, tags: [] as ActiveTag[] };
          pkgs.push(p);
          current = p;
        }
        return;
      }
      case 'tag': {
        if (sec.kind !== 'preamble' && sec.kind !== 'package') return;
        handleTag(n, d, undefined);
        return;
      }
      case 'include': {
        if (n.form === '%include') {
          const path = exp(n.path).text.trim();
          const t = opts.include?.(path);
          if (t === undefined || depth > 8) {
            diagnostics.push(warning('SPEC_INCLUDE_NOT_FOLLOWED', `%include ${path} was not followed`, { span: spanOf(d, n.pathRange), hint: 'pass an include reader to evaluateSpec to follow it' }));
            return;
          }
          walk(parseSpec(t, path), depth + 1, false);
          return;
        }
        const e = exp(d.text.slice(n.start, n.contentEnd));
        if (!e.complete) diagnostics.push(warning('SPEC_CANNOT_EXPAND', `cannot load ${n.path}: ${e.unexpandable.join(', ')}`, { span: spanOf(d, n.pathRange) }));
        return;
      }
      case 'macro-definition':
      case 'bcond': {
        const e = exp(d.text.slice(n.start, n.contentEnd));
        if (e.errors.length) diagnostics.push(warning('SPEC_MACRO_ERROR', e.errors.join('; '), { span: spanOf(d, { start: n.start, end: n.contentEnd }) }));
        return;
      }
      case 'text': {
        if (sec.kind === 'sourcelist' || sec.kind === 'patchlist') {
          const raw = d.text.slice(n.start, n.contentEnd).trim();
          if (raw === '' || raw.startsWith('#')) return;
          const e0 = raw.startsWith('%') ? exp(raw) : undefined;
          if (e0 && e0.text.trim() === '') return;
          addSource(sec.kind === 'sourcelist' ? 'source' : 'patch', undefined, `%${sec.kind}`, raw, { start: n.start, end: n.contentEnd }, n.line, d);
          return;
        }
        if (sec.kind === 'preamble' || sec.kind === 'package') {
          const raw = d.text.slice(n.start, n.contentEnd);
          const e = exp(raw);
          if (!e.complete && e.unexpandable.length) diagnostics.push(warning('SPEC_CANNOT_EXPAND', `cannot expand this preamble line, which may generate tags: ${e.unexpandable.join(', ')}`, { span: spanOf(d, { start: n.start, end: n.contentEnd }) }));
          // a macro that expands to tag lines (`%{?with_x:Requires: y}`) adds tags, as in rpm
          if (e.text !== raw && e.text.includes(':')) {
            const frag = parseSpec(e.text, d.file);
            for (const t of frag.tags) handleTag(t, d, n);
          }
        } else if (opts.expandAllLines || DEFINING.test(d.text.slice(n.start, n.contentEnd))) {
          exp(d.text.slice(n.start, n.contentEnd));
        }
        return;
      }
      case 'conditional':
        return;
    }
  };

  walk(doc, 0, true);
  // rpm stops reading a spec at its main package's BuildArch and reads it again for that
  // architecture (`_target_cpu` = the BuildArch), with the macros defined up to the BuildArch
  // line still defined; that second pass is what rpm builds from (and `rpmspec -P` prints).
  if (stopped && buildArch && buildArch.length) {
    const cur = ctx.get('_target_cpu')?.body;
    const arch = cur !== undefined && buildArch.includes(cur) ? cur : buildArch[0]!;
    reset();
    firstPass = false;
    stopped = false;
    ctx.set('_target_cpu', arch);
    walk(doc, 0, true);
  }

  const evPkgs: EvaluatedPackage[] = pkgs.map((p) => {
    const deps = (fam: string): Dependency[] => p.tags.filter((t) => t.family === fam).flatMap((t) => parseDependencies(t.value));
    const name = p === main ? main.name : p.name;
    return {
      key: p.key, absolute: p.absolute, name, section: p.section, tags: p.tags,
      requires: deps('requires'), provides: deps('provides'), buildRequires: deps('buildrequires'), conflicts: deps('conflicts'), obsoletes: deps('obsoletes'),
      recommends: deps('recommends'), suggests: deps('suggests'), supplements: deps('supplements'), enhances: deps('enhances'),
      buildArch: p.tags.find((t) => t.family === 'buildarch' || t.family === 'buildarchitectures')?.value,
    };
  });
  const mainTag = (f: string): string | undefined => main.tags.find((t) => t.family === f && t.node.qualifier === undefined)?.value;
  return {
    name: main.name || undefined,
    epoch: mainTag('epoch'),
    version: mainTag('version'),
    release: mainTag('release'),
    releaseRaw,
    autorelease: releaseRaw === undefined ? undefined : findAutorelease(releaseRaw),
    packages: evPkgs,
    sources,
    patches,
    buildRequires: evPkgs.flatMap((p) => p.buildRequires),
    active,
    undecided,
    emulated: [...emulated],
    diagnostics,
    context: ctx,
  };
}

/** `SourceN: value` lines like `spectool -l -a` prints (sources first, then patches). */
export function printSourceList(ev: Pick<EvaluatedSpec, 'sources' | 'patches'>): string {
  return [...ev.sources.map((s) => `Source${s.number}: ${s.value}`), ...ev.patches.map((p) => `Patch${p.number}: ${p.value}`)].join('\n') + (ev.sources.length + ev.patches.length ? '\n' : '');
}

/**
 * Name/Epoch/Version/Release of the main package of spec text under `ctx` (e.g.
 * `fedoraContext({ overrides: { dist: '.azl4' } })` with `--define`s applied), plus the raw
 * Release value and the `%autorelease` found in it. `%autorelease` expands through the context's
 * `autorelease` hook (rpmautospec's fallback `1%{?dist}` without one).
 */
export function evaluateNEVR(text: string, ctx: MacroContext, file = '<spec>'): Pick<EvaluatedSpec, 'name' | 'epoch' | 'version' | 'release' | 'releaseRaw' | 'autorelease' | 'diagnostics'> {
  const ev = evaluateSpec(parseSpec(text, file), ctx);
  return { name: ev.name, epoch: ev.epoch, version: ev.version, release: ev.release, releaseRaw: ev.releaseRaw, autorelease: ev.autorelease, diagnostics: ev.diagnostics };
}
