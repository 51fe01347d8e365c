/**
 * The project's published repositories (`strata repo publish`: `<out>/repos/<channel>/`) as the
 * package universe of an image: every channel's `repomd.xml` checked against its signature by a
 * trusted key and the metadata files against their checksums in it, then `primary.xml` read with
 * every dependency (provides, requires, conflicts, obsoletes) and the primary file list, and
 * `filelists.xml` read when a file dependency is not among the primary files. Values stay strings
 * (`1.10` is not `1.1`).
 */
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import type { FileSystem } from '../adapters/types.js';
import type { Dep } from '../build/types.js';
import { StrataError, error, type Diagnostic } from '../diag/index.js';
import { parseRepomd, type Repomd } from '../repo/metadata.js';
import { openPgpVerifier, readPublicKeys } from '../trust/openpgp-verifier.js';
import { isInside } from '../util/paths.js';

export interface RepoPackage {
  readonly name: string;
  readonly epoch: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  /** `[epoch:]version-release` (epoch only when not 0). */
  readonly evr: string;
  /** `name-[epoch:]version-release.arch` */
  readonly nevra: string;
  readonly channel: string;
  /** Absolute path of the RPM file (confined to its channel directory). */
  readonly file: string;
  readonly location: string;
  /** The package file's SHA-256 as the metadata gives it (hex). */
  readonly sha256: string;
  readonly size?: number;
  readonly buildTime?: number;
  readonly sourceRpm?: string;
  readonly provides: readonly Dep[];
  /** Without `rpmlib(…)` (rpm itself provides those). */
  readonly requires: readonly Dep[];
  readonly conflicts: readonly Dep[];
  readonly obsoletes: readonly Dep[];
  /** The primary file list (createrepo_c: /etc, bin dirs, …); the rest is in filelists.xml. */
  readonly files: readonly string[];
}

export interface RepoChannel {
  readonly channel: string;
  readonly dir: string;
  readonly signedBy: string;
  readonly revision?: string;
  readonly packages: readonly RepoPackage[];
  /** Loads filelists.xml (once): package nevra → every file. */
  readonly fileLists: () => Promise<ReadonlyMap<string, readonly string[]>>;
}

export interface RepoSet {
  readonly repoDir: string;
  readonly channels: readonly RepoChannel[];
  readonly keyFiles: readonly string[];
}

const FLAG_OPS: Readonly<Record<string, Dep['op']>> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

export function evrString(epoch: number | string | undefined, version: string, release: string | undefined): string {
  const e = epoch === undefined || epoch === '' || String(epoch) === '0' ? '' : `${epoch}:`;
  return `${e}${version}${release ? `-${release}` : ''}`;
}

function entryDep(a: Record<string, string>): Dep {
  const op = a.flags ? (FLAG_OPS[a.flags] ?? '') : '';
  return op && a.ver !== undefined ? { name: a.name ?? '', op, version: evrString(a.epoch, a.ver, a.rel) } : { name: a.name ?? '', op: '', version: '' };
}

/** `primary.xml` → packages (locations not yet confined). */
export function parsePrimaryXml(xml: string, channel: string, dir: string): RepoPackage[] {
  const out: RepoPackage[] = [];
  const p = new SaxesParser({ position: false });
  let cur: Record<string, unknown> | undefined;
  let depKind: 'provides' | 'requires' | 'conflicts' | 'obsoletes' | undefined;
  let textTarget: string | undefined;
  let text = '';
  const deps = () => cur as { provides: Dep[]; requires: Dep[]; conflicts: Dep[]; obsoletes: Dep[]; files: string[] };
  p.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    const n = t.name;
    if (n === 'package' && a.type === 'rpm') cur = { provides: [], requires: [], conflicts: [], obsoletes: [], files: [] };
    if (!cur) return;
    if (n === 'version') Object.assign(cur, { epoch: a.epoch ?? '0', version: a.ver ?? '', release: a.rel ?? '' });
    else if (n === 'checksum') Object.assign(cur, { checksumType: a.type });
    else if (n === 'location') Object.assign(cur, { location: a.href ?? '' });
    else if (n === 'size') Object.assign(cur, { size: a.package });
    else if (n === 'time') Object.assign(cur, { buildTime: a.build });
    else if (n === 'rpm:provides' || n === 'rpm:requires' || n === 'rpm:conflicts' || n === 'rpm:obsoletes') depKind = n.slice(4) as typeof depKind;
    else if (n === 'rpm:entry' && depKind) {
      const d = entryDep(a);
      if (!(depKind === 'requires' && d.name.startsWith('rpmlib('))) deps()[depKind].push(d);
    }
    if (n === 'name' || n === 'arch' || n === 'checksum' || n === 'file' || n === 'rpm:sourcerpm') {
      textTarget = n;
      text = '';
    }
  });
  p.on('text', (s) => {
    if (textTarget) text += s;
  });
  p.on('closetag', (t) => {
    const n = t.name;
    if (!cur) return;
    if (textTarget === n) {
      const v = text.trim();
      if (n === 'file') deps().files.push(v);
      else if (n === 'checksum') cur.sha256 = v;
      else if (n === 'rpm:sourcerpm') cur.sourceRpm = v;
      else cur[n] = v;
      textTarget = undefined;
    }
    if (n.startsWith('rpm:') && n.slice(4) === depKind) depKind = undefined;
    if (n === 'package') {
      const c = cur as unknown as Record<'name' | 'arch' | 'version' | 'release' | 'epoch' | 'location' | 'checksumType' | 'sha256', string> & Partial<Record<'size' | 'buildTime' | 'sourceRpm', string>> & ReturnType<typeof deps>;
      const epoch = Number(c.epoch ?? 0) || 0;
      const evr = evrString(epoch, c.version, c.release);
      out.push({
        name: c.name,
        epoch,
        version: c.version,
        release: c.release,
        arch: c.arch,
        evr,
        nevra: `${c.name}-${evr}.${c.arch}`,
        channel,
        file: path.join(dir, c.location),
        location: c.location,
        sha256: c.checksumType === 'sha256' ? c.sha256 : '',
        ...(c.size ? { size: Number(c.size) } : {}),
        ...(c.buildTime ? { buildTime: Number(c.buildTime) } : {}),
        ...(c.sourceRpm ? { sourceRpm: c.sourceRpm } : {}),
        provides: c.provides,
        requires: c.requires,
        conflicts: c.conflicts,
        obsoletes: c.obsoletes,
        files: c.files,
      });
      cur = undefined;
    }
  });
  p.write(xml).close();
  return out;
}

/** `filelists.xml` → nevra → files. */
export function parseFilelistsXml(xml: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const p = new SaxesParser({ position: false });
  let cur: { name: string; arch: string; evr?: string; files: string[] } | undefined;
  let inFile = false;
  let text = '';
  p.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    if (t.name === 'package') cur = { name: a.name ?? '', arch: a.arch ?? '', files: [] };
    else if (t.name === 'version' && cur) cur.evr = evrString(a.epoch, a.ver ?? '', a.rel);
    else if (t.name === 'file' && cur) {
      inFile = true;
      text = '';
    }
  });
  p.on('text', (s) => {
    if (inFile) text += s;
  });
  p.on('closetag', (t) => {
    if (t.name === 'file' && cur) {
      cur.files.push(text.trim());
      inFile = false;
    } else if (t.name === 'package' && cur) {
      out.set(`${cur.name}-${cur.evr ?? ''}.${cur.arch}`, cur.files);
      cur = undefined;
    }
  });
  p.write(xml).close();
  return out;
}

function decompress(location: string, bytes: Uint8Array): string {
  if (location.endsWith('.gz')) return gunzipSync(bytes).toString('utf8');
  if (location.endsWith('.xml')) return Buffer.from(bytes).toString('utf8');
  throw new Error(`unsupported metadata compression: ${location}`);
}

export interface LoadRepoOptions {
  /** `<out>/repos`. */
  readonly repoDir: string;
  /** Trusted public keys; default: the RPM-GPG-KEY* files in repoDir. */
  readonly keyFiles?: readonly string[];
  /** Only these channels (default: every channel but `source`). */
  readonly channels?: readonly string[];
}

/**
 * Every channel of `repoDir`, each verified (repomd.xml signature by a trusted key, metadata
 * checksums) before it is read. Throws a StrataError with every problem.
 */
export async function loadRepoSet(fs: FileSystem, o: LoadRepoOptions): Promise<RepoSet> {
  const names = (await fs.readdir(o.repoDir).catch(() => [] as string[])).sort();
  const channelNames: string[] = [];
  for (const n of o.channels ?? names) {
    if (!o.channels && (n === 'source' || n.startsWith('.'))) continue;
    if ((await fs.stat(path.join(o.repoDir, n, 'repodata', 'repomd.xml')))?.isFile) channelNames.push(n);
    else if (o.channels) throw new StrataError(error('IMAGE_REPO_NOT_FOUND', `no published channel "${n}" in ${o.repoDir}`, { hint: `channels: ${names.filter((x) => !x.startsWith('.')).join(', ') || 'none'}` }));
  }
  if (!channelNames.length) throw new StrataError(error('IMAGE_REPO_NOT_FOUND', `no published repository in ${o.repoDir}`, { hint: 'run `strata component build` and `strata repo publish` first' }));
  const keyFiles = o.keyFiles?.length ? [...o.keyFiles] : names.filter((n) => n.startsWith('RPM-GPG-KEY')).map((n) => path.join(o.repoDir, n));
  if (!keyFiles.length) throw new StrataError(error('IMAGE_REPO_UNTRUSTED', `no trusted public key for the repositories in ${o.repoDir}`, { hint: 'set [signing] public-key-file, or keep the RPM-GPG-KEY file `repo publish` exports' }));
  const keys = [];
  for (const f of keyFiles) keys.push(...(await readPublicKeys(await fs.readFile(f))));
  const verifier = openPgpVerifier(keys);
  const diags: Diagnostic[] = [];
  const channels: RepoChannel[] = [];
  for (const channel of channelNames) {
    const dir = path.join(o.repoDir, channel);
    const repomdPath = path.join(dir, 'repodata', 'repomd.xml');
    const at = { file: repomdPath, line: 1, col: 1 };
    const bytes = await fs.readFile(repomdPath);
    const asc = await fs.readFile(`${repomdPath}.asc`).catch(() => undefined);
    if (!asc) {
      diags.push(error('IMAGE_REPO_UNTRUSTED', `channel ${channel}: repodata/repomd.xml is not signed (no repomd.xml.asc)`, { span: at, hint: 'publish with `strata repo publish`, which signs the metadata' }));
      continue;
    }
    let signedBy: string;
    try {
      signedBy = (await verifier.verify(bytes, { bytes: asc, format: 'openpgp-armored' })).keyId;
    } catch (e) {
      diags.push(error('IMAGE_REPO_UNTRUSTED', `channel ${channel}: the repomd.xml signature does not verify against ${keyFiles.map((k) => path.basename(k)).join(', ')}: ${(e as Error).message}`, { span: at, hint: 'the metadata was altered or signed by another key: publish again, or trust the right key' }));
      continue;
    }
    let repomd: Repomd;
    try {
      repomd = parseRepomd(Buffer.from(bytes).toString('utf8'));
    } catch (e) {
      diags.push(error('IMAGE_REPO_METADATA', `channel ${channel}: repomd.xml cannot be read: ${(e as Error).message}`, { span: at }));
      continue;
    }
    const readData = async (type: string): Promise<string | undefined> => {
      const d = repomd.data.find((x) => x.type === type);
      if (!d) return undefined;
      const file = path.join(dir, d.location);
      if (!isInside(dir, file)) throw new StrataError(error('IMAGE_PATH_ESCAPES', `channel ${channel}: metadata location ${d.location} leaves the repository`, { span: at }));
      const data = await fs.readFile(file);
      const sum = createHash(d.checksumType === 'sha' ? 'sha1' : d.checksumType).update(data).digest('hex');
      if (sum !== d.checksum) throw new StrataError(error('IMAGE_REPO_METADATA', `channel ${channel}: ${d.location} does not match its checksum in the signed repomd.xml`, { span: at, hint: 'the metadata was altered: publish again' }));
      return decompress(d.location, data);
    };
    try {
      const primary = await readData('primary');
      if (primary === undefined) throw new StrataError(error('IMAGE_REPO_METADATA', `channel ${channel}: repomd.xml lists no primary metadata`, { span: at }));
      const packages = parsePrimaryXml(primary, channel, dir);
      for (const p of packages) {
        if (!isInside(dir, p.file) || p.file === dir) throw new StrataError(error('IMAGE_PATH_ESCAPES', `channel ${channel}: package location ${p.location} leaves the repository`, { span: at }));
      }
      let lists: Promise<ReadonlyMap<string, readonly string[]>> | undefined;
      channels.push({
        channel,
        dir,
        signedBy,
        ...(repomd.revision ? { revision: repomd.revision } : {}),
        packages,
        fileLists: () => (lists ??= readData('filelists').then((x) => (x === undefined ? new Map() : parseFilelistsXml(x)))),
      });
    } catch (e) {
      if (e instanceof StrataError) diags.push(...e.diagnostics);
      else diags.push(error('IMAGE_REPO_METADATA', `channel ${channel}: the metadata cannot be read: ${(e as Error).message}`, { span: at }));
    }
  }
  if (diags.length) throw new StrataError(diags);
  return { repoDir: o.repoDir, channels, keyFiles };
}
