/**
 * The output directory of a build run: `srpms/` (source packages), `rpms/<channel>/` (binary
 * packages sorted into their publish channels; `rpms/` itself for no channel) and `logs/`
 * (one build log per component). Paths recorded in the build state are relative to it.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { readBuiltRpm, rpmNameFromFile, type BuiltRpmInfo } from './built-rpms.js';

/** Channel of a binary package; '' or 'none' keeps it in out/rpms/. */
export type ChannelOf = (component: string, rpmName: string) => string | undefined;

export interface PlacedResults {
  /** The source package, relative to out/. */
  readonly srpm: string;
  /** The binary packages, relative to out/. */
  readonly rpms: readonly string[];
  /** What the binary packages provide and ship (from their headers). */
  readonly packages: readonly BuiltRpmInfo[];
}

export class OutputLayout {
  constructor(
    private readonly fs: FileSystem,
    readonly outDir: string,
    private readonly channelOf: ChannelOf | undefined,
  ) {}

  abs(rel: string): string {
    return path.join(this.outDir, rel);
  }

  logFile(component: string): string {
    return path.join(this.outDir, 'logs', `${component}.log`);
  }

  /** Where a binary package `file` of `component` belongs, relative to out/. */
  rpmPath(component: string, rpmName: string, file: string): string {
    const ch = this.channelOf?.(component, rpmName);
    return ch && ch !== 'none' ? path.join('rpms', ch, path.basename(file)) : path.join('rpms', path.basename(file));
  }

  /** Whether every file (relative to out/) is there. */
  async allPresent(rels: readonly string[]): Promise<boolean> {
    const present = await Promise.all(rels.map(async (f) => (await this.fs.stat(this.abs(f)))?.isFile === true));
    return present.every(Boolean);
  }

  /**
   * Move the packages of an earlier build into the channels they belong to now (publish
   * channels are not build inputs: a changed channel moves the packages, no rebuild).
   */
  async relocate(component: string, rels: readonly string[]): Promise<string[]> {
    return Promise.all(
      rels.map(async (rel) => {
        const want = this.rpmPath(component, rpmNameFromFile(rel), rel);
        if (want !== rel) {
          await this.fs.mkdir(path.dirname(this.abs(want)));
          await this.fs.rename(this.abs(rel), this.abs(want));
        }
        return want;
      }),
    );
  }

  /**
   * Move a build's results into out/: the packages the previous build of the component left
   * (`previous`, relative) are removed, the source package goes to srpms/, each binary package
   * (read for its name, provides and files) to its channel.
   */
  async place(component: string, srpm: string, rpms: readonly string[], previous: readonly string[]): Promise<PlacedResults> {
    const { fs } = this;
    await Promise.all(previous.map((f) => fs.remove(this.abs(f))));
    const srpmRel = path.join('srpms', path.basename(srpm));
    const [, moved] = await Promise.all([
      (async () => {
        await fs.mkdir(path.join(this.outDir, 'srpms'));
        await fs.rename(srpm, this.abs(srpmRel));
      })(),
      Promise.all(
        rpms.map(async (f) => {
          const info = await readBuiltRpm(fs, f);
          const rel = this.rpmPath(component, info.name, f);
          await fs.mkdir(path.dirname(this.abs(rel)));
          await fs.rename(f, this.abs(rel));
          return { rel, info };
        }),
      ),
    ]);
    return { srpm: srpmRel, rpms: moved.map((m) => m.rel), packages: moved.map((m) => m.info) };
  }
}
