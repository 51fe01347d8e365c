/**
 * The first step of a build run: what every spec says (SpecFacts), from the spec model or
 * cached in the build state by the self fingerprint, with the file lists the last build's
 * packages shipped; and which components not selected can provide BuildRequires through their
 * last build.
 */
import type { FileSystem, EventSink } from '../adapters/types.js';
import { error, type Diagnostic } from '../diag/index.js';
import { mapPool } from '../util/pool.js';
import { factsWithBuiltFiles, type BuildState, type BuildStateStore } from './build-state.js';
import { selfFingerprint } from './fingerprint.js';
import type { OutputLayout } from './output-layout.js';
import type { SpecInspector } from './spec-facts.js';
import type { BuildUnit, SpecFacts } from './types.js';

export interface EvaluatedUnit {
  /** The self fingerprint (the component's own inputs). */
  readonly self: string;
  /** The state of its last build. */
  readonly state: BuildState | undefined;
  readonly facts: SpecFacts;
}

export interface Evaluation {
  readonly units: ReadonlyMap<string, EvaluatedUnit>;
  /** Components whose spec could not be evaluated, with the reason. */
  readonly failures: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

export interface EvaluateOptions {
  readonly macros: Readonly<Record<string, string>>;
  readonly backend: 'rpmbuild' | 'mock';
  readonly inspector: SpecInspector;
  /** Specs evaluated at once. */
  readonly parallel: number;
}

export async function evaluateSpecs(fs: FileSystem, sink: EventSink, store: BuildStateStore, units: readonly BuildUnit[], o: EvaluateOptions): Promise<Evaluation> {
  const evaluated = new Map<string, EvaluatedUnit>();
  const failures = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  sink({ kind: 'start', task: 'evaluate specs', total: units.length });
  let done = 0;
  await mapPool([...units], o.parallel, async (u) => {
    const self = await selfFingerprint(fs, u, o.macros, o.backend);
    const state = await store.load(u.name);
    try {
      const facts = state && state.selfFingerprint === self ? state.facts : await o.inspector.inspect(u, o.macros);
      // File provides known from the last build of this component.
      evaluated.set(u.name, { self, state, facts: factsWithBuiltFiles(facts, state?.packages) });
    } catch (e) {
      const d = (e as { diagnostics?: Diagnostic[] }).diagnostics;
      if (d) diagnostics.push(...d);
      else diagnostics.push(error('BUILD_SPEC_EVAL', `${u.name}: ${(e as Error).message}`, u.definedAt ? { span: u.definedAt } : {}));
      failures.set(u.name, (e as Error).message);
    }
    sink({ kind: 'progress', task: 'evaluate specs', done: ++done, total: units.length, item: u.name });
  });
  sink({ kind: 'end', task: 'evaluate specs' });
  return { units: evaluated, failures, diagnostics };
}

/** Components not selected whose last build, with all its packages still in out/, can provide BuildRequires. */
export async function loadProviders(store: BuildStateStore, layout: OutputLayout, names: readonly string[], selected: ReadonlySet<string>): Promise<Map<string, BuildState>> {
  const provided = new Map<string, BuildState>();
  for (const n of names) {
    if (selected.has(n)) continue;
    const st = await store.load(n);
    if (!st?.fingerprint || !st.srpm || !st.rpms?.length) continue;
    if (await layout.allPresent(st.rpms)) provided.set(n, st);
  }
  return provided;
}
