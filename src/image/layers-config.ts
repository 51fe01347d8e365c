/**
 * An image as an ordered list of layers (Strata extension `[[images.NAME.layers]]`, checked by
 * src/config/resolve-images.ts): the base first, then system extensions, each a set of package
 * requests (names, the project's package groups, the kiwi definition's packages on the base)
 * with its sysext metadata. A kiwi image without a layer table is one base layer named after the
 * image holding the definition's bootstrap and image packages.
 */
import type { ImageLayerConfig, ResolvedProject } from '../config/types.js';
import { StrataError, error, type SourceSpan } from '../diag/index.js';
import type { ImageDefinition } from './definitions.js';
import type { ExtensionRelease } from './types.js';

/** Where a requested package came from. */
export type RequestOrigin = { readonly kind: 'kiwi-image' | 'kiwi-bootstrap' | 'packages' } | { readonly kind: 'group'; readonly group: string };

export interface PackageRequest {
  readonly name: string;
  readonly origin: RequestOrigin;
  /** The TOML value or XML element that asked for it. */
  readonly span: SourceSpan;
}

export interface LayerPlan {
  readonly name: string;
  readonly kind: 'base' | 'extension';
  /** In declaration order, each name once (the first request wins). */
  readonly requests: readonly PackageRequest[];
  /** On the base: the OS identity extensions must match (when written); on an extension: its extension-release. */
  readonly extensionRelease?: ExtensionRelease;
  readonly definedAt: SourceSpan;
}

export interface ImagePlan {
  readonly image: string;
  /** rpm architecture of the build. */
  readonly arch: string;
  readonly layers: readonly LayerPlan[];
}

/** systemd's architecture names (extension-release ARCHITECTURE) by rpm architecture. */
const SYSTEMD_ARCH: Readonly<Record<string, string>> = {
  x86_64: 'x86-64',
  aarch64: 'arm64',
  i686: 'x86',
  i386: 'x86',
  armv7hl: 'arm',
  ppc64le: 'ppc64-le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loongarch64: 'loongarch64',
};

export function systemdArchitecture(rpmArch: string): string | undefined {
  return SYSTEMD_ARCH[rpmArch];
}

export const describeOrigin = (o: RequestOrigin): string => (o.kind === 'group' ? `package group "${o.group}"` : o.kind === 'packages' ? 'the layer\'s packages' : o.kind === 'kiwi-image' ? 'the kiwi image packages' : 'the kiwi bootstrap packages');

/** The layers of one image on `arch`; throws a StrataError carrying every problem. */
export function planImageLayers(def: ImageDefinition, project: ResolvedProject, arch: string): ImagePlan {
  const image = def.image;
  const kiwiRequests = (): PackageRequest[] => {
    const sel = def.kiwi?.selection;
    if (!sel) return [];
    return [...sel.bootstrapPackages.map((p) => ({ name: p.name, origin: { kind: 'kiwi-bootstrap' as const }, span: p.span })), ...sel.imagePackages.map((p) => ({ name: p.name, origin: { kind: 'kiwi-image' as const }, span: p.span }))];
  };
  const sysArch = systemdArchitecture(arch);
  const archOf = (written: string | undefined, at: SourceSpan): string => {
    if (written) return written;
    if (!sysArch) throw new StrataError(error('IMAGE_UNKNOWN_ARCH', `architecture ${arch} has no systemd name for extension-release ARCHITECTURE`, { span: at, hint: 'set extension-release.architecture (x86-64, arm64, …, or "_any")' }));
    return sysArch;
  };

  const declared: readonly ImageLayerConfig[] | undefined = image.layers;
  if (!declared) {
    const requests = dedupe(kiwiRequests());
    if (!def.kiwi) throw new StrataError(error('IMAGE_NO_PACKAGES', `image "${image.name}" has neither a kiwi definition nor layers`, { span: image.definedAt, hint: `add definition = { type = "kiwi", path = "…" } or [[images.${image.name}.layers]] tables` }));
    if (!requests.length) throw new StrataError(error('IMAGE_LAYER_EMPTY', `the kiwi definition of image "${image.name}" selects no packages for ${arch}${def.kiwi.selection.profiles.length ? ` (profiles ${def.kiwi.selection.profiles.join(', ')})` : ''}`, { span: def.kiwi.file.definition.span, hint: 'add <packages type="image"> for the profile' }));
    return { image: image.name, arch, layers: [{ name: image.name, kind: 'base', requests, definedAt: image.definedAt }] };
  }

  const base = declared[0]?.extensionRelease;
  const layers = declared.map((l, i): LayerPlan => {
    const requests: PackageRequest[] = [];
    if (i === 0 && def.kiwi && l.definitionPackages !== false) requests.push(...kiwiRequests());
    for (const p of l.packages) requests.push({ name: p.value, origin: { kind: 'packages' }, span: p.span });
    for (const g of l.groups) {
      const group = project.packageGroups.get(g.value);
      // unknown groups are reported when the project loads (IMAGE_LAYER_UNKNOWN_GROUP)
      for (const name of group?.packages ?? []) requests.push({ name, origin: { kind: 'group', group: g.value }, span: g.span });
    }
    const kind = i === 0 ? 'base' : 'extension';
    let extensionRelease: ExtensionRelease | undefined;
    if (kind === 'base' && l.extensionRelease?.id) {
      const er = l.extensionRelease;
      extensionRelease = { id: er.id!, ...(er.versionId ? { versionId: er.versionId } : {}), ...(er.sysextLevel ? { sysextLevel: er.sysextLevel } : {}), architecture: archOf(er.architecture, er.definedAt) };
    } else if (kind === 'extension') {
      const er = { ...base, ...l.extensionRelease };
      // completeness is checked when the project loads (IMAGE_EXTENSION_RELEASE_INCOMPLETE)
      extensionRelease = { id: er.id ?? '_any', ...(er.versionId ? { versionId: er.versionId } : {}), ...(er.sysextLevel ? { sysextLevel: er.sysextLevel } : {}), architecture: archOf(l.extensionRelease?.architecture ?? base?.architecture, l.extensionRelease?.definedAt ?? l.definedAt) };
    }
    return { name: l.name, kind, requests: dedupe(requests), ...(extensionRelease ? { extensionRelease } : {}), definedAt: l.definedAt };
  });
  return { image: image.name, arch, layers };
}

function dedupe(rs: readonly PackageRequest[]): PackageRequest[] {
  const seen = new Set<string>();
  return rs.filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
}

/** The text of `usr/lib/extension-release.d/extension-release.NAME` (systemd's os-release syntax). */
export function printExtensionRelease(er: ExtensionRelease): string {
  const lines = [`ID=${er.id}`];
  if (er.versionId) lines.push(`VERSION_ID=${er.versionId}`);
  if (er.sysextLevel) lines.push(`SYSEXT_LEVEL=${er.sysextLevel}`);
  lines.push(`ARCHITECTURE=${er.architecture}`);
  return lines.join('\n') + '\n';
}
