/**
 * The layer manifest: every entry of a layer's tree — path, type, mode, owner, size, SHA-256,
 * link target, device number — with the RPM that owns it (NEVRA, from `LayerTree.packages[].files`)
 * and that package's SBOM. Deterministic JSON (entries in byte order of their paths, fixed key
 * order, no time but SOURCE_DATE_EPOCH), so that the same tree gives the same bytes; its SHA-256
 * names the layer's content and seeds the erofs UUID and the verity salt.
 *
 * The tree is walked with lstat: symbolic links are recorded, never followed, and every path is
 * built from directory entries under the root, so nothing outside the root is read.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BlockFiles, TreeEntryType } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import type { ExtensionRelease, LayerPackage, LayerTree } from './types.js';

export const LAYER_MANIFEST_SCHEMA = 'https://strata.dev/layer-manifest/v1';

export interface ManifestEntry {
  /** Absolute inside the layer (`/usr/bin/greet`); the root is `/`. */
  readonly path: string;
  readonly type: TreeEntryType;
  /** Permission bits incl. setuid/setgid/sticky, 4 octal digits (`4755`). */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  /** Regular files: bytes; symlinks: length of the target. */
  readonly size: number;
  /** Regular files. */
  readonly sha256?: string;
  /** Symbolic links. */
  readonly target?: string;
  /** Character and block devices (`0:0` in an extension layer is an overlay whiteout). */
  readonly rdev?: string;
  /** NEVRA of the package that owns the path (the first in NEVRA order when several do). */
  readonly rpm?: string;
  /** That package's SBOM, as its repository publishes it. */
  readonly sbom?: string;
}

export interface ManifestPackage {
  readonly nevra: string;
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  readonly sigmd5?: string;
  readonly sha256header?: string;
  readonly fileSha256?: string;
  readonly sbom?: string;
  /** How many manifest entries it owns. */
  readonly files: number;
}

export interface LayerManifest {
  readonly schema: typeof LAYER_MANIFEST_SCHEMA;
  readonly name: string;
  readonly kind: LayerTree['kind'];
  readonly sourceDateEpoch: number;
  readonly extensionRelease?: ExtensionRelease;
  readonly packages: readonly ManifestPackage[];
  readonly entries: readonly ManifestEntry[];
}

export interface ManifestOptions {
  /** The image holds every file as root:root (mkfs.erofs --all-root): record 0:0. Default true. */
  readonly allRoot?: boolean;
  /** Files hashed at once (default 16). */
  readonly concurrency?: number;
}

/** UTF-8 byte order (UTF-16 code unit order agrees with it unless a surrogate is involved). */
export const byteOrder = (a: string, b: string): number => (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b) ? Buffer.compare(Buffer.from(a), Buffer.from(b)) : a < b ? -1 : a > b ? 1 : 0);
const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** A layer name is a file stem: letters, digits, `.`, `_`, `-`, `+`, not starting with `.`. */
export function checkLayerName(name: string): void {
  if (!/^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$/.test(name)) throw new StrataError(error('LAYER_NAME_INVALID', `layer name "${name}" cannot be a file name stem`, { hint: 'use letters, digits, ".", "_", "+" and "-" (it names NAME.raw, NAME.erofs, …)' }));
}

/** `p` (a package's file path) normalised to an absolute path inside the layer, or a LAYER_PATH_ESCAPES error. */
export function layerPath(p: string, owner: string): string {
  if (!p.startsWith('/') || p.includes('\0') || p.split('/').some((c) => c === '..')) throw new StrataError(error('LAYER_PATH_ESCAPES', `package ${owner} lists path "${p}", which is not absolute inside the layer`, { hint: 'a package file list holds absolute paths without ".." components' }));
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function owners(packages: readonly LayerPackage[]): Map<string, LayerPackage> {
  const byPath = new Map<string, LayerPackage>();
  for (const pkg of [...packages].sort((a, b) => byteOrder(a.nevra, b.nevra))) {
    for (const f of pkg.files) {
      const p = layerPath(f, pkg.nevra);
      if (!byPath.has(p)) byPath.set(p, pkg);
    }
  }
  return byPath;
}

async function sha256File(files: BlockFiles, file: string, buf: Uint8Array): Promise<string> {
  const r = await files.openRead(file);
  try {
    const h = createHash('sha256');
    for (let pos = 0; ; ) {
      const n = await r.read(buf, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  } finally {
    await r.close();
  }
}

/** Raw entries of the tree under `root` (lstat only), paths absolute inside the layer, in byte order. */
export interface TreeItem {
  readonly path: string;
  readonly abs: string;
  readonly stat: NonNullable<Awaited<ReturnType<BlockFiles['lstat']>>>;
}

export async function walkTree(files: BlockFiles, root: string): Promise<TreeItem[]> {
  const top = await files.lstat(root);
  if (!top || top.type !== 'dir') throw new StrataError(error('LAYER_TREE_MISSING', `layer root ${root} is not a directory`, { hint: 'the layer tree is made by installing its packages into an empty root' }));
  const out: TreeItem[] = [{ path: '/', abs: root, stat: top }];
  const walk = async (rel: string, abs: string): Promise<void> => {
    for (const name of await files.readdir(abs)) {
      const a = path.join(abs, name);
      const r = rel === '/' ? `/${name}` : `${rel}/${name}`;
      const st = await files.lstat(a);
      if (!st) continue; // removed while walking
      out.push({ path: r, abs: a, stat: st });
      if (st.type === 'dir') await walk(r, a);
    }
  };
  await walk('/', root);
  // readdir order is byte order per directory; a global byte order of full paths puts `/a-b` before `/a/x`
  return out.sort((x, y) => byteOrder(x.path, y.path));
}

const SMALL = 1 << 20;

/** Hash the regular files of `items` (a few at a time; files up to 1 MiB in one read). */
export async function hashItems(files: BlockFiles, items: readonly TreeItem[], concurrency = 16): Promise<Map<string, string>> {
  const regular = items.filter((i) => i.stat.type === 'file');
  const digests = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    const buf = new Uint8Array(1 << 20);
    while (next < regular.length) {
      const it = regular[next++]!;
      digests.set(it.path, it.stat.size <= SMALL ? createHash('sha256').update(await files.readFile(it.abs)).digest('hex') : await sha256File(files, it.abs, buf));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, regular.length)) }, worker));
  return digests;
}

/** Walk `tree.root` and describe every entry. */
export async function buildLayerManifest(files: BlockFiles, tree: LayerTree, opts: ManifestOptions = {}): Promise<LayerManifest> {
  checkLayerName(tree.name);
  const allRoot = opts.allRoot ?? true;
  const ownerOf = owners(tree.packages);
  const items = await walkTree(files, tree.root);
  const digests = await hashItems(files, items, opts.concurrency);
  const counts = new Map<string, number>();
  const entries: ManifestEntry[] = [];
  for (const it of items) {
    const st = it.stat;
    if (st.type === 'socket') throw new StrataError(error('LAYER_UNSUPPORTED_ENTRY', `${it.path} in layer ${tree.name} is a socket`, { hint: 'a socket cannot be stored in an image; remove it from the tree' }));
    const pkg = ownerOf.get(it.path);
    if (pkg) counts.set(pkg.nevra, (counts.get(pkg.nevra) ?? 0) + 1);
    entries.push({
      path: it.path,
      type: st.type,
      mode: octal(st.mode),
      uid: allRoot ? 0 : st.uid,
      gid: allRoot ? 0 : st.gid,
      size: st.type === 'dir' ? 0 : st.size,
      ...(st.type === 'file' ? { sha256: digests.get(it.path)! } : {}),
      ...(st.type === 'symlink' ? { target: await files.readlink(it.abs) } : {}),
      ...(st.type === 'char' || st.type === 'block' ? { rdev: `${st.rdevMajor}:${st.rdevMinor}` } : {}),
      ...(pkg ? { rpm: pkg.nevra, ...(pkg.sbom === undefined ? {} : { sbom: pkg.sbom }) } : {}),
    });
  }
  const packages = [...tree.packages]
    .sort((a, b) => byteOrder(a.nevra, b.nevra))
    .map((p): ManifestPackage => ({
      nevra: p.nevra,
      name: p.name,
      ...(p.epoch === undefined ? {} : { epoch: p.epoch }),
      version: p.version,
      release: p.release,
      arch: p.arch,
      ...(p.sigmd5 === undefined ? {} : { sigmd5: p.sigmd5 }),
      ...(p.sha256header === undefined ? {} : { sha256header: p.sha256header }),
      ...(p.fileSha256 === undefined ? {} : { fileSha256: p.fileSha256 }),
      ...(p.sbom === undefined ? {} : { sbom: p.sbom }),
      files: counts.get(p.nevra) ?? 0,
    }));
  return {
    schema: LAYER_MANIFEST_SCHEMA,
    name: tree.name,
    kind: tree.kind,
    sourceDateEpoch: tree.sourceDateEpoch,
    ...(tree.extensionRelease ? { extensionRelease: tree.extensionRelease } : {}),
    packages,
    entries,
  };
}

/** The manifest's bytes: one JSON object, keys in the order above, one entry per line. */
export function printLayerManifest(m: LayerManifest): string {
  const { entries, packages, ...head } = m;
  const lines = [
    JSON.stringify(head).slice(0, -1) + ',',
    `"packages":[${packages.length ? '\n' + packages.map((p) => JSON.stringify(p)).join(',\n') + '\n' : ''}],`,
    `"entries":[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]}`,
  ];
  return lines.join('\n') + '\n';
}

export function manifestDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const TYPES: ReadonlySet<string> = new Set(['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket']);

/** Read a manifest (LAYER_MANIFEST_INVALID when it is not one). */
export function parseLayerManifest(text: string, file?: string): LayerManifest {
  const bad = (why: string) => new StrataError(error('LAYER_MANIFEST_INVALID', `not a layer manifest: ${why}`, { ...(file ? { span: { file, line: 1, col: 1 } } : {}), hint: 'the manifest is NAME.manifest.json as strata wrote it' }));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const m = v as Partial<LayerManifest> | null;
  if (!m || typeof m !== 'object' || m.schema !== LAYER_MANIFEST_SCHEMA) throw bad(`schema is not ${LAYER_MANIFEST_SCHEMA}`);
  if (typeof m.name !== 'string' || (m.kind !== 'base' && m.kind !== 'extension') || !Array.isArray(m.entries) || !Array.isArray(m.packages)) throw bad('name, kind, packages or entries missing');
  for (const e of m.entries) {
    if (!e || typeof e.path !== 'string' || !e.path.startsWith('/') || e.path.split('/').includes('..') || !TYPES.has(e.type) || typeof e.mode !== 'string') throw bad(`entry ${JSON.stringify(e).slice(0, 80)}`);
  }
  return m as LayerManifest;
}
