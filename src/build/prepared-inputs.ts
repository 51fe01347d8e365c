/**
 * The inputs that preparing sources establishes for the build record (`PreparedInputs`):
 * upstream dist-git URL, branch and commit, lock fingerprint, the project commit, every overlay
 * applied with its declaration and a digest of its canonical form, the rendered spec and macros
 * file, and every Source/Patch with where it came from and its digests. Written as
 * `.strata/inputs.json` in the prepared component directory (a subdirectory: not a build input,
 * not copied into SOURCES), and read back by the build.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileHasher, FileSystem, Git } from '../adapters/types.js';
import type { Overlay, ResolvedComponent, ResolvedProject } from '../config/types.js';
import type { SourceSpan } from '../diag/index.js';
import { evaluateSpec, fedoraContext, parseSpec } from '../spec/index.js';
import { lockPathFor, type FetchSourceRequest, type FetchSourceResult } from '../sources/index.js';
import type { VerifyResult } from '../sources/signature.js';
import { canonicalJson } from '../util/canonical-json.js';
import { BUILD_RECORD_VERSION, type OverlayRecord, type PreparedInputs, type RecordSpan, type SourceOrigin, type SourceRecord } from './build-record.js';

/** Where the prepared inputs of a component directory are. */
export const PREPARED_INPUTS = path.join('.strata', 'inputs.json');

const hex = (algo: 'sha256' | 'sha512', data: Uint8Array | string) => createHash(algo).update(data).digest('hex');

/** Fields of an overlay that are positions or bookkeeping, not what it does. */
const NOT_CONTENT = new Set(['definedAt', 'declaredIn', 'declaredDir', 'overlayFile', 'fieldSpans', 'metadata', 'description', 'source']);

function spanOf(project: ResolvedProject, span: SourceSpan | undefined): RecordSpan | undefined {
  if (!span) return undefined;
  return { file: path.relative(project.dir, span.file) || span.file, line: span.line };
}

/**
 * The canonical form of an overlay: its type and fields (no positions), then, for an overlay
 * that adds a project file, the bytes of that file. Its SHA-256 changes when the overlay does.
 */
export async function overlayDigest(fs: FileSystem, o: Overlay): Promise<string> {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!NOT_CONTENT.has(k)) fields[k] = v;
  const h = createHash('sha256').update(canonicalJson(fields));
  if ('source' in o && typeof o.source === 'string') h.update('\0').update(await fs.readFile(o.source));
  return h.digest('hex');
}

export async function overlayRecords(fs: FileSystem, project: ResolvedProject, c: ResolvedComponent): Promise<OverlayRecord[]> {
  return Promise.all(
    c.overlays.map(async (o): Promise<OverlayRecord> => {
      const at = spanOf(project, o.definedAt);
      const refs = [...(o.metadata?.commits ?? []), ...(o.metadata?.bugs ?? [])].map((r) => r.url);
      return {
        type: o.type,
        ...(at ? { at } : {}),
        ...(o.description ? { description: o.description } : {}),
        ...(o.metadata ? { category: o.metadata.category, upstreamStatus: o.metadata.upstreamStatus } : {}),
        ...(refs.length ? { references: refs } : {}),
        digest: await overlayDigest(fs, o),
      };
    }),
  );
}

/**
 * The project's commit and whether its files have changes since (tracked files changed, or
 * untracked ones added, under the project directory only); no commit when the project is not
 * in git, or lies untracked inside another repository.
 */
export async function projectRevision(git: Git, dir: string): Promise<PreparedInputs['project']> {
  const head = await git.run(['rev-parse', '--verify', '-q', 'HEAD'], { cwd: dir });
  if (head.code !== 0) return { dirty: true };
  const tracked = await git.run(['ls-files', '--error-unmatch', '--', '.'], { cwd: dir });
  if (tracked.code !== 0) return { dirty: true };
  const status = await git.run(['status', '--porcelain', '--untracked-files=normal', '--', '.'], { cwd: dir });
  return { commit: head.stdout.trim(), dirty: status.code !== 0 || status.stdout.trim() !== '' };
}

export interface CollectInputs {
  readonly project: ResolvedProject;
  readonly component: ResolvedComponent;
  /** The prepared directory (staging) holding the rendered spec and every source. */
  readonly dir: string;
  readonly upstreamCommit?: string;
  readonly requests: readonly FetchSourceRequest[];
  readonly fetched: readonly FetchSourceResult[];
  readonly signatures: readonly VerifyResult[];
  readonly projectRevision: PreparedInputs['project'];
  /** Streams each source through its digests (a source may be a tarball of gigabytes: never read whole). */
  readonly hasher: FileHasher;
}

/** Everything preparing a component established, for its build record. */
export async function collectPreparedInputs(fs: FileSystem, x: CollectInputs): Promise<PreparedInputs> {
  const { project, component: c, dir } = x;
  const specName = `${c.name}.spec`;
  const specBytes = await fs.readFile(path.join(dir, specName));
  const names = (await fs.readdir(dir)).sort();
  const files: string[] = [];
  for (const n of names) if (n !== specName && n !== 'sources' && (await fs.stat(path.join(dir, n)))?.isFile) files.push(n);
  const macros = files.find((n) => n.endsWith('.macros') && c.overlays.every((o) => !('file' in o) || o.file !== n));
  // Source and Patch tags of the rendered spec (their values' basenames name files in SOURCES).
  const ev = evaluateSpec(parseSpec(new TextDecoder('latin1').decode(specBytes), specName), fedoraContext({ overrides: { ...c.build.defines } }));
  const tags = new Map<string, { tag: string; kind: 'source' | 'patch' }>();
  for (const r of [...ev.sources, ...ev.patches]) {
    const base = r.value.replace(/#.*$/, '').split('/').pop() ?? r.value;
    if (!tags.has(base)) tags.set(base, { tag: `${r.kind === 'source' ? 'Source' : 'Patch'}${r.number}`, kind: r.kind });
  }
  const requests = new Map(x.requests.map((r) => [r.filename, r]));
  const fetched = new Map(x.fetched.map((f) => [f.filename, f]));
  const added = new Map<string, Overlay>();
  for (const o of c.overlays) if ((o.type === 'patch-add' || o.type === 'file-add') && 'file' in o) added.set(o.file, o);
  const sources: SourceRecord[] = [];
  for (const n of files) {
    const [s256, s512] = await Promise.all([x.hasher.hashFile(path.join(dir, n), 'sha256'), x.hasher.hashFile(path.join(dir, n), 'sha512')]);
    const t = tags.get(n);
    const kind: 'source' | 'patch' = t?.kind ?? (/\.(patch|diff)$/.test(n) ? 'patch' : 'source');
    let origin: SourceOrigin;
    const req = requests.get(n);
    const overlay = added.get(n);
    if (req) {
      const got = fetched.get(n)?.from;
      const url = got && /^[a-z][a-z0-9+.-]*:/i.test(got) ? got : req.urls[0];
      origin = url === undefined ? { kind: 'lookaside', url: '' } : req.urls.indexOf(url) > 0 ? { kind: 'download', url } : { kind: 'lookaside', url };
    } else if (overlay && 'source' in overlay && typeof overlay.source === 'string') {
      const at = spanOf(project, overlay.definedAt);
      origin = { kind: 'project', path: path.relative(project.dir, overlay.source), ...(at ? { addedBy: at } : {}) };
    } else if (n === macros) origin = { kind: 'generated' };
    else origin = c.spec.type === 'upstream' ? { kind: 'dist-git', path: n } : { kind: 'project', path: path.relative(project.dir, path.join(c.spec.type === 'local' ? c.spec.dir : dir, n)) };
    sources.push({
      name: n,
      ...(t ? { tag: t.tag } : {}),
      kind,
      origin,
      ...(kind === 'patch' ? { patchFrom: origin.kind === 'project' || origin.kind === 'generated' ? ('distro' as const) : ('fedora' as const) } : {}),
      sha256: s256.hex,
      sha512: s512.hex,
      size: s256.size,
    });
  }
  const lockFile = lockPathFor(project.project.lockDir, c.name);
  const lock = (await fs.stat(lockFile))?.isFile ? hex('sha256', await fs.readFile(lockFile)) : undefined;
  const up = c.spec.type === 'upstream' && c.spec.distGitUri && x.upstreamCommit ? { url: c.spec.distGitUri, ...(c.spec.branch ? { branch: c.spec.branch } : {}), commit: x.upstreamCommit } : undefined;
  return {
    version: BUILD_RECORD_VERSION,
    component: c.name,
    ...(up ? { upstream: up } : {}),
    ...(lock ? { lockFingerprint: lock } : {}),
    project: x.projectRevision,
    overlays: await overlayRecords(fs, project, c),
    spec: { name: specName, sha256: hex('sha256', specBytes) },
    ...(macros ? { macrosFile: { name: macros, sha256: sources.find((s) => s.name === macros)!.sha256 } } : {}),
    sources,
    signatures: x.signatures.map((s) => ({ file: s.call.data, signature: s.call.signature, keyFingerprints: [...s.keyIds] })),
  };
}

/** The prepared inputs of a component directory, or undefined when it has none (prepared by hand). */
export async function loadPreparedInputs(fs: FileSystem, dir: string): Promise<PreparedInputs | undefined> {
  const p = path.join(dir, PREPARED_INPUTS);
  if (!(await fs.stat(p))?.isFile) return undefined;
  try {
    const v = JSON.parse(await fs.readText(p)) as PreparedInputs;
    return v.version === BUILD_RECORD_VERSION ? v : undefined;
  } catch {
    return undefined;
  }
}
