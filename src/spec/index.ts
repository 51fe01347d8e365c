/**
 * Public API of the spec layer: a lossless, conditional-aware RPM spec model (pure code; never
 * runs rpm, `%{lua:}` or `%(...)`).
 *
 * ## Reading and writing files (byte-faithful)
 * Parse the file's bytes decoded as latin1 so that every byte (invalid UTF-8 included) is one
 * char and offsets are byte offsets:
 *
 * ```ts
 * const text = decodeSpecBytes(await fs.readFile(path));      // or Buffer#toString('latin1')
 * const view = viewSpecLines(parseSpec(text, path));
 * const out = applySplices(text, lineEditSplices(view, planSectionRemoval(view, findLineSections(view, '%check', ''))));
 * await fs.writeFile(path, encodeSpecText(out));               // Buffer.from(out, 'latin1')
 * ```
 * Values that come from UTF-8 sources (TOML overlays) must be converted with
 * `toSpecBytesString` before splicing into such text; values read from the CST are shown to
 * humans with `displayText`. (If a caller parses a normal UTF-8 JS string instead, everything
 * still works and round-trips at the string level; only offsets are then UTF-16 units.)
 *
 * ## The CST (`cst.ts`)
 * - `parseSpec(text, file?) → SpecDocument`, never throws; `printSpec(doc) === text`.
 * - `doc.nodes`: one node per logical line (`blank`, `comment`, `section-header`, `tag`,
 *   `conditional`, `macro-definition`, `bcond`, `include`, `text`), each with `start`/`end`
 *   (0-based offsets, end includes the newline), `contentEnd`, `line`/`endLine` (1-based),
 *   `section` (index) and `branch` (innermost `%if` branch; `branchChain(branch)` gives all).
 * - `doc.sections` (index 0 = main preamble; all rpm sections incl. scriptlets, triggers, file
 *   triggers, `%sourcelist`, `%patchlist`), with `qualifier`, `options` (`-f`, `-p`, ...),
 *   `triggerCondition`, `package` key, header/body ranges, `branch`, and `straddles`.
 * - `doc.packages` (key '' = main; `%package devel` → 'devel'; `%package -n foo` → 'foo' with
 *   `absolute`), each with its tags; `packageName(main, key, absolute)` gives the full name.
 * - `doc.tags` (name, family, number, qualifier, value, name/separator/value ranges),
 *   `doc.conditionals` (branches, endif, parent, depth), `doc.macroDefinitions`, `doc.bconds`,
 *   `doc.includes`, `doc.listEntries` (`%sourcelist`/`%patchlist`), `doc.changelog`,
 *   `doc.finalNewline`, `doc.diagnostics` (SPEC_UNCLOSED_IF, SPEC_ENDIF_WITHOUT_IF,
 *   SPEC_ELSE_WITHOUT_IF, SPEC_BRANCH_AFTER_ELSE, SPEC_UNCLOSED_MACRO, SPEC_UNKNOWN_TAG, ...).
 * - `filesEntries(doc, section)` (directives + paths of `%files` lines), `scriptletSections(doc)`,
 *   `findSections(doc, name, pkg?)`, `findPackages(doc, key)`, `nodeAt(doc, offset)`, `textOf`.
 * - `spanOf(doc, range)` converts a range into a diag `SourceSpan`.
 *
 * ## Edits (`edit.ts`): splices `{offset, length, text}` on the original text
 * The one spec-edit engine (the overlays plan on it). `applySplices` (SPEC_SPLICE_OVERLAP);
 * `viewSpecLines(doc)`: the CST projected onto physical lines (offsets, line endings, kinds,
 * azldev-style tags, sections, the conditional context of every line, conditional partners);
 * `logicalLength`, `findLineSections`, `packageSections`, `appendPoint` (end of a section, never
 * inside a conditional wrapping the next one), `skipPastConditional`, `highestPatchNumber`;
 * `LineEdit` + `lineEditSplices` (only edited lines change: inserted lines take the file's line
 * ending, a missing final newline stays missing); `formatTagLine` with `style: 'azldev' |
 * 'neighbour'`; `planSectionRemoval` (the one section-removal algorithm: conditional-balanced,
 * keeps `%define`/`%global`). `splitSpecText`/`joinSpecLines`/`parseSpecLines` are azldev's
 * normalisation (CRLF → LF, final newline) for the render pipeline's release step.
 *
 * ## Macros and evaluation (`macro.ts`, `expr.ts`, `evaluate.ts`, `defaults.ts`, `rpmver.ts`, `shell.ts`)
 * - `MacroContext` (stack of definitions per name; `define`, `set` (= --define), `undefine`,
 *   `delete`, `clone`; `hooks` for `%{exists:}`, `%{getenv:}`, `%{load:}`, `%autorelease`,
 *   `shellIdioms`), `fedoraContext({fedora, dist, arch, overrides, undefines, with, without})`,
 *   `fedoraDefinitions()`, `parseDefineArg('name value')`, `loadMacroFile(text, ctx)`.
 * - `expandMacros(text, ctx) → {text, complete, unexpandable, undefined, emulated, errors}`:
 *   `%{lua:}` is never run and `%(...)` is never run; a pure emulator answers the
 *   side-effect-free idioms specs use for file names (`c=…; echo ${c:0:7}`, `cut`, `tr`,
 *   `sed s///`, `awk '{print}'`, `printf`) and lists them in `emulated`; anything else is left as
 *   written and listed in `unexpandable` (`complete: false`). Disable with
 *   `hooks.shellIdioms = false`.
 * - `evaluateExpression(text)` (rpm's `%if` language), `rpmvercmp`, `parseEVR`, `compareEVR`, `labelCompare` (advisory order: a missing release sorts first),
 *   `parseDependencies`, `matchesConstraint`, `satisfies`.
 * - `evaluateSpec(doc, ctx, {include?}) → EvaluatedSpec`: name/epoch/version/release, per-package
 *   active tags with expanded values and Requires/Provides/BuildRequires/..., sources/patches as
 *   `spectool -l -a` numbers them (`printSourceList`), `active[nodeIndex]`, `undecided`
 *   conditionals, diagnostics (SPEC_CANNOT_DECIDE, SPEC_BAD_EXPRESSION, SPEC_CANNOT_EXPAND,
 *   SPEC_INCLUDE_NOT_FOLLOWED, SPEC_MACRO_ERROR).
 * - rpmautospec: `evaluateNEVR(text, ctx)`, `findAutorelease(releaseValue)`; the default context
 *   defines rpmautospec's fallback `%autorelease`/`%autochangelog`; pass `hooks.autorelease` to
 *   compute the real number (the macro definition is then dropped so the hook is used).
 *
 * ## Files (`load.ts`)
 * `loadSpec(fs, path)`, `resolveSpecPaths`, `checkSpecs`;
 * `evaluateSpecFile(fs, file, abs, options)` (behind `spec sources|show`).
 */
export * from './text.js';
export * from './cst.js';
export * from './edit.js';
export * from './rpmver.js';
export * from './expr.js';
export * from './macro.js';
export * from './defaults.js';
export * from './evaluate.js';
export * from './load.js';
export * from './evaluate-file.js';
export * from './shell.js';
