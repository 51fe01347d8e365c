/**
 * Work of a build run that is not on any build's critical path: chores (removing finished build
 * trees, copying packages into the local repository of an rpmbuild run), background tasks
 * awaited before the run returns, and a mutex per key (one build per fixed root in this
 * process; the ProcessLock adapter holds it across processes).
 */

/** Runs `fn` for one key at a time, in the order of the calls. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    this.tails.set(key, prev.then(() => next));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Bookkeeping that is not on any build's critical path: one task at a time, and never while a
 * build is being staged. Staging is file work too (copies, mkdir, unpacking) and shares the
 * runtime's file-system threads; a dependent waiting to start must not queue behind the removal
 * of the tree its dependency was built in.
 */
export class Chores {
  private readonly queue: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private stagingNow = 0;
  private draining = false;
  private wake: (() => void) | undefined;
  constructor(private readonly onError: (e: unknown) => void) {}
  add(task: () => Promise<void>): void {
    this.queue.push(task);
    this.running ??= this.loop();
  }
  /** Run `fn` (a staging) with the chores held back. */
  async staging<T>(fn: () => Promise<T>): Promise<T> {
    this.stagingNow++;
    try {
      return await fn();
    } finally {
      if (--this.stagingNow === 0) this.wake?.();
    }
  }
  private async loop(): Promise<void> {
    while (this.queue.length) {
      while (this.stagingNow > 0 && !this.draining) await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
      await this.queue.shift()!().catch(this.onError);
    }
    this.running = undefined;
  }
  /** Run what is left, staging or not, and wait for it. */
  async drain(): Promise<void> {
    this.draining = true;
    this.wake?.();
    while (this.running) await this.running;
  }
}

/** Promises awaited before the run returns (a failure until then is not an unhandled rejection). */
export class Background {
  private readonly tasks: Promise<unknown>[] = [];
  add(p: Promise<unknown>): void {
    p.catch(() => undefined);
    this.tasks.push(p);
  }
  async settle(): Promise<void> {
    await Promise.all(this.tasks);
  }
}
