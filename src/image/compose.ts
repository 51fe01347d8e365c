/**
 * `composeLayers`: an image's layers, base first, each verified before it is used
 * (`verifyLayer`: signature against the trusted certificates, verity root hash against the erofs
 * data, manifest against the tree, sysext compatibility with the base), then `layer order` (one
 * base, first; extensions after it; no name twice). Any failure refuses the whole composition
 * and nothing is written.
 *
 * The output directory holds `root/` — the merged tree with overlay semantics: each layer's erofs
 * is extracted (fsck.erofs) over the layers below it, an upper file replaces a lower one,
 * directories merge, and an overlay whiteout (a 0:0 character device) removes the path below
 * — and `compose.json`, which layers in which order with their root hashes and manifest digests.
 * It is staged beside the output and swapped in whole.
 *
 * Opaque directories (`trusted.overlay.opaque=y`) are not applied: the manifests do not record
 * extended attributes.
 */
import * as path from 'node:path';
import type { BlockFiles, FileSystem, ProcessRunner } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { VerifyRun, step, type StepProblem, type StepRecord } from '../trust/verify-steps.js';
import { replaceDir } from '../util/replace-dir.js';
import { layerFiles } from './layer-build.js';
import { baseRelease, verifyLayer, type LayerTrust, type LayerVerdict } from './layer-verify.js';

export interface ComposeOptions {
  /** Layer directories (or their NAME.raw), base first. */
  readonly layers: readonly string[];
  readonly trust: LayerTrust;
  /** Where `root/` and `compose.json` go (replaced as a whole). Absent: verify only. */
  readonly outDir?: string;
  /** Compare every erofs tree with its manifest (default true). */
  readonly checkTree?: boolean;
}

export interface ComposedLayer {
  readonly name: string;
  readonly kind: 'base' | 'extension';
  readonly rootHash: string;
  readonly manifestSha256: string;
  readonly entries: number;
}

export interface ComposeResult {
  readonly ok: boolean;
  readonly layers: readonly LayerVerdict[];
  readonly steps: readonly StepRecord[];
  readonly problems: readonly StepProblem[];
  /** Written only when ok. */
  readonly outDir?: string;
  readonly composed?: readonly ComposedLayer[];
}

export interface ComposeContext {
  readonly fs: FileSystem;
  readonly files: BlockFiles;
  readonly proc: ProcessRunner;
}

/** Why these layers are not in a valid order (empty when they are). */
export function orderProblems(layers: readonly { readonly name: string; readonly kind?: 'base' | 'extension' }[]): string[] {
  const out: string[] = [];
  if (layers.length === 0) return ['an image needs at least its base layer'];
  if (layers[0]!.kind !== 'base') out.push(`the first layer, ${layers[0]!.name}, is ${layers[0]!.kind ? `an ${layers[0]!.kind}` : 'unknown'}, not the base`);
  layers.slice(1).forEach((l, i) => {
    if (l.kind === 'base') out.push(`layer ${i + 2}, ${l.name}, is a base layer: only the first layer may be`);
  });
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.name)) out.push(`layer ${l.name} comes twice`);
    seen.add(l.name);
  }
  return out;
}

/** Verify `opts.layers` and, when all pass, write the merged tree. */
export async function composeLayers(ctx: ComposeContext, opts: ComposeOptions): Promise<ComposeResult> {
  const run = new VerifyRun();
  const verdicts: LayerVerdict[] = [];
  let base;
  for (const [i, dir] of opts.layers.entries()) {
    const v = await verifyLayer(ctx, dir, { trust: opts.trust, ...(i > 0 && base ? { base } : {}), ...(opts.checkTree === undefined ? {} : { checkTree: opts.checkTree }) }, run);
    verdicts.push(v);
    if (i === 0 && v.manifest) base = baseRelease(v.manifest);
  }
  await run.check(
    step('layer order', 'LAYER_ORDER', (_: null, report) => {
      for (const p of orderProblems(verdicts.map((v) => ({ name: v.name, ...(v.kind ? { kind: v.kind } : {}) })))) report('LAYER_ORDER', p);
    }),
    null,
  );
  const refused = { ok: false, layers: verdicts, steps: run.records, problems: run.problems };
  if (!run.ok) return refused;
  const composed = verdicts.map((v): ComposedLayer => ({ name: v.name, kind: v.kind!, rootHash: v.rootHash!, manifestSha256: v.statement!.predicate.manifest.sha256, entries: v.manifest!.entries.length }));
  if (!opts.outDir) return { ok: true, layers: verdicts, steps: run.records, problems: [], composed };

  const out = path.resolve(opts.outDir);
  await ctx.fs.mkdir(path.dirname(out));
  const staging = await ctx.fs.mkdtemp(`.${path.basename(out)}.staging-`, path.dirname(out));
  try {
    const root = path.join(staging, 'root');
    for (const v of verdicts) {
      const erofs = path.join(v.dir, layerFiles(v.name).erofs);
      const r = await ctx.proc.run('fsck.erofs', [`--extract=${root}`, '--overwrite', '--preserve-perms', '--no-preserve-owner', erofs]);
      if (r.code !== 0) throw new StrataError(error('LAYER_EROFS_FAILED', `fsck.erofs cannot extract layer ${v.name}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`));
      // whiteouts: the path below is removed, and the whiteout itself
      for (const e of v.manifest!.entries) if (e.type === 'char' && e.rdev === '0:0') await ctx.fs.remove(path.join(root, e.path));
    }
    await ctx.fs.writeFileAtomic(path.join(staging, 'compose.json'), JSON.stringify({ layers: composed }, null, 2) + '\n');
    await replaceDir(ctx.fs, staging, out);
  } catch (e) {
    await ctx.fs.remove(staging);
    throw e;
  }
  return { ok: true, layers: verdicts, steps: run.records, problems: [], outDir: out, composed };
}
