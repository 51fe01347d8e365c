/**
 * Step 7 of loading a project: whole-project checks, the ones that need more than one file or
 * the file system — local specs exist and stay inside the project, archive overlays pair with
 * `origin.type = "overlay"` source files, overlay sources exist, a package is in one package
 * group, repo sets name known templates and subrepos and expand to distinct repo names, distro
 * inputs name known repos.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { didYouMean, error, type SourceSpan } from '../diag/index.js';
import type { Collector } from './collector.js';
import type { Spanned } from './config-file.js';
import { statFollowingLinks } from './discover.js';
import { byKey } from './order.js';
import type { Distro, LocalSpecSource, Overlay, ResolvedComponent, RpmRepo, RpmRepoSet, RpmRepoSetTemplate } from './types.js';

/** A local spec must be a file inside the project (a symbolic link may not lead out of it). */
export async function checkLocalSpec(fs: FileSystem, projectDir: string, name: string, spec: LocalSpecSource, specSpan: SourceSpan | undefined, diags: Collector): Promise<void> {
  const st = await statFollowingLinks(fs, spec.path);
  // render copies a local component's directory, following links only inside the project
  const real = st && (await fs.stat(spec.path))?.isSymbolicLink ? await fs.realpath(spec.path).catch(() => spec.path) : spec.path;
  const at = specSpan ? { span: specSpan } : {};
  if (real !== spec.path && !real.startsWith((await fs.realpath(projectDir).catch(() => projectDir)) + path.sep)) diags.add(error('PATH_ESCAPES_PROJECT', `component "${name}": local spec ${spec.path} is a symbolic link to ${real}, outside the project`, { ...at, hint: 'keep the spec (or the link target) inside the project directory' }));
  else if (st?.isDirectory) diags.add(error('SPEC_NOT_FOUND', `component "${name}": local spec ${spec.path} is a directory, not a spec file`, { ...at, hint: `spec.path names the .spec file itself, e.g. "${path.basename(spec.path)}/${name}.spec"` }));
  else if (!st?.isFile) diags.add(error('SPEC_NOT_FOUND', `component "${name}": local spec ${spec.path} does not exist`, { ...at, hint: 'fix spec.path (relative to the file that sets it)' }));
}

/** Archive overlays and `origin.type = "overlay"` source files must pair up. */
export function checkArchivePairing(c: ResolvedComponent, diags: Collector): void {
  const archives = new Map<string, Overlay>();
  for (const ov of c.overlays) if ((ov.type === 'file-search-replace' || ov.type === 'file-remove') && ov.archive && !archives.has(ov.archive)) archives.set(ov.archive, ov);
  const overlayOrigins = new Map(c.sourceFiles.filter((s) => s.origin?.type === 'overlay').map((s) => [s.filename, s]));
  for (const [a, ov] of archives) {
    if (!overlayOrigins.has(a)) diags.add(error('ARCHIVE_OVERLAY_UNPAIRED', `component "${c.name}": overlay edits archive "${a}" but no source-files entry with origin.type = "overlay" names it`, { span: ov.definedAt, hint: `add [[components.${c.name}.source-files]] filename = "${a}", origin = { type = "overlay" }, replace-upstream = true, replace-reason = "…"` }));
  }
  for (const [f, s] of overlayOrigins) {
    if (!archives.has(f)) diags.add(error('ARCHIVE_OVERLAY_UNPAIRED', `component "${c.name}": source file "${f}" has origin "overlay" but no archive overlay edits it`, { span: s.definedAt, hint: 'remove the entry or add the archive overlay that produces it' }));
  }
}

/** The `source` of every `patch-add` / `file-add` overlay must exist (azldev finds out only when it applies the overlay). */
export async function checkOverlaySources(fs: FileSystem, projectDir: string, components: Iterable<ResolvedComponent>, diags: Collector): Promise<void> {
  const sourceChecks = new Map<string, Promise<boolean>>();
  const missing: Promise<void>[] = [];
  for (const c of components) {
    for (const ov of c.overlays) {
      if (ov.type !== 'patch-add' && ov.type !== 'file-add') continue;
      let p = sourceChecks.get(ov.source);
      if (!p) {
        p = statFollowingLinks(fs, ov.source).then((st) => !!st?.isFile);
        sourceChecks.set(ov.source, p);
      }
      const span = ov.fieldSpans['source'] ?? ov.definedAt;
      missing.push(
        p.then((ok) => {
          if (!ok) diags.add(error('OVERLAY_SOURCE_NOT_FOUND', `${ov.type}: source file ${path.relative(projectDir, ov.source)} does not exist`, { span, hint: `the path is relative to ${path.relative(projectDir, ov.declaredIn) || ov.declaredIn}` }));
        }),
      );
    }
  }
  await Promise.all(missing);
}

/** A package may belong to only one package group. */
export function checkPackageGroups(packageMembers: ReadonlyMap<string, readonly Spanned<string>[]>, diags: Collector): void {
  const owner = new Map<string, { group: string; span: SourceSpan }>();
  for (const [gname, spans] of [...packageMembers].sort(byKey)) {
    for (const p of spans) {
      const prev = owner.get(p.value);
      if (prev && prev.group !== gname) diags.add(error('PACKAGE_IN_TWO_GROUPS', `package "${p.value}" is in package groups "${prev.group}" and "${gname}"`, { span: p.span, related: [{ message: `also listed in "${prev.group}"`, span: prev.span }], hint: 'a package may belong to only one package group' }));
      else if (!prev) owner.set(p.value, { group: gname, span: p.span });
    }
  }
}

export interface RepoResources {
  readonly rpmRepos: ReadonlyMap<string, RpmRepo>;
  readonly templates: ReadonlyMap<string, RpmRepoSetTemplate>;
  readonly sets: ReadonlyMap<string, RpmRepoSet>;
  /** Where each repo set names its template. */
  readonly templateSpans: ReadonlyMap<string, SourceSpan>;
}

/** Repo sets name known templates and subrepos; the expanded repo names (`<name-prefix><subrepo>`) may not collide. */
export function checkRepoSets(r: RepoResources, diags: Collector): void {
  for (const [name, s] of r.sets) {
    if (s.template && !r.templates.has(s.template)) {
      const dym = didYouMean(s.template, r.templates.keys());
      diags.add(error('UNKNOWN_REPO_TEMPLATE', `repo set "${name}" uses unknown template "${s.template}"`, { span: r.templateSpans.get(name) ?? s.definedAt, hint: dym ? `did you mean "${dym}"?` : 'define it under [resources.rpm-repo-set-templates]' }));
    }
  }
  const repoNames = new Map<string, string>([...r.rpmRepos.keys()].map((n) => [n, `repo "${n}"`]));
  for (const [name, s] of [...r.sets].sort(byKey)) {
    const t = s.template ? r.templates.get(s.template) : undefined;
    if (!t) continue;
    const known = new Set(t.subrepos.map((x) => x.name));
    for (const sub of s.subrepos) {
      if (!known.has(sub)) diags.add(error('CONFIG_VALUE', `repo set "${name}": template "${t.name}" has no subrepo "${sub}"`, { span: s.definedAt, hint: `known: ${[...known].join(', ')}` }));
    }
    for (const sub of t.subrepos) {
      if (s.subrepos.length && !s.subrepos.includes(sub.name)) continue;
      const full = `${s.namePrefix ?? ''}${sub.name}`;
      const prev = repoNames.get(full);
      if (prev) diags.add(error('REPO_NAME_COLLISION', `repo set "${name}" expands to repo "${full}", which ${prev} already names`, { span: s.definedAt, hint: 'give the set a distinct name-prefix' }));
      else repoNames.set(full, `repo set "${name}"`);
    }
  }
}

/** Distro version inputs name known repos and repo sets; mock cannot use a local gpg-key. */
export function checkDistroInputs(distros: Iterable<Distro>, r: RepoResources, diags: Collector): void {
  for (const d of distros) {
    for (const v of d.versions.values()) {
      for (const [use, list] of Object.entries(v.inputs)) {
        for (const e of list) {
          if (e.repo && !r.rpmRepos.has(e.repo)) diags.add(error('UNKNOWN_REPO', `distro ${d.name} ${v.name} inputs.${use}: unknown repo "${e.repo}"`, { span: v.definedAt, hint: 'define it under [resources.rpm-repos]' }));
          if (e.set && !r.sets.has(e.set)) diags.add(error('UNKNOWN_REPO', `distro ${d.name} ${v.name} inputs.${use}: unknown repo set "${e.set}"`, { span: v.definedAt, hint: 'define it under [resources.rpm-repo-sets]' }));
          if (use === 'rpm-build' && e.repo) {
            const gk = r.rpmRepos.get(e.repo)?.gpgKey;
            if (gk && !/^[a-z][a-z0-9+.-]*:\/\//i.test(gk)) diags.add(error('CONFIG_VALUE', `distro ${d.name} ${v.name}: rpm-build input repo "${e.repo}" may not use a local gpg-key`, { span: v.definedAt, hint: 'mock cannot see local key files; use a URL' }));
          }
        }
      }
    }
  }
}
