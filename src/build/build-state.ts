/**
 * The state a build leaves for the next run, one JSON file per component under
 * `<work-dir>/build-state/`: the spec's facts (cached by the self fingerprint), the input
 * fingerprint of the last build, where its packages are in out/ (relative), what they provide,
 * and how long rpmbuild took (the scheduling weight of the next run).
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import type { BuiltRpmInfo } from './built-rpms.js';
import type { SpecFacts } from './types.js';
import type { BuildRecord as EvidenceRecord } from './build-record.js';

export interface BuildState {
  readonly version: 1;
  readonly selfFingerprint: string;
  readonly facts: SpecFacts;
  readonly fingerprint?: string;
  readonly srpm?: string;
  readonly rpms?: string[];
  readonly packages?: readonly BuiltRpmInfo[];
  readonly sourceDateEpoch?: number;
  /** Seconds the last build spent in rpmbuild (scheduling weight of the next run). */
  readonly rpmbuildSeconds?: number;
  /** The build record of the last build (src/build/build-record.ts), when it was collected. */
  readonly record?: EvidenceRecord;
  /** The `--verify-reproducible` verdict of the last build, when it was checked. */
  readonly reproducible?: { readonly identical: boolean; readonly differences: number };
}

/** The state files of one work directory. */
export class BuildStateStore {
  readonly dir: string;
  constructor(
    private readonly fs: FileSystem,
    workDir: string,
  ) {
    this.dir = path.join(workDir, 'build-state');
  }
  /** The state of `name`'s last build; undefined when there is none or it cannot be read. */
  async load(name: string): Promise<BuildState | undefined> {
    try {
      return JSON.parse(await this.fs.readText(this.file(name))) as BuildState;
    } catch {
      return undefined;
    }
  }
  async save(name: string, state: BuildState): Promise<void> {
    await this.fs.writeFileAtomic(this.file(name), JSON.stringify(state, null, 1) + '\n');
  }
  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }
}

/** The facts of a state's spec with the file lists its last build's packages shipped. */
export function factsWithBuiltFiles(facts: SpecFacts, packages: readonly BuiltRpmInfo[] | undefined): SpecFacts {
  if (!packages?.length) return facts;
  return { ...facts, packages: facts.packages.map((p) => ({ ...p, files: packages.find((b) => b.name === p.name)?.files ?? p.files })) };
}

/** The build records of every component whose last build left one in `<workDir>/build-state/`, by component name. */
export async function loadBuildRecords(fs: FileSystem, workDir: string): Promise<EvidenceRecord[]> {
  const store = new BuildStateStore(fs, workDir);
  const names = (await fs.readdir(store.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const out: EvidenceRecord[] = [];
  for (const n of names) {
    const st = await store.load(n.slice(0, -'.json'.length));
    if (st?.record) out.push(st.record);
  }
  return out;
}
