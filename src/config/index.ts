/**
 * Public API of the project model (azldev-compatible config).
 *
 * - `findProjectRoot(fs, startDir)` — the directory with `azldev.toml` / `strata.toml`, searching upward.
 * - `loadProject({ fs, projectDir | startDir, extraConfigFiles? })` → `{ project, diagnostics }`:
 *   loads the include tree, merges files, resolves inheritance (distro-version default → project
 *   default → groups sorted by name → component), loads overlay files, validates everything and
 *   throws a StrataError carrying ALL diagnostics when any is an error (warnings are returned).
 * - `selectComponents(project, { all, patterns, groups })` — `-a/-p/-g` selection.
 * - `loadSelected({ fs }, { cwd, projectDir?, all, names, groups? })` → `{ project, components, diagnostics }`:
 *   load the project and select components (warnings returned) — the start of every component command.
 * - `projectToJson(project)` / `componentToJson(c, { origins })` — the deterministic plain-data
 *   view used by `config dump` and `component query`.
 * - `isInside(root, abs)` — path confinement, for every layer that takes paths from config,
 *   archives or repository metadata. `checkOutputDir(fs, dir, what, definedAt?)` /
 *   `checkOutputFile(fs, file, what)` — OUTPUT_NOT_A_DIRECTORY / OUTPUT_IS_A_DIRECTORY before work starts.
 * - Types: `ResolvedProject`, `ResolvedComponent`, `Overlay` (discriminated on `type`),
 *   `SpecSource` (`upstream` | `local`), `SigningConfig` and `AttestationConfig` (Strata's `[signing]` and `[attestation]` extensions), …
 */
export { findProjectRoot, PROJECT_FILE_NAMES } from './discover.js';
export { loadProject, PROJECT_DEFAULTS, type LoadProjectOptions, type LoadProjectResult } from './load.js';
export { selectComponents, globToRegExp, type ComponentSelection } from './select.js';
export { loadSelected, type ProjectSelection, type SelectedProject } from './load-selected.js';
export { COMPONENT_MERGE_RULES, RELEASE_CALCULATIONS, type MergeRule } from './component-config.js';
export { OVERLAY_FIELDS, re2Error, isConfinedRelative } from './overlay.js';

export { projectToJson, componentToJson } from './to-json.js';
export * from './types.js';
