/**
 * The spec evaluation rpmautospec processing needs, on top of the spec layer's evaluator
 * (`src/spec`): Epoch/Version/Release of the main package with `%autorelease` defined as the
 * probe macro and `%autochangelog` empty, in a plain-rpm macro context (no `%dist`, `%fedora`,
 * `%rhel`: rpmautospec ran with upstream RPM macros only) plus `--define` overrides.
 *
 * Where rpm would refuse the spec, the answer is an error: unbalanced conditionals, an `%if`
 * expression rpm cannot evaluate, a missing Version/Release, or `%autorelease` called with
 * an option missing its argument or an unknown option (getopt fails inside rpm). A missing
 * Name/Summary/License is not judged: Fedora's font specs get them from `%fontpkg` (lua), which
 * rpm runs and we do not, and nothing here depends on them.
 */
import { evaluateSpec, fedoraContext, MacroContext, expandMacros, parseDefineArg, parseSpec, type EvaluatedSpec, type SpecDocument } from '../../spec/index.js';
import { AUTORELEASE_OPTIONS, AUTORELEASE_PROBE_BODY, type HeaderEvaluation, type SpecHeaderEvaluator } from './verflags.js';

/** Diagnostics of the spec layer that mean rpm itself fails to parse the spec. */
const RPM_FATAL = new Set(['SPEC_UNCLOSED_IF', 'SPEC_ENDIF_WITHOUT_IF', 'SPEC_ELSE_WITHOUT_IF', 'SPEC_BRANCH_AFTER_ELSE', 'SPEC_BAD_EXPRESSION']);

/** Macros of distribution macro packages that plain rpm does not define. */
const DISTRO_MACRO_RE = /^(?:dist|fedora|rhel|centos|eln|fc\d+|el\d+)$/;

export interface AutospecContextOptions {
  /** Start from this context instead of the plain-rpm one (cloned for every spec). */
  readonly base?: MacroContext;
}

/** The plain-rpm context rpmautospec evaluated specs in, with `--define` pairs applied. */
export function autospecContext(defines: readonly (readonly [string, string])[], opts: AutospecContextOptions = {}): MacroContext {
  const ctx = opts.base ? opts.base.clone() : fedoraContext();
  if (!opts.base) for (const n of ctx.names()) if (DISTRO_MACRO_RE.test(n)) ctx.delete(n);
  for (const [name, value] of defines) {
    const d = parseDefineArg(`${name} ${value}`);
    if (d) ctx.set(d.name, d.body, d.params);
  }
  ctx.set('autorelease', AUTORELEASE_PROBE_BODY, AUTORELEASE_OPTIONS);
  ctx.set('autochangelog', '%{nil}');
  return ctx;
}

/** A `SpecHeaderEvaluator` over the spec layer; the macro context is built once per define set. */
export function makeSpecHeaderEvaluator(opts: AutospecContextOptions = {}): SpecHeaderEvaluator {
  let cachedKey: string | undefined;
  let cachedCtx: MacroContext | undefined;
  return (specText, defines) => {
    const key = JSON.stringify(defines);
    if (cachedKey !== key || !cachedCtx) {
      cachedCtx = autospecContext(defines, opts);
      cachedKey = key;
    }
    // like rpmautospec: first the spec up to its `%prep` line (faster, and immune to errors
    // further down), then the whole spec
    const abridged = abridgeSpec(specText);
    if (abridged !== specText) {
      const r = evaluateHeader(abridged, cachedCtx.clone());
      if (r.ok) return r;
    }
    return evaluateHeader(specText, cachedCtx.clone());
  };
}

/** The lines before the first line that is `%prep` (surrounding whitespace allowed). */
export function abridgeSpec(specText: string): string {
  const m = /^[ \t\r\f\v]*%prep[ \t\r\f\v]*$/m.exec(specText);
  return m ? specText.slice(0, m.index) : specText;
}

/** The default evaluator (plain-rpm context). */
export const evaluateSpecHeader: SpecHeaderEvaluator = makeSpecHeaderEvaluator();

function evaluateHeader(specText: string, ctx: MacroContext): HeaderEvaluation {
  let ev: EvaluatedSpec;
  let doc: SpecDocument;
  try {
    doc = parseSpec(dropCheckExistArgs(specText));
    ev = evaluateSpec(doc, ctx);
  } catch (e) {
    return { ok: false, detail: `spec evaluation failed: ${(e as Error).message}` };
  }
  const fatal = [...doc.diagnostics, ...ev.diagnostics].find((d) => d.severity === 'error' && RPM_FATAL.has(d.code));
  if (fatal) return { ok: false, detail: `${fatal.code}: ${fatal.message}`, ...(fatal.span ? { line: fatal.span.line } : {}) };
  if (ev.version === undefined || ev.version.trim() === '') return { ok: false, detail: 'Version field must be present' };
  if (ev.release === undefined || ev.release.trim() === '') return { ok: false, detail: 'Release field must be present' };
  if (ev.releaseRaw !== undefined) {
    const bad = autoreleaseGetoptError(ev.releaseRaw, ev.context);
    const releaseTag = ev.packages.find((p) => p.key === '')?.tags.find((t) => t.family === 'release');
    if (bad) return { ok: false, detail: bad, ...(releaseTag ? { line: releaseTag.node.line } : {}) };
  }
  const release = ev.release.trim();
  const version = ev.version.trim();
  // rpm refuses these characters; a value still holding an unexpandable %(...)/%{lua:} is not judged
  const illegal = !version.includes('%') && /[\s-]/.test(version) ? 'Version' : !release.includes('%') && /[\s-]/.test(release) ? 'Release' : undefined;
  if (illegal) return { ok: false, detail: `Illegal char in ${illegal}` };
  const unexpanded: { tag: string; line: number; what: readonly string[] }[] = [];
  for (const t of ev.packages.find((p) => p.key === '')?.tags ?? []) {
    // a Release matters only where it feeds %autorelease's options (the probe's output)
    const relevant = t.family === 'version' || t.family === 'epoch' || (t.family === 'release' && /_S[^\n]*_P[01]_B/.test(release));
    if (!t.complete && relevant) unexpanded.push({ tag: t.node.name, line: t.node.line, what: t.unexpandable });
  }
  return { ok: true, ...(ev.epoch !== undefined ? { epoch: ev.epoch.trim() } : {}), version, release, ...(unexpanded.length ? { unexpanded } : {}) };
}

/**
 * rpm 4.18 expands `%{?name ARGS}` (check-exist form, no `:`) as the plain body of `name`,
 * ignoring ARGS: `%{?autorelease -b 3}` behaves like `%{?autorelease}`. The spec layer passes the
 * arguments, so they are dropped here for `%autorelease` (a small text rewrite of our own, the only
 * place this matters for rpmautospec).
 */
export function dropCheckExistArgs(specText: string): string {
  return specText.replace(/%\{(!?\?!?)autorelease[ \t][^}\n]*\}/g, '%{$1autorelease}');
}

/**
 * rpm parses the options of a parametric macro with getopt: an option missing its argument
 * (`%autorelease -e %{?undefined}`) or an unknown option makes the spec unparseable. Returns the
 * getopt message, or undefined when the call is fine. (A small check of our own: the spec layer
 * expands such calls leniently.)
 */
export function autoreleaseGetoptError(releaseRaw: string, ctx: MacroContext): string | undefined {
  const m = /%\{[?!]*autorelease(?:[ \t]+([^}]*))?\}|%autorelease(?![A-Za-z0-9_])([^\n]*)/.exec(releaseRaw);
  if (!m) return undefined;
  const raw = m[1] ?? m[2] ?? '';
  if (!raw.trim()) return undefined;
  const expansion = expandMacros(raw, ctx.clone());
  // what a shell or lua expansion would produce is unknown: do not guess at its options
  if (!expansion.complete) return undefined;
  const args = expansion.text.split(/[ \t\n]+/).filter(Boolean);
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a.length < 2) continue;
    for (let q = 1; q < a.length; q++) {
      const f = a[q]!;
      const at = AUTORELEASE_OPTIONS.indexOf(f);
      if (at === -1 || f === ':') return `autorelease: invalid option -- '${f}'`;
      if (AUTORELEASE_OPTIONS[at + 1] === ':') {
        if (q + 1 < a.length) break;
        if (k + 1 >= args.length) return `autorelease: option requires an argument -- '${f}'`;
        k++;
        break;
      }
    }
  }
  return undefined;
}
