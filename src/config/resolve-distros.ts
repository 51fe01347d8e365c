/**
 * Step 4 of loading a project: distros. Each merged distro becomes a `Distro` with its versions
 * (sorted by name), and the project's `default-distro` is resolved to a version.
 */
import { didYouMean, error, type SourceSpan } from '../diag/index.js';
import type { Collector } from './collector.js';
import type { ProjectPart } from './config-file.js';
import type { MergedDistro } from './merge.js';
import { byKey } from './order.js';
import type { Distro, DistroRef, DistroVersion } from './types.js';

export interface DistroVersionRef {
  readonly distro: Distro;
  readonly version: DistroVersion;
}

/** The distros, sorted by name; a version without `release-ver` or a bad `default-version` is reported. */
export function resolveDistros(merged: ReadonlyMap<string, MergedDistro>, diags: Collector): Map<string, Distro> {
  const resolved = new Map<string, Distro>();
  for (const [name, d] of [...merged].sort(byKey)) {
    const versions = new Map<string, DistroVersion>();
    for (const [vname, v] of [...d.versions].sort(byKey)) {
      const vf = v.fields;
      if (vf['release-ver'] === undefined) {
        diags.add(error('CONFIG_MISSING_FIELD', `distro version ${name} ${vname} needs \`release-ver\``, { span: v.span, hint: 'add release-ver = "…" (the $releasever of this version)' }));
      }
      versions.set(vname, {
        name: vname,
        ...(vf.description !== undefined ? { description: vf.description.value } : {}),
        releaseVer: vf['release-ver']?.value ?? '',
        ...(vf['dist-git-branch'] !== undefined ? { distGitBranch: vf['dist-git-branch'].value } : {}),
        ...(vf['mock-config'] !== undefined ? { mockConfig: vf['mock-config'].value } : {}),
        ...(vf['mock-config-x86_64'] !== undefined ? { mockConfigX86_64: vf['mock-config-x86_64'].value } : {}),
        ...(vf['mock-config-aarch64'] !== undefined ? { mockConfigAarch64: vf['mock-config-aarch64'].value } : {}),
        inputs: v.inputs ?? {},
        definedAt: v.span,
      });
    }
    const f = d.fields;
    const dv = f['default-version'];
    if (dv !== undefined && !versions.has(dv.value)) {
      const dym = didYouMean(dv.value, versions.keys());
      diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no version "${dv.value}" (default-version)`, { span: dv.span, hint: dym ? `did you mean "${dym}"?` : `known versions: ${[...versions.keys()].join(', ') || 'none'}` }));
    }
    resolved.set(name, {
      name,
      ...(f.description !== undefined ? { description: f.description.value } : {}),
      ...(dv !== undefined ? { defaultVersion: dv.value } : {}),
      ...(f['dist-git-base-uri'] !== undefined ? { distGitBaseUri: f['dist-git-base-uri'].value } : {}),
      ...(f['lookaside-base-uri'] !== undefined ? { lookasideBaseUri: f['lookaside-base-uri'].value } : {}),
      repos: d.repos ?? [],
      disableOrigins: f['disable-origins']?.value ?? false,
      versions,
      definedAt: d.span,
    });
  }
  return resolved;
}

/**
 * Look up a distro version (the distro's `default-version` when `version` is undefined); an
 * unknown distro or version is reported at `nameSpan`/`versionSpan`.
 */
export function resolveDistroVersion(
  distros: ReadonlyMap<string, Distro>,
  name: string,
  version: string | undefined,
  nameSpan: SourceSpan | undefined,
  versionSpan: SourceSpan | undefined,
  diags: Collector,
): DistroVersionRef | undefined {
  const distro = distros.get(name);
  if (!distro) {
    const dym = didYouMean(name, distros.keys());
    diags.add(error('UNKNOWN_DISTRO', `unknown distro "${name}"`, { ...(nameSpan ? { span: nameSpan } : {}), hint: dym ? `did you mean "${dym}"?` : `define [distros.${name}] or use one of: ${[...distros.keys()].join(', ') || 'none defined'}` }));
    return undefined;
  }
  const vname = version ?? distro.defaultVersion;
  if (vname === undefined) {
    diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no default-version and no version was given`, { ...(nameSpan ? { span: nameSpan } : {}), hint: `set version = "…" or [distros.${name}] default-version` }));
    return undefined;
  }
  const v = distro.versions.get(vname);
  if (!v) {
    if (version === undefined) return undefined; // default-version already reported
    const dym = didYouMean(vname, distro.versions.keys());
    const span = versionSpan ?? nameSpan;
    diags.add(error('UNKNOWN_DISTRO_VERSION', `distro "${name}" has no version "${vname}"`, { ...(span ? { span } : {}), hint: dym ? `did you mean "${dym}"?` : `known versions: ${[...distro.versions.keys()].join(', ') || 'none'}` }));
    return undefined;
  }
  return { distro, version: v };
}

/** `[project] default-distro`, resolved to a version; undefined when unset or unknown (reported). */
export function resolveDefaultDistro(project: ProjectPart, distros: ReadonlyMap<string, Distro>, diags: Collector): { ref: DistroRef; at: DistroVersionRef } | undefined {
  const dd = project.defaultDistro;
  if (!dd?.value.name) return undefined;
  const r = resolveDistroVersion(distros, dd.value.name, dd.value.version, dd.span, dd.span, diags);
  if (!r) return undefined;
  return { ref: { name: r.distro.name, version: r.version.name, ...(dd.value.snapshot ? { snapshot: dd.value.snapshot } : {}) }, at: r };
}
