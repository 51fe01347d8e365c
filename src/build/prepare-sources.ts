/**
 * `component prepare-sources`: everything rpmbuild needs for a component, verified.
 *
 * For each component, in a staging directory beside the output:
 * 1. render it (the locked upstream commit, overlays, macros file, `sources` merged with
 *    `source-files`) with the render pipeline;
 * 2. fetch every file listed in the rendered `sources` from the distro's lookaside (Fedora layout),
 *    falling back to a `source-files` download origin (unless the distro disables origins), each
 *    verified against its recorded hash through the content-addressed cache;
 * 3. verify upstream signatures the spec checks with `%gpgverify` (OpenPGP in-process);
 * 4. swap the staging directory into `<outRoot>/<component>/`.
 * On any failure the previous output stays as it was and nothing unverified is left anywhere.
 */
import * as path from 'node:path';
import type { Clock, EventSink, FileHasher, FileSystem, Git, Http, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { error, isStrataError, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { Renderer, type RenderDeps } from '../render/render.js';
import { withDefaultEngines } from '../render/command.js';
import { replaceDir } from '../util/replace-dir.js';
import { LookasideCache, lookasideUrl, parseSourcesFile, type FetchSourceRequest, type FetchSourceResult } from '../sources/lookaside.js';
import { mapPool } from '../util/pool.js';
import { runCompressionTool } from '../util/compression.js';
import { findGpgVerifyCalls, verifyGpgCalls, type VerifyResult } from '../sources/signature.js';
import { collectPreparedInputs, PREPARED_INPUTS, projectRevision } from './prepared-inputs.js';
import type { PreparedInputs } from './build-record.js';

export interface PrepareSourcesDeps {
  readonly fs: FileSystem;
  readonly git: Git;
  readonly proc: ProcessRunner;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly http?: Http;
  readonly hasher?: FileHasher;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Cross-process lock for the dist-git mirror fetches. */
  readonly lock?: ProcessLock;
  /** Injected render engines (tests); defaults to the in-process ones. */
  readonly autospec?: RenderDeps['autospec'];
  readonly listSources?: RenderDeps['listSources'];
}

export interface PrepareSourcesOptions {
  /** Dist-git mirror refresh for render (default `if-needed`). */
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** Lookaside cache root (default `<work-dir>/lookaside`). */
  readonly cacheDir?: string;
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly jobs?: number;
}

export interface PreparedComponent {
  readonly component: string;
  readonly dir: string;
  readonly spec: string;
  readonly upstreamCommit?: string;
  readonly files: readonly FetchSourceResult[];
  readonly signatures: readonly VerifyResult[];
  readonly diagnostics: readonly Diagnostic[];
}

function lookasideFor(project: ResolvedProject, c: ResolvedComponent): { template?: string; pkg: string; disableOrigins: boolean } {
  if (c.spec.type === 'upstream') {
    const d = project.distros.get(c.spec.upstreamDistro.name);
    return { ...(c.spec.lookasideBaseUri ? { template: c.spec.lookasideBaseUri } : {}), pkg: c.spec.upstreamName, disableOrigins: d?.disableOrigins ?? false };
  }
  const d = project.defaultDistro ? project.distros.get(project.defaultDistro.name) : undefined;
  return { ...(d?.lookasideBaseUri ? { template: d.lookasideBaseUri } : {}), pkg: c.name, disableOrigins: d?.disableOrigins ?? false };
}

/** The download plan for a rendered component directory: one request per `sources` entry. */
export async function planSourceFetches(fs: FileSystem, project: ResolvedProject, c: ResolvedComponent, dir: string): Promise<FetchSourceRequest[]> {
  const sourcesPath = path.join(dir, 'sources');
  const st = await fs.stat(sourcesPath);
  const diags: Diagnostic[] = [];
  const la = lookasideFor(project, c);
  const byName = new Map(c.sourceFiles.map((f) => [f.filename, f]));
  for (const f of c.sourceFiles) {
    if (!f.hash || !f.hashType) {
      diags.push(error('SOURCE_FILE_NO_HASH', `source-files entry ${f.filename} of ${c.name} has no hash, so it cannot be verified`, { span: f.definedAt, hint: 'add hash and hash-type (SHA512) to the entry' }));
    }
    if (f.origin?.type === 'custom') {
      diags.push(error('SOURCE_FILE_CUSTOM_UNSUPPORTED', `source-files entry ${f.filename}: custom origins (scripts in mock) are not supported by prepare-sources yet`, { span: f.definedAt, hint: 'upload the generated file to the lookaside, or use a download origin' }));
    }
  }
  if (diags.length) throw new StrataError(diags);
  if (!st?.isFile) return [];
  const parsed = parseSourcesFile(await fs.readText(sourcesPath), `${c.name}/sources`);
  const reqs: FetchSourceRequest[] = [];
  for (const e of parsed.entries) {
    const ref = byName.get(e.filename);
    const urls: string[] = [];
    if (la.template) urls.push(lookasideUrl(la.template, { pkg: la.pkg, filename: e.filename, hashType: e.hashType, hash: e.hash }, ref?.definedAt ?? c.definedAt));
    if (ref?.origin?.type === 'download' && ref.origin.uri && !la.disableOrigins && ref.hash?.toLowerCase() === e.hash) urls.push(ref.origin.uri);
    reqs.push({ filename: e.filename, hashType: e.hashType, hash: e.hash, urls, destDir: dir, component: c.name, span: ref?.definedAt ?? e.span });
  }
  return reqs;
}

/** Render, fetch, verify and place one component into `<outRoot>/<name>/`. */
export async function prepareComponent(deps: PrepareSourcesDeps, project: ResolvedProject, c: ResolvedComponent, outRoot: string, opts: PrepareSourcesOptions = {}, engines?: RenderDeps, shared: { revision?: Promise<PreparedInputs['project']> } = {}): Promise<PreparedComponent> {
  const { fs } = deps;
  let revision = shared.revision;
  if (!deps.http || !deps.hasher) {
    throw new StrataError(error('SOURCES_NO_HTTP', 'prepare-sources needs an HTTP client and a file hasher', { hint: 'pass http and hasher (src/adapters/http.ts) in the deps' }));
  }
  const render = engines ?? (await withDefaultEngines({ fs, git: deps.git, proc: deps.proc, clock: deps.clock, sink: deps.sink, ...(deps.lock ? { lock: deps.lock } : {}), ...(deps.autospec ? { autospec: deps.autospec } : {}), ...(deps.listSources ? { listSources: deps.listSources } : {}) }));
  await fs.mkdir(outRoot);
  const stagingRoot = await fs.mkdtemp(`.prepare-${c.name}-`, outRoot);
  const stage = path.join(stagingRoot, c.name);
  try {
    const renderer = new Renderer(render, project, { outDir: outRoot, refresh: opts.refresh ?? 'if-needed' });
    const r = await renderer.renderInto(c, stage);
    const diagnostics: Diagnostic[] = [...r.diagnostics];
    const cache = new LookasideCache(
      { http: deps.http, fs, hasher: deps.hasher, sink: deps.sink, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
      { cacheDir: opts.cacheDir ?? path.join(project.project.workDir, 'lookaside'), ...(opts.retries !== undefined ? { retries: opts.retries } : {}), ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}) },
    );
    let files: FetchSourceResult[];
    const requests = await planSourceFetches(fs, project, c, stage);
    try {
      files = await cache.fetchAll(requests);
    } catch (e) {
      if (!isStrataError(e)) throw e;
      // Archives repacked by overlays are looked up under their recorded post-overlay hash.
      const repacked = new Set(c.sourceFiles.filter((f) => f.origin?.type === 'overlay').map((f) => f.filename));
      throw new StrataError(
        e.diagnostics.map((d) =>
          d.code === 'LOOKASIDE_NOT_FOUND' && [...repacked].some((f) => d.message.startsWith(`${f} `))
            ? { ...d, hint: 'this archive is produced by archive overlays, which prepare-sources does not apply yet: upload the repacked archive to the lookaside under its recorded hash' }
            : d,
        ),
      );
    }
    const specPath = path.join(stage, `${c.name}.spec`);
    const specText = new TextDecoder('latin1').decode(await fs.readFile(specPath));
    const scan = findGpgVerifyCalls(specText, specPath, c.build.defines);
    // Report spans against the output location, not the staging directory.
    const finalSpec = path.join(outRoot, c.name, `${c.name}.spec`);
    const relocate = (d: Diagnostic): Diagnostic => (d.span?.file === specPath ? { ...d, span: { ...d.span, file: finalSpec } } : d);
    diagnostics.push(...scan.diagnostics.map(relocate));
    let signatures: VerifyResult[];
    try {
      signatures = await verifyGpgCalls(fs, stage, scan.calls, async (file, kind) => runCompressionTool(deps.proc, kind, 'decompress', await fs.readFile(file), path.basename(file)));
    } catch (e) {
      if (isStrataError(e)) throw new StrataError(e.diagnostics.map(relocate));
      throw e;
    }
    // What the build record needs from here, beside the sources (not a build input: a subdirectory).
    const inputs = await collectPreparedInputs(fs, { project, component: c, dir: stage, ...(r.upstreamCommit ? { upstreamCommit: r.upstreamCommit } : {}), requests, fetched: files, signatures, projectRevision: await (revision ??= projectRevision(deps.git, project.dir)), hasher: deps.hasher! });
    await fs.writeFileAtomic(path.join(stage, PREPARED_INPUTS), JSON.stringify(inputs, null, 1) + '\n');
    const dir = path.join(outRoot, c.name);
    await replaceDir(fs, stage, dir);
    return {
      component: c.name,
      dir,
      spec: finalSpec,
      ...(r.upstreamCommit ? { upstreamCommit: r.upstreamCommit } : {}),
      files: files.map((f) => ({ ...f, path: path.join(dir, f.filename) })),
      signatures,
      diagnostics,
    };
  } finally {
    await fs.remove(stagingRoot);
  }
}

/** Prepare many components; every failure is collected and thrown together at the end. */
export async function prepareSources(deps: PrepareSourcesDeps, project: ResolvedProject, components: readonly ResolvedComponent[], outRoot: string, opts: PrepareSourcesOptions = {}): Promise<PreparedComponent[]> {
  const engines = await withDefaultEngines({ fs: deps.fs, git: deps.git, proc: deps.proc, clock: deps.clock, sink: deps.sink, ...(deps.lock ? { lock: deps.lock } : {}), ...(deps.autospec ? { autospec: deps.autospec } : {}), ...(deps.listSources ? { listSources: deps.listSources } : {}) });
  deps.sink({ kind: 'start', task: 'prepare-sources', total: components.length });
  // One look at the project's git state for every component.
  const shared = { revision: projectRevision(deps.git, project.dir) };
  try {
    return await mapPool(
      components,
      opts.jobs ?? 4,
      async (c) => {
        const r = await prepareComponent(deps, project, c, outRoot, opts, engines, shared);
        deps.sink({ kind: 'item', task: 'prepare-sources', item: c.name, status: 'ok' });
        return r;
      },
      (c, e) => deps.sink({ kind: 'item', task: 'prepare-sources', item: c.name, status: 'failed', detail: e.message }),
    );
  } finally {
    deps.sink({ kind: 'end', task: 'prepare-sources' });
  }
}
