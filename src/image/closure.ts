/**
 * The package closure of each layer against the published repositories: every request (a name,
 * or a capability when no package has that name) and, transitively, every Requires is satisfied
 * by a package of this layer or of a lower one — Provides with rpm's version comparison
 * (src/build/deps.ts, src/spec/rpmver.ts), file provides (primary files, then filelists.xml)
 * and rich dependencies (`and`, `or`, `if`/`unless` … `else`, `with`, `without`). A package
 * already in a lower layer satisfies an upper layer's dependency and is not repeated.
 *
 * Every problem of the pass is reported, each naming the package, the capability and why the
 * package is in the image (the request's TOML or XML position): IMAGE_PACKAGE_NOT_FOUND,
 * IMAGE_UNSATISFIED_DEPENDENCY, IMAGE_PACKAGE_CONFLICT (Conflicts, or Obsoletes of another
 * package of the image).
 */
import { formatDep, providesSatisfies } from '../build/deps.js';
import type { Dep } from '../build/types.js';
import { StrataError, didYouMean, error, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { compareEVR } from '../spec/rpmver.js';
import { describeOrigin, type ImagePlan, type LayerPlan, type PackageRequest } from './layers-config.js';
import type { RepoPackage, RepoSet } from './repo-metadata.js';

/** Why a package is in a layer. */
export type InclusionReason = { readonly kind: 'requested'; readonly request: PackageRequest } | { readonly kind: 'required'; readonly by: string; readonly capability: string };

export interface ClosurePackage {
  readonly pkg: RepoPackage;
  readonly reason: InclusionReason;
}

export interface LayerClosure {
  readonly name: string;
  readonly kind: 'base' | 'extension';
  readonly plan: LayerPlan;
  /** This layer's packages only (lower layers' are not repeated), dependencies before dependents. */
  readonly packages: readonly ClosurePackage[];
  /** Requests already satisfied by a lower layer (name → the lower layer). */
  readonly fromLower: readonly { readonly request: PackageRequest; readonly layer: string; readonly nevra: string }[];
}

export interface ImageClosure {
  readonly image: string;
  readonly arch: string;
  readonly layers: readonly LayerClosure[];
}

// ---- rich dependencies ----------------------------------------------------------------------

type Rich =
  | { readonly kind: 'dep'; readonly dep: Dep }
  | { readonly kind: 'and' | 'or' | 'with'; readonly items: readonly Rich[] }
  | { readonly kind: 'without'; readonly a: Rich; readonly b: Rich }
  | { readonly kind: 'if' | 'unless'; readonly then: Rich; readonly cond: Rich; readonly else?: Rich };

const OPS = new Set(['<', '<=', '=', '==', '>=', '>']);
const KEYWORDS = new Set(['and', 'or', 'if', 'unless', 'else', 'with', 'without']);

/** Parse `(a or (b >= 1 and c))`; undefined when it is not well-formed. */
export function parseRich(text: string): Rich | undefined {
  const toks = text.match(/\(|\)|[^\s()]+(?:\([^\s()]*\))*/g) ?? [];
  let i = 0;
  const operand = (): Rich | undefined => {
    if (toks[i] === '(') {
      i++;
      const r = inner();
      if (toks[i] !== ')') return undefined;
      i++;
      return r;
    }
    const name = toks[i];
    if (!name || KEYWORDS.has(name) || name === ')') return undefined;
    i++;
    if (toks[i] && OPS.has(toks[i]!) && toks[i + 1] && toks[i + 1] !== ')') {
      const op = (toks[i] === '==' ? '=' : toks[i]) as Dep['op'];
      const version = toks[i + 1]!;
      i += 2;
      return { kind: 'dep', dep: { name, op, version } };
    }
    return { kind: 'dep', dep: { name, op: '', version: '' } };
  };
  const inner = (): Rich | undefined => {
    const first = operand();
    if (!first) return undefined;
    const op = toks[i];
    if (op === 'and' || op === 'or' || op === 'with') {
      const items = [first];
      while (toks[i] === op) {
        i++;
        const n = operand();
        if (!n) return undefined;
        items.push(n);
      }
      return { kind: op, items };
    }
    if (op === 'without') {
      i++;
      const b = operand();
      return b ? { kind: 'without', a: first, b } : undefined;
    }
    if (op === 'if' || op === 'unless') {
      i++;
      const cond = operand();
      if (!cond) return undefined;
      if (toks[i] === 'else') {
        i++;
        const e = operand();
        return e ? { kind: op, then: first, cond, else: e } : undefined;
      }
      return { kind: op, then: first, cond };
    }
    return first;
  };
  const r = operand();
  return r && i === toks.length ? r : undefined;
}

// ---- the universe -----------------------------------------------------------------------------

class Universe {
  readonly byName = new Map<string, RepoPackage[]>();
  readonly byProvide = new Map<string, { pkg: RepoPackage; dep: Dep }[]>();
  readonly byFile = new Map<string, RepoPackage[]>();
  private fullFiles: Promise<void> | undefined;
  readonly channels: string[];

  constructor(private readonly repos: RepoSet, arch: string) {
    this.channels = repos.channels.map((c) => c.channel);
    for (const ch of repos.channels) {
      for (const p of ch.packages) {
        if (p.arch !== arch && p.arch !== 'noarch') continue;
        push(this.byName, p.name, p);
        for (const d of p.provides) push(this.byProvide, d.name, { pkg: p, dep: d });
        for (const f of p.files) push(this.byFile, f, p);
      }
    }
    // newest first, then channel order: the preferred candidate is the first
    for (const list of this.byName.values()) list.sort((a, b) => compareEVR(b.evr, a.evr));
  }

  /** Read filelists.xml of every channel (once), for file dependencies outside the primary list. */
  loadFullFiles(): Promise<void> {
    return (this.fullFiles ??= (async () => {
      for (const ch of this.repos.channels) {
        const lists = await ch.fileLists();
        for (const p of ch.packages) {
          for (const f of lists.get(p.nevra) ?? []) {
            const owners = this.byFile.get(f);
            if (!owners?.includes(p)) push(this.byFile, f, p);
          }
        }
      }
    })());
  }

  /** Packages that provide `d` (files: owners), best first. */
  providers(d: Dep): RepoPackage[] {
    const out = d.name.startsWith('/') ? [...(this.byFile.get(d.name) ?? [])] : (this.byProvide.get(d.name) ?? []).filter((x) => providesSatisfies(x.dep, d)).map((x) => x.pkg);
    const uniq = [...new Set(out)];
    // a package named like the capability first, then by name, newest first
    return uniq.sort((a, b) => Number(b.name === d.name) - Number(a.name === d.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || compareEVR(b.evr, a.evr));
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Whether `set` provides `d`. */
function provided(set: ReadonlySet<RepoPackage>, u: Universe, d: Dep): boolean {
  if (d.name.startsWith('/')) return (u.byFile.get(d.name) ?? []).some((p) => set.has(p));
  return (u.byProvide.get(d.name) ?? []).some((x) => set.has(x.pkg) && providesSatisfies(x.dep, d));
}

function richSatisfied(r: Rich, set: ReadonlySet<RepoPackage>, u: Universe): boolean {
  switch (r.kind) {
    case 'dep':
      return provided(set, u, r.dep);
    case 'and':
    case 'with':
      return r.items.every((x) => richSatisfied(x, set, u));
    case 'or':
      return r.items.some((x) => richSatisfied(x, set, u));
    case 'without':
      return richSatisfied(r.a, set, u) && !richSatisfied(r.b, set, u);
    case 'if':
      return richSatisfied(r.cond, set, u) ? richSatisfied(r.then, set, u) : r.else ? richSatisfied(r.else, set, u) : true;
    case 'unless':
      return !richSatisfied(r.cond, set, u) ? richSatisfied(r.then, set, u) : r.else ? richSatisfied(r.else, set, u) : true;
  }
}

/** The plain dependencies to add so that `r` holds, or undefined when no choice can satisfy it. */
function richChoice(r: Rich, set: ReadonlySet<RepoPackage>, u: Universe): Dep[] | undefined {
  if (richSatisfied(r, set, u)) return [];
  switch (r.kind) {
    case 'dep':
      return u.providers(r.dep).length ? [r.dep] : undefined;
    case 'and':
    case 'with': {
      const out: Dep[] = [];
      for (const x of r.items) {
        const c = richChoice(x, set, u);
        if (!c) return undefined;
        out.push(...c);
      }
      return out;
    }
    case 'or':
      for (const x of r.items) {
        const c = richChoice(x, set, u);
        if (c) return c;
      }
      return undefined;
    case 'without':
      return richChoice(r.a, set, u);
    case 'if':
      return richSatisfied(r.cond, set, u) ? richChoice(r.then, set, u) : r.else ? richChoice(r.else, set, u) : [];
    case 'unless':
      return !richSatisfied(r.cond, set, u) ? richChoice(r.then, set, u) : r.else ? richChoice(r.else, set, u) : [];
  }
}

// ---- the closure --------------------------------------------------------------------------------

/** Why `nevra` is in the layer, as a chain back to its request (for messages). */
function chainOf(nevra: string, reasons: ReadonlyMap<string, InclusionReason>): { text: string; span?: SourceSpan } {
  const parts: string[] = [];
  let cur = nevra;
  for (let guard = 0; guard < 50; guard++) {
    const r = reasons.get(cur);
    if (!r) break;
    if (r.kind === 'requested') {
      parts.push(`${cur} is requested by ${describeOrigin(r.request.origin)}`);
      return { text: parts.join(', '), span: r.request.span };
    }
    parts.push(`${cur} is required by ${r.by} (${r.capability})`);
    cur = r.by;
  }
  return { text: parts.join(', ') };
}

/** Resolve every layer of `plan` against `repos`; throws a StrataError with every problem. */
export async function resolveClosure(repos: RepoSet, plan: ImagePlan): Promise<ImageClosure> {
  const u = new Universe(repos, plan.arch);
  if ([...plan.layers.flatMap((l) => l.requests)].length && u.byName.size === 0) {
    throw new StrataError(error('IMAGE_PACKAGE_NOT_FOUND', `the repositories (${u.channels.join(', ')}) have no package for ${plan.arch}`, { hint: 'build and publish the packages first' }));
  }
  const diags: Diagnostic[] = [];
  const lower = new Set<RepoPackage>();
  const layerOf = new Map<RepoPackage, string>();
  const layers: LayerClosure[] = [];
  const where = `the repositories (${u.channels.join(', ')})`;

  for (const lp of plan.layers) {
    const selected = new Set<RepoPackage>();
    const all = () => new Set([...lower, ...selected]);
    const reasons = new Map<string, InclusionReason>();
    const order: RepoPackage[] = [];
    const fromLower: LayerClosure['fromLower'][number][] = [];
    const add = (p: RepoPackage, reason: InclusionReason) => {
      selected.add(p);
      reasons.set(p.nevra, reason);
      order.push(p);
    };
    const hasName = (name: string) => [...lower, ...selected].find((p) => p.name === name);

    for (const req of lp.requests) {
      const present = hasName(req.name);
      if (present) {
        if (lower.has(present)) fromLower.push({ request: req, layer: layerOf.get(present)!, nevra: present.nevra });
        continue;
      }
      const byName = u.byName.get(req.name);
      const candidate = byName?.[0] ?? u.providers({ name: req.name, op: '', version: '' })[0];
      if (!candidate) {
        const dym = didYouMean(req.name, u.byName.keys());
        diags.push(error('IMAGE_PACKAGE_NOT_FOUND', `layer "${lp.name}": package "${req.name}" (from ${describeOrigin(req.origin)}) is in none of ${where} for ${plan.arch}`, { span: req.span, hint: dym ? `did you mean "${dym}"?` : 'build and publish it, or remove it from the layer' }));
        continue;
      }
      if (all().has(candidate)) continue;
      add(candidate, { kind: 'requested', request: req });
    }

    // requirements, to a fixpoint (conditional rich dependencies can change as packages join)
    const reported = new Set<string>();
    for (let changed = true, round = 0; changed && round < 100; round++) {
      changed = false;
      for (let i = 0; i < order.length; i++) {
        const p = order[i]!;
        for (const req of p.requires) {
          const set = all();
          let wanted: Dep[] | undefined;
          if (req.name.startsWith('(')) {
            const rich = parseRich(req.name);
            if (!rich) continue; // not understood: rpm checks it when it installs
            wanted = richChoice(rich, set, u);
          } else if (provided(set, u, req)) continue;
          else {
            if (req.name.startsWith('/') && !u.providers(req).length) await u.loadFullFiles();
            if (provided(all(), u, req)) continue;
            wanted = u.providers(req).length ? [req] : undefined;
          }
          if (!wanted) {
            const key = `${p.nevra} ${formatDep(req)}`;
            if (reported.has(key)) continue;
            reported.add(key);
            const chain = chainOf(p.nevra, reasons);
            diags.push(
              error('IMAGE_UNSATISFIED_DEPENDENCY', `layer "${lp.name}": ${p.nevra} requires ${formatDep(req)}, which no package in ${where}${plan.layers.indexOf(lp) > 0 ? ' or a lower layer' : ''} provides (${chain.text})`, {
                ...(chain.span ? { span: chain.span } : {}),
                hint: `publish a package that provides ${formatDep(req)}, or remove ${p.name} from the layer`,
              }),
            );
            continue;
          }
          for (const w of wanted) {
            const now = all();
            if (provided(now, u, w)) continue;
            const best = u.providers(w).find((c) => !hasName(c.name));
            if (!best) {
              const other = u.providers(w)[0];
              const have = other ? hasName(other.name) : undefined;
              const key = `${p.nevra} ${formatDep(w)}`;
              if (reported.has(key)) continue;
              reported.add(key);
              const chain = chainOf(p.nevra, reasons);
              diags.push(error('IMAGE_UNSATISFIED_DEPENDENCY', `layer "${lp.name}": ${p.nevra} requires ${formatDep(w)}, but the image already has ${have?.nevra ?? 'another version'}, which does not provide it (${chain.text})`, { ...(chain.span ? { span: chain.span } : {}), hint: 'publish matching versions of the packages' }));
              continue;
            }
            add(best, { kind: 'required', by: p.nevra, capability: formatDep(w) });
            changed = true;
          }
        }
      }
    }

    // conflicts and obsoletes within the image so far
    const everything = all();
    for (const p of everything) {
      if (!selected.has(p)) continue; // lower layers were checked with their own layer
      for (const [kind, list] of [['conflicts with', p.conflicts], ['obsoletes', p.obsoletes]] as const) {
        for (const c of list) {
          for (const q of everything) {
            if (q === p) continue;
            const hit = kind === 'obsoletes' ? q.name === c.name && providesSatisfies({ name: q.name, op: '=', version: q.evr }, c) : q.provides.some((d) => providesSatisfies(d, c)) || (c.name.startsWith('/') && q.files.includes(c.name));
            if (!hit) continue;
            const chain = chainOf(p.nevra, reasons);
            diags.push(error('IMAGE_PACKAGE_CONFLICT', `layer "${lp.name}": ${p.nevra} ${kind} ${formatDep(c)}, provided by ${q.nevra}${layerOf.has(q) ? ` of layer "${layerOf.get(q)}"` : ''} (${chain.text})`, { ...(chain.span ? { span: chain.span } : {}), hint: `remove one of ${p.name} and ${q.name} from the image` }));
          }
        }
      }
    }

    const packages = installOrder(order, u).map((pkg) => ({ pkg, reason: reasons.get(pkg.nevra)! }));
    for (const p of order) {
      lower.add(p);
      layerOf.set(p, lp.name);
    }
    layers.push({ name: lp.name, kind: lp.kind, plan: lp, packages, fromLower });
  }
  if (diags.length) throw new StrataError(diags);
  return { image: plan.image, arch: plan.arch, layers };
}

/** Every plain dependency named in a rich one. */
function leaves(r: Rich | undefined): Dep[] {
  if (!r) return [];
  if (r.kind === 'dep') return [r.dep];
  if (r.kind === 'without') return leaves(r.a);
  if ('items' in r) return r.items.flatMap(leaves);
  return [...leaves(r.then), ...leaves(r.else)];
}

/** Dependencies before dependents (within the layer), ties and cycles by name. */
function installOrder(pkgs: readonly RepoPackage[], u: Universe): RepoPackage[] {
  const set = new Set(pkgs);
  const sorted = [...pkgs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const deps = new Map<RepoPackage, RepoPackage[]>();
  for (const p of sorted) {
    const ds = new Set<RepoPackage>();
    for (const r of p.requires) {
      const plain = r.name.startsWith('(') ? leaves(parseRich(r.name)) : [r];
      for (const d of plain) for (const q of u.providers(d)) if (q !== p && set.has(q)) ds.add(q);
    }
    deps.set(p, [...ds]);
  }
  const out: RepoPackage[] = [];
  const state = new Map<RepoPackage, 1 | 2>();
  const visit = (p: RepoPackage) => {
    if (state.get(p)) return; // done, or on the stack (a cycle: broken here)
    state.set(p, 1);
    for (const q of deps.get(p) ?? []) visit(q);
    state.set(p, 2);
    out.push(p);
  };
  for (const p of sorted) visit(p);
  return out;
}
