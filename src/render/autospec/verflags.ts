/**
 * "verflags" of a spec file: its `[Epoch:]Version` and the options its `Release:` passes to
 * `%autorelease`, found the way rpmautospec 0.8.4 finds them: parse the spec with `%autorelease`
 * defined as a probe macro that prints its options (`E<-e>_S<-s>_P<0|1>_B<-b>`), `%autochangelog`
 * defined empty, and read back the main package's Epoch, Version and Release.
 *
 * A Release that is not exactly the probe's output (a static release, `%{autorelease}.1`, an
 * extraver containing `_`, a dist tag defined in the spec) yields no flags: the release number is
 * still counted, but printed without prerelease/extraver/snapinfo/base.
 */

/** The body rpmautospec gives `%autorelease(e:s:pb:n)` while reading Version/Release. */
export const AUTORELEASE_PROBE_BODY = 'E%{?-e*}_S%{?-s*}_P%{?-p:1}%{!?-p:0}_B%{?-b*}';
/** The option string of `%autorelease`. */
export const AUTORELEASE_OPTIONS = 'e:s:pb:n';

export type Verflags =
  | {
      readonly ok: true;
      /** `E:V` when the spec has an Epoch tag (even 0), else `V`. */
      readonly epochVersion: string;
      readonly extraver: string | null;
      readonly snapinfo: string | null;
      /** true with `-p`; null when the Release is not the probe's output or lacks `-p`. */
      readonly prerelease: boolean | null;
      /** `-b` value; 1 when absent; null when the Release is not the probe's output. */
      readonly base: number | null;
      /** Tags that could not be fully expanded (Strata never runs `%(...)` or `%{lua:}`). */
      readonly unexpanded?: readonly UnexpandedTag[];
    }
  | { readonly ok: false; readonly error: 'specfile-missing' | 'specfile-parse-error'; readonly detail: string; readonly line?: number };

/** A Version/Release/Epoch tag whose value could not be fully expanded (`%(...)`, `%{lua:}`). */
export interface UnexpandedTag {
  readonly tag: string;
  readonly line: number;
  /** What could not be expanded: `shell`, `lua`, ... */
  readonly what: readonly string[];
}

/** What a spec evaluator reports for the main package (values fully expanded). */
export type HeaderEvaluation =
  | { readonly ok: true; readonly epoch?: string; readonly version: string; readonly release: string; readonly unexpanded?: readonly UnexpandedTag[] }
  | { readonly ok: false; readonly detail: string; /** 1-based line rpm would complain about. */ readonly line?: number };

/**
 * Evaluates a spec text (with `%autorelease` defined as `AUTORELEASE_PROBE_BODY`, options
 * `AUTORELEASE_OPTIONS`, and `%autochangelog` empty) and returns the main package's expanded
 * Epoch, Version and Release, or why rpm would refuse the spec.
 */
export type SpecHeaderEvaluator = (specText: string, defines: readonly (readonly [string, string])[]) => HeaderEvaluation;

const PROBE_RE = /^E([^_]*)_S([^_]*)_P([01])_B(\d*)$/u;

/** Turn an evaluated header into verflags (the probe parsing of rpmautospec). */
export function verflagsFromHeader(h: HeaderEvaluation): Verflags {
  if (!h.ok) return { ok: false, error: 'specfile-parse-error', detail: h.detail, ...(h.line !== undefined ? { line: h.line } : {}) };
  const epochVersion = h.epoch !== undefined ? `${normalizeEpoch(h.epoch)}:${h.version}` : h.version;
  const m = PROBE_RE.exec(h.release);
  const extra = h.unexpanded?.length ? { unexpanded: h.unexpanded } : {};
  if (!m) return { ok: true, epochVersion, extraver: null, snapinfo: null, prerelease: null, base: null, ...extra };
  return {
    ok: true,
    ...extra,
    epochVersion,
    extraver: m[1] || null,
    snapinfo: m[2] || null,
    prerelease: m[3] === '1' ? true : null,
    base: m[4] ? Number.parseInt(m[4], 10) : 1,
  };
}

/** rpm stores Epoch as an integer: `01` prints as `1`. */
function normalizeEpoch(epoch: string): string {
  const t = epoch.trim();
  return /^\d+$/.test(t) ? String(Number.parseInt(t, 10)) : t;
}

/** Cache verflags by spec blob id (the same spec text always gives the same answer). */
export function makeVerflagsCache(evaluate: SpecHeaderEvaluator, defines: readonly (readonly [string, string])[]): (key: string, text: string | undefined) => Verflags {
  const cache = new Map<string, Verflags>();
  return (key, text) => {
    if (text === undefined) return { ok: false, error: 'specfile-missing', detail: 'Spec file is missing.' };
    let v = cache.get(key);
    if (!v) {
      v = verflagsFromHeader(evaluate(text, defines));
      cache.set(key, v);
    }
    return v;
  };
}
