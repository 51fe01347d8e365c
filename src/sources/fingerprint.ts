/**
 * The input fingerprint of a component: sha256 over a canonical serialisation of exactly the
 * inputs that change its rendered output, versioned so that new config fields (or defaults) never
 * change it unless a component actually uses them.
 *
 * v1 inputs (each a named part; the lock records every part's own digest so a change is
 * explainable):
 * - `source`: the resolved upstream commit (upstream specs) or the content of the local spec
 *   directory (`relpath = sha256` of every file, sorted);
 * - `spec`: upstream name, pin, upstream distro name + version, release-ver (not the snapshot,
 *   branch or dist-git URI: the commit already pins the content);
 * - `overlays`: every overlay in order, without `description`, `metadata` or positions; a `source`
 *   file is replaced by the sha256 of its content;
 * - `build`: with, without, defines, undefines, emit-upstream-provenance, check.skip and
 *   check.skip_reason (Strata writes the reason into `%check`); not `failure`/`hints`;
 * - `release`: release.calculation; `render`: skip-file-filter;
 * - `source-files`: filename, hash, hash-type, replace-upstream and custom-origin script/inputs/
 *   mock-packages (not the download URI or replace-reason).
 *
 * Canonical form: JSON with sorted keys where fields equal to their default (false, empty list,
 * empty map, undefined) are omitted — so a field added later with a default does not change old
 * fingerprints. The digest is `v1:sha256:<hex>` of `strata-input-fingerprint-v1\n<json>`.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError } from '../diag/index.js';
import type { Overlay, ResolvedComponent } from '../config/types.js';

export const FINGERPRINT_VERSION = 'v1';

export type Canonical = string | number | boolean | null | readonly Canonical[] | { readonly [k: string]: Canonical };

/** JSON with sorted object keys; `undefined`, `false`, `[]` and `{}` members are dropped. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalize(v) ?? null);
}

function normalize(v: unknown): Canonical | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? true : undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((x) => normalize(x) ?? null);
  }
  if (typeof v === 'object') {
    const out: Record<string, Canonical> = {};
    for (const k of Object.keys(v as object).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  throw new TypeError(`cannot fingerprint a ${typeof v}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Overlay fields that are documentation or positions, never build inputs. */
const OVERLAY_EXCLUDED = new Set(['description', 'metadata', 'definedAt', 'declaredIn', 'declaredDir', 'overlayFile', 'fieldSpans', 'source']);

export interface FingerprintInputs {
  /** The resolved upstream commit (upstream specs). */
  readonly upstreamCommit?: string;
  /** The lock's `manual-bump` (azldev `component update --bump`); 0/undefined adds nothing. */
  readonly manualBump?: number;
  /**
   * Project config files (absolute paths). A local spec directory's content hash skips them: their
   * build-relevant fields are already in the other parts, so editing a description in a
   * `*.comp.toml` next to a local spec does not change the fingerprint (it does in azldev).
   */
  readonly configFiles?: ReadonlySet<string>;
}

export interface Fingerprint {
  /** `v1:sha256:<hex>`. */
  readonly value: string;
  /** Digest of each part (`sha256:<hex>`), sorted by name: what the lock documents. */
  readonly parts: Readonly<Record<string, string>>;
}

/** The canonical parts of a component's fingerprint (reads overlay sources and local spec dirs). */
export async function fingerprintParts(fs: FileSystem, c: ResolvedComponent, inputs: FingerprintInputs): Promise<Record<string, unknown>> {
  const parts: Record<string, unknown> = {};
  if (c.spec.type === 'upstream') {
    if (!inputs.upstreamCommit) {
      throw new StrataError(error('FINGERPRINT_NO_COMMIT', `component ${c.name}: an upstream component's fingerprint needs its resolved commit`, { span: c.definedAt }));
    }
    parts['source'] = { commit: inputs.upstreamCommit };
    parts['spec'] = {
      type: 'upstream',
      'upstream-name': c.spec.upstreamName,
      'upstream-commit': c.spec.upstreamCommit?.toLowerCase(),
      distro: c.spec.upstreamDistro.name,
      version: c.spec.upstreamDistro.version,
      'release-ver': c.spec.releaseVer,
    };
  } else {
    const skip = new Set([...(inputs.configFiles ?? []), c.file, ...c.overlayFiles].map((f) => path.resolve(f)));
    parts['source'] = { 'local-dir': await hashDirectory(fs, c.spec.dir, skip) };
    parts['spec'] = { type: 'local', 'spec-file': path.basename(c.spec.path) };
  }
  const overlays: unknown[] = [];
  for (const o of c.overlays) overlays.push(await canonicalOverlay(fs, o, c));
  parts['overlays'] = overlays;
  const b = c.build;
  parts['build'] = {
    with: [...b.with],
    without: [...b.without],
    defines: { ...b.defines },
    undefines: [...b.undefines],
    'emit-upstream-provenance': b.emitUpstreamProvenance,
    'check-skip': b.check.skip,
    'check-skip-reason': b.check.skip ? b.check.skipReason : undefined,
  };
  parts['release'] = { calculation: c.release.calculation === 'auto' ? undefined : c.release.calculation };
  parts['render'] = { 'skip-file-filter': c.render.skipFileFilter };
  if (inputs.manualBump) parts['manual-bump'] = inputs.manualBump;
  parts['source-files'] = c.sourceFiles.map((f) => ({
    filename: f.filename,
    hash: f.hash?.toLowerCase(),
    'hash-type': f.hashType,
    'replace-upstream': f.replaceUpstream,
    ...(f.origin?.type === 'custom' ? { script: f.origin.script, inputs: f.origin.inputs ? [...f.origin.inputs] : undefined, 'mock-packages': f.origin.mockPackages ? [...f.origin.mockPackages] : undefined } : {}),
    ...(f.origin?.type === 'overlay' ? { origin: 'overlay' } : {}),
  }));
  return parts;
}

async function canonicalOverlay(fs: FileSystem, o: Overlay, c: ResolvedComponent): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!OVERLAY_EXCLUDED.has(k)) out[k] = v;
  const src = (o as { source?: string }).source;
  if (src !== undefined) {
    let data: Uint8Array;
    try {
      data = await fs.readFile(src);
    } catch {
      throw new StrataError(
        error('FINGERPRINT_OVERLAY_SOURCE_MISSING', `component ${c.name}: overlay source ${src} cannot be read`, {
          span: o.fieldSpans['source'] ?? o.definedAt,
          hint: 'the path is relative to the file that declares the overlay',
        }),
      );
    }
    out['source-sha256'] = sha256Hex(data);
  }
  return out;
}

/** `sha256:<hex>` over sorted `relpath=sha256\n` lines of every file under `dir` (`.git` and `skip` left out). */
export async function hashDirectory(fs: FileSystem, dir: string, skip: ReadonlySet<string> = new Set()): Promise<string> {
  const files = await fs.glob(['**/*'], dir);
  const lines: string[] = [];
  for (const f of files) {
    if (skip.has(path.resolve(f))) continue;
    const rel = path.relative(dir, f).split(path.sep).join('/');
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    lines.push(`${rel}=${sha256Hex(await fs.readFile(f))}\n`);
  }
  lines.sort();
  return `sha256:${sha256Hex(lines.join(''))}`;
}

/** Combine canonical parts into the versioned fingerprint and per-part digests. */
export function combineFingerprint(parts: Readonly<Record<string, unknown>>): Fingerprint {
  const digests: Record<string, string> = {};
  for (const k of Object.keys(parts).sort()) digests[k] = `sha256:${sha256Hex(canonicalJson(parts[k]))}`;
  const value = `${FINGERPRINT_VERSION}:sha256:${sha256Hex(`strata-input-fingerprint-${FINGERPRINT_VERSION}\n${canonicalJson(parts)}`)}`;
  return { value, parts: digests };
}

export async function computeFingerprint(fs: FileSystem, c: ResolvedComponent, inputs: FingerprintInputs): Promise<Fingerprint> {
  return combineFingerprint(await fingerprintParts(fs, c, inputs));
}

/**
 * What decides which commit `update` resolves (not what is rendered): when it is unchanged and the
 * component pins a commit or a snapshot, the locked commit stays valid without a fetch.
 */
export function resolutionHash(c: ResolvedComponent): string | undefined {
  if (c.spec.type !== 'upstream') return undefined;
  const s = c.spec;
  return `sha256:${sha256Hex(
    canonicalJson({
      v: 1,
      'upstream-name': s.upstreamName,
      'upstream-commit': s.upstreamCommit?.toLowerCase(),
      distro: s.upstreamDistro.name,
      version: s.upstreamDistro.version,
      snapshot: s.upstreamDistro.snapshot,
      branch: s.branch,
      'dist-git-uri': s.distGitUri,
    }),
  )}`;
}
