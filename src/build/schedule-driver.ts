/**
 * The bridge between the pure scheduler and real, asynchronous builds: it starts components,
 * hands build slots to staged ones, wakes components staged ahead when their dependencies are
 * finished, and measures how long each waited (not part of its wall time).
 */
import type { EventSink } from '../adapters/types.js';
import type { SlotHolder } from './build-unit.js';
import type { BuildScheduler, ScheduleAction } from './scheduler.js';
import type { BuildRecord } from './types.js';

export class ScheduleDriver implements SlotHolder {
  private readonly grants = new Map<string, (granted: boolean) => void>();
  private readonly depWaits = new Map<string, () => void>();
  private readonly waited = new Map<string, number>();
  private complete: () => void = () => undefined;
  private fail: (e: unknown) => void = () => undefined;

  constructor(
    private readonly scheduler: BuildScheduler,
    private readonly sink: EventSink,
    private readonly build: (name: string) => Promise<BuildRecord>,
    private readonly onRecord: (r: BuildRecord) => void,
  ) {}

  /** Until nothing is pending or in flight. */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.complete = resolve;
      this.fail = reject;
      this.apply(this.scheduler.begin());
    });
  }

  async acquire(name: string): Promise<boolean> {
    const req = this.scheduler.requestSlot(name);
    if (!req.held) {
      const t = performance.now();
      const granted = await new Promise<boolean>((resolve) => {
        this.grants.set(name, resolve);
        this.apply(req.actions);
      });
      this.waited.set(name, this.waitedMs(name) + performance.now() - t);
      if (!granted) return false;
    }
    this.sink({ kind: 'log', level: 'debug', message: `build ${name}: started` });
    // A slot holder stops staging: staging ahead may begin.
    this.apply(this.scheduler.buildStarted(name));
    return true;
  }

  release(name: string): void {
    if (this.scheduler.slotOf(name) === undefined) return;
    const actions = this.scheduler.slotReleased(name);
    this.sink({ kind: 'log', level: 'debug', message: `build ${name}: rpmbuild done` });
    this.apply(actions);
  }

  async depsDone(name: string): Promise<void> {
    if (this.scheduler.awaitDeps(name)) return;
    const t = performance.now();
    await new Promise<void>((resolve) => this.depWaits.set(name, resolve));
    this.waited.set(name, this.waitedMs(name) + performance.now() - t);
  }

  waitedMs(name: string): number {
    return this.waited.get(name) ?? 0;
  }

  private finished(rec: BuildRecord): void {
    const building = this.scheduler.isBuilding(rec.name);
    const actions = this.scheduler.finished(rec);
    this.onRecord(rec);
    if (building) this.sink({ kind: 'log', level: 'debug', message: `build ${rec.name}: rpmbuild done` });
    this.apply(actions);
  }

  private apply(actions: readonly ScheduleAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'start':
          this.build(a.name).then((rec) => this.finished(rec), this.fail);
          break;
        case 'grant': {
          const grant = this.grants.get(a.name);
          this.grants.delete(a.name);
          grant?.(a.granted);
          break;
        }
        case 'deps-done': {
          const wake = this.depWaits.get(a.name);
          this.depWaits.delete(a.name);
          wake?.();
          break;
        }
        case 'record':
          this.onRecord(a.record);
          break;
        case 'complete':
          this.complete();
          break;
      }
    }
  }
}
