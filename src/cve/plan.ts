/**
 * `planRebuild`: the smallest rebuild for one CVE id or feed record. The affected components
 * rebuild; a dependent rebuilds only when it carries the vulnerable code itself: it
 * BuildRequires a `-static` package of a rebuilt component (static linking), or its `-devel`
 * package (headers, inlined and header-only code, vendored sources). Dependents that only use a
 * rebuilt component's tools or shared libraries at run time do not rebuild (the fixed library is
 * picked up on update). The reasons are given per entry; transitively, a rebuilt dependent's own
 * `-static`/`-devel` consumers follow.
 */
import { StrataError, didYouMean, error } from '../diag/index.js';
import type { ResolvedProject } from '../config/index.js';
import type { FileSystem } from '../adapters/types.js';
import type { ScanResult } from './scan.js';
import type { Finding } from './types.js';

export interface RebuildEntry {
  readonly component: string;
  /** True for a component the record affects; false for a dependent that must rebuild with it. */
  readonly affected: boolean;
  readonly reason: string;
  /** For a dependent: the component and package it takes the vulnerable code from. */
  readonly via?: { readonly component: string; readonly package: string };
}

/** A layer to re-sign: filled by the image layer (which knows what layers carry which packages). */
export interface LayerToResign {
  readonly image: string;
  readonly layer: string;
  readonly packages: readonly string[];
}

export interface RebuildPlan {
  /** As asked (a CVE id or a record id). */
  readonly id: string;
  /** Records the id names. */
  readonly records: readonly string[];
  readonly findings: readonly Finding[];
  /** Affected components first, then dependents, each group by name. */
  readonly rebuild: readonly RebuildEntry[];
  /** Repositories (publish channels) to republish. */
  readonly repos: readonly string[];
  readonly layers: readonly LayerToResign[];
  readonly commands: readonly string[];
}

export interface PlanOptions {
  readonly project?: ResolvedProject;
  readonly cwd: string;
}

function carriesCode(pkg: string): 'static' | 'devel' | undefined {
  if (/-static$/.test(pkg)) return 'static';
  if (/-devel$/.test(pkg)) return 'devel';
  return undefined;
}

export async function planRebuild(_fs: FileSystem, scan: ScanResult, id: string, o: PlanOptions): Promise<RebuildPlan> {
  const want = id.trim();
  const records = scan.feeds.advisories.filter((a) => a.id === want || a.cves.some((c) => c.toUpperCase() === want.toUpperCase()));
  if (!records.length) {
    const known = [...new Set(scan.feeds.advisories.flatMap((a) => [a.id, ...a.cves]))];
    const dym = didYouMean(want, known);
    throw new StrataError(error('CVE_PLAN_UNKNOWN', `no loaded feed has a record for ${want}`, { hint: `${dym ? `did you mean ${dym}? ` : ''}check the id, or pass the feed that has it with --feed (${scan.feeds.advisories.length} record(s) loaded)` }));
  }
  const ids = new Set(records.map((r) => r.id));
  const findings = scan.findings.filter((f) => ids.has(f.record));
  const entries = new Map<string, RebuildEntry>();
  for (const f of findings) {
    if (!entries.has(f.component)) entries.set(f.component, { component: f.component, affected: true, reason: `${f.package} ${f.evr} is below the fixed ${f.fixed ?? '(no fixed version)'} (${f.record})` });
  }
  // who provides what (binary names and Provides), and who BuildRequires what
  const providedBy = new Map<string, Set<string>>();
  for (const c of scan.inventory) for (const p of c.provides ?? []) {
    let s = providedBy.get(p);
    if (!s) providedBy.set(p, (s = new Set()));
    s.add(c.component);
  }
  const queue = [...entries.keys()];
  while (queue.length) {
    const src = queue.shift()!;
    const srcComp = scan.inventory.find((c) => c.component === src);
    const carriers = new Set((srcComp?.provides ?? []).filter((p) => carriesCode(p)));
    for (const dep of scan.inventory) {
      if (entries.has(dep.component)) continue;
      const hit = (dep.buildRequires ?? []).find((b) => carriers.has(b) && providedBy.get(b)?.has(src));
      if (!hit) continue;
      const kind = carriesCode(hit)!;
      entries.set(dep.component, {
        component: dep.component, affected: false, via: { component: src, package: hit },
        reason: kind === 'static' ? `BuildRequires ${hit}: links ${src} statically, so the fix only reaches it by a rebuild` : `BuildRequires ${hit}: compiles ${src}'s headers (inline/header-only code) into its packages`,
      });
      queue.push(dep.component);
    }
  }
  const rebuild = [...entries.values()].sort((a, b) => Number(b.affected) - Number(a.affected) || (a.component < b.component ? -1 : 1));
  const names = rebuild.map((r) => r.component);
  const repos = new Set<string>();
  if (o.project) {
    for (const n of names) {
      const c = o.project.components.get(n);
      if (!c) continue;
      repos.add(c.publish.rpmChannel ?? o.project.defaultPackageConfig.publish.rpmChannel ?? 'default');
      if (c.publish.srpmChannel) repos.add(c.publish.srpmChannel);
    }
  }
  const list = names.join(' ');
  const affected = rebuild.filter((r) => r.affected).map((r) => r.component).join(' ');
  const commands = names.length ? [
    `strata component update ${affected}`,
    `strata component render ${list}`,
    `strata component build ${list}`,
    'strata repo publish',
  ] : [];
  return { id: want, records: [...ids].sort(), findings, rebuild, repos: [...repos].sort(), layers: [], commands };
}
