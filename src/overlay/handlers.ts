/**
 * The handler table: for every overlay type, what it does to the spec and to the files. The table
 * is typed per type (`Handler<OverlayOf<K>>`), so a new overlay type is a compile error until it
 * is handled, and every handler receives its own variant of the union.
 */
import type { LineEdit, SpecLineView } from '../spec/index.js';
import { planCopyIn, planFilePrependLines, planFileRename, planFileSearchReplace, planRemoveFiles, type FileEntry, type FileOp, type FilePlanner, type ReadRel } from './file-overlays.js';
import {
  planAddTag,
  planAppendLines,
  planInsertTag,
  planPatchAdd,
  planPatchRemove,
  planPrependLines,
  planRemoveSection,
  planRemoveSubpackage,
  planRemoveTag,
  planSearchReplace,
  planSetTag,
  planUpdateTag,
  type SpecPlanContext,
  type SpecPlanner,
} from './spec-overlays.js';
import type { AnyOverlay, OverlayOf, OverlayType } from './types.js';

export interface Handler<O extends AnyOverlay> {
  /** The spec edits, for types that touch the spec. */
  readonly spec?: SpecPlanner<O>;
  /** The file operations, for types that touch files. */
  readonly files?: FilePlanner<O>;
  /** The absolute path of the file the overlay copies in (it must exist). */
  readonly source?: (o: O) => string;
}

export type HandlerTable = { readonly [K in OverlayType]: Handler<OverlayOf<K>> };

export const HANDLERS: HandlerTable = {
  'spec-add-tag': { spec: planAddTag },
  'spec-insert-tag': { spec: planInsertTag },
  'spec-set-tag': { spec: planSetTag },
  'spec-update-tag': { spec: planUpdateTag },
  'spec-remove-tag': { spec: planRemoveTag },
  'spec-prepend-lines': { spec: planPrependLines },
  'spec-append-lines': { spec: planAppendLines },
  'spec-search-replace': { spec: planSearchReplace },
  'spec-remove-section': { spec: planRemoveSection },
  'spec-remove-subpackage': { spec: planRemoveSubpackage },
  'patch-add': { spec: planPatchAdd, files: planCopyIn, source: (o) => o.source },
  'patch-remove': { spec: planPatchRemove, files: planRemoveFiles },
  'file-prepend-lines': { files: planFilePrependLines },
  'file-search-replace': { files: planFileSearchReplace },
  'file-add': { files: planCopyIn, source: (o) => o.source },
  'file-remove': { files: planRemoveFiles },
  'file-rename': { files: planFileRename },
};

function handlerOf<K extends OverlayType>(type: K): Handler<OverlayOf<K>> {
  return HANDLERS[type];
}

/** Whether the overlay edits the spec / touches files. */
export function overlayTouches(o: AnyOverlay): { spec: boolean; files: boolean } {
  const h = handlerOf(o.type);
  return { spec: h.spec !== undefined, files: h.files !== undefined };
}

function specEdits<K extends OverlayType>(type: K, o: OverlayOf<K>, view: SpecLineView, ctx: SpecPlanContext): LineEdit[] {
  return handlerOf(type).spec?.(view, o, ctx) ?? [];
}

/** The line edits one overlay makes to the spec (none for file-only types). Throws its coded StrataError. */
export function planOverlaySpec(view: SpecLineView, o: AnyOverlay, ctx: SpecPlanContext): LineEdit[] {
  return specEdits(o.type, o, view, ctx);
}

function fileOps<K extends OverlayType>(type: K, o: OverlayOf<K>, files: readonly FileEntry[], read: ReadRel, exists: (rel: string) => Promise<boolean>): Promise<FileOp[]> {
  return handlerOf(type).files?.(o, files, read, exists) ?? Promise.resolve([]);
}

/** The file operations of one overlay (none for spec-only types). Throws its coded StrataError. */
export function planOverlayFiles(o: AnyOverlay, files: readonly FileEntry[], read: ReadRel, exists: (rel: string) => Promise<boolean>): Promise<FileOp[]> {
  return fileOps(o.type, o, files, read, exists);
}

function sourceOf<K extends OverlayType>(type: K, o: OverlayOf<K>): string | undefined {
  return handlerOf(type).source?.(o);
}

/** The absolute path of the file the overlay copies in, if it copies one. */
export function overlaySource(o: AnyOverlay): string | undefined {
  return sourceOf(o.type, o);
}
