// The build scheduler on a virtual clock: simulated builds of given durations, no rpmbuild, no sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildScheduler, dependencyFailedRecord, notStartedRecord, planPriorities, type ScheduleAction } from './scheduler.js';
import type { BuildRecord } from './types.js';

interface SimUnit {
  readonly deps?: readonly string[];
  /** Seconds rpmbuild runs. */
  readonly build: number;
  /** Seconds of staging (before a slot is needed). */
  readonly stage?: number;
  readonly fail?: boolean;
}

interface SimOptions {
  readonly slots: number;
  readonly failFast?: boolean;
  readonly stageAhead?: boolean;
  /** Estimated durations given to the scheduler (default: the real ones). */
  readonly durations?: ReadonlyMap<string, number>;
}

interface SimEvent {
  readonly t: number;
  readonly what: 'stage' | 'build' | 'done';
  readonly name: string;
  readonly slot?: number;
}

/**
 * Drive the scheduler as runBuild does (stage, wait for dependencies when staged ahead, ask for a
 * slot, build, leave the slot, finish), with every step taking virtual time.
 */
function simulate(units: Readonly<Record<string, SimUnit>>, o: SimOptions) {
  const nodes = Object.keys(units).sort();
  const deps = new Map(nodes.map((n) => [n, units[n]!.deps ?? []]));
  const sched = new BuildScheduler({
    nodes,
    deps,
    durations: o.durations ?? new Map(nodes.map((n) => [n, units[n]!.build])),
    slots: o.slots,
    failFast: !!o.failFast,
    stageAhead: o.stageAhead ?? true,
  });
  let now = 0;
  let seq = 0;
  const queue: { t: number; seq: number; fn: () => void }[] = [];
  const at = (t: number, fn: () => void) => queue.push({ t, seq: seq++, fn });
  const events: SimEvent[] = [];
  const records = new Map<string, BuildRecord>();
  const grants = new Map<string, (granted: boolean) => void>();
  const wakes = new Map<string, () => void>();
  let complete = -1;
  let building = 0;
  let maxBuilding = 0;
  const apply = (actions: readonly ScheduleAction[]) => {
    for (const a of actions) {
      if (a.kind === 'start') start(a.name);
      else if (a.kind === 'grant') {
        const g = grants.get(a.name)!;
        grants.delete(a.name);
        at(now, () => g(a.granted));
      } else if (a.kind === 'deps-done') {
        const w = wakes.get(a.name)!;
        wakes.delete(a.name);
        at(now, w);
      } else if (a.kind === 'record') records.set(a.record.name, a.record);
      else complete = now;
    }
  };
  const finish = (rec: BuildRecord) => {
    records.set(rec.name, rec);
    apply(sched.finished(rec));
  };
  const start = (name: string) => {
    events.push({ t: now, what: 'stage', name });
    const early = !(deps.get(name) ?? []).every((d) => sched.isOk(d));
    at(now + (units[name]!.stage ?? 0), () => {
      if (early && !sched.awaitDeps(name)) wakes.set(name, () => ready(name));
      else ready(name);
    });
  };
  const ready = (name: string) => {
    const bad = (deps.get(name) ?? []).find((d) => !sched.isOk(d));
    if (bad) return finish(dependencyFailedRecord(name, bad, sched.statusOf(bad)));
    const req = sched.requestSlot(name);
    if (req.held) return run(name);
    grants.set(name, (granted) => (granted ? run(name) : finish(notStartedRecord(name))));
    apply(req.actions);
  };
  const run = (name: string) => {
    building++;
    maxBuilding = Math.max(maxBuilding, building);
    events.push({ t: now, what: 'build', name, slot: sched.slotOf(name)! });
    apply(sched.buildStarted(name));
    at(now + units[name]!.build, () => {
      building--;
      const ok = !units[name]!.fail;
      if (ok && (o.slots === 1 || !sched.hasWaitingDependents(name))) apply(sched.slotReleased(name));
      events.push({ t: now, what: 'done', name });
      finish({ name, status: ok ? 'built' : 'failed', fingerprint: '', rpms: [], rpmbuildSeconds: units[name]!.build, wallSeconds: 0 });
    });
  };
  apply(sched.begin());
  while (queue.length) {
    queue.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const next = queue.shift()!;
    now = next.t;
    next.fn();
  }
  const when = (what: SimEvent['what'], name: string) => events.find((e) => e.what === what && e.name === name)?.t;
  const order = (what: SimEvent['what']) => events.filter((e) => e.what === what).map((e) => e.name);
  return { events, records, complete, maxBuilding, when, order, status: (n: string) => records.get(n)?.status };
}

test('scheduler: never before what it build-requires; at most `slots` builds at once, and as many as possible', () => {
  const sim = simulate({ a: { build: 4 }, b: { build: 4 }, c: { build: 2, deps: ['a'] }, d: { build: 1 } }, { slots: 2 });
  assert.deepEqual([...sim.records.values()].map((r) => [r.name, r.status]).sort(), [['a', 'built'], ['b', 'built'], ['c', 'built'], ['d', 'built']]);
  assert.equal(sim.maxBuilding, 2);
  assert.ok(sim.when('build', 'c')! >= sim.when('done', 'a')!, 'c builds after a');
  assert.deepEqual(sim.order('build').slice(0, 2).sort(), ['a', 'b'], 'the longest chains first');
  assert.equal(sim.complete, 6, 'a then c on one slot, b then d on the other');
});

test('scheduler: critical path first, weighted by build time (not by name, not by chain length)', () => {
  // c is short but d (10 s) waits for it: c's chain (11 s) is the longest.
  const units = { a: { build: 5 }, b: { build: 5 }, c: { build: 1 }, d: { build: 10, deps: ['c'] } };
  const sim = simulate(units, { slots: 2 });
  assert.deepEqual(sim.order('build').slice(0, 2), ['c', 'a']);
  assert.ok(sim.when('stage', 'd')! < sim.when('done', 'c')!, 'd is staged while c builds');
  // Without known durations every component weighs 1: chain length decides, then the name.
  const flat = simulate(units, { slots: 2, durations: new Map() });
  assert.deepEqual(flat.order('build').slice(0, 2), ['c', 'a']);
  // One slot: staged components go first, order cannot shorten the run.
  const one = simulate(units, { slots: 1 });
  assert.equal(one.maxBuilding, 1);
  assert.equal(one.complete, 21);
});

test('scheduler: a failure skips only its dependents (keep-going)', () => {
  const sim = simulate({ a: { build: 1, fail: true }, b: { build: 1, deps: ['a'] }, c: { build: 1, deps: ['b'] }, d: { build: 3 } }, { slots: 2 });
  assert.equal(sim.status('a'), 'failed');
  assert.equal(sim.records.get('b')!.reason, 'build-requires a, which failed');
  assert.equal(sim.records.get('c')!.reason, 'build-requires b, which was skipped');
  assert.equal(sim.status('d'), 'built');
  assert.equal(sim.when('build', 'b'), undefined);
  assert.equal(sim.complete, 3);
});

test('scheduler: --fail-fast starts nothing after a failure; what is under way finishes', () => {
  const sim = simulate({ a: { build: 1, fail: true }, b: { build: 5 }, c: { build: 1 }, d: { build: 1 } }, { slots: 2, failFast: true, durations: new Map([['a', 9], ['b', 8], ['c', 1], ['d', 1]]) });
  assert.deepEqual(sim.order('build'), ['a', 'b']);
  assert.equal(sim.status('b'), 'built', 'started before the failure');
  for (const n of ['c', 'd']) assert.equal(sim.records.get(n)!.reason, 'not started: --fail-fast after a failure');
  // A staged component waiting for its slot is refused one.
  assert.ok(sim.when('stage', 'c') !== undefined, 'c was staged ahead');
});

test('scheduler: a dependent is staged while what it build-requires builds, and starts the moment it is done', () => {
  const units = { base: { build: 10, stage: 1 }, user: { build: 2, stage: 3, deps: ['base'] }, side: { build: 1, stage: 1 } };
  const sim = simulate(units, { slots: 2 });
  assert.ok(sim.when('stage', 'user')! < sim.when('done', 'base')!, 'user staged before base finished');
  assert.equal(sim.when('build', 'user'), sim.when('done', 'base'), 'no staging left when base is done');
  assert.equal(sim.complete, 13);
  // Without staging ahead (mock), user is staged only once base is done.
  const late = simulate(units, { slots: 2, stageAhead: false });
  assert.equal(late.when('stage', 'user'), late.when('done', 'base'));
  assert.equal(late.complete, 16);
  // Staged ahead of a failure: skipped, never built.
  const broken = simulate({ base: { build: 10, fail: true }, user: { build: 2, deps: ['base'] }, side: { build: 1 } }, { slots: 2 });
  assert.ok(broken.when('stage', 'user') !== undefined);
  assert.equal(broken.when('build', 'user'), undefined);
  assert.equal(broken.records.get('user')!.reason, 'build-requires base, which failed');
});

test('scheduler: builds at the same time hold different slots (their CPU shares)', () => {
  const sim = simulate({ a: { build: 3 }, b: { build: 2 }, c: { build: 2 }, d: { build: 1 }, e: { build: 1 } }, { slots: 3 });
  const builds = sim.events.filter((e) => e.what === 'build');
  for (const x of builds) {
    const xEnd = sim.when('done', x.name)!;
    for (const y of builds) {
      if (x === y) continue;
      const overlap = y.t >= x.t && y.t < xEnd;
      if (overlap) assert.notEqual(x.slot, y.slot, `${x.name} and ${y.name} overlap on slot ${x.slot}`);
    }
  }
  assert.ok(builds.every((b) => b.slot! >= 0 && b.slot! < 3));
});

test('scheduler: components finished before the run count as built; unknown durations weigh the mean', () => {
  const sched = new BuildScheduler({ nodes: ['greet'], deps: new Map([['greet', ['libgreet']]]), durations: new Map(), slots: 1, failFast: false, stageAhead: true, finished: new Map([['libgreet', 'unchanged']]) });
  assert.deepEqual(sched.begin(), [{ kind: 'start', name: 'greet', slot: true }]);
  assert.deepEqual(sched.requestSlot('greet'), { held: true, actions: [] });
  const p = planPriorities(['a', 'b', 'c'], new Map([['a', ['b']]]), new Map([['a', 2], ['c', 4]]));
  assert.deepEqual([p.get('a'), p.get('b'), p.get('c')], [5, 3, 4]);
});
