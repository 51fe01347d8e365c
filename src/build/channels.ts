/**
 * Publish channel of a binary package, azldev's resolution order (azldev.md §2.8), later wins:
 * project `default-package-config` < the component's `publish` (rpm- or debuginfo-channel) <
 * the package-group listing the package < `components.X.packages.<name>`.
 * `""` or `"none"` means "leave it in out/rpms/, do not publish".
 */
import type { PackagePublish, ResolvedComponent, ResolvedProject } from '../config/index.js';

/** azldev's IsDebugInfoPackage: a `-debuginfo` or `-debugsource` hyphen segment. */
export function isDebugInfoPackage(name: string): boolean {
  return name.split('-').some((seg, i, all) => i > 0 && (seg === 'debuginfo' || seg === 'debugsource') && all.length > 1);
}

function pick(p: PackagePublish | undefined, debug: boolean): string | undefined {
  if (!p) return undefined;
  return debug ? p.debuginfoChannel : (p.rpmChannel ?? p.channel);
}

export function resolvePackageChannel(project: ResolvedProject, component: ResolvedComponent | undefined, rpmName: string): string | undefined {
  const debug = isDebugInfoPackage(rpmName);
  let ch = pick(project.defaultPackageConfig?.publish, debug);
  const comp = debug ? component?.publish.debuginfoChannel : component?.publish.rpmChannel;
  if (comp !== undefined) ch = comp;
  for (const g of project.packageGroups.values()) {
    if (g.packages.includes(rpmName)) {
      const v = pick(g.defaultPackageConfig.publish, debug);
      if (v !== undefined) ch = v;
    }
  }
  const own = pick(component?.packages[rpmName]?.publish, debug);
  if (own !== undefined) ch = own;
  return ch === '' || ch === 'none' ? undefined : ch;
}
