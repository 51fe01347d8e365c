import { error, StrataError, type DiagnosticCode } from '../diag/index.js';
import type { AnyOverlay } from '../config/types.js';

/**
 * The overlays the engine applies: the config layer's discriminated union (declared overlays and
 * the render pipeline's synthesized ones, marked `synthetic`). Handlers live in a table typed
 * per overlay type, so a new type is a compile error until it is handled.
 */
export { OVERLAY_TYPES, type AnyOverlay, type OverlayOf, type OverlayType } from '../config/types.js';
/** Spec edits are the spec layer's splices (`{offset, length, text}` on the text before the edit). */
export type { Splice } from '../spec/index.js';

/** Label used in messages: `spec-remove-tag "drop foo"`. */
export function overlayLabel(o: AnyOverlay): string {
  if (o.synthetic) return `${o.type} (${o.synthetic})`;
  return o.description ? `${o.type} "${o.description}"` : o.type;
}

/** The coded error of an overlay that cannot be applied, at the overlay's TOML table. */
export function overlayError(o: AnyOverlay, code: DiagnosticCode, what: string, hint?: string, specFile?: string): StrataError {
  return new StrataError(error(code, `${overlayLabel(o)}: ${what}${specFile ? ` (${specFile})` : ''}`, {
    ...(o.definedAt ? { span: o.definedAt } : {}),
    ...(hint ? { hint } : {}),
  }));
}
