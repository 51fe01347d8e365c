/**
 * The project side of `strata verify`: what the project, its dist-git mirrors and its source
 * cache say about a build record's inputs, and re-rendering and rebuilding from them.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Clock, EventSink, FileHasher, FileSystem, Git, Http, ProcessLock, ProcessRunner } from '../adapters/types.js';
import type { BuildRecord } from '../build/build-record.js';
import { prepareComponent } from '../build/prepare-sources.js';
import { overlayRecords } from '../build/prepared-inputs.js';
import { replayBuild } from '../build/replay.js';
import type { ResolvedProject } from '../config/types.js';
import { StrataError, error } from '../diag/index.js';
import { Renderer } from '../render/render.js';
import { withDefaultEngines } from '../render/command.js';
import { compareRpmPackages, parseRpm, type RpmDifference, type RpmPackage } from '../rpm/index.js';
import { mirrorDirName } from '../sources/index.js';
import type { ProjectChecks } from './verify.js';

export interface ProjectCheckDeps {
  readonly fs: FileSystem;
  readonly git: Git;
  readonly proc: ProcessRunner;
  readonly lock: ProcessLock;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly http?: Http;
  readonly hasher?: FileHasher;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function projectChecks(deps: ProjectCheckDeps, project: ResolvedProject): ProjectChecks {
  const { fs } = deps;
  const workDir = project.project.workDir;
  const component = (name: string) => {
    const c = project.components.get(name);
    if (!c) throw new StrataError(error('ATTEST_OVERLAY_CHANGED', `component ${name} is not in the project`));
    return c;
  };
  const scratch = async <T>(fn: (dir: string) => Promise<T>): Promise<T> => {
    await fs.mkdir(workDir);
    const dir = await fs.mkdtemp('.verify-', workDir);
    try {
      return await fn(dir);
    } finally {
      await fs.remove(dir);
    }
  };
  return {
    async hasCommit(url, commit) {
      const mirror = path.join(workDir, 'mirrors', mirrorDirName(url));
      if (!(await fs.stat(mirror))?.isDirectory) return false;
      const r = await deps.git.run(['cat-file', '-e', `${commit}^{commit}`], { cwd: mirror });
      return r.code === 0;
    },
    async sourceDigest(_name, sha512) {
      const cached = path.join(workDir, 'lookaside', 'sha512', sha512.slice(0, 2), sha512);
      if ((await fs.stat(cached))?.isFile) return sha256(await fs.readFile(cached));
      return undefined;
    },
    async overlays(name) {
      const c = project.components.get(name);
      return c ? overlayRecords(fs, project, c) : undefined;
    },
    async render(record) {
      const c = component(record.component);
      const engines = await withDefaultEngines({ fs, git: deps.git, proc: deps.proc, clock: deps.clock, sink: deps.sink, lock: deps.lock });
      return scratch(async (dir) => {
        const stage = path.join(dir, c.name);
        await new Renderer(engines, project, { outDir: dir, refresh: 'never' }).renderInto(c, stage);
        return { specSha256: sha256(await fs.readFile(path.join(stage, record.spec.name))) };
      });
    },
    async rebuild(record, published, repoRoot) {
      const c = component(record.component);
      return scratch(async (dir) => {
        const prepared = await prepareComponent({ ...deps }, project, c, path.join(dir, 'prepared'), { refresh: 'never' });
        // The recorded buildroot, from the published repositories.
        const channels = (await fs.readdir(repoRoot)).filter((n) => !n.startsWith('.'));
        const sysroot: string[] = [];
        for (const p of record.build.buildroot) {
          let found: string | undefined;
          for (const ch of channels) {
            const f = path.join(repoRoot, ch, p.file ?? '');
            if (p.file && (await fs.stat(f))?.isFile) found = f;
          }
          if (!found) throw new StrataError(error('ATTEST_REBUILD_DIFFERS', `the buildroot package ${p.nevra} is not in ${repoRoot}`, { hint: 'publish the packages the component build-requires' }));
          sysroot.push(found);
        }
        const r = await replayBuild(deps, { record, preparedDir: prepared.dir, sysrootRpms: sysroot, workDir: dir });
        if (!r.ok) throw new StrataError(error('ATTEST_REBUILD_DIFFERS', `the rebuild of ${record.component} failed: ${r.errors.slice(0, 3).join('; ')}`));
        const rebuilt = new Map<string, RpmPackage>();
        for (const f of [r.srpm!, ...r.rpms]) rebuilt.set(path.basename(f), parseRpm(await fs.readFile(f), f));
        const diffs: RpmDifference[] = [];
        for (const [file, pkg] of published) {
          const again = rebuilt.get(file);
          if (!again) diffs.push({ rpm: file, what: 'package', first: 'published', second: 'not built again' });
          else diffs.push(...compareRpmPackages(file, pkg, again));
        }
        for (const file of rebuilt.keys()) if (!published.has(file)) diffs.push({ rpm: file, what: 'package', first: 'not published', second: 'built again' });
        return diffs;
      });
    },
  };
}
