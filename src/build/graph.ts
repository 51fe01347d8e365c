/**
 * The build graph: nodes are components, an edge A → B when one of A's BuildRequires is
 * satisfied by a package B's spec produces (names, virtual provides, file provides known from a
 * previous build, versioned constraints compared with rpm's rules). Pure.
 */
import { error, type Diagnostic } from '../diag/index.js';
import { formatDep, providesSatisfies, richAlternatives } from './deps.js';
import type { BuildGraph, Dep, GraphEdge, SpecFacts } from './types.js';

export interface GraphInput {
  readonly name: string;
  readonly facts: SpecFacts;
}

interface Provider {
  readonly component: string;
  readonly pkg: string;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : /[\\^$.|+(){}[\]]/.test(c) ? `\\${c}` : c;
  // A matching directory owns everything below it.
  return new RegExp(`^${re}(/.*)?$`);
}

interface FileIndex {
  readonly exact: Map<string, Provider[]>;
  readonly globs: { re: RegExp; who: Provider }[];
}

function findProviders(req: Dep, index: Map<string, { p: Dep; who: Provider }[]>, files: FileIndex): Provider[] {
  if (req.name.startsWith('/') && !req.op) {
    // The file itself, a directory above it (a listed directory owns its contents), or a glob.
    for (let p = req.name; p.length > 1; p = p.slice(0, p.lastIndexOf('/')) || '/') {
      const f = files.exact.get(p);
      if (f?.length) return f;
    }
    const g = files.globs.filter((x) => x.re.test(req.name)).map((x) => x.who);
    if (g.length) return g;
  }
  return (index.get(req.name) ?? []).filter((x) => providesSatisfies(x.p, req)).map((x) => x.who);
}

/** Build the graph; `cycles` lists every cycle found (the order is then empty). */
export function planBuildGraph(unsorted: readonly GraphInput[]): BuildGraph {
  const inputs = [...unsorted].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const index = new Map<string, { p: Dep; who: Provider }[]>();
  const files: FileIndex = { exact: new Map(), globs: [] };
  for (const { name, facts } of inputs) {
    for (const pkg of facts.packages) {
      const who = { component: name, pkg: pkg.name };
      const own: Dep = { name: pkg.name, op: '=', version: `${facts.epoch ? facts.epoch + ':' : ''}${facts.version}-${facts.release}` };
      for (const p of [own, ...pkg.provides]) {
        let l = index.get(p.name);
        if (!l) index.set(p.name, (l = []));
        l.push({ p, who });
      }
      for (const f of pkg.files) {
        if (/[*?[]/.test(f)) {
          files.globs.push({ re: globRegExp(f), who });
          continue;
        }
        let l = files.exact.get(f);
        if (!l) files.exact.set(f, (l = []));
        l.push(who);
      }
    }
  }
  const edges: GraphEdge[] = [];
  const deps = new Map<string, Set<string>>();
  const external = new Map<string, string[]>();
  for (const { name, facts } of inputs) {
    const mine = new Set<string>();
    deps.set(name, mine);
    for (const br of facts.buildRequires) {
      const rich = richAlternatives(br);
      let matched = false;
      for (const alt of rich.deps) {
        const provs = findProviders(alt, index, files).filter((p) => p.component !== name);
        for (const p of provs) {
          matched = true;
          if (!mine.has(p.component)) mine.add(p.component);
          edges.push({ from: name, to: p.component, dep: formatDep(br), via: p.pkg });
          break;
        }
        if (matched && rich.kind !== 'and') break;
      }
      // A spec satisfying its own BuildRequires (bootstrap) is not an edge.
      if (!matched && !findProviders(br, index, files).some((p) => p.component === name)) {
        let l = external.get(name);
        if (!l) external.set(name, (l = []));
        l.push(formatDep(br));
      }
    }
  }
  const nodes = inputs.map((i) => i.name).sort();
  const depsOut = new Map<string, string[]>(nodes.map((n) => [n, [...(deps.get(n) ?? [])].sort()]));
  const cycles = findCycles(nodes, depsOut);
  const order = cycles.length ? [] : topoOrder(nodes, depsOut);
  return { nodes, edges, deps: depsOut, order, external, cycles };
}

/** Kahn's algorithm in waves: each wave is every component whose dependencies are done, sorted by name. */
export function topoOrder(nodes: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const indeg = new Map<string, number>();
  const users = new Map<string, string[]>();
  const known = new Set(nodes);
  for (const n of nodes) {
    const ds = (deps.get(n) ?? []).filter((d) => known.has(d));
    indeg.set(n, ds.length);
    for (const d of ds) {
      let l = users.get(d);
      if (!l) users.set(d, (l = []));
      l.push(n);
    }
  }
  const out: string[] = [];
  let wave = nodes.filter((n) => indeg.get(n) === 0).sort();
  while (wave.length) {
    const next: string[] = [];
    for (const n of wave) {
      out.push(n);
      for (const u of users.get(n) ?? []) {
        const k = indeg.get(u)! - 1;
        indeg.set(u, k);
        if (k === 0) next.push(u);
      }
    }
    wave = next.sort();
  }
  return out;
}

/** Strongly connected components with more than one node (or a self loop), each as a closed path. */
export function findCycles(nodes: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[][] {
  let idx = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  const strong = (v: string) => {
    index.set(v, idx);
    low.set(v, idx);
    idx++;
    stack.push(v);
    onStack.add(v);
    for (const w of deps.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (deps.get(v) ?? []).includes(v)) sccs.push(comp);
    }
  };
  for (const n of nodes) if (!index.has(n)) strong(n);
  // Turn each SCC into one concrete cycle: the shortest path from its smallest member back to it.
  return sccs.map((comp) => {
    const set = new Set(comp);
    const start = [...comp].sort()[0]!;
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const d of deps.get(cur) ?? []) {
        if (!set.has(d)) continue;
        if (d === start) {
          const path = [start];
          for (let x: string | undefined = cur; x !== undefined && x !== start; x = prev.get(x)) path.splice(1, 0, x);
          path.push(start);
          return path;
        }
        if (!prev.has(d)) {
          prev.set(d, cur);
          queue.push(d);
        }
      }
    }
    return [start, start];
  });
}

/** BUILD_CYCLE diagnostics naming every edge of each cycle. */
export function cycleDiagnostics(graph: BuildGraph, spanOf: (component: string) => Diagnostic['span']): Diagnostic[] {
  return graph.cycles.map((cycle) => {
    const steps: string[] = [];
    for (let i = 0; i + 1 < cycle.length; i++) {
      const e = graph.edges.find((x) => x.from === cycle[i] && x.to === cycle[i + 1]);
      steps.push(`${cycle[i]} needs ${e ? `${e.dep} (from ${e.via})` : cycle[i + 1]}`);
    }
    const span = spanOf(cycle[0]!);
    return error('BUILD_CYCLE', `build dependency cycle: ${cycle.join(' -> ')}`, {
      ...(span ? { span } : {}),
      hint: `${steps.join('; ')}. Break the cycle with a bootstrap build (a --without option or a define that drops one BuildRequires) or by building one side from an already published package`,
      related: cycle.slice(0, -1).flatMap((c) => {
        const s = spanOf(c);
        return s ? [{ message: `${c} is configured here`, span: s }] : [];
      }),
    });
  });
}

/** Every component that (transitively) build-requires `name`. */
export function dependentsOf(graph: BuildGraph, name: string): Set<string> {
  const out = new Set<string>();
  const work = [name];
  while (work.length) {
    const cur = work.pop()!;
    for (const [n, ds] of graph.deps) if (ds.includes(cur) && !out.has(n)) out.add(n), work.push(n);
  }
  return out;
}
