/** Release handling after overlays (azldev §3.8 as of the corpus): bump a static Release by the synthetic commit count. */
import { error, StrataError, type SourceSpan } from '../diag/index.js';
import { parseSpecLines, packageSections } from '../spec/index.js';

export type ReleaseCalculation = 'auto' | 'autorelease' | 'static' | 'manual';

const AUTORELEASE_RE = /%(\{\??autorelease($|[}\s])|autorelease($|\s))/;

export function usesAutorelease(value: string): boolean {
  return AUTORELEASE_RE.test(value);
}

export interface ReleaseBump {
  /** New spec lines. */
  readonly lines: string[];
  readonly from?: string;
  readonly to?: string;
}

/**
 * The last `Release` of the main package decides: %autorelease → unchanged (rpmautospec counts
 * the synthetic commits); `N…` → `N+count…` written to every Release line of the main package.
 */
export function bumpRelease(raw: readonly string[], count: number, mode: ReleaseCalculation, ctx: { specFile: string; span?: SourceSpan }): ReleaseBump {
  if (mode === 'manual' || mode === 'autorelease' || count <= 0) return { lines: raw.slice() };
  const model = parseSpecLines(raw);
  const idx: number[] = [];
  for (const s of packageSections(model, '')) for (let i = s.start; i < s.end; i++) if (model.lines[i]!.kind === 'tag' && model.lines[i]!.tag!.toLowerCase() === 'release') idx.push(i);
  if (idx.length === 0) {
    throw new StrataError(error('RELEASE_TAG_MISSING', `${ctx.specFile} has no Release tag in the main package`, { ...(ctx.span ? { span: ctx.span } : {}), hint: 'set release.calculation = "manual" for specs that compute Release elsewhere' }));
  }
  const value = model.lines[idx[idx.length - 1]!]!.value!;
  if (usesAutorelease(value)) {
    if (mode === 'static') {
      throw new StrataError(error('RELEASE_STATIC_AUTORELEASE', `release.calculation is "static" but ${ctx.specFile} uses %autorelease (${value})`, { ...(ctx.span ? { span: ctx.span } : {}), hint: 'use "auto" or "autorelease"' }));
    }
    return { lines: raw.slice() };
  }
  const m = /^(\d+)(.*)$/s.exec(value);
  if (!m) {
    throw new StrataError(
      error('RELEASE_NOT_BUMPABLE', `cannot bump Release "${value}" of ${ctx.specFile}: it does not start with a number`, {
        ...(ctx.span ? { span: ctx.span } : {}),
        hint: 'set release.calculation = "manual" on the component and set the value with a spec-set-tag overlay',
      }),
    );
  }
  const to = `${BigInt(m[1]!) + BigInt(count)}${m[2]!}`;
  const lines = raw.slice();
  for (const i of idx) lines[i] = `Release: ${to}`;
  return { lines, from: value, to };
}
