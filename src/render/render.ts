/**
 * `component render`: upstream spec + overlays → the rendered spec tree, in process (no mock).
 *
 * Per component, in a staging directory beside the output: fetch the dist-git tree at the
 * resolved commit (or copy the local spec dir), write the macros file, apply overlays
 * (macros load → user → %check skip → header), merge `source-files` into `sources`, bump a
 * static Release by the synthetic commit count, run rpmautospec's processing on dist-git history
 * with the synthetic commits stacked on it, drop unreferenced files, then swap the staging dir
 * into `<out>/<letter>/<name>/`.
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { componentToJson } from '../config/index.js';
import type { Clock, EventSink, FileSystem, Git, ProcessLock, ProcessRunner, ScratchWriter } from '../adapters/types.js';
import { error, isStrataError, StrataError, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { ResolvedComponent, ResolvedProject } from '../config/types.js';
import { applyArchiveOverlays, applyOverlays, checkArchiveHash, confinedRel, decodeBytes, listFiles, overlayArchive, overlayLabel, type AnyOverlay, type OverlayResult } from '../overlay/index.js';
import { joinSpecLines, packageSections, parseSpecLines, splitSpecText } from '../spec/index.js';
import { MirrorCache, resolveUpstreamCommit, checkoutWorkTree, computeFingerprint, loadLock, lockPathFor, sha256Hex, type DistGitDeps } from '../sources/index.js';
import { parseTar, readBranchHead, readResolveCache, writeResolveCache } from './git-fast.js';
import { ObjectStore, readCommitFiles, readHistory } from './git-objects.js';
import { buildMacrosMap, checkSkipOverlay, headerOverlay, macrosFileName, macrosLoadOverlays, printMacrosFile } from './macros.js';
import { bumpRelease, usesAutorelease } from './release.js';
import { mergeSourceFiles, parseSourcesFile, printSourcesFile } from './sources-file.js';
import { keepSet } from './file-filter.js';
import { loadHistory, type History, type HistoryCommit } from './autospec/history.js';
import { ProjectHistory, type SyntheticCommit } from './synthetic.js';
import { mapPool } from '../util/pool.js';
import { replaceDir } from '../util/replace-dir.js';
import { recoverInterrupted, componentOutputDir, diffSnapshots, FAILURE_MARKER, FAILURE_TEXT, findStale, isEmptyDiff, isSafeComponentName, markFailed, snapshotDir, stagingPrefix } from './output.js';

/** Lists the Source/Patch values of a spec as `spectool -l -a` would (after macro expansion). */
export type SourceLister = (
  specText: string,
  opts: { specPath: string; sourceDir: string; defines: Readonly<Record<string, string>>; readFile?: (p: string) => Promise<string | undefined> },
) => Promise<string[]>;

/**
 * rpmautospec `process-distgit` in-process: returns the processed spec, or undefined for "nothing
 * to do". With `history`, that in-memory commit graph is used instead of the repository's.
 */
export type AutospecProcessor = (opts: { repoDir: string; specPath: string; defines: Readonly<Record<string, string>>; history?: History }) => Promise<string | undefined>;

export interface RenderDeps {
  readonly fs: FileSystem;
  readonly git: Git;
  readonly proc: ProcessRunner;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly listSources?: SourceLister;
  readonly autospec?: AutospecProcessor;
  /** Fast writes for the staging directory (default: atomic writes through `fs`). */
  readonly scratch?: ScratchWriter;
  /** rpmautospec `calculate-release` (complete release without dist), for provenance macros. */
  readonly calculateRelease?: (opts: { specPath: string; defines: Readonly<Record<string, string>>; history?: History }) => Promise<string>;
  /**
   * Cross-process lock: one render at a time into one output directory (a second one waits).
   * Without it, concurrent renders into the same output are not excluded, and the recovery of
   * an interrupted render could race a live one.
   */
  readonly lock?: ProcessLock;
}

export interface RenderOptions {
  readonly outDir: string;
  readonly checkOnly?: boolean;
  readonly dryRun?: boolean;
  readonly cleanStale?: boolean;
  readonly jobs?: number;
  readonly signal?: AbortSignal;
  /** How mirrors are refreshed (default `if-needed`: fetch only what is missing). */
  readonly refresh?: 'always' | 'if-needed' | 'never';
  /** Ignore render stamps: render every component (stamps are still not written). */
  readonly noCache?: boolean;
}

export type RenderStatus = 'ok' | 'error' | 'cancelled';

export interface ComponentRenderResult {
  readonly component: string;
  readonly outputDir: string;
  readonly status: RenderStatus;
  /** Output differs from what was there before (or would, with --check-only). */
  readonly changed: boolean;
  readonly changes?: { readonly added: string[]; readonly removed: string[]; readonly modified: string[] };
  readonly upstreamCommit?: string;
  readonly commitRule?: string;
  readonly syntheticCommits?: number;
  readonly release?: { readonly from: string; readonly to: string };
  readonly diagnostics: readonly Diagnostic[];
  /** The render was skipped: its stamp matched and the output was intact. */
  readonly cached?: boolean;
  /** --dry-run: the unified diff each overlay makes. */
  readonly overlayDiffs?: readonly { readonly overlay: string; readonly diff: string }[];
}

export interface RenderRunResult {
  readonly results: ComponentRenderResult[];
  readonly stale: string[];
  readonly removedStale: string[];
}

/** Bump when a change to Strata changes rendered output: invalidates every render stamp. */
const RENDER_ENGINE = 'strata-render-1';

function hashSnapshot(snap: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const k of [...snap.keys()].sort()) h.update(`${k}\0${snap.get(k)!.length}\0`).update(snap.get(k)!, 'latin1');
  return h.digest('hex');
}

/** Render stamps: `<workDir>/render-stamps/<output-dir hash>/<name>.json` = {key, output}. */
class StampStore {
  constructor(
    private readonly fs: FileSystem,
    private readonly scratch: ScratchWriter | undefined,
    private readonly dir: string,
  ) {}

  async read(name: string): Promise<{ key: string; output: string } | undefined> {
    const p = path.join(this.dir, `${name}.json`);
    if (!(await this.fs.stat(p))?.isFile) return undefined;
    try {
      return JSON.parse(await this.fs.readText(p)) as { key: string; output: string };
    } catch {
      return undefined;
    }
  }

  async write(name: string, v: { key: string; output: string }): Promise<void> {
    // A stamp is only a cache (a torn one fails to parse and forces a render): no fsync needed.
    const p = path.join(this.dir, `${name}.json`);
    if (this.scratch) await this.scratch.writeFile(p, JSON.stringify(v));
    else await this.fs.writeFileAtomic(p, JSON.stringify(v));
  }
}

function withSpan(o: AnyOverlay, span: SourceSpan): AnyOverlay {
  return { ...o, definedAt: span };
}

/** Files whose changes are the component's inputs (synthetic commits). */
export function componentInputs(project: ResolvedProject, c: ResolvedComponent): string[] {
  const set = new Set<string>([c.file]);
  for (const s of c.origins.values()) if (s.file) set.add(s.file);
  for (const o of c.overlays) {
    set.add(o.declaredIn);
    if (o.overlayFile) set.add(o.overlayFile);
    const src = (o as { source?: string }).source;
    if (src) set.add(src);
  }
  for (const f of c.overlayFiles) set.add(f);
  if (c.spec.type === 'local') set.add(c.spec.dir + '/');
  const lock = lockPathFor(project.project.lockDir, c.name);
  set.add(lock);
  return [...set].map((p) => (path.isAbsolute(p) ? p : path.resolve(project.dir, p)));
}

/** `url.QueryEscape` as Go does it (the alias symlink name). */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

async function copyDir(fs: FileSystem, from: string, to: string, root?: string): Promise<void> {
  await fs.mkdir(to);
  for (const n of await fs.readdir(from)) {
    if (n === '.git') continue;
    const a = path.join(from, n);
    let st = await fs.stat(a);
    // A link to a file inside `root` (the project) is copied as that file; other links are not followed.
    if (st?.isSymbolicLink && root) {
      const real = await fs.realpath(a).catch(() => undefined);
      st = real && real.startsWith(path.resolve(root) + path.sep) ? await fs.stat(real) : undefined;
      if (st?.isDirectory) continue;
    }
    if (!st) continue;
    if (st.isDirectory) await copyDir(fs, a, path.join(to, n), root);
    else if (st.isFile) await fs.copyFile(a, path.join(to, n));
  }
}

interface Resolved {
  readonly mirror: { readonly url: string; readonly path: string };
  readonly commit: string;
  readonly rule: string;
  readonly diagnostics: readonly Diagnostic[];
}

interface Fetched {
  readonly dir: string;
  /** The mirror's object reader, when it could read this commit. */
  readonly store?: ObjectStore;
  readonly commit?: string;
  readonly rule?: string;
  readonly gitRepo: boolean;
  readonly diagnostics: Diagnostic[];
}

function specNeedsAutospec(text: string): boolean {
  return /%(\{\??)?auto(release|changelog)\b/.test(text) || !/^%changelog\b/im.test(text);
}

/** Synthetic commits on top of the work tree's HEAD; the last one carries the overlaid tree. */
export async function commitSynthetic(git: Git, repo: string, commits: readonly SyntheticCommit[], now: Date): Promise<void> {
  const baseEnv = { GIT_CONFIG_NOSYSTEM: '1' };
  await git.ok(['add', '-A', '.'], { cwd: repo, env: baseEnv });
  const tree = (await git.ok(['write-tree'], { cwd: repo })).trim();
  let parent = (await git.ok(['rev-parse', 'HEAD'], { cwd: repo })).trim();
  const headTree = (await git.ok(['rev-parse', 'HEAD^{tree}'], { cwd: repo })).trim();
  const list = commits.length ? commits : [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    const t = i === list.length - 1 ? tree : headTree;
    const when = `@${c.time || Math.floor(now.getTime() / 1000)} +0000`; // `@`: raw epoch seconds (git rejects small bare numbers)
    const msg = c.hash === 'dirty' ? c.subject : `${c.subject}\n\nProject commit: ${c.hash}`;
    parent = (
      await git.ok(['commit-tree', t, '-p', parent, '-m', msg], {
        cwd: repo,
        env: { ...baseEnv, GIT_AUTHOR_NAME: c.authorName, GIT_AUTHOR_EMAIL: c.authorEmail, GIT_AUTHOR_DATE: when, GIT_COMMITTER_NAME: c.authorName, GIT_COMMITTER_EMAIL: c.authorEmail, GIT_COMMITTER_DATE: when },
      })
    ).trim();
  }
  await git.ok(['reset', '-q', '--soft', parent], { cwd: repo });
}

/**
 * The dist-git history with the synthetic commits stacked on it, in memory: each synthetic commit
 * keeps its parent's spec and `changelog`, except the last, which carries the rendered ones
 * (what committing the overlaid tree would give).
 */
export function appendSynthetic(h: History, synthetic: readonly SyntheticCommit[], finalSpec: string, finalChangelog: string | undefined, now: Date): History {
  if (!synthetic.length) return h;
  const commits = new Map(h.commits);
  const blobs = new Map(h.blobs);
  let parent = commits.get(h.head)!;
  const specBlob = 'f'.repeat(24) + createHash('sha1').update(finalSpec).digest('hex').slice(0, 16);
  blobs.set(specBlob, finalSpec);
  let changelogBlob: string | undefined;
  if (finalChangelog !== undefined) {
    changelogBlob = 'e'.repeat(24) + createHash('sha1').update(finalChangelog).digest('hex').slice(0, 16);
    blobs.set(changelogBlob, finalChangelog);
  }
  for (let i = 0; i < synthetic.length; i++) {
    const c = synthetic[i]!;
    const last = i === synthetic.length - 1;
    const message = (c.hash === 'dirty' ? c.subject : `${c.subject}\n\nProject commit: ${c.hash}`) + '\n';
    const id = createHash('sha1').update(`${parent.id}\0${c.hash}\0${i}`).digest('hex');
    const next: HistoryCommit = {
      id,
      parents: [parent.id],
      tree: last ? createHash('sha1').update(`tree\0${id}`).digest('hex') : parent.tree,
      authorName: c.authorName,
      authorEmail: c.authorEmail,
      commitTime: c.time || Math.floor(now.getTime() / 1000),
      message,
      ...(last ? { specBlob } : parent.specBlob ? { specBlob: parent.specBlob } : {}),
      ...(last ? (changelogBlob ? { changelogBlob } : {}) : parent.changelogBlob ? { changelogBlob: parent.changelogBlob } : {}),
    };
    commits.set(id, next);
    parent = next;
  }
  return { head: parent.id, specName: h.specName, commits, blobs };
}

export class Renderer {
  private readonly mirrors: MirrorCache;
  private history?: Promise<ProjectHistory>;
  private readonly stamps: StampStore;

  constructor(
    private readonly deps: RenderDeps,
    private readonly project: ResolvedProject,
    private readonly opts: RenderOptions,
  ) {
    this.mirrors = new MirrorCache(this.distgitDeps(), { workDir: project.project.workDir });
    this.stamps = new StampStore(deps.fs, deps.scratch, path.join(project.project.workDir, 'render-stamps', sha256Hex(path.resolve(opts.outDir)).slice(0, 16)));
  }

  private write(p: string, data: string | Uint8Array, mode?: number): Promise<void> {
    return this.deps.scratch ? this.deps.scratch.writeFile(p, data, mode) : this.deps.fs.writeFileAtomic(p, data, mode);
  }

  private distgitDeps(): DistGitDeps {
    return { git: this.deps.git, fs: this.deps.fs, sink: this.deps.sink };
  }

  private projectHistory(): Promise<ProjectHistory> {
    this.history ??= ProjectHistory.load(this.deps.git, this.project.dir, this.project.project.lockDir);
    return this.history;
  }

  /** The upstream commit (lock → pin → snapshot → HEAD), through the mirror cache. */
  private async resolve(c: ResolvedComponent): Promise<Resolved | undefined> {
    const { fs } = this.deps;
    const diagnostics: Diagnostic[] = [];
    if (c.spec.type === 'local') return undefined;
    const up = c.spec;
    if (!up.distGitUri || !up.branch) {
      throw new StrataError(
        error('RENDER_NO_DIST_GIT', `component ${c.name}: distro ${up.upstreamDistro.name} ${up.upstreamDistro.version} has no dist-git ${!up.distGitUri ? 'base URI' : 'branch'}`, {
          span: c.definedAt,
          hint: 'set dist-git-base-uri on the distro and dist-git-branch on its version',
        }),
      );
    }
    // A lock that does not parse is a LOCK_* diagnostic, not a silent fall-back to the branch head.
    const lock = (await loadLock(fs, lockPathFor(this.project.project.lockDir, c.name)))?.lock.upstreamCommit;
    const refresh = this.opts.refresh ?? 'if-needed';
    // Warm-cache fast path: the mirror already has the branch (read from the refs, no git process).
    const mirrorPath = this.mirrors.pathFor(up.distGitUri);
    const head = refresh !== 'always' && !lock ? await readBranchHead(fs, mirrorPath, up.branch) : undefined;
    const mirror = head
      ? { url: up.distGitUri, path: mirrorPath, diagnostics: [] as Diagnostic[] }
      : await this.mirrors.ensure({
          url: up.distGitUri,
          branch: up.branch,
          component: c.name,
          refresh,
          ...(lock ? { commits: [lock] } : {}),
          spans: { component: c.definedAt, ...(c.origin('spec.upstream-commit') ? { pin: c.origin('spec.upstream-commit')! } : {}) },
        });
    diagnostics.push(...mirror.diagnostics);
    const req = {
      ...(lock ? { lock } : {}),
      ...(up.upstreamCommit ? { pin: up.upstreamCommit } : {}),
      branch: up.branch,
      ...(up.upstreamDistro.snapshot ? { snapshot: up.upstreamDistro.snapshot } : {}),
      component: c.name,
      spans: { component: c.definedAt },
    };
    // Commit resolution is a function of (branch head, rule inputs): cached beside the mirror.
    const cacheKey = head ? JSON.stringify([up.branch, head, req.lock ?? '', req.pin ?? '', req.snapshot ?? '']) : undefined;
    const cached = cacheKey ? await readResolveCache(fs, mirrorPath, cacheKey) : undefined;
    const resolved = cached ?? (await resolveUpstreamCommit(this.distgitDeps(), mirror, req));
    if (cacheKey && !cached) await writeResolveCache(fs, mirrorPath, cacheKey, { commit: resolved.commit, rule: resolved.rule });
    if ('diagnostics' in resolved) diagnostics.push(...resolved.diagnostics);
    return { mirror, commit: resolved.commit, rule: resolved.rule, diagnostics };
  }

  /** Materialize the pristine sources into `dir`. */
  private async fetch(c: ResolvedComponent, dir: string, resolved: Resolved | undefined): Promise<Fetched> {
    const { fs, git } = this.deps;
    if (c.spec.type === 'local' || !resolved) {
      if (c.spec.type !== 'local') throw new Error('unresolved upstream component');
      await copyDir(fs, c.spec.dir, dir, await fs.realpath(this.project.dir).catch(() => this.project.dir));
      const specName = path.basename(c.spec.path);
      if (specName !== `${c.name}.spec`) await fs.rename(path.join(dir, specName), path.join(dir, `${c.name}.spec`));
      return { dir, gitRepo: false, diagnostics: [] };
    }
    const up = c.spec;
    const { mirror } = resolved;
    const diagnostics = [...resolved.diagnostics];
    const specName = `${up.upstreamName}.spec`;
    // The tree, read from the mirror's packs in process; `git archive` when the reader cannot.
    let store: ObjectStore | undefined;
    let files: Map<string, Uint8Array & { mode?: number }>;
    try {
      store = await ObjectStore.open(fs, mirror.path);
      files = await readCommitFiles(store, resolved.commit);
    } catch {
      store = undefined;
      const archive = await git.run(['archive', '--format=tar', resolved.commit], { cwd: mirror.path, binary: true });
      if (archive.code !== 0 || !archive.stdoutBytes) throw new StrataError(error('RENDER_FETCH_FAILED', `cannot read ${resolved.commit} from ${up.distGitUri}: ${archive.stderr.trim()}`, { span: c.definedAt }));
      files = await parseTar(archive.stdoutBytes);
    }
    const specBytes = files.get(specName);
    if (specBytes === undefined) {
      throw new StrataError(error('RENDER_SPEC_MISSING', `dist-git ${up.distGitUri} has no ${specName} at ${resolved.commit.slice(0, 12)}`, { span: c.definedAt, hint: 'check upstream-name' }));
    }
    // %autorelease/%autochangelog read the dist-git history straight from the mirror (in memory,
    // synthetic commits appended); only a renamed spec needs a real work tree.
    const needGit = !!this.deps.autospec && up.upstreamName !== c.name && specNeedsAutospec(decodeBytes(specBytes).text);
    if (needGit) await checkoutWorkTree(this.distgitDeps(), mirror, resolved.commit, dir, { branch: up.branch });
    else {
      await fs.mkdir(dir);
      for (const [rel, data] of files) await this.write(path.join(dir, rel), data, data.mode);
    }
    if (up.upstreamName !== c.name) {
      if (needGit) await git.ok(['mv', specName, `${c.name}.spec`], { cwd: dir });
      else await fs.rename(path.join(dir, specName), path.join(dir, `${c.name}.spec`));
    }
    return { dir, commit: resolved.commit, rule: resolved.rule, gitRepo: needGit, diagnostics, ...(store ? { store } : {}) };
  }

  /** Render one component into `stage` (a fresh directory). */
  async renderInto(c: ResolvedComponent, stage: string): Promise<Omit<ComponentRenderResult, 'outputDir' | 'changed' | 'status'>> {
    const resolved = await this.resolve(c);
    return this.renderStaged(c, stage, resolved, await this.syntheticFor(c, resolved));
  }

  /**
   * The synthetic commits of a component: with a committed lock file, one per change of its
   * input fingerprint (plus one when the current inputs differ from the lock at HEAD); without,
   * the project commits that touched its input files (plus one for uncommitted changes).
   */
  private async syntheticFor(c: ResolvedComponent, resolved: Resolved | undefined): Promise<SyntheticCommit[]> {
    const history = await this.projectHistory();
    const lockPath = path.resolve(this.project.dir, lockPathFor(this.project.project.lockDir, c.name));
    const locked = history.lockHistory(lockPath);
    if (!locked) return history.syntheticCommits(componentInputs(this.project, c), this.deps.clock.now());
    const out = [...locked.commits];
    const current = await loadLock(this.deps.fs, lockPath).catch(() => undefined);
    const fp = await computeFingerprint(this.deps.fs, c, {
      ...(resolved ? { upstreamCommit: resolved.commit } : {}),
      ...(current?.lock.manualBump ? { manualBump: current.lock.manualBump } : {}),
      configFiles: new Set(this.project.files.map((f) => f.path)),
    });
    if (fp.value !== locked.head) {
      out.push({ hash: 'dirty', authorName: 'strata', authorEmail: 'strata@local', time: Math.floor(this.deps.clock.now().getTime() / 1000), subject: 'Local changes (uncommitted)' });
    }
    return out;
  }

  private async renderStaged(c: ResolvedComponent, stage: string, resolved: Resolved | undefined, synthetic: readonly SyntheticCommit[]): Promise<Omit<ComponentRenderResult, 'outputDir' | 'changed' | 'status'>> {
    const { fs } = this.deps;
    const fetched = await this.fetch(c, stage, resolved);
    const specFile = `${c.name}.spec`;
    const specPath = path.join(stage, specFile);
    if (!(await fs.stat(specPath))?.isFile) {
      throw new StrataError(error('RENDER_SPEC_MISSING', `component ${c.name}: no ${specFile} in its sources`, { span: c.definedAt }));
    }
    const specOriginal = decodeBytes(await fs.readFile(specPath));
    // Macros file.
    const macroMap = buildMacrosMap(c.build);
    const provenanceDiags: Diagnostic[] = [];
    if (c.build.emitUpstreamProvenance) await this.addProvenance(c, macroMap, specOriginal.text, specPath, fetched, provenanceDiags);
    const macros = printMacrosFile(macroMap);
    if (macros !== undefined) await this.write(path.join(stage, macrosFileName(c.name)), macros, 0o644);
    // Overlays, in azldev's order; archive-scoped ones are handled apart.
    const user = c.overlays;
    const archive = user.filter((o) => overlayArchive(o) !== undefined);
    const all: AnyOverlay[] = [
      ...(macros !== undefined ? macrosLoadOverlays(c.name).map((o) => withSpan(o, c.origin('build.with') ?? c.origin('build.without') ?? c.origin('build.defines') ?? c.definedAt)) : []),
      ...user.filter((o) => overlayArchive(o) === undefined),
      ...(c.build.check.skip ? [withSpan(checkSkipOverlay(c.build.check.skipReason), c.origin('build.check.skip') ?? c.definedAt)] : []),
      headerOverlay(),
    ];
    const diagnostics: Diagnostic[] = [...fetched.diagnostics, ...provenanceDiags];
    // Archive-scoped overlays run first, one batch per archive (first-seen order). Render does
    // not download lookaside archives: an absent archive is skipped and `sources` carries the
    // hash recorded for it; a present one (local sources) is edited, repacked and checked.
    const archiveNames = [...new Set(archive.map((o) => overlayArchive(o)!))];
    const repacked = new Map<string, { sha256: string; sha512: string }>();
    for (const name of archiveNames) {
      const group = archive.filter((o) => overlayArchive(o) === name);
      const rel = confinedRel(group[0]!, name, 'archive');
      const abs = path.join(stage, rel);
      if (!(await fs.stat(abs))?.isFile) {
        for (const o of group) diagnostics.push({ code: 'OVERLAY_ARCHIVE_SKIPPED', severity: 'note', message: `${overlayLabel(o)}: archive ${name} is a lookaside file render does not download; its recorded hash is used`, ...(o.definedAt ? { span: o.definedAt } : {}) });
        continue;
      }
      const scratch = await fs.mkdtemp('.archive-', path.dirname(stage));
      try {
        const r = await applyArchiveOverlays({ fs, proc: this.deps.proc }, abs, group, scratch);
        const rec = c.sourceFiles.find((f) => f.filename === path.basename(rel));
        checkArchiveHash(r, rec?.hash && rec.hashType ? { hashType: rec.hashType, hash: rec.hash } : undefined, rec?.definedAt ?? group[0]!.definedAt);
        repacked.set(path.basename(rel), r);
      } finally {
        await fs.remove(scratch);
      }
    }
    const applied = await applyOverlays({ fs, root: stage, specFile, keepSpecInMemory: true, write: (p, d, m) => this.write(p, d, m) }, all, specOriginal.text);
    let lines = splitSpecText(applied.spec);
    // sources file (source-files merged; repacked archives rehashed).
    if (c.sourceFiles.length || repacked.size) {
      const sp = path.join(stage, 'sources');
      const existing = (await fs.stat(sp))?.isFile ? parseSourcesFile(await fs.readText(sp), `${c.name}/sources`) : [];
      const merged = mergeSourceFiles(
        existing,
        c.sourceFiles.map((f) => ({ filename: f.filename, ...(f.hash ? { hash: f.hash } : {}), ...(f.hashType ? { hashType: f.hashType } : {}), replaceUpstream: f.replaceUpstream, definedAt: f.definedAt })),
      ).map((l) => {
        const r = l.kind === 'entry' ? repacked.get(l.file) : undefined;
        return r && l.kind === 'entry' ? { ...l, hash: l.hashType.toUpperCase() === 'SHA256' ? r.sha256 : r.sha512, hashType: l.hashType === 'MD5' ? 'SHA512' : l.hashType } : l;
      });
      for (const name of repacked.keys()) {
        if (!merged.some((l) => l.kind === 'entry' && l.file === name)) {
          throw new StrataError(error('ARCHIVE_NOT_IN_SOURCES', `archive ${name} was repacked by overlays but has no line in the sources file`, { span: c.definedAt, hint: 'add it to source-files with its post-overlay hash' }));
        }
      }
      await this.write(sp, printSourcesFile(merged));
    }
    // Synthetic commits and the Release bump.
    const bump = bumpRelease(lines, synthetic.length, c.release.calculation, { specFile, span: c.origin('release.calculation') ?? c.definedAt });
    lines = bump.lines;
    let spec = joinSpecLines(lines);
    await this.write(specPath, specOriginal.encode(spec));
    // rpmautospec.
    const defines: Record<string, string> = { dist: '%{nil}' };
    if (this.deps.autospec && specNeedsAutospec(spec) && resolved && !fetched.gitRepo && c.spec.type === 'upstream') {
      const upstream = fetched.store
        ? await readHistory(fetched.store, resolved.commit, specFile).catch(() => loadHistory({ git: this.deps.git, repoDir: resolved.mirror.path, specName: specFile, rev: resolved.commit }))
        : await loadHistory({ git: this.deps.git, repoDir: resolved.mirror.path, specName: specFile, rev: resolved.commit });
      const cl = await fs.stat(path.join(stage, 'changelog'));
      const history = appendSynthetic(upstream, synthetic, spec, cl?.isFile ? decodeBytes(await fs.readFile(path.join(stage, 'changelog'))).text : undefined, this.deps.clock.now());
      const processed = await this.deps.autospec({ repoDir: stage, specPath, defines, history });
      if (processed !== undefined) {
        spec = processed;
        await this.write(specPath, specOriginal.encode(spec));
      }
    } else if (this.deps.autospec && specNeedsAutospec(spec)) {
      let repo = stage;
      if (!fetched.gitRepo) {
        await this.deps.git.ok(['init', '-q', '-b', 'main', '.'], { cwd: stage });
        await this.deps.git.ok(['add', '-A', '.'], { cwd: stage });
        await this.deps.git.ok(['commit-tree', (await this.deps.git.ok(['write-tree'], { cwd: stage })).trim(), '-m', 'Initial sources'], {
          cwd: stage,
          env: { GIT_AUTHOR_NAME: 'strata', GIT_AUTHOR_EMAIL: 'strata@local', GIT_AUTHOR_DATE: '@0 +0000', GIT_COMMITTER_NAME: 'strata', GIT_COMMITTER_EMAIL: 'strata@local', GIT_COMMITTER_DATE: '@0 +0000' },
        }).then((h) => this.deps.git.ok(['reset', '-q', '--soft', h.trim()], { cwd: stage }));
        repo = stage;
      }
      await commitSynthetic(this.deps.git, repo, synthetic, this.deps.clock.now());
      const processed = await this.deps.autospec({ repoDir: repo, specPath, defines });
      if (processed !== undefined) {
        spec = processed;
        await this.write(specPath, specOriginal.encode(spec));
      }
    }
    await fs.remove(path.join(stage, '.git'));
    // Unreferenced-file filter.
    if (!c.render.skipFileFilter && this.deps.listSources) {
      const values = await this.deps.listSources(spec, { specPath, sourceDir: stage, defines, readFile: async (p) => ((await fs.stat(p))?.isFile ? decodeBytes(await fs.readFile(p)).text : undefined) });
      const keep = keepSet(specFile, values);
      if (keep) for (const n of await fs.readdir(stage)) if (!keep.has(n)) await fs.remove(path.join(stage, n));
    }
    return {
      component: c.name,
      ...(fetched.commit ? { upstreamCommit: fetched.commit } : {}),
      ...(fetched.rule ? { commitRule: fetched.rule } : {}),
      syntheticCommits: synthetic.length,
      ...(bump.from !== undefined && bump.to !== undefined ? { release: { from: bump.from, to: bump.to } } : {}),
      diagnostics,
      ...(this.opts.dryRun ? { overlayDiffs: overlayDiffs(specFile, applied.results) } : {}),
    };
  }

  /**
   * `build.emit-upstream-provenance`: `%fedora_upstream_version` / `%fedora_upstream_release` from
   * the first Version/Release of the pristine Fedora spec (`%{?dist}` → `.fc<release-ver>`;
   * `%autorelease` computed from the dist-git history), unless the user defines them. A value
   * that cannot be computed is skipped with a warning, as azldev does.
   */
  private async addProvenance(c: ResolvedComponent, m: Map<string, string>, pristine: string, specPath: string, fetched: Fetched, diags: Diagnostic[]): Promise<void> {
    if (c.spec.type !== 'upstream' || c.spec.upstreamDistro.name !== 'fedora') return;
    const rv = c.spec.releaseVer ?? c.spec.upstreamDistro.version;
    if (!/^\d+$/.test(rv)) return;
    const dist = `.fc${rv}`;
    const model = parseSpecLines(splitSpecText(pristine));
    const first = (tag: string) => {
      for (const s of packageSections(model, '')) for (let i = s.start; i < s.end; i++) if (model.lines[i]!.kind === 'tag' && model.lines[i]!.tag!.toLowerCase() === tag) return model.lines[i]!.value!;
      return undefined;
    };
    const version = first('version');
    let release = first('release');
    const span = c.origin('build.emit-upstream-provenance') ?? c.definedAt;
    if (release !== undefined && usesAutorelease(release)) {
      try {
        if (!this.deps.calculateRelease) throw new Error('no rpmautospec engine');
        const history = fetched.store && fetched.commit ? await readHistory(fetched.store, fetched.commit, path.basename(specPath)).catch(() => undefined) : undefined;
        const r = await this.deps.calculateRelease({ specPath, defines: { dist: '%{nil}' }, ...(history ? { history } : {}) });
        if (!/^\d/.test(r)) throw new Error(`unexpected release ${r}`);
        release = r + dist;
      } catch (e) {
        diags.push(warning('PROVENANCE_RELEASE_UNKNOWN', `component ${c.name}: cannot compute the upstream %autorelease for fedora_upstream_release: ${(e as Error).message}`, { span }));
        release = undefined;
      }
    } else if (release !== undefined) release = release.replace(/%\{\??dist\}/g, dist);
    if (version !== undefined && !m.has('fedora_upstream_version')) m.set('fedora_upstream_version', version);
    if (release !== undefined && !m.has('fedora_upstream_release')) m.set('fedora_upstream_release', release);
  }

  /** Render, compare and (unless check-only/dry-run) replace one component's output. */
  async renderOne(c: ResolvedComponent, stagingRoot: string): Promise<ComponentRenderResult> {
    const { fs } = this.deps;
    const outputDir = componentOutputDir(this.opts.outDir, c.name);
    if (!isSafeComponentName(c.name)) {
      return { component: c.name, outputDir, status: 'error', changed: false, diagnostics: [error('RENDER_BAD_NAME', `component name ${JSON.stringify(c.name)} cannot be a directory name`, { span: c.definedAt })] };
    }
    const stage = path.join(stagingRoot, c.name);
    try {
      const resolved = await this.resolve(c);
      const synthetic = await this.syntheticFor(c, resolved);
      // Render stamp: when nothing that decides the output changed and the output is as written,
      // the render is skipped (no git, no overlay work).
      const key = this.opts.dryRun || this.opts.noCache ? undefined : await this.stampKey(c, resolved, synthetic);
      const before = await snapshotDir(fs, outputDir);
      const beforeHash = hashSnapshot(before);
      if (key) {
        const stamp = await this.stamps.read(c.name);
        if (stamp && stamp.key === key && stamp.output === beforeHash && !before.has(FAILURE_MARKER)) {
          return { component: c.name, outputDir, status: 'ok', changed: false, ...(resolved ? { upstreamCommit: resolved.commit, commitRule: resolved.rule } : {}), syntheticCommits: synthetic.length, diagnostics: [...(resolved?.diagnostics ?? [])], cached: true };
        }
      }
      const r = await this.renderStaged(c, stage, resolved, synthetic);
      const after = await snapshotDir(fs, stage);
      const d = diffSnapshots(before, after);
      const changed = !isEmptyDiff(d);
      if (changed && !this.opts.checkOnly && !this.opts.dryRun) {
        await replaceDir(fs, stage, outputDir);
        await this.alias(c.name);
      } else await fs.remove(stage);
      if (key && (!changed || (!this.opts.checkOnly && !this.opts.dryRun))) await this.stamps.write(c.name, { key, output: hashSnapshot(after) });
      return { ...r, outputDir, status: 'ok', changed, ...(changed ? { changes: d } : {}) };
    } catch (e) {
      await fs.remove(stage).catch(() => undefined);
      if (this.opts.signal?.aborted) return { component: c.name, outputDir, status: 'cancelled', changed: false, diagnostics: [] };
      const diagnostics: Diagnostic[] = isStrataError(e)
        ? [...e.diagnostics]
        : [error('RENDER_FAILED', `component ${c.name}: ${(e as Error).message ?? String(e)}`, { span: c.definedAt })];
      const before = await snapshotDir(fs, outputDir);
      const marked = before.get(FAILURE_MARKER) === FAILURE_TEXT;
      if (!this.opts.checkOnly && !this.opts.dryRun && !marked) await markFailed(fs, outputDir);
      return { component: c.name, outputDir, status: 'error', changed: !marked, diagnostics };
    }
  }

  /** Everything that decides a component's rendered output, hashed. */
  private async stampKey(c: ResolvedComponent, resolved: Resolved | undefined, synthetic: readonly SyntheticCommit[]): Promise<string | undefined> {
    const { fs } = this.deps;
    const h = createHash('sha256');
    const put = (label: string, v: string) => h.update(`${label.length}:${label}=${v.length}:${v}\n`);
    put('engine', RENDER_ENGINE);
    put('component', JSON.stringify(componentToJson(c, { dir: this.project.dir })));
    put('upstream', resolved ? resolved.commit : '');
    put('synthetic', synthetic.filter((s) => s.hash !== 'dirty').map((s) => s.hash).join(','));
    // Uncommitted input changes: hash the inputs themselves.
    const files = new Set<string>();
    for (const o of c.overlays) {
      const src = (o as { source?: string }).source;
      if (src) files.add(src);
    }
    if (synthetic.some((s) => s.hash === 'dirty')) for (const f of componentInputs(this.project, c)) if (!f.endsWith('/')) files.add(f);
    if (c.spec.type === 'local') {
      for (const f of await listFiles(fs, c.spec.dir)) files.add(path.join(c.spec.dir, f.rel));
    }
    for (const f of [...files].sort()) {
      const st = await fs.stat(f);
      put(path.relative(this.project.dir, f), st?.isFile ? sha256Hex(await fs.readFile(f)) : '-');
    }
    return h.digest('hex');
  }

  private async alias(name: string): Promise<void> {
    const esc = goQueryEscape(name);
    if (esc === name) return;
    const { fs } = this.deps;
    const link = path.join(this.opts.outDir, name.slice(0, 1).toLowerCase(), esc);
    const st = await fs.stat(link);
    if (st && !st.isSymbolicLink) return;
    if (!st) await fs.symlink?.(name, link).catch(() => undefined);
  }

  /** Render many components in parallel (holding the output directory's lock, when given one). */
  async run(components: readonly ResolvedComponent[]): Promise<RenderRunResult> {
    const { lock, sink } = this.deps;
    if (!lock) return this.runUnlocked(components);
    const lockPath = path.join(this.project.project.workDir, 'locks', `render-${sha256Hex(path.resolve(this.opts.outDir)).slice(0, 16)}.lock`);
    await this.deps.fs.mkdir(path.dirname(lockPath));
    const waiting = setTimeout(() => sink({ kind: 'log', level: 'info', message: `waiting for another render into ${this.opts.outDir} to finish (lock ${lockPath})` }), 1000);
    let release: () => Promise<void>;
    try {
      release = await lock.acquire(lockPath, { pollMs: 200 });
    } finally {
      clearTimeout(waiting);
    }
    try {
      return await this.runUnlocked(components);
    } finally {
      await release();
    }
  }

  private async runUnlocked(components: readonly ResolvedComponent[]): Promise<RenderRunResult> {
    const { fs, sink } = this.deps;
    await fs.mkdir(this.opts.outDir);
    for (const f of await recoverInterrupted(fs, this.opts.outDir)) sink({ kind: 'log', level: 'info', message: `recovered from an interrupted render: ${f}` });
    const stagingRoot = await fs.mkdtemp(stagingPrefix(process.pid), this.opts.outDir);
    let results: ComponentRenderResult[];
    let done = 0;
    sink({ kind: 'start', task: 'render', total: components.length });
    try {
      // renderOne reports failures in its result (it does not throw them).
      results = await mapPool(components, this.opts.jobs ?? 4, async (c): Promise<ComponentRenderResult> => {
        if (this.opts.signal?.aborted) return { component: c.name, outputDir: componentOutputDir(this.opts.outDir, c.name), status: 'cancelled', changed: false, diagnostics: [] };
        const r = await this.renderOne(c, stagingRoot);
        done++;
        sink({ kind: 'item', task: 'render', item: c.name, status: r.status === 'error' ? 'failed' : r.changed ? 'changed' : 'unchanged', ...(r.status === 'error' ? { detail: r.diagnostics[0]?.message ?? '' } : {}) });
        sink({ kind: 'progress', task: 'render', done, total: components.length, item: c.name });
        return r;
      });
    } finally {
      await fs.remove(stagingRoot);
      sink({ kind: 'end', task: 'render' });
    }
    let stale: string[] = [];
    const removedStale: string[] = [];
    if (this.opts.cleanStale) {
      const known = new Set<string>();
      for (const n of this.project.components.keys()) {
        known.add(n);
        known.add(goQueryEscape(n));
      }
      stale = await findStale(fs, this.opts.outDir, known);
      if (!this.opts.checkOnly && !this.opts.dryRun) {
        for (const s of stale) {
          await fs.remove(s);
          removedStale.push(s);
        }
      }
    }
    return { results: results.sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0)), stale, removedStale };
  }
}

function overlayDiffs(specFile: string, results: readonly OverlayResult[]): { overlay: string; diff: string }[] {
  const out: { overlay: string; diff: string }[] = [];
  for (const r of results) {
    let diff = '';
    if (r.specBefore !== r.specAfter) diff += createTwoFilesPatch(`a/${specFile}`, `b/${specFile}`, r.specBefore, r.specAfter, '', '', { context: 3 });
    for (const op of r.fileOps) {
      if (op.op === 'write') diff += createTwoFilesPatch(`a/${op.path}`, `b/${op.path}`, decodeBytes(op.before ?? new Uint8Array()).text, decodeBytes(op.data).text, '', '', { context: 3 });
      else if (op.op === 'copy') diff += `new file ${op.path} (from ${op.from})\n`;
      else if (op.op === 'remove') diff += `deleted file ${op.path}\n`;
      else diff += `rename ${op.path} => ${op.to}\n`;
    }
    out.push({ overlay: r.overlay.definedAt ? `${r.overlay.definedAt.file}:${r.overlay.definedAt.line}: ${overlayLabel(r.overlay)}` : overlayLabel(r.overlay), diff });
  }
  return out;
}

