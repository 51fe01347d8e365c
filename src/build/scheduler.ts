/**
 * The build scheduler: a pure state machine over the BuildRequires graph. It is told what
 * happens (a component finished, a staged component wants a build slot, a build started or
 * left its slot) and answers with what to do next (start a component, grant or refuse a slot,
 * wake a component staged ahead whose dependencies are finished, record a component it skips).
 * It does no I/O and reads no clock: `runBuild` drives it with real builds, the tests with a
 * virtual clock.
 *
 * The policy:
 * - at most `slots` builds (rpmbuild or mock runs) at once; a component is staged (fixed root,
 *   sources, sysroot) before it gets a slot, so a slot never waits for Strata's own work, and up
 *   to `slots` staged components wait for a slot;
 * - priority: the longest chain of build time from a component to the end of the run (critical
 *   path first, as list schedulers do), weighted by each component's estimated duration (the
 *   mean of the known ones when it has none; 1 when none is known, i.e. the chain length);
 * - a failure skips its dependents only (keep-going), or with `failFast` everything not started;
 * - with `stageAhead` (the rpmbuild backend), a component that waits only for builds under way is
 *   staged while they build, so that the hand-over to it is short.
 */
import type { BuildRecord, BuildStatus } from './types.js';

export interface ScheduleInput {
  /** The components of the run. */
  readonly nodes: readonly string[];
  /** What each component build-requires (components of the run or already finished ones). */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** Estimated seconds of a component's build (its last rpmbuild time), where known. */
  readonly durations: ReadonlyMap<string, number>;
  /** Build slots (`-j`). */
  readonly slots: number;
  /** Start no new build after the first failure. */
  readonly failFast: boolean;
  /** Stage components whose dependencies are still building (their sysroot follows later). */
  readonly stageAhead: boolean;
  /** Components finished before the run (e.g. the last builds of components not selected). */
  readonly finished?: ReadonlyMap<string, BuildStatus>;
}

export type ScheduleAction =
  /** Begin `name`: with a slot (it stages inside it), or staging ahead of one. */
  | { readonly kind: 'start'; readonly name: string; readonly slot: boolean }
  /** Answer the slot request of a staged component (false: the run stops starting builds). */
  | { readonly kind: 'grant'; readonly name: string; readonly granted: boolean }
  /** Everything `name` (staged ahead) build-requires is finished. */
  | { readonly kind: 'deps-done'; readonly name: string }
  /** The scheduler finished `record.name` without building it (skipped). */
  | { readonly kind: 'record'; readonly record: BuildRecord }
  /** Nothing is pending or in flight: the run is over. */
  | { readonly kind: 'complete' };

/** The record of a component that did not start because of --fail-fast. */
export function notStartedRecord(name: string): BuildRecord {
  return skipped(name, 'not started: --fail-fast after a failure');
}

/** The record of `name`, not built because `dep`, which it build-requires, failed or was skipped. */
export function dependencyFailedRecord(name: string, dep: string, depStatus: BuildStatus | undefined): BuildRecord {
  return skipped(name, `build-requires ${dep}, which ${depStatus === 'failed' ? 'failed' : 'was skipped'}`);
}

function skipped(name: string, reason: string): BuildRecord {
  return { name, status: 'skipped', fingerprint: '', rpms: [], rpmbuildSeconds: 0, wallSeconds: 0, reason };
}

/** Critical-path priorities: a component's duration plus the longest chain of its dependents. */
export function planPriorities(nodes: readonly string[], users: ReadonlyMap<string, readonly string[]>, durations: ReadonlyMap<string, number>): Map<string, number> {
  const known = [...durations.values()].filter((s) => s > 0);
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const priority = new Map<string, number>();
  const priorityOf = (n: string, seen: Set<string>): number => {
    const p0 = priority.get(n);
    if (p0 !== undefined) return p0;
    if (seen.has(n)) return 0;
    seen.add(n);
    const below = (users.get(n) ?? []).map((m) => priorityOf(m, seen));
    const own = durations.get(n);
    const p = (own && own > 0 ? own : mean) + (below.length ? Math.max(...below) : 0);
    priority.set(n, p);
    return p;
  };
  for (const n of nodes) priorityOf(n, new Set());
  return priority;
}

export class BuildScheduler {
  private readonly deps: ReadonlyMap<string, readonly string[]>;
  private readonly slots: number;
  private readonly failFast: boolean;
  private readonly stageAhead: boolean;
  /** Components of the run that build-require each component. */
  private readonly users = new Map<string, string[]>();
  private readonly priority: Map<string, number>;
  private readonly status = new Map<string, BuildStatus>();
  private readonly pending: Set<string>;
  /** Started and not finished. */
  private readonly inflight = new Set<string>();
  /** Started without a slot (staging ahead). */
  private readonly staging = new Set<string>();
  /** Slot holders. */
  private readonly holding = new Set<string>();
  /** The slot number (0 … slots-1) of each slot holder: which CPUs its build may use. */
  private readonly slotIndex = new Map<string, number>();
  /** Slot holders whose build has started (a fresh pick stages inside its slot first). */
  private readonly building = new Set<string>();
  /** Staged components waiting for a slot. */
  private readonly waiting = new Set<string>();
  /** Components staged ahead that wait for what they build-require to finish. */
  private readonly awaitingDeps = new Set<string>();

  constructor(input: ScheduleInput) {
    this.deps = input.deps;
    this.slots = Math.max(1, input.slots);
    this.failFast = input.failFast;
    this.stageAhead = input.stageAhead;
    for (const m of input.nodes) for (const d of input.deps.get(m) ?? []) (this.users.get(d) ?? this.users.set(d, []).get(d)!).push(m);
    this.priority = planPriorities(input.nodes, this.users, input.durations);
    for (const [n, s] of input.finished ?? []) this.status.set(n, s);
    this.pending = new Set(input.nodes.filter((n) => !this.status.has(n)));
  }

  // --- questions ---

  /** Whether `name` finished, built or unchanged. */
  isOk(name: string): boolean {
    const s = this.status.get(name);
    return s === 'built' || s === 'unchanged';
  }
  isFinished(name: string): boolean {
    return this.status.has(name);
  }
  statusOf(name: string): BuildStatus | undefined {
    return this.status.get(name);
  }
  /** The run starts no new builds (--fail-fast after a failure). */
  isStopping(): boolean {
    return this.failFast && [...this.status.values()].includes('failed');
  }
  /** Whether `name` holds a slot and its build has started. */
  isBuilding(name: string): boolean {
    return this.holding.has(name) && this.building.has(name);
  }
  /** The build slot `name` holds (undefined: none). */
  slotOf(name: string): number | undefined {
    return this.slotIndex.get(name);
  }
  /** Whether components of the run build-require `name`. */
  hasDependents(name: string): boolean {
    return this.users.has(name);
  }
  /** Whether dependents of `name` are yet to start or wait (staged ahead) for it. */
  hasWaitingDependents(name: string): boolean {
    return (this.users.get(name) ?? []).some((m) => this.pending.has(m) || this.awaitingDeps.has(m));
  }
  /** Dependencies of `name` that are not finished yet. */
  unfinishedDeps(name: string): string[] {
    return (this.deps.get(name) ?? []).filter((d) => !this.status.has(d));
  }

  // --- events ---

  /** The first decisions of the run. */
  begin(): ScheduleAction[] {
    return this.step();
  }

  /** Before `begin`: record a component that will not start (e.g. its spec could not be evaluated). */
  recordUnstarted(record: BuildRecord): void {
    this.pending.delete(record.name);
    this.status.set(record.name, record.status);
  }

  /**
   * `name` (staged ahead) waits for what it build-requires: true when that is finished already,
   * otherwise a `deps-done` action follows.
   */
  awaitDeps(name: string): boolean {
    if ((this.deps.get(name) ?? []).every((d) => this.status.has(d))) return true;
    this.awaitingDeps.add(name);
    return false;
  }

  /**
   * `name` wants a build slot. `held`: it holds one already (it was started with one);
   * otherwise a `grant` action answers later.
   */
  requestSlot(name: string): { readonly held: boolean; readonly actions: ScheduleAction[] } {
    if (this.holding.has(name)) return { held: true, actions: [] };
    this.waiting.add(name);
    return { held: false, actions: this.step() };
  }

  /** The build of `name` (a slot holder) started: staging ahead may begin. */
  buildStarted(name: string): ScheduleAction[] {
    this.building.add(name);
    return this.step();
  }

  /** The build of `name` is over (its results are still to be moved): its slot is free. */
  slotReleased(name: string): ScheduleAction[] {
    if (!this.unhold(name)) return [];
    this.building.delete(name);
    return this.step();
  }

  /** A started component finished. */
  finished(record: BuildRecord): ScheduleAction[] {
    const n = record.name;
    this.inflight.delete(n);
    this.staging.delete(n);
    const out = this.record(record);
    this.building.delete(n);
    this.unhold(n);
    return [...out, ...this.step()];
  }

  // --- internals ---

  private readonly byPriority = (a: string, b: string): number => (this.priority.get(b) ?? 0) - (this.priority.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);

  private record(r: BuildRecord): ScheduleAction[] {
    this.status.set(r.name, r.status);
    const out: ScheduleAction[] = [];
    for (const m of this.users.get(r.name) ?? []) {
      if (this.awaitingDeps.has(m) && (this.deps.get(m) ?? []).every((d) => this.status.has(d))) {
        this.awaitingDeps.delete(m);
        out.push({ kind: 'deps-done', name: m });
      }
    }
    return out;
  }

  private finishUnstarted(record: BuildRecord, out: ScheduleAction[]): void {
    this.pending.delete(record.name);
    out.push({ kind: 'record', record }, ...this.record(record));
  }

  private hold(n: string): void {
    this.holding.add(n);
    const used = new Set(this.slotIndex.values());
    let k = 0;
    while (used.has(k)) k++;
    this.slotIndex.set(n, k);
  }

  private unhold(n: string): boolean {
    this.slotIndex.delete(n);
    return this.holding.delete(n);
  }

  private start(n: string, slot: boolean, out: ScheduleAction[]): void {
    this.pending.delete(n);
    this.inflight.add(n);
    if (slot) this.hold(n);
    else this.staging.add(n);
    out.push({ kind: 'start', name: n, slot });
  }

  private step(): ScheduleAction[] {
    const out: ScheduleAction[] = [];
    // Skip what depends on a failure.
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of [...this.pending]) {
        const bad = (this.deps.get(n) ?? []).find((d) => this.status.has(d) && !this.isOk(d));
        if (bad) {
          this.finishUnstarted(dependencyFailedRecord(n, bad, this.status.get(bad)), out);
          changed = true;
        }
      }
    }
    if (this.isStopping()) {
      for (const n of [...this.pending]) this.finishUnstarted(notStartedRecord(n), out);
      for (const n of [...this.waiting]) {
        this.waiting.delete(n);
        out.push({ kind: 'grant', name: n, granted: false });
      }
    }
    if (this.pending.size === 0 && this.inflight.size === 0) {
      out.push({ kind: 'complete' });
      return out;
    }
    const ready = [...this.pending].filter((n) => (this.deps.get(n) ?? []).every((d) => this.isOk(d))).sort(this.byPriority);
    // Give free slots to the staged or ready component with the highest priority. With one
    // slot the order cannot shorten the run, so a staged component goes first.
    while (this.holding.size < this.slots) {
      const staged = [...this.waiting].sort(this.byPriority)[0];
      // A component whose staging is under way (not one still waiting for its dependencies)
      // will want a slot in a moment: a fresh pick would stage from scratch inside the slot.
      const stagingSoon = [...this.staging].some((n) => !this.waiting.has(n) && !this.awaitingDeps.has(n));
      const fresh = stagingSoon ? undefined : ready[0];
      const pick = staged === undefined ? fresh : fresh === undefined || this.slots === 1 || this.byPriority(staged, fresh) <= 0 ? staged : fresh;
      if (pick === undefined) break;
      if (pick === staged) {
        this.waiting.delete(pick);
        this.staging.delete(pick);
        this.hold(pick);
        out.push({ kind: 'grant', name: pick, granted: true });
      } else {
        ready.shift();
        this.start(pick, true, out);
      }
    }
    // Stage ahead what will get the next slots, once the slot holders are building (staging
    // ahead must not delay a slot holder's own staging).
    if ([...this.holding].every((n) => this.building.has(n))) {
      while (this.staging.size < this.slots && ready.length) this.start(ready.shift()!, false, out);
      // Then what waits only for builds under way: its sources are staged now, its sysroot
      // when they are done, so the hand-over to it is short.
      if (this.stageAhead && this.staging.size < this.slots && !this.isStopping()) {
        const soon = [...this.pending]
          .filter((n) => {
            const ds = this.deps.get(n) ?? [];
            return ds.some((d) => this.building.has(d)) && ds.every((d) => this.isOk(d) || this.building.has(d));
          })
          .sort(this.byPriority);
        while (this.staging.size < this.slots && soon.length) this.start(soon.shift()!, false, out);
      }
    }
    if (this.inflight.size === 0 && this.pending.size > 0) {
      // Cannot happen without a cycle (handled before the run); guard against hanging.
      for (const n of [...this.pending]) this.finishUnstarted(skipped(n, 'unsatisfiable ordering'), out);
      out.push({ kind: 'complete' });
    }
    return out;
  }
}
