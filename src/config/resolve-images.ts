/**
 * Images, sorted by name; a test suite an image names must exist. The Strata layer tables
 * (`[[images.NAME.layers]]`) are checked across layers here: unique names, the base first,
 * known package groups, `definition-packages` only on the base of an image with a definition,
 * no empty layer, extension-release complete enough for systemd-sysext to match it.
 */
import { didYouMean, error, type Diagnostic } from '../diag/index.js';
import type { Collector } from './collector.js';
import type { ImagePart, NamedPart } from './config-file.js';
import { byKey } from './order.js';
import type { ImageConfig, ImageLayerConfig, PackageGroup, TestSuiteConfig } from './types.js';

export function resolveImages(images: ReadonlyMap<string, NamedPart<ImagePart>>, testSuites: ReadonlyMap<string, TestSuiteConfig>, packageGroups: ReadonlyMap<string, PackageGroup>, diags: Collector): Map<string, ImageConfig> {
  const resolved = new Map<string, ImageConfig>();
  for (const [name, im] of [...images].sort(byKey)) {
    const v = im.value;
    for (const ts of v.testSuites ?? []) {
      if (!testSuites.has(ts.value)) {
        const dym = didYouMean(ts.value, testSuites.keys());
        diags.add(error('UNKNOWN_TEST_SUITE', `image "${name}" refers to unknown test suite "${ts.value}"`, { span: ts.span, hint: dym ? `did you mean "${dym}"?` : 'define it under [test-suites]' }));
      }
    }
    if (v.layers) for (const d of checkLayers(name, v, im.span, packageGroups)) diags.add(d);
    resolved.set(name, {
      name,
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.definition ? { definition: v.definition } : {}),
      capabilities: v.capabilities ?? {},
      testSuites: (v.testSuites ?? []).map((t) => t.value),
      publishChannels: v.publishChannels ?? [],
      ...(v.layers ? { layers: v.layers } : {}),
      definedAt: im.span,
    });
  }
  return resolved;
}

/** The diagnostics of one image's layer list (every problem, not the first). */
export function checkLayers(image: string, v: ImagePart, at: ImageConfig['definedAt'], packageGroups: ReadonlyMap<string, PackageGroup>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const layers = v.layers ?? [];
  if (!layers.length) out.push(error('IMAGE_LAYER_EMPTY', `image "${image}" declares \`layers\` but no layer`, { span: at, hint: 'add a [[images.NAME.layers]] table, or remove `layers` (a kiwi image without layers is one layer)' }));
  const seen = new Map<string, ImageLayerConfig>();
  layers.forEach((l, i) => {
    const prev = seen.get(l.name);
    if (l.name && prev) out.push(error('IMAGE_LAYER_DUPLICATE', `image "${image}" has two layers named "${l.name}"`, { span: l.nameSpan, related: [{ message: 'first defined here', span: prev.nameSpan }], hint: 'layer names name their artefacts: give each layer its own name' }));
    else if (l.name) seen.set(l.name, l);
    if (l.kind === 'base' && i > 0) out.push(error('IMAGE_LAYER_BASE_NOT_FIRST', `layer "${l.name}" of image "${image}" is a base layer but not the first`, { span: l.kindSpan ?? l.definedAt, hint: 'the first layer is the base; move it first or make it kind = "extension"' }));
    if (l.kind === 'extension' && i === 0) out.push(error('IMAGE_LAYER_BASE_NOT_FIRST', `the first layer "${l.name}" of image "${image}" is declared an extension: an image starts with its base`, { span: l.kindSpan ?? l.definedAt, hint: 'put the base layer first (kind = "base", or no kind)' }));
    for (const g of l.groups) {
      if (packageGroups.has(g.value)) continue;
      const dym = didYouMean(g.value, packageGroups.keys());
      out.push(error('IMAGE_LAYER_UNKNOWN_GROUP', `layer "${l.name}" of image "${image}" names unknown package group "${g.value}"`, { span: g.span, hint: dym ? `did you mean "${dym}"?` : `define it under [package-groups.${g.value}] (known: ${[...packageGroups.keys()].join(', ') || 'none'})` }));
    }
    if (l.definitionPackages === true && i > 0) out.push(error('IMAGE_LAYER_DEFINITION_PACKAGES', `layer "${l.name}" of image "${image}" takes the definition's packages, but only the base layer can`, { span: l.definitionPackagesSpan ?? l.definedAt, hint: 'set definition-packages on the first layer; list extension packages in `packages`' }));
    if (l.definitionPackages === true && !v.definition) out.push(error('IMAGE_LAYER_DEFINITION_PACKAGES', `layer "${l.name}" of image "${image}" takes the definition's packages, but the image has no definition`, { span: l.definitionPackagesSpan ?? l.definedAt, hint: 'add definition = { type = "kiwi", path = "…" } or list the packages in `packages`' }));
    const fromDefinition = i === 0 && !!v.definition && l.definitionPackages !== false;
    if (!l.packages.length && !l.groups.length && !fromDefinition) out.push(error('IMAGE_LAYER_EMPTY', `layer "${l.name}" of image "${image}" has no packages`, { span: l.definedAt, hint: 'add packages = ["…"] or groups = ["…"]' }));
  });
  // extension-release: an extension inherits the base's fields it does not set
  const base = layers[0]?.extensionRelease;
  for (const l of layers.slice(1)) {
    const er = { ...base, ...l.extensionRelease };
    const span = l.extensionRelease?.definedAt ?? l.definedAt;
    if (!er.id) out.push(error('IMAGE_EXTENSION_RELEASE_INCOMPLETE', `extension layer "${l.name}" of image "${image}" has no extension-release id`, { span, hint: 'set extension-release = { id = "…" } on it or on the base layer (the os-release ID it extends, or "_any")' }));
    else if (er.id !== '_any' && !er.sysextLevel && !er.versionId) out.push(error('IMAGE_EXTENSION_RELEASE_INCOMPLETE', `extension layer "${l.name}" of image "${image}" has neither sysext-level nor version-id: systemd-sysext would refuse it`, { span, hint: 'set sysext-level (or version-id) on it or on the base layer' }));
  }
  return out;
}
