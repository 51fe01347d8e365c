/**
 * Step 5 of loading a project: components. Component groups get their members (listed ones and
 * specs found by their `specs` globs); each component's layers are stacked — distro-version
 * default → project defaults → groups sorted by name → the component's own table — and merged
 * into a `ResolvedComponent`.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { didYouMean, error, type SourceSpan } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import type { Collector } from './collector.js';
import { fieldOrigins, groupSpecLayer, mergeLayers, type ComponentLayer, type OverlayFilesValue } from './component-config.js';
import type { ComponentPart } from './config-file.js';
import type { MergedConfig, MergedGroup } from './merge.js';
import { byKey, compareStrings, sortObject } from './order.js';
import { resolveDistroVersion } from './resolve-distros.js';
import type { ComponentGroup, Distro, DistroRef, Overlay, PackageConfig, PackagePublish, ResolvedComponent, SpecSource } from './types.js';

/** A spec found by a group's `specs` glob. */
interface GroupSpec {
  readonly layer: ComponentLayer;
  readonly span: SourceSpan;
  readonly specPath: string;
}

export interface ResolvedGroups {
  /** Sorted by name. */
  readonly groups: Map<string, ComponentGroup>;
  /** The groups each component is in. */
  readonly memberOf: ReadonlyMap<string, readonly string[]>;
  /** Components that only exist as a group's spec, by name (the first group's spec wins). */
  readonly groupSpecs: ReadonlyMap<string, GroupSpec>;
}

/** Group membership and spec discovery; a listed member that is no component is reported. */
export async function resolveComponentGroups(fs: FileSystem, projectDir: string, groups: ReadonlyMap<string, MergedGroup>, components: ReadonlyMap<string, ComponentPart>, diags: Collector): Promise<ResolvedGroups> {
  const memberOf = new Map<string, string[]>();
  const groupSpecs = new Map<string, GroupSpec>();
  const resolved = new Map<string, ComponentGroup>();
  const addMember = (name: string, group: string) => {
    const list = memberOf.get(name) ?? [];
    if (!list.includes(group)) list.push(group);
    memberOf.set(name, list);
  };
  for (const [gname, g] of [...groups].sort(byKey)) {
    const members: string[] = [];
    for (const m of g.members) {
      members.push(m.value);
      addMember(m.value, gname);
    }
    if (g.specs.length) {
      const found = await fs.glob(g.specs, g.dir);
      const excluded = g.excludedPaths.length ? new Set(await fs.glob(g.excludedPaths, g.dir)) : new Set<string>();
      for (const specPath of found) {
        if (!specPath.endsWith('.spec') || excluded.has(specPath) || !isInside(projectDir, specPath)) continue;
        const name = path.basename(specPath, '.spec');
        if (!groupSpecs.has(name)) groupSpecs.set(name, { layer: groupSpecLayer(`group ${gname} specs`, g.span.file, g.dir, specPath, g.span), span: g.span, specPath });
        addMember(name, gname);
        members.push(name);
      }
    }
    resolved.set(gname, {
      name: gname,
      ...(g.description !== undefined ? { description: g.description } : {}),
      members,
      specs: g.specs,
      excludedPaths: g.excludedPaths,
      ...(g.metadata ? { metadata: g.metadata } : {}),
      definedAt: g.span,
    });
    for (const m of g.members) {
      if (!components.has(m.value) && !groupSpecs.has(m.value)) {
        const dym = didYouMean(m.value, components.keys());
        diags.add(error('UNKNOWN_COMPONENT', `component group "${gname}" lists "${m.value}", which is not a component`, { span: m.span, hint: dym ? `did you mean "${dym}"?` : 'define it under [components] or remove it from the group', ...(g.chain.length ? { includeChain: g.chain } : {}) }));
      }
    }
  }
  return { groups: resolved, memberOf, groupSpecs };
}

/** What a component is resolved from: where it is defined and its layers, lowest first. */
export interface ComponentInput {
  readonly name: string;
  readonly definedAt: SourceSpan;
  readonly file: string;
  /** Sorted by name. */
  readonly groups: readonly string[];
  readonly layers: readonly ComponentLayer[];
  /** azldev: `overlay-files` patterns resolve against the component's own config file (or its spec, for group-discovered specs), wherever in the chain they were set. */
  readonly overlayFilesDir: string;
}

/**
 * Every component (defined or group-discovered), sorted by name, with its inheritance chain:
 * `distroDefaults` (of the project's default distro version) → project defaults → groups by name → own table.
 */
export function planComponentInputs(merged: MergedConfig, groups: ResolvedGroups, distroDefaults: readonly ComponentLayer[]): ComponentInput[] {
  const names = [...new Set([...merged.components.keys(), ...groups.groupSpecs.keys()])].sort(compareStrings);
  return names.map((name) => {
    const own = merged.components.get(name);
    const gs = groups.groupSpecs.get(name);
    const compGroups = (groups.memberOf.get(name) ?? []).slice().sort(compareStrings);
    const layers: ComponentLayer[] = [...distroDefaults, ...merged.projectDefaults];
    if (gs) layers.push(gs.layer);
    for (const gname of compGroups) {
      const dcc = merged.groups.get(gname)?.defaultComponentConfig;
      if (dcc) layers.push(dcc);
    }
    if (own) layers.push(own.layer);
    // a name is in the list because it is a component or a group spec
    const at = own ? { definedAt: own.span, file: own.layer.file, overlayFilesDir: path.dirname(own.layer.file) } : { definedAt: gs!.span, file: gs!.span.file, overlayFilesDir: path.dirname(gs!.specPath) };
    return { name, groups: compGroups, layers, ...at };
  });
}

/** A resolved component whose overlay files are still to be loaded. */
export interface ComponentDraft extends ResolvedComponent {
  overlays: Overlay[];
  overlayFiles: string[];
}

export interface ComponentEnv {
  readonly defaultDistro: DistroRef | undefined;
  readonly distros: ReadonlyMap<string, Distro>;
  readonly diags: Collector;
}

/**
 * Merge a component's layers and check the result: the spec source (local or upstream, with its
 * distro), `check.skip` / `failure.expected` reasons. Undefined when the component is invalid
 * (reported). `overlayFiles` is set when overlay-file patterns remain to be expanded.
 */
export function resolveComponent(input: ComponentInput, env: ComponentEnv): { component: ComponentDraft; overlayFiles?: { value: OverlayFilesValue; span: SourceSpan } } | undefined {
  const { name, definedAt } = input;
  const merged = mergeLayers(input.layers);
  if (merged.invalid) return undefined; // already reported
  const { diags } = env;
  const s = merged.scalars;
  const at = (span: SourceSpan | undefined) => ({ span: span ?? definedAt });

  let ok = true;
  const rawType = s['spec.type']?.value;
  const type = rawType === 'local' ? 'local' : rawType === 'upstream' ? 'upstream' : s['spec.path'] !== undefined ? 'local' : 'upstream';
  let spec: SpecSource | undefined;
  if (type === 'local') {
    const p = s['spec.path']?.value;
    for (const k of ['spec.upstream-name', 'spec.upstream-commit'] as const) {
      const e = s[k];
      if (e !== undefined) {
        diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": \`${k.slice(5)}\` only applies to upstream specs, but the spec is local`, { ...at(e.span), hint: `remove ${k.slice(5)}, or set spec.type = "upstream"` }));
        ok = false;
      }
    }
    if (p === undefined) {
      diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": a local spec needs \`path\``, { ...at(s['spec.type']?.span), hint: 'add spec.path = "NAME.spec" (relative to this file)' }));
      ok = false;
    } else spec = { type: 'local', path: p, dir: path.dirname(p) };
  } else {
    const specPath = s['spec.path'];
    if (specPath !== undefined) {
      diags.add(error('COMPONENT_SPEC_FIELD', `component "${name}": \`path\` only applies to local specs, but the spec is upstream`, { ...at(specPath.span), hint: 'remove path, or set spec.type = "local"' }));
      ok = false;
    }
    const explicit = s['spec.upstream-distro.name'];
    const dname = explicit?.value ?? env.defaultDistro?.name;
    if (dname === undefined) {
      diags.add(error('NO_DISTRO', `component "${name}": no upstream distro (no spec.upstream-distro and no project default-distro)`, { span: definedAt, hint: 'set [project] default-distro = { name = "…" } or spec.upstream-distro' }));
      ok = false;
    } else {
      const versionEntry = s['spec.upstream-distro.version'];
      const dversion = versionEntry?.value ?? (explicit ? undefined : env.defaultDistro?.version);
      const r = resolveDistroVersion(env.distros, dname, dversion, explicit?.span ?? definedAt, versionEntry?.span, diags);
      if (!r) ok = false;
      else {
        const upstreamName = s['spec.upstream-name']?.value ?? name;
        const snapshot = s['spec.upstream-distro.snapshot']?.value || (explicit ? undefined : env.defaultDistro?.snapshot);
        const commit = s['spec.upstream-commit']?.value;
        spec = {
          type: 'upstream',
          upstreamName,
          ...(commit ? { upstreamCommit: commit } : {}),
          upstreamDistro: { name: r.distro.name, version: r.version.name, ...(snapshot ? { snapshot } : {}) },
          ...(r.distro.distGitBaseUri ? { distGitUri: r.distro.distGitBaseUri.replaceAll('$pkg', upstreamName) } : {}),
          ...(r.version.distGitBranch ? { branch: r.version.distGitBranch } : {}),
          ...(r.distro.lookasideBaseUri ? { lookasideBaseUri: r.distro.lookasideBaseUri } : {}),
          releaseVer: r.version.releaseVer,
        };
      }
    }
  }

  const skip = s['build.check.skip']?.value ?? false;
  const skipReason = s['build.check.skip_reason']?.value;
  if (skip && !skipReason) {
    diags.add(error('CHECK_SKIP_REASON', `component "${name}": build.check.skip = true needs \`skip_reason\``, { ...at(s['build.check.skip']?.span), hint: 'add skip_reason = "why the tests cannot run"' }));
    ok = false;
  }
  const expected = s['build.failure.expected']?.value ?? false;
  const expectedReason = s['build.failure.expected-reason']?.value;
  if (expected && !expectedReason) {
    diags.add(error('FAILURE_REASON', `component "${name}": build.failure.expected = true needs \`expected-reason\``, { ...at(s['build.failure.expected']?.span), hint: 'add expected-reason = "…"' }));
    ok = false;
  }
  if (!ok || !spec) return undefined;

  const defines: Record<string, string> = {};
  for (const [k, e] of merged.defines) defines[k] = e.value;
  const packages: Record<string, PackageConfig> = {};
  for (const [pkg, fields] of merged.packagePublish) {
    const publish: { -readonly [K in keyof PackagePublish]: PackagePublish[K] } = {};
    for (const [k, e] of fields) publish[k === 'rpm-channel' ? 'rpmChannel' : k === 'debuginfo-channel' ? 'debuginfoChannel' : 'channel'] = e.value;
    packages[pkg] = { publish };
  }
  const l = merged.lists;
  const rpmChannel = s['publish.rpm-channel']?.value;
  const srpmChannel = s['publish.srpm-channel']?.value;
  const debuginfoChannel = s['publish.debuginfo-channel']?.value;
  const origins = fieldOrigins(merged);
  const component: ComponentDraft = {
    name,
    definedAt,
    file: input.file,
    groups: input.groups,
    spec,
    overlays: [...(l.overlays?.value ?? [])],
    overlayFiles: [],
    build: {
      with: l['build.with']?.value ?? [],
      without: l['build.without']?.value ?? [],
      defines: sortObject(defines),
      undefines: l['build.undefines']?.value ?? [],
      emitUpstreamProvenance: s['build.emit-upstream-provenance']?.value ?? false,
      check: { skip, ...(skipReason ? { skipReason } : {}) },
      failure: { expected, ...(expectedReason ? { expectedReason } : {}) },
      hints: { expensive: s['build.hints.expensive']?.value ?? false },
    },
    release: { calculation: s['release.calculation']?.value ?? 'auto' },
    render: { skipFileFilter: s['render.skip-file-filter']?.value ?? false },
    sourceFiles: l['source-files']?.value ?? [],
    publish: {
      ...(rpmChannel !== undefined ? { rpmChannel } : {}),
      ...(srpmChannel !== undefined ? { srpmChannel } : {}),
      ...(debuginfoChannel !== undefined ? { debuginfoChannel } : {}),
    },
    packages: sortObject(packages),
    origins,
    origin(field: string): SourceSpan | undefined {
      const exact = origins.get(field);
      if (exact) return exact;
      for (const [k, sp] of origins) if (k.startsWith(field + '.')) return sp;
      return undefined;
    },
  };
  const of = s['overlay-files'];
  return { component, ...(of && of.value.patterns.length ? { overlayFiles: { value: of.value, span: of.span } } : {}) };
}
