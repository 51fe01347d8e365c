/**
 * Installing a layer's packages with rpm into an empty root, and the `LayerTree` that results
 * (src/image/types.ts: the seam to the layer artefacts).
 *
 * Before rpm sees a package, Strata checks it in process: the file's SHA-256 against the signed
 * repository metadata, the header and payload digests, and the OpenPGP header signature against
 * the project's trusted keys (src/rpm/rpm-verify.ts). Every path in its header must stay inside
 * the root (`IMAGE_PATH_ESCAPES`); an extension layer's packages may own only `/usr` and `/opt`
 * (`IMAGE_EXTENSION_OUTSIDE_USR`: systemd-sysext merges nothing else).
 *
 * rpm then installs them as one transaction (`rpm --root R -i`), checking the signatures itself
 * too (`_pkgverify_level signature`, the key imported with `rpmkeys --import`), with Debian rpm's
 * differences handled as in the build (src/build/rpmbuild.ts): a private `_dbpath`, here
 * `/.strata-rpmdb` inside the root (rpm resolves `--dbpath` below `--root`), never the host's;
 * no `--nosignature`. An extension layer is installed over a copy of the rpmdb of the layers
 * below, so rpm checks its dependencies against them, with `--noscripts --notriggers`: a sysext
 * is merged at run time, not installed, so its scriptlets cannot run (`IMAGE_SCRIPTLET_SKIPPED`).
 *
 * Layers carry no rpmdb (it is moved out of the root after the install; the sqlite database is
 * not reproducible): which package owns which file is the LayerTree's (and the signed manifest's)
 * record. `SOURCE_DATE_EPOCH` is set for rpm, and every path of the tree gets it as its mtime,
 * so two installs of the same packages give the same tree.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { EventSink, FileSystem, ProcessRunner } from '../adapters/types.js';
import { EVIDENCE_DIR, EVIDENCE_INDEX, type EvidenceIndex } from '../attest/publish-evidence.js';
import { StrataError, error, warning, type Diagnostic } from '../diag/index.js';
import { parseRpm, SigTag, Tag, fileList, type RpmPackage } from '../rpm/rpm-header.js';
import { checkRpmDigests, checkRpmSignature } from '../rpm/rpm-verify.js';
import { readPublicKeys } from '../trust/openpgp-verifier.js';
import type { ImageClosure, LayerClosure } from './closure.js';
import { printExtensionRelease } from './layers-config.js';
import type { RepoSet } from './repo-metadata.js';
import type { LayerPackage, LayerTree } from './types.js';

/** rpm's database inside the root during the install (moved out after). */
export const LAYER_DBPATH = '/.strata-rpmdb';
/** Where an extension layer's extension-release file goes. */
export const EXTENSION_RELEASE_DIR = 'usr/lib/extension-release.d';

const RPMFILE_GHOST = 1 << 6;
/** Header tags of install-time scripts (PREIN … POSTTRANS, triggers, file triggers). */
const SCRIPT_TAGS = [1023, 1024, 1025, 1026, 1065, 1151, 1152, 5066, 5076] as const;

export interface InstallContext {
  readonly fs: FileSystem;
  readonly proc: ProcessRunner;
  readonly sink: EventSink;
}

export interface InstallOptions {
  /** Where the layer roots go: `<rootsDir>/<layer>/` (created; must not exist yet). */
  readonly rootsDir: string;
  /** Scratch space (rpm databases between layers). */
  readonly workDir: string;
  readonly repos: RepoSet;
  /** Default: the newest BUILDTIME of the image's packages. */
  readonly sourceDateEpoch?: number;
  /** Only these layers' trees are written (the lower ones are installed to scratch for the rpmdb). */
  readonly layers?: readonly string[];
}

export interface InstalledImage {
  readonly trees: readonly LayerTree[];
  /** Warnings (skipped scriptlets). */
  readonly diagnostics: readonly Diagnostic[];
  /** Seconds per layer (rpm and the checks around it). */
  readonly timings: Readonly<Record<string, number>>;
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

/** The SOURCE_DATE_EPOCH of an image: the newest build time of its packages (0 when none says). */
export function imageSourceDateEpoch(closure: ImageClosure): number {
  return Math.max(0, ...closure.layers.flatMap((l) => l.packages.map((p) => p.pkg.buildTime ?? 0)));
}

/** A header path normalised inside the root, or undefined when it would leave it. */
export function confinedPath(p: string): string | undefined {
  if (!p.startsWith('/') || p.includes('\0')) return undefined;
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) return undefined;
  return '/' + parts.join('/');
}

const underUsr = (p: string) => p === '/usr' || p.startsWith('/usr/') || p === '/opt' || p.startsWith('/opt/');

interface CheckedPackage {
  readonly layerPackage: LayerPackage;
  readonly file: string;
  readonly scripts: boolean;
}

async function loadEvidence(fs: FileSystem, repoDir: string): Promise<Map<string, string>> {
  const bySha = new Map<string, string>();
  const text = await fs.readText(path.join(repoDir, EVIDENCE_DIR, EVIDENCE_INDEX)).catch(() => undefined);
  if (!text) return bySha;
  try {
    const index = JSON.parse(text) as EvidenceIndex;
    for (const e of index.packages ?? []) if (e.sha256 && e.sboms?.spdx23) bySha.set(e.sha256, `${EVIDENCE_DIR}/${e.sboms.spdx23}`);
  } catch {
    /* an unreadable index gives no references; `strata verify` reports it */
  }
  return bySha;
}

/** Verify one package in process and read what the LayerTree records of it. */
async function checkPackage(fs: FileSystem, layer: LayerClosure, cp: LayerClosure['packages'][number], keys: Awaited<ReturnType<typeof readPublicKeys>>, sboms: ReadonlyMap<string, string>, diags: Diagnostic[]): Promise<CheckedPackage | undefined> {
  const p = cp.pkg;
  const at = { file: p.file, line: 1, col: 1 };
  const bytes = await fs.readFile(p.file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (p.sha256 && sha !== p.sha256) {
    diags.push(error('IMAGE_PACKAGE_DIGEST_MISMATCH', `${p.nevra}: ${p.location} has SHA-256 ${sha}, the signed metadata of channel ${p.channel} says ${p.sha256}`, { span: at, hint: 'the package was altered after publishing: publish again' }));
    return undefined;
  }
  let pkg: RpmPackage;
  try {
    pkg = parseRpm(bytes, p.file);
  } catch (e) {
    diags.push(error('IMAGE_PACKAGE_DIGEST_MISMATCH', `${p.nevra}: ${p.location} is not a readable RPM: ${(e as Error).message}`, { span: at }));
    return undefined;
  }
  const problems = checkRpmDigests(pkg);
  const sig = await checkRpmSignature(pkg, keys);
  if (!sig.ok) problems.push(sig.problem);
  for (const pr of problems) diags.push(error(pr.code, `${p.nevra}: ${pr.message}`, { span: at, hint: 'only packages signed by the project key, with intact digests, go into a layer' }));
  if (problems.length) return undefined;

  const flags = pkg.header.numbers(Tag.FILEFLAGS);
  const files: string[] = [];
  let bad = false;
  fileList(pkg.header).forEach((f, i) => {
    if (((flags[i] ?? 0) & RPMFILE_GHOST) !== 0) return;
    const c = confinedPath(f);
    if (!c) {
      diags.push(error('IMAGE_PATH_ESCAPES', `${p.nevra}: the path ${JSON.stringify(f)} would leave the layer root`, { span: at, hint: 'a package path must be absolute and contain no `..`' }));
      bad = true;
      return;
    }
    if (layer.kind === 'extension' && !underUsr(c)) {
      diags.push(error('IMAGE_EXTENSION_OUTSIDE_USR', `layer "${layer.name}": ${p.nevra} owns ${c}, outside /usr and /opt: systemd-sysext would not merge it`, { ...(cp.reason.kind === 'requested' ? { span: cp.reason.request.span } : { span: layer.plan.definedAt }), hint: `put ${p.name} in the base layer, or move the file under /usr` }));
      bad = true;
      return;
    }
    files.push(c);
  });
  if (bad) return undefined;
  const epoch = pkg.header.numbers(Tag.EPOCH)[0];
  const sigmd5 = hex(pkg.signature.bin(SigTag.MD5));
  const sha256header = pkg.signature.string(SigTag.SHA256HEADER);
  const sbom = sboms.get(sha);
  return {
    file: p.file,
    scripts: SCRIPT_TAGS.some((t) => pkg.header.has(t)),
    layerPackage: {
      name: p.name,
      ...(epoch !== undefined ? { epoch } : {}),
      version: p.version,
      release: p.release,
      arch: p.arch,
      nevra: p.nevra,
      ...(sigmd5 ? { sigmd5 } : {}),
      ...(sha256header ? { sha256header } : {}),
      fileSha256: sha,
      ...(sbom ? { sbom } : {}),
      files: [...new Set(files)].sort(),
    },
  };
}

/** Every path under `dir` (deepest first), relative. */
async function walk(fs: FileSystem, dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await fs.stat(path.join(dir, r));
    if (st?.isDirectory && !st.isSymbolicLink) out.push(...(await walk(fs, dir, r)));
    out.push(r);
  }
  return out;
}

async function copyDir(fs: FileSystem, from: string, to: string): Promise<void> {
  await fs.mkdir(to);
  for (const name of await fs.readdir(from)) {
    const st = await fs.stat(path.join(from, name));
    if (st?.isDirectory) await copyDir(fs, path.join(from, name), path.join(to, name));
    else if (st?.isFile) await fs.copyFile(path.join(from, name), path.join(to, name));
  }
}

async function runRpm(proc: ProcessRunner, args: readonly string[], env: Record<string, string>, what: string): Promise<void> {
  const r = await proc.run(args[0]!, args.slice(1), { env });
  if (r.code !== 0) {
    // Debian's rpm prints an "use Alien" banner on every install: not part of the error
    const out = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() && !/^rpm: (RPM should not be used directly|However assuming you know)/.test(l)).slice(-15).join('\n');
    throw new StrataError(error('IMAGE_INSTALL_FAILED', `${what}: ${args[0]} exited with ${r.code}${out ? `:\n${out}` : ''}`, { hint: 'rpm installs into the layer root with chroot: run as root (or in a user namespace with root mapped)' }));
  }
}

/**
 * Install every layer of `closure` (each into its own empty root) and describe the result.
 * Throws a StrataError with every problem found before rpm runs; nothing is installed then.
 */
export async function installImage(ctx: InstallContext, closure: ImageClosure, o: InstallOptions): Promise<InstalledImage> {
  const { fs, proc, sink } = ctx;
  const sde = o.sourceDateEpoch ?? imageSourceDateEpoch(closure);
  const keys = [];
  for (const f of o.repos.keyFiles) keys.push(...(await readPublicKeys(await fs.readFile(f))));
  const sboms = await loadEvidence(fs, o.repos.repoDir);
  const diags: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];

  // every check first: nothing is installed when a package is bad
  const checked = new Map<string, CheckedPackage[]>();
  for (const layer of closure.layers) {
    const list: CheckedPackage[] = [];
    for (const cp of layer.packages) {
      const c = await checkPackage(fs, layer, cp, keys, sboms, diags);
      if (c) list.push(c);
    }
    checked.set(layer.name, list);
    if (layer.kind === 'extension') {
      const scripted = list.filter((c) => c.scripts).map((c) => c.layerPackage.nevra);
      if (scripted.length) warnings.push(warning('IMAGE_SCRIPTLET_SKIPPED', `layer "${layer.name}": the install scriptlets of ${scripted.join(', ')} are not run (a system extension is merged, not installed)`, { span: layer.plan.definedAt, hint: 'move packages whose scriptlets matter into the base layer' }));
    }
  }
  if (diags.length) throw new StrataError(diags);

  const env = { SOURCE_DATE_EPOCH: String(sde), LC_ALL: 'C', TZ: 'UTC', HOME: o.workDir };
  const define = (k: string, v: string) => ['--define', `${k} ${v}`];
  const base = [...define('_dbpath', LAYER_DBPATH), ...define('_pkgverify_level', 'signature')];
  const trees: LayerTree[] = [];
  const timings: Record<string, number> = {};
  let lowerDb: string | undefined;
  const wanted = new Set(o.layers ?? closure.layers.map((l) => l.name));
  const lastWanted = Math.max(...closure.layers.map((l, i) => (wanted.has(l.name) ? i : -1)));
  await fs.mkdir(o.workDir);
  sink({ kind: 'start', task: 'install', total: lastWanted + 1, label: `installing ${closure.image}` });
  for (const [i, layer] of closure.layers.entries()) {
    if (i > lastWanted) break;
    const t0 = Date.now();
    const keep = wanted.has(layer.name);
    const root = keep ? path.join(o.rootsDir, layer.name) : await fs.mkdtemp(`lower-${layer.name}-`, o.workDir);
    if (keep) {
      if (await fs.stat(root)) throw new StrataError(error('OUTPUT_NOT_A_DIRECTORY', `layer root ${root} exists already: a layer is installed into an empty root`, { hint: 'remove it, or install into a fresh directory' }));
      await fs.mkdir(root);
    }
    const pkgs = checked.get(layer.name)!;
    sink({ kind: 'progress', task: 'install', done: i, total: lastWanted + 1, item: `${layer.name} (${pkgs.length} packages)` });
    const rootArgs = ['--root', root, ...base];
    if (lowerDb) await copyDir(fs, lowerDb, path.join(root, LAYER_DBPATH.slice(1)));
    else for (const k of o.repos.keyFiles) await runRpm(proc, ['rpmkeys', ...rootArgs, '--import', k], env, `layer "${layer.name}": importing ${path.basename(k)}`);
    if (pkgs.length) {
      const scripts = layer.kind === 'extension' ? ['--noscripts', '--notriggers'] : [];
      await runRpm(proc, ['rpm', ...rootArgs, ...scripts, '-i', ...pkgs.map((p) => p.file)], env, `layer "${layer.name}": installing ${pkgs.length} package(s)`);
    }
    // the rpmdb leaves the root (kept in scratch for the next layer)
    const db = path.join(o.workDir, `rpmdb-${layer.name}`);
    await fs.remove(db);
    await fs.rename(path.join(root, LAYER_DBPATH.slice(1)), db);
    lowerDb = db;
    if (keep) {
      if (layer.kind === 'extension' && layer.plan.extensionRelease) {
        await fs.writeFileAtomic(path.join(root, EXTENSION_RELEASE_DIR, `extension-release.${layer.name}`), printExtensionRelease(layer.plan.extensionRelease), 0o644);
      }
      for (const rel of await walk(fs, root)) await fs.setTimes(path.join(root, rel), sde);
      await fs.setTimes(root, sde);
      trees.push({
        name: layer.name,
        kind: layer.kind,
        root,
        packages: pkgs.map((p) => p.layerPackage).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        ...(layer.plan.extensionRelease ? { extensionRelease: layer.plan.extensionRelease } : {}),
        sourceDateEpoch: sde,
      });
    } else await fs.remove(root);
    timings[layer.name] = (Date.now() - t0) / 1000;
    sink({ kind: 'item', task: 'install', item: layer.name, status: keep ? 'ok' : 'skipped', detail: `${pkgs.length} package(s) in ${timings[layer.name]!.toFixed(2)} s` });
  }
  sink({ kind: 'end', task: 'install' });
  return { trees, diagnostics: warnings, timings };
}
