import type { Overlay as ConfigOverlay, OverlayType } from '../config/types.js';
import type { SourceSpan } from '../diag/index.js';

/** The overlay types (declared once, by the config layer); handlers live in a `Record<OverlayType, …>`. */
export { OVERLAY_TYPES, type OverlayType } from '../config/types.js';
/** Spec edits are the spec layer's splices (`{offset, length, text}` on the text before the edit). */
export type { Splice } from '../spec/index.js';

export type SpecOverlayType = Extract<OverlayType, `spec-${string}`>;

/**
 * One overlay as the overlay engine sees it: the config layer's `Overlay` union flattened into
 * optional fields (the azldev TOML keys, camel-cased; `source` is an absolute path already), so
 * that synthesized overlays (header, macros load, check skip) need no config bookkeeping.
 */
export interface Overlay {
  readonly type: OverlayType;
  readonly description?: string;
  readonly tag?: string;
  readonly value?: string;
  readonly section?: string;
  readonly package?: string;
  readonly lines?: readonly string[];
  readonly regex?: string;
  readonly replacement?: string;
  readonly file?: string;
  /** Absolute path of the file the overlay copies (patch-add, file-add). */
  readonly source?: string;
  /** Archive (relative to the sources root) the overlay edits inside (file-remove, file-search-replace). */
  readonly archive?: string;
  /** Where the overlay was declared (its TOML table). */
  readonly definedAt?: SourceSpan;
  /** Synthesized by the render pipeline (header, macros load, check skip) rather than the user. */
  readonly synthetic?: string;
}

/** Every resolved config overlay is an engine overlay (compile-time check that the two stay in step). */
type AssertAssignable<T extends Overlay> = T;
type ConfigOverlayIsEngineOverlay = AssertAssignable<ConfigOverlay>;

/** Label used in messages: `spec-remove-tag "drop foo"`. */
export function overlayLabel(o: Overlay): string {
  if (o.synthetic) return `${o.type} (${o.synthetic})`;
  return o.description ? `${o.type} "${o.description}"` : o.type;
}
