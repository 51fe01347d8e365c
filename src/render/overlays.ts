/**
 * Step 4: overlays, in azldev's order — the macros file's `%{load:}` prepend and `Source9999`,
 * the user's overlays, the `%check` skip, the header — with archive-scoped overlays first, one
 * batch per archive, when the archive is in the sources (render does not download lookaside
 * archives: an absent one is skipped and `sources` keeps the hash recorded for it).
 */
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { Diagnostic, SourceSpan } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { applyArchiveOverlays, applyOverlays, checkArchiveHash, confinedRel, decodeBytes, overlayArchive, overlayLabel, type AnyOverlay, type OverlayResult } from '../overlay/index.js';
import type { RenderContext } from './context.js';
import { checkSkipOverlay, headerOverlay, macrosLoadOverlays } from './macros.js';

export interface OverlaysApplied {
  /** The spec text after every overlay. */
  readonly spec: string;
  readonly results: readonly OverlayResult[];
  /** Archives edited and repacked by archive overlays: file name → new hashes. */
  readonly repacked: ReadonlyMap<string, { sha256: string; sha512: string }>;
  readonly diagnostics: readonly Diagnostic[];
}

function withSpan(o: AnyOverlay, span: SourceSpan): AnyOverlay {
  return { ...o, definedAt: span };
}

export async function applyComponentOverlays(ctx: RenderContext, c: ResolvedComponent, stage: string, specFile: string, specText: string, hasMacrosFile: boolean): Promise<OverlaysApplied> {
  const { fs } = ctx.deps;
  // Overlays, in azldev's order; archive-scoped ones are handled apart.
  const user = c.overlays;
  const archive = user.filter((o) => overlayArchive(o) !== undefined);
  const all: AnyOverlay[] = [
    ...(hasMacrosFile ? macrosLoadOverlays(c.name).map((o) => withSpan(o, c.origin('build.with') ?? c.origin('build.without') ?? c.origin('build.defines') ?? c.definedAt)) : []),
    ...user.filter((o) => overlayArchive(o) === undefined),
    ...(c.build.check.skip ? [withSpan(checkSkipOverlay(c.build.check.skipReason), c.origin('build.check.skip') ?? c.definedAt)] : []),
    headerOverlay(),
  ];
  const diagnostics: Diagnostic[] = [];
  // Archive-scoped overlays run first, one batch per archive (first-seen order). Render does
  // not download lookaside archives: an absent archive is skipped and `sources` carries the
  // hash recorded for it; a present one (local sources) is edited, repacked and checked.
  const archiveNames = [...new Set(archive.map((o) => overlayArchive(o)!))];
  const repacked = new Map<string, { sha256: string; sha512: string }>();
  for (const name of archiveNames) {
    const group = archive.filter((o) => overlayArchive(o) === name);
    const rel = confinedRel(group[0]!, name, 'archive');
    const abs = path.join(stage, rel);
    if (!(await fs.stat(abs))?.isFile) {
      for (const o of group) diagnostics.push({ code: 'OVERLAY_ARCHIVE_SKIPPED', severity: 'note', message: `${overlayLabel(o)}: archive ${name} is a lookaside file render does not download; its recorded hash is used`, ...(o.definedAt ? { span: o.definedAt } : {}) });
      continue;
    }
    const scratch = await fs.mkdtemp('.archive-', path.dirname(stage));
    try {
      const r = await applyArchiveOverlays({ fs, proc: ctx.deps.proc }, abs, group, scratch);
      const rec = c.sourceFiles.find((f) => f.filename === path.basename(rel));
      checkArchiveHash(r, rec?.hash && rec.hashType ? { hashType: rec.hashType, hash: rec.hash } : undefined, rec?.definedAt ?? group[0]!.definedAt);
      repacked.set(path.basename(rel), r);
    } finally {
      await fs.remove(scratch);
    }
  }
  const applied = await applyOverlays({ fs, root: stage, specFile, keepSpecInMemory: true, write: (p, d, m) => ctx.write(p, d, m) }, all, specText);
  return { spec: applied.spec, results: applied.results, repacked, diagnostics };
}

/** --dry-run: the unified diff each overlay made. */
export function overlayDiffs(specFile: string, results: readonly OverlayResult[]): { overlay: string; diff: string }[] {
  const out: { overlay: string; diff: string }[] = [];
  for (const r of results) {
    let diff = '';
    if (r.specBefore !== r.specAfter) diff += createTwoFilesPatch(`a/${specFile}`, `b/${specFile}`, r.specBefore, r.specAfter, '', '', { context: 3 });
    for (const op of r.fileOps) {
      if (op.op === 'write') diff += createTwoFilesPatch(`a/${op.path}`, `b/${op.path}`, decodeBytes(op.before ?? new Uint8Array()).text, decodeBytes(op.data).text, '', '', { context: 3 });
      else if (op.op === 'copy') diff += `new file ${op.path} (from ${op.from})\n`;
      else if (op.op === 'remove') diff += `deleted file ${op.path}\n`;
      else diff += `rename ${op.path} => ${op.to}\n`;
    }
    out.push({ overlay: r.overlay.definedAt ? `${r.overlay.definedAt.file}:${r.overlay.definedAt.line}: ${overlayLabel(r.overlay)}` : overlayLabel(r.overlay), diff });
  }
  return out;
}
