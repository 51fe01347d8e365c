/**
 * `%autorelease` and `%autochangelog` without rpmautospec: an in-process re-implementation of
 * rpmautospec 0.8.4 (`process-distgit`, `calculate-release`) that reproduces its output byte for
 * byte. Domain code: it reaches git and the file system only through the `Git` and `FileSystem`
 * adapters.
 *
 * ## Use from the render pipeline
 * ```ts
 * import { processDistgit, calculateRelease } from '../render/autospec/index.js';
 * // repoDir = a dist-git clone (synthetic commits already stacked), spec at its root, clean tree
 * const r = await processDistgit({ git, fs, specPath: `${repoDir}/foo.spec`, defines: [['dist', '%{nil}']],
 *                                  reflectWorktree: false });
 * if (r.changed) writeSomewhere(r.text!);             // exactly what `process-distgit` writes
 * const { releaseNumber, release } = await calculateRelease({ git, fs, specPath, reflectWorktree: false });
 * ```
 * - `processDistgit(opts) → {changed, text?, features, releaseNumber?, warnings}`: `changed: false` where
 *   rpmautospec writes nothing (no `%autorelease`, a hand-written `%changelog`, or already
 *   processed). Throws `StrataError` AUTOSPEC_SPEC_UNPARSEABLE where rpmautospec refuses (the
 *   current spec cannot be evaluated), unless `errorOnUnparseableSpec: false`.
 * - `calculateRelease(opts) → {releaseNumber, release, epochVersion, warnings}`.
 * - `generateChangelog(opts) → {text, entries, warnings}` (`rpmautospec generate-changelog`).
 * - `runAutospec(opts, withChangelog)`: the raw walk result (release number, complete release,
 *   changelog entries) for callers that assemble output themselves.
 * - Options: `specPath` (its directory is the repository root), `cwd`, `defines` (`--define`
 *   pairs), `reflectWorktree` (uncommitted changes count as one more release, default true),
 *   `evaluator` (spec evaluation, default the spec layer's; `makeSpecHeaderEvaluator({base})`
 *   evaluates in a distro's macro context instead of plain rpm's), `history` (a pre-loaded
 *   `History`), `rpmautospecVersion` (the version printed in the header block; renders made
 *   with 0.8.3 show that).
 * - Building blocks: `loadHistory` (2 git processes for any history size), `runOnHistory` with
 *   `releaseNumberVisitor`/`changelogVisitor`, `detectSpecFeatures`, `renderProcessedSpec`,
 *   `formatChangelogEntry`, `commitLogToChangelogItems`, `parseMagicComments`, `fillText`
 *   (Python textwrap), `verflagsFromHeader`.
 *
 * Deliberate difference: `%(...)` and `%{lua:}` are never executed. The spec layer answers common
 * shell idioms (`echo`, `cut`, `${c:0:7}`, ...) purely; anything else stays unexpanded, and when
 * that touches Version/Epoch or the options of `%autorelease`, the result carries an
 * AUTOSPEC_NOT_EXPANDED warning (the CLI prints it) because the release text may then differ.
 *
 * Two more of our own, beside the spec layer: `%{?autorelease ARGS}` is rewritten to
 * `%{?autorelease}` before evaluation (rpm 4.18 ignores ARGS in the check-exist form), and the
 * options of `%autorelease` are checked with getopt rules (rpm refuses a missing argument).
 */
export * from './changelog.js';
export * from './features.js';
export * from './magic-comments.js';
export * from './process.js';
export * from './textwrap.js';
export * from './verflags.js';
export * from './walk.js';
export { evaluateSpecHeader, makeSpecHeaderEvaluator, autospecContext } from './spec-eval.js';
