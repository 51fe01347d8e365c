/**
 * Public API of the build domain (issue 6; structure: README.md).
 *
 * - `planBuild(fs, proc, request)` — the options of a run from a project, the selected
 *   components and the command's flags (`parseMacroDefines`, `resolveMockSetup`,
 *   `loadBuildUnits`, `loadCpuAffinity`).
 * - `runBuild(ctx, options)` — build components in dependency order, `jobs` at a time,
 *   incrementally (input fingerprints), keep-going, channels, `verifyReproducible`.
 * - `BuildScheduler`, `planPriorities` — the pure scheduler runBuild drives.
 * - `readBuiltRpm`, `compareBuiltRpms`, `rpmNameFromFile`; `checkReproducible`.
 * - `planBuildGraph(inputs)`, `cycleDiagnostics`, `topoOrder`, `findCycles`, `dependentsOf`.
 * - `specModelInspector(fs, fallback)` — SpecFacts from Strata's spec model (src/spec);
 *   `rpmspecInspector(proc)` — the same from `rpmspec -q` (fallback and contract oracle).
 * - `runRpmbuild(job, fs, proc)` = `stageRpmbuild(job, fs, proc)` then `.build()`, `reproducibleMacros()`, `changelogEpoch(specText)`,
 *   `withFixedRootLock` (one build per fixed path per machine), `rpmErrors(log)`.
 * - `detectMock`, `requireMock` (BUILD_MOCK_UNAVAILABLE on Debian), `mockCommands`, `runMockBuild`.
 * - `resolvePackageChannel(project, component, rpmName)`, `isDebugInfoPackage` (azldev §2.8).
 * - `selfFingerprint`, `fullFingerprint` — the incremental-build inputs.
 * - `parseDep`, `splitDeps`, `providesSatisfies`, `compareEvr`.
 */
export * from './types.js';
export * from './deps.js';
export * from './graph.js';
export * from './spec-facts.js';
export * from './rpmbuild.js';
export * from './fingerprint.js';
export * from './mock.js';
export * from './run-build.js';
export * from './plan-build.js';
export * from './scheduler.js';
export * from './built-rpms.js';
export * from './reproducibility.js';
export * from './channels.js';
