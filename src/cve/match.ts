/**
 * Matching advisories against an inventory: by package name (source or binary, as the feed uses)
 * and EVR with rpm's labelCompare. OVAL criteria are evaluated per component (its source and
 * binary packages are the "system" the tests look at; `check="at least one"`); an OSV record is
 * the OR of its intervals. Evidence of a fix in the spec (CVE ids in patch names, changelog
 * entries, overlay descriptions) is attached to each finding; it never changes the verdict.
 */
import { labelCompare } from '../spec/rpmver.js';
import { formatEVR, type Advisory, type Criteria, type Evidence, type EvrTest, type Finding, type InventoryComponent, type InventoryPackage, type PackageCheck } from './types.js';

export function testHolds(evr: InventoryPackage['evr'], t: EvrTest): boolean {
  const c = labelCompare(evr, t.evr);
  switch (t.op) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '>=': return c >= 0;
    case '>': return c > 0;
  }
}

const CVE_RE = /CVE-\d{4}-\d{4,}/gi;

function cvesIn(text: string): string[] {
  return [...new Set((text.match(CVE_RE) ?? []).map((x) => x.toUpperCase()))];
}

/** Evidence in a component for one CVE: patches named after it, changelog entries and overlay descriptions that name it. */
export function evidenceFor(c: InventoryComponent, cve: string): Evidence[] {
  const out: Evidence[] = [];
  for (const p of c.patches) if (cvesIn(p.name).includes(cve)) out.push({ kind: 'patch', cve, text: p.name, file: c.file, line: p.line });
  for (const e of c.changelog) {
    if (!cvesIn(e.text).includes(cve)) continue;
    const line = e.text.split('\n').find((l) => cvesIn(l).includes(cve))?.trim() ?? e.text.split('\n')[0]!;
    out.push({ kind: 'changelog', cve, text: line, file: c.file, line: e.line });
  }
  for (const o of c.overlays ?? []) if (cvesIn(o.text).includes(cve)) out.push({ kind: 'overlay', cve, text: o.text, file: o.span.file, line: o.span.line });
  return out;
}

interface Hit { check: PackageCheck; pkg: InventoryPackage }

/** Evaluate criteria for one component; returns whether it holds and the positive checks that hold. */
function evaluate(c: Criteria | PackageCheck, byName: ReadonlyMap<string, InventoryPackage[]>, hits: Hit[]): boolean {
  if (c.kind === 'check') {
    const cands = byName.get(`${c.nameKind}\0${c.name}`) ?? [];
    const pkg = cands.find((p) => c.tests.every((t) => testHolds(p.evr, t)));
    const v = pkg !== undefined;
    if (v && !c.negate) hits.push({ check: c, pkg });
    return c.negate ? !v : v;
  }
  let v: boolean;
  if (c.operator === 'AND') {
    v = true;
    const local: Hit[] = [];
    for (const x of c.children) if (!evaluate(x, byName, local)) { v = false; break; }
    if (v) hits.push(...local);
  } else {
    v = false;
    for (const x of c.children) if (evaluate(x, byName, hits)) v = true;
  }
  if (c.negate) { hits.length = 0; return !v; }
  return v;
}

function namesOf(c: Criteria | PackageCheck, out: Set<string>): Set<string> {
  if (c.kind === 'check') out.add(`${c.nameKind}\0${c.name}`);
  else for (const x of c.children) namesOf(x, out);
  return out;
}

/** Advisories by the package names they test, to evaluate only those a component can meet. */
export class AdvisoryIndex {
  private readonly byName = new Map<string, Advisory[]>();
  constructor(readonly advisories: readonly Advisory[]) {
    for (const a of advisories) for (const n of namesOf(a.criteria, new Set())) {
      let l = this.byName.get(n);
      if (!l) this.byName.set(n, (l = []));
      l.push(a);
    }
  }
  /** Whether any advisory tests this (kind, name). */
  has(kind: string, name: string): boolean {
    return this.byName.has(`${kind}\0${name}`);
  }
  candidates(c: InventoryComponent): Advisory[] {
    const seen = new Set<Advisory>();
    for (const p of c.packages) for (const a of this.byName.get(`${p.kind}\0${p.name}`) ?? []) seen.add(a);
    return [...seen];
  }
}

/** Every affected (record, package) pair of the inventory, sorted by component, package, record. */
export function matchAdvisories(index: AdvisoryIndex, inventory: readonly InventoryComponent[]): Finding[] {
  const findings: Finding[] = [];
  for (const comp of inventory) {
    const cands = index.candidates(comp);
    if (!cands.length) continue;
    const byName = new Map<string, InventoryPackage[]>();
    for (const p of comp.packages) {
      const k = `${p.kind}\0${p.name}`;
      let l = byName.get(k);
      if (!l) byName.set(k, (l = []));
      l.push(p);
    }
    for (const a of cands) {
      const hits: Hit[] = [];
      if (!evaluate(a.criteria, byName, hits) || !hits.length) continue;
      const seen = new Set<string>();
      for (const h of hits) {
        if (seen.has(h.pkg.name)) continue;
        seen.add(h.pkg.name);
        const cves = a.cves.length ? a.cves : [];
        findings.push({
          record: a.id, feed: a.feed, cves, severity: a.severity, component: comp.component, package: h.pkg.name, packageKind: h.pkg.kind,
          file: comp.file, evr: formatEVR(h.pkg.evr), fixed: h.check.fixed, evidence: cves.flatMap((c) => evidenceFor(comp, c)), images: [], layers: [],
        });
      }
    }
  }
  return findings.sort((x, y) => (x.component < y.component ? -1 : x.component > y.component ? 1 : x.package < y.package ? -1 : x.package > y.package ? 1 : x.record < y.record ? -1 : x.record > y.record ? 1 : 0)); // ties keep inventory order: rendered specs, then repositories
}
