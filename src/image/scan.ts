/**
 * Comparing a tree with layer manifests, `rpm -V` style: for every path the manifests name, a
 * flag string of nine characters `SM5DLUGTP` — S size, M mode (type and permissions), 5
 * SHA-256, D device number, L link target, U owner, G group, T mtime (never checked: layers
 * pin every time to SOURCE_DATE_EPOCH), P capabilities (not recorded) — with `.` where the
 * attribute matches; `missing` for a path that is not in the tree, and `unowned` for a path of
 * the tree that no manifest names. Configuration (`/etc`) and state (`/var`, `/run`, `/tmp`,
 * `/home`, `/root`, `/srv`) paths are reported apart, as expected to change on a running system.
 *
 * `scanTree` is what `strata image scan ROOT` runs: the manifests are merged in layer order
 * (an upper layer's entry replaces a lower one's; a whiteout removes it), so the expected tree
 * is the composed one.
 */
import type { BlockFiles } from '../adapters/types.js';
import { byteOrder, hashItems, walkTree, type LayerManifest, type ManifestEntry, type TreeItem } from './layer-manifest.js';

export type FindingKind = 'modified' | 'missing' | 'unowned';

export interface ScanFinding {
  readonly path: string;
  readonly kind: FindingKind;
  /** `SM5DLUGTP` with `.` for a match (modified only). */
  readonly flags?: string;
  /** The layer whose manifest names the path. */
  readonly layer?: string;
  /** The package that owns it there. */
  readonly rpm?: string;
  /** `config` (/etc) or `state` (/var, …): expected to change on a running system. */
  readonly area: 'system' | 'config' | 'state';
}

export interface ScanResult {
  readonly root: string;
  readonly layers: readonly string[];
  readonly checked: number;
  readonly findings: readonly ScanFinding[];
  /** Findings outside configuration and state paths. */
  readonly systemFindings: number;
}

const STATE = /^\/(var|run|tmp|home|root|srv|mnt|media)(\/|$)/;
export function areaOf(p: string): ScanFinding['area'] {
  return p === '/etc' || p.startsWith('/etc/') ? 'config' : STATE.test(p) ? 'state' : 'system';
}

/** The flag string of `actual` against `expected` ('.........' when they match). */
export function verifyFlags(expected: ManifestEntry, actual: ManifestEntry): string {
  const f = (bad: boolean, c: string) => (bad ? c : '.');
  const file = expected.type === 'file' && actual.type === 'file';
  return [
    f(expected.type !== 'dir' && actual.type !== 'dir' && expected.size !== actual.size, 'S'),
    f(expected.type !== actual.type || expected.mode !== actual.mode, 'M'),
    f(file && expected.sha256 !== actual.sha256, '5'),
    f((expected.rdev ?? '') !== (actual.rdev ?? ''), 'D'),
    f((expected.target ?? '') !== (actual.target ?? ''), 'L'),
    f(expected.uid !== actual.uid, 'U'),
    f(expected.gid !== actual.gid, 'G'),
    '.',
    '.',
  ].join('');
}

const isWhiteout = (e: ManifestEntry) => e.type === 'char' && e.rdev === '0:0';

/** The composed expectation: path → entry and its layer, layers applied bottom first. */
export function mergeManifests(manifests: readonly LayerManifest[], opts: { readonly whiteouts?: boolean } = {}): Map<string, { readonly entry: ManifestEntry; readonly layer: string }> {
  const merged = new Map<string, { entry: ManifestEntry; layer: string }>();
  for (const m of manifests) {
    for (const e of m.entries) {
      if ((opts.whiteouts ?? true) && isWhiteout(e)) {
        for (const k of [...merged.keys()]) if (k === e.path || k.startsWith(e.path + '/')) merged.delete(k);
        continue;
      }
      // an upper non-directory hides the lower subtree; directories merge
      const below = merged.get(e.path);
      if (e.type !== 'dir' && below?.entry.type === 'dir') for (const k of [...merged.keys()]) if (k.startsWith(e.path + '/')) merged.delete(k);
      if (e.type === 'dir' && e.path === '/' && below) continue;
      merged.set(e.path, { entry: e, layer: m.name });
    }
  }
  return merged;
}

function entryOf(it: TreeItem, digest: string | undefined, target: string | undefined): ManifestEntry {
  const st = it.stat;
  return {
    path: it.path,
    type: st.type,
    mode: st.mode.toString(8).padStart(4, '0'),
    uid: st.uid,
    gid: st.gid,
    size: st.type === 'dir' ? 0 : st.size,
    ...(digest ? { sha256: digest } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(st.type === 'char' || st.type === 'block' ? { rdev: `${st.rdevMajor}:${st.rdevMinor}` } : {}),
  };
}

/**
 * Compare the tree at `root` with `manifests` (bottom layer first). `whiteouts: false` compares
 * one layer's own tree (a mounted erofs), where a whiteout is a character device like any other.
 */
export async function scanTree(files: BlockFiles, root: string, manifests: readonly LayerManifest[], opts: { readonly concurrency?: number; readonly whiteouts?: boolean } = {}): Promise<ScanResult> {
  const expected = mergeManifests(manifests, opts.whiteouts === undefined ? {} : { whiteouts: opts.whiteouts });
  const items = await walkTree(files, root);
  // hash only what a manifest expects to be a regular file
  const toHash = items.filter((i) => i.stat.type === 'file' && expected.get(i.path)?.entry.type === 'file');
  const digests = await hashItems(files, toHash, opts.concurrency ?? 32);
  const findings: ScanFinding[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    seen.add(it.path);
    const exp = expected.get(it.path);
    if (!exp) {
      findings.push({ path: it.path, kind: 'unowned', area: areaOf(it.path) });
      continue;
    }
    const target = it.stat.type === 'symlink' ? await files.readlink(it.abs) : undefined;
    const flags = verifyFlags(exp.entry, entryOf(it, digests.get(it.path), target));
    if (it.path === '/' && flags.replace(/[UGM]/g, '.') === '.........') continue; // the mount point's own owner and mode are the system's
    if (flags !== '.........') findings.push({ path: it.path, kind: 'modified', flags, layer: exp.layer, ...(exp.entry.rpm ? { rpm: exp.entry.rpm } : {}), area: areaOf(it.path) });
  }
  for (const [p, exp] of expected) if (!seen.has(p)) findings.push({ path: p, kind: 'missing', layer: exp.layer, ...(exp.entry.rpm ? { rpm: exp.entry.rpm } : {}), area: areaOf(p) });
  findings.sort((a, b) => byteOrder(a.path, b.path));
  return { root, layers: manifests.map((m) => m.name), checked: items.length, findings, systemFindings: findings.filter((f) => f.area === 'system').length };
}
