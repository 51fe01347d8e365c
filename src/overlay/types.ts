import type { SourceSpan } from '../diag/index.js';

/** Every overlay type azldev knows; handlers live in a `Record<OverlayType, …>`. */
export const OVERLAY_TYPES = [
  'spec-add-tag',
  'spec-insert-tag',
  'spec-set-tag',
  'spec-update-tag',
  'spec-remove-tag',
  'spec-prepend-lines',
  'spec-append-lines',
  'spec-search-replace',
  'spec-remove-section',
  'spec-remove-subpackage',
  'patch-add',
  'patch-remove',
  'file-prepend-lines',
  'file-search-replace',
  'file-add',
  'file-remove',
  'file-rename',
] as const;

export type OverlayType = (typeof OVERLAY_TYPES)[number];

export type SpecOverlayType = Extract<OverlayType, `spec-${string}`>;

/**
 * One overlay as the overlay engine sees it. The config layer's resolved overlays map onto this
 * (fields are the azldev TOML keys, camel-cased); `source` is an absolute path already.
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

/** A text edit on the original: replace `length` chars at `offset` with `text`. */
export interface Splice {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

/** Label used in messages: `spec-remove-tag "drop foo"`. */
export function overlayLabel(o: Overlay): string {
  if (o.synthetic) return `${o.type} (${o.synthetic})`;
  return o.description ? `${o.type} "${o.description}"` : o.type;
}
