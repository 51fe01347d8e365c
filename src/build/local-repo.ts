/**
 * The local repository of a build run (`<work-dir>/local-repo`): every package built, for mock
 * builds to install BuildRequires from (createrepo_c metadata) and for inspection. rpmbuild
 * builds get what they build-require unpacked into their sysroot and never read it, so for them
 * it is a copy made off the critical path. The metadata is refreshed when a later build needs it;
 * a marker file records that the packages changed since the last refresh, across runs.
 */
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { warning, type Diagnostic } from '../diag/index.js';

/** Runs a task in the background, coalescing requests made while it runs into one more run. */
class Refresher {
  private current: Promise<void> | undefined;
  private again = false;
  constructor(private readonly task: () => Promise<void>) {}
  kick(): void {
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = (async () => {
      do {
        this.again = false;
        await this.task();
      } while (this.again);
    })().finally(() => {
      this.current = undefined;
    });
  }
  /** Wait for the background run (if any) to finish. */
  async settle(): Promise<void> {
    while (this.current) await this.current;
  }
  /** Run once now (after any background run), and wait. */
  async run(): Promise<void> {
    await this.settle();
    await this.task();
  }
}

export class LocalRepo {
  private stale: boolean;
  private readonly refresher: Refresher;
  private readonly marker: string;

  private constructor(
    private readonly fs: FileSystem,
    proc: ProcessRunner,
    readonly dir: string,
    private readonly markedStale: boolean,
    report: (d: Diagnostic) => void,
  ) {
    this.stale = markedStale;
    this.marker = LocalRepo.markerOf(dir);
    this.refresher = new Refresher(async () => {
      this.stale = false;
      await fs.remove(this.marker);
      const cr = await proc.run('createrepo_c', ['--quiet', '--no-database', '--simple-md-filenames', '--workers', '1', dir]);
      if (cr.code !== 0) report(warning('BUILD_LOCAL_REPO', `createrepo_c failed for the local repository ${dir}: ${cr.stderr.trim()}`));
    });
  }

  private static markerOf(dir: string): string {
    return path.join(dir, '.strata-stale');
  }

  /** The local repository in `dir` (created when missing); problems refreshing it go to `report`. */
  static async open(fs: FileSystem, proc: ProcessRunner, dir: string, report: (d: Diagnostic) => void): Promise<LocalRepo> {
    await fs.mkdir(dir);
    const markedStale = (await fs.stat(LocalRepo.markerOf(dir))) !== undefined;
    return new LocalRepo(fs, proc, dir, markedStale, report);
  }

  /** Put a component's packages into the repository (replacing its previous ones). */
  async publish(oldRpms: readonly string[], newRpms: readonly string[]): Promise<void> {
    for (const f of oldRpms) await this.fs.remove(path.join(this.dir, path.basename(f)));
    for (const f of newRpms) await this.fs.copyFile(f, path.join(this.dir, path.basename(f)));
    this.stale = true;
  }

  /** Copy those of `rpms` the repository does not have (an unchanged component). */
  async addMissing(rpms: readonly string[]): Promise<void> {
    for (const f of rpms) {
      const dest = path.join(this.dir, path.basename(f));
      if (!(await this.fs.stat(dest))) {
        await this.fs.copyFile(f, dest);
        this.stale = true;
      }
    }
  }

  /** Refresh the metadata in the background (a build others wait for is in). */
  refreshInBackground(): void {
    this.refresher.kick();
  }

  /** Make the metadata current before a build reads it. */
  async refreshIfStale(): Promise<void> {
    if (this.stale) await this.refresher.run();
    await this.refresher.settle();
  }

  /** After the run: wait for a refresh under way, and mark what is still stale for next time. */
  async close(): Promise<void> {
    await this.refresher.settle();
    if (this.stale && !(this.markedStale && (await this.fs.stat(this.marker)))) await this.fs.writeFileAtomic(this.marker, 'packages changed since the last createrepo_c run\n');
  }
}
