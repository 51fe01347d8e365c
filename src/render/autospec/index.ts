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
 * - `processDistgit(opts) → {changed, text?, features, releaseNumber?}`: `changed: false` where
 *   rpmautospec writes nothing (no `%autorelease`, a hand-written `%changelog`, or already
 *   processed). Throws `StrataError` AUTOSPEC_SPEC_UNPARSEABLE where rpmautospec refuses (the
 *   current spec cannot be evaluated), unless `errorOnUnparseableSpec: false`.
 * - `calculateRelease(opts) → {releaseNumber, release, epochVersion}`.
 * - `runAutospec(opts, withChangelog)`: the raw walk result (release number, complete release,
 *   changelog entries) for callers that assemble output themselves.
 * - Options: `specPath` (its directory is the repository root), `cwd`, `defines` (`--define`
 *   pairs), `reflectWorktree` (uncommitted changes count as one more release, default true),
 *   `evaluator` (spec evaluation, default the spec layer's), `history` (a pre-loaded `History`).
 * - Building blocks: `loadHistory` (3 git processes for any history size), `runOnHistory` with
 *   `releaseNumberVisitor`/`changelogVisitor`, `detectSpecFeatures`, `renderProcessedSpec`,
 *   `formatChangelogEntry`, `commitLogToChangelogItems`, `parseMagicComments`, `fillText`
 *   (Python textwrap), `verflagsFromHeader`.
 *
 * Deliberate difference: `%(...)` shell expansions are never executed; a value that needs one
 * (e.g. `%global shortcommit %(c=%{commit}; echo ${c:0:7})` used in `-s`) expands as rpm would
 * expand an unknown/failed command, so its text differs from rpmautospec's.
 */
export * from './changelog.js';
export * from './features.js';
export * from './history.js';
export * from './magic-comments.js';
export * from './process.js';
export * from './textwrap.js';
export * from './verflags.js';
export * from './walk.js';
export { evaluateSpecHeader } from './spec-eval.js';
