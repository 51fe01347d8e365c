/**
 * What `strata rebase check` finds: for each component, the upstream move and a verdict per
 * overlay. Data only; the CLI prints it.
 */
import type { Diagnostic, SourceSpan } from '../diag/index.js';

/** The four classes of an overlay re-applied to a new upstream. */
export const REBASE_CLASSES = ['applies', 'no-longer-applies', 'redundant', 'already-upstream'] as const;
export type RebaseClass = (typeof REBASE_CLASSES)[number];

/**
 * What the verdict could be based on: `spec` (the new spec only: file overlays and patch
 * contents could not be checked, so an overlay that needs the sources is kept as `applies`),
 * `spec+sources` (the new spec and the new sources).
 */
export type VerdictBasis = 'spec' | 'spec+sources';

/** A line of the new spec that comes closest to what an overlay looked for. */
export interface Candidate {
  /** 1-based line in the new spec. */
  readonly line: number;
  readonly text: string;
}

export interface OverlayVerdict {
  /** Index of the overlay in the component's resolved overlays. */
  readonly index: number;
  readonly type: string;
  readonly description?: string;
  /** Where the overlay is declared (its TOML table). */
  readonly definedAt: SourceSpan;
  readonly class: RebaseClass;
  /** Why, in one sentence. */
  readonly reason: string;
  readonly basis: VerdictBasis;
  /** Set when `basis` is `spec` and the class would need the sources to be certain. */
  readonly unverified?: boolean;
  /** For `no-longer-applies`: the nearest candidate lines of the new spec. */
  readonly candidates?: readonly Candidate[];
  /** `metadata.upstream-status` / `category` of the overlay, when it has metadata. */
  readonly upstreamStatus?: string;
  readonly category?: string;
  /** The diagnostic of a `no-longer-applies` overlay (OVERLAY_NO_MATCH and the planner's own code). */
  readonly diagnostic?: Diagnostic;
}

/** A component's upstream: the version before and after, and (dist-git) the commits between. */
export interface UpstreamMove {
  readonly from?: { readonly version?: string; readonly release?: string; readonly commit?: string; readonly where: string };
  readonly to: { readonly version?: string; readonly release?: string; readonly commit?: string; readonly where: string };
  /** dist-git: commits in (from, to], first-parent; undefined without dist-git. */
  readonly commits?: number;
  /** dist-git: `from` is not an ancestor of `to` (a branch change). */
  readonly diverged?: boolean;
}

export type ComponentStatus = 'ok' | 'error' | 'missing';

export interface ComponentRebase {
  readonly component: string;
  readonly status: ComponentStatus;
  readonly move?: UpstreamMove;
  readonly overlays: readonly OverlayVerdict[];
  /** Errors (spec that does not parse, …) and warnings of this component. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface RebaseTarget {
  /** `--to`: the distro and version (`fedora`, `rawhide`). */
  readonly distro?: string;
  readonly version?: string;
  readonly branch?: string;
  readonly snapshot?: string;
  /** `--upstream-specs`: the directory of `NAME.spec` files. */
  readonly upstreamSpecs?: string;
}

export interface RebaseReport {
  readonly target: RebaseTarget;
  readonly components: readonly ComponentRebase[];
  /** Selected components without overlays (or local specs), not checked. */
  readonly skipped: readonly string[];
  readonly counts: Readonly<Record<RebaseClass, number>>;
  /** Overlays whose verdict rests on the spec alone where the sources would be needed. */
  readonly unverified: number;
}
