/**
 * The inventory of a directory of spec files (or of the project's rendered specs): each spec
 * evaluated with Strata's own spec model and macro evaluator (`evaluateSpecFile`: Fedora's
 * defaults, the distro's macros, `--define`s) for its source NEVR and binary package names, plus
 * its patch names and `%changelog` entries (evidence). A spec whose NEVR cannot be evaluated
 * fully is reported (CVE_SPEC_NO_EVR) and left out, never guessed.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { StrataError, error, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { displayText, evaluateSpecFile } from '../spec/index.js';
import { mapPool } from '../util/pool.js';
import type { AdvisoryIndex } from './match.js';
import type { InventoryComponent, InventoryPackage } from './types.js';

export interface SpecScanOptions {
  /** `NAME VALUE` per `--define` (the distro's macros first, then the user's). */
  readonly define: readonly string[];
  /** For messages: paths are shown relative to it. */
  readonly cwd: string;
  /** Specs evaluated at once. */
  readonly parallel?: number;
  /** Overlay descriptions per component (project scans). */
  readonly overlays?: ReadonlyMap<string, readonly { text: string; span: SourceSpan }[]>;
}

export interface SpecSpec {
  /** Component name (directory or file stem). */
  readonly component: string;
  readonly abs: string;
  /** This spec's own macros (a project component's build defines), before `SpecScanOptions.define`. */
  readonly define?: readonly string[];
}

/** `Name:` when the spec has exactly one such line and its value is literal (no macro): a fast pre-filter. */
export function literalName(text: string): string | undefined {
  const m = text.match(/^Name[ \t]*:[ \t]*(\S+)[ \t]*\r?$/gim);
  if (m?.length !== 1) return undefined;
  const v = /:[ \t]*(\S+)/.exec(m[0]!)![1]!;
  return v.includes('%') ? undefined : v;
}

/** Package names in a dependency (the alternatives of a rich one too). */
function depNames(d: { name: string; rich?: boolean }): string[] {
  if (!d.rich) return [displayText(d.name)];
  return (displayText(d.name).match(/[A-Za-z0-9_][^\s()]*/g) ?? []).filter((w) => !['and', 'or', 'if', 'else', 'with', 'without', 'unless'].includes(w) && !/^[<>=]+$/.test(w) && !/^\d/.test(w));
}

/** Line-start keywords that cannot create a package (sections other than %package, conditionals, definitions). */
const PLAIN_KEYWORDS = new Set(['description', 'files', 'prep', 'build', 'install', 'check', 'clean', 'changelog', 'conf', 'generate_buildrequires', 'pre', 'post', 'preun', 'postun', 'pretrans', 'posttrans', 'preuntrans', 'postuntrans', 'triggerin', 'triggerun', 'triggerpostun', 'triggerprein', 'filetriggerin', 'filetriggerun', 'filetriggerpostun', 'transfiletriggerin', 'transfiletriggerun', 'transfiletriggerpostun', 'verifyscript', 'sourcelist', 'patchlist', 'sepolicy', 'if', 'ifarch', 'ifnarch', 'ifos', 'ifnos', 'elif', 'elifarch', 'elifos', 'else', 'endif', 'define', 'global', 'undefine', 'bcond', 'bcond_with', 'bcond_without', 'setup', 'autosetup', 'autopatch', 'patch', 'configure', 'make_build', 'make_install', 'cmake', 'cmake_build', 'cmake_install', 'meson', 'meson_build', 'meson_install', 'doc', 'license', 'dir', 'attr', 'defattr', 'config', 'ghost', 'exclude', 'verify', 'docdir', 'lang', 'find_lang', 'ldconfig_scriptlets', 'set_build_flags', 'py3_build', 'py3_install', 'pyproject_wheel', 'pyproject_install', 'pyproject_save_files', 'pyproject_buildrequires', 'pyproject_check_import', 'pytest', 'tox', 'make', 'ninja_build', 'ninja_install', 'systemd_post', 'systemd_preun', 'systemd_postun', 'systemd_postun_with_restart', 'go_generate_buildrequires', 'gobuild', 'gopkginstall', 'goprep', 'cargo_prep', 'cargo_build', 'cargo_install', 'cargo_test', 'cargo_generate_buildrequires', 'end']);

/**
 * Every package name a spec can produce, when that is plain from its text: a literal Name, and
 * `%package` lines with literal names, and no other line that could create a package (a macro
 * call at the start of a line outside PLAIN_KEYWORDS, `%{expand:…}`, `%include`, Lua). An
 * over-approximation (a package in a false `%if` branch is counted): a spec none of whose
 * possible names an advisory tests cannot be affected. Undefined when it cannot be told.
 */
export function possiblePackageNames(text: string): Set<string> | undefined {
  const name = literalName(text);
  if (name === undefined) return undefined;
  const out = new Set([name]);
  for (const m of text.matchAll(/^[ \t]*%([{(]?)([A-Za-z_][A-Za-z0-9_]*)?(.*)$/gm)) {
    const kw = m[2] ?? '';
    if (m[1] || !kw || kw === 'include' || kw === 'lua' || kw === 'expand') return undefined;
    if (kw === 'package') {
      const args = m[3]!.trim().split(/\s+/).filter(Boolean);
      if (args.some((a) => a.includes('%'))) return undefined;
      const n = args.indexOf('-n');
      const pkg = n >= 0 ? args[n + 1] : args.find((a) => !a.startsWith('-'));
      if (!pkg) return undefined;
      out.add(n >= 0 ? pkg : `${name}-${pkg}`);
    } else if (!PLAIN_KEYWORDS.has(kw)) return undefined;
  }
  return out;
}

const complete = (s: string | undefined): s is string => s !== undefined && s !== '' && !s.includes('%');

/**
 * Evaluate specs into inventory components. With `index`, a spec that no check of the index can
 * name is skipped unevaluated (the verdict cannot involve it): by its literal Name when the index
 * tests source names only, by `possiblePackageNames` when it tests binary names too.
 */
export async function inventoryFromSpecs(fs: FileSystem, specs: readonly SpecSpec[], o: SpecScanOptions, index?: AdvisoryIndex & { readonly binaryNames?: boolean }): Promise<{ components: InventoryComponent[]; diagnostics: Diagnostic[]; evaluated: number }> {
  const diagnostics: Diagnostic[] = [];
  let evaluated = 0;
  const out = await mapPool([...specs], o.parallel ?? 4, async (s): Promise<InventoryComponent | undefined> => {
    const rel = path.relative(o.cwd, s.abs) || s.abs;
    if (index) {
      let text: string;
      try { text = await fs.readText(s.abs); } catch (e) {
        diagnostics.push(error('CVE_SPECS_NOT_FOUND', `cannot read ${rel}: ${(e as Error).message}`, { span: { file: rel, line: 1, col: 1 } }));
        return undefined;
      }
      if (!index.binaryNames) {
        const lit = literalName(text);
        if (lit !== undefined && !index.has('source', lit)) return undefined;
      } else {
        const names = possiblePackageNames(text);
        if (names && ![...names].some((n) => index.has('binary', n) || index.has('source', n))) return undefined;
      }
    }
    evaluated++;
    let r;
    try {
      r = await evaluateSpecFile(fs, rel, s.abs, { define: [...(s.define ?? []), ...o.define], undefine: [], with: [], without: [] });
    } catch (e) {
      if (e instanceof StrataError && e.diagnostics[0]?.code === 'SPEC_BAD_DEFINE') throw e;
      if (e instanceof StrataError) { diagnostics.push(...e.diagnostics); return undefined; }
      throw e;
    }
    const { doc, ev } = r;
    const name = ev.name && displayText(ev.name);
    const version = ev.version && displayText(ev.version);
    const release = ev.release && displayText(ev.release);
    const epoch = ev.epoch && displayText(ev.epoch);
    if (!complete(name) || !complete(version) || !complete(release) || (epoch !== undefined && !/^\d+$/.test(epoch))) {
      diagnostics.push(warning('CVE_SPEC_NO_EVR', `${rel}: the source NEVR cannot be evaluated (${name ?? '?'}-${epoch ?? ''}${epoch ? ':' : ''}${version ?? '?'}-${release ?? '?'})`, { span: { file: rel, line: 1, col: 1 }, hint: 'define the macros it needs with --define (or in the distro\'s build defines); the spec is left out of the scan' }));
      return undefined;
    }
    const evr = { epoch: epoch ?? '0', version, release };
    const packages: InventoryPackage[] = [{ name, kind: 'source', evr }];
    for (const p of ev.packages) {
      const n = displayText(p.name);
      if (complete(n)) packages.push({ name: n, kind: 'binary', evr });
    }
    return {
      component: s.component,
      file: rel,
      packages,
      patches: ev.patches.map((p) => ({ name: displayText(p.fileName), line: p.line })),
      buildRequires: [...new Set(ev.buildRequires.flatMap(depNames))],
      provides: [...new Set(ev.packages.flatMap((p) => [displayText(p.name), ...p.provides.flatMap(depNames)]))],
      changelog: doc.changelog.map((c) => ({ line: c.line, text: displayText(doc.text.slice(c.start, c.end)) })),
      ...(o.overlays?.get(s.component) ? { overlays: o.overlays.get(s.component)! } : {}),
    };
  });
  return { components: out.filter((x): x is InventoryComponent => x !== undefined), diagnostics, evaluated };
}

/** The `.spec` files of a directory: `DIR/NAME.spec` (flat) or `DIR/NAME/NAME.spec` (rendered layout). */
export async function findSpecs(fs: FileSystem, dir: string, shown: string): Promise<SpecSpec[]> {
  const st = await fs.stat(dir);
  if (!st?.isDirectory) throw new StrataError(error('CVE_SPECS_NOT_FOUND', `${shown} is not a directory of spec files`, { hint: 'pass --specs DIR (a directory of NAME.spec files, or of NAME/NAME.spec)' }));
  const out: SpecSpec[] = [];
  const inDirs = new Map<string, string[]>();
  for (const f of await fs.glob(['*.spec', '*/*.spec'], dir)) {
    const rel = path.relative(dir, f).split(path.sep);
    if (rel.length === 1) { out.push({ component: rel[0]!.slice(0, -5), abs: f }); continue; }
    let l = inDirs.get(rel[0]!);
    if (!l) inDirs.set(rel[0]!, (l = []));
    l.push(rel[1]!);
  }
  for (const [n, inner] of inDirs) {
    const pick = inner.includes(`${n}.spec`) ? `${n}.spec` : inner.length === 1 ? inner[0] : undefined;
    if (pick) out.push({ component: n, abs: path.join(dir, n, pick) });
  }
  return out.sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
}
