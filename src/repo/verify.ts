/**
 * `verifyRepo`: check a published repository in process, as named steps (src/trust/verify-steps.ts)
 * that each pass the chain on or fail with the code of the broken link:
 *
 *   repomd read → repomd signature (repomd.xml.asc by a trusted key) → metadata digests (every
 *   file repomd.xml lists) → primary parsed → per package: package location → package read →
 *   file digest vs primary (checksum, size) → header parsed → header range → header digests
 *   (header, payload, MD5, size) → payload files (with `deep`, or without a PAYLOADDIGEST) →
 *   RPM signature → identity vs primary; and last, unlisted packages (no RPM file in the
 *   directory that the metadata does not list).
 *
 * The checks (signature, digests, identity) pass the chain on when they fail, so that every
 * problem is reported (per package), not only the first; the verdict lists every step run.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Key } from 'openpgp';
import type { FileSystem } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { openPgpVerifier, readPublicKeys } from '../trust/openpgp-verifier.js';
import { VerifyRun, isBroken, step, StepSkipped, type Link, type StepRecord } from '../trust/verify-steps.js';
import { isInside } from '../util/paths.js';
import { decompressMetadata, parsePrimary, parseRepomd, type PrimaryPackage, type Repomd } from './metadata.js';
import { parseRpm, Tag, type RpmPackage } from '../rpm/rpm-header.js';
import { checkRpmDigests, checkRpmSignature, type RpmProblem } from '../rpm/rpm-verify.js';
import { checkPayloadFiles, type Decompressor } from '../rpm/payload.js';

export interface PackageVerdict {
  readonly file: string;
  readonly nevra: string;
  readonly ok: boolean;
  readonly keyId?: string;
  readonly problems: readonly RpmProblem[];
  /** The package's steps, in order (subject: its location). */
  readonly steps: readonly StepRecord[];
}

export interface RepoVerdict {
  readonly dir: string;
  readonly ok: boolean;
  readonly keyFiles: readonly string[];
  readonly metadata: { readonly ok: boolean; readonly signedBy?: string; readonly problems: readonly RpmProblem[] };
  readonly packages: readonly PackageVerdict[];
  /** The repository's steps, in order: the metadata chain, then `unlisted packages`. */
  readonly steps: readonly StepRecord[];
}

export interface VerifyRepoOptions {
  /** Trusted public keys. Default: RPM-GPG-KEY* files in the repository or its parent. */
  readonly keyFiles?: readonly string[];
  /**
   * Also unpack every payload and check each file against the header's digests and modes
   * (always done for packages without a PAYLOADDIGEST, i.e. built by rpm < 4.14).
   */
  readonly deep?: boolean;
  /** For xz/zstd/bzip2 payloads in deep checks. */
  readonly decompress?: Decompressor;
}

async function findKeyFiles(fs: FileSystem, dir: string): Promise<string[]> {
  for (const d of [dir, path.dirname(dir)]) {
    const names = (await fs.readdir(d).catch(() => [] as string[])).filter((n) => n.startsWith('RPM-GPG-KEY')).sort();
    if (names.length) return names.map((n) => path.join(d, n));
  }
  return [];
}

/** Hex digest with a repodata checksum type (`sha` = SHA-1); undefined for a type Node does not know. */
function digestHex(checksumType: string, data: Uint8Array): string | undefined {
  try {
    return createHash(checksumType === 'sha' ? 'sha1' : checksumType).update(data).digest('hex');
  } catch {
    return undefined;
  }
}

/** `location` (from repodata, untrusted) joined to `dir`, or undefined when it leaves `dir`. */
function confined(dir: string, location: string): string | undefined {
  const file = path.join(dir, location);
  return file !== path.join(dir) && isInside(dir, file) ? file : undefined;
}

async function loadTrustedKeys(fs: FileSystem, keyFiles: readonly string[]): Promise<Key[]> {
  const keys: Key[] = [];
  for (const f of keyFiles) {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(f);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new StrataError(error('REPO_BAD_KEY', `cannot read key file ${f}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`, { hint: 'pass --key with the exported public key file (e.g. out/repos/RPM-GPG-KEY-NAME)' }));
    }
    try {
      keys.push(...(await readPublicKeys(bytes)));
    } catch (e) {
      throw new StrataError(error('REPO_BAD_KEY', `${f}: not an OpenPGP public key: ${(e as Error).message}`, { span: { file: f, line: 1, col: 1 }, hint: 'pass the armored public key (gpg --armor --export KEYID), not a secret key or a signature' }));
    }
  }
  return keys;
}

/** What the steps of one repository share. */
interface RepoContext {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly keys: readonly Key[];
  readonly opts: VerifyRepoOptions;
}

interface RepomdLink {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly repomd: Repomd;
}

/** The metadata files whose checksums verified, by type. */
interface VerifiedMetadata {
  readonly repomd: Repomd;
  readonly files: ReadonlyMap<string, { readonly location: string; readonly bytes: Uint8Array }>;
}

function metadataSteps(ctx: RepoContext, signed: { signedBy?: string }) {
  return {
    read: step<string, RepomdLink>('repomd read', 'REPO_METADATA_MISSING', async (file) => {
      const bytes = await ctx.fs.readFile(file);
      return { path: file, bytes, repomd: parseRepomd(Buffer.from(bytes).toString('utf8')) };
    }),
    signature: step<RepomdLink, RepomdLink>('repomd signature', 'REPO_METADATA_BAD_SIGNATURE', async (md, report) => {
      const asc = await ctx.fs.readFile(`${md.path}.asc`).catch(() => undefined);
      if (asc === undefined) report('REPO_METADATA_UNSIGNED', 'repodata/repomd.xml.asc is missing');
      else {
        try {
          signed.signedBy = (await openPgpVerifier(ctx.keys).verify(md.bytes, { bytes: asc, format: 'openpgp-armored' })).keyId;
        } catch (e) {
          report('REPO_METADATA_BAD_SIGNATURE', `repomd.xml signature does not verify: ${(e as Error).message}`);
        }
      }
      return md;
    }),
    digests: step<RepomdLink, VerifiedMetadata>('metadata digests', 'REPO_METADATA_CHECKSUM', async (md, report) => {
      const files = new Map<string, { location: string; bytes: Uint8Array }>();
      for (const d of md.repomd.data) {
        const file = confined(ctx.dir, d.location);
        if (!file) {
          report('REPO_PATH_ESCAPES', `metadata location ${d.location} points outside the repository`);
          continue;
        }
        const bytes = await ctx.fs.readFile(file).catch(() => undefined);
        if (!bytes) {
          report('REPO_METADATA_MISSING', `${d.location} (${d.type}) is missing`);
          continue;
        }
        const sum = digestHex(d.checksumType, bytes);
        if (sum === undefined) report('REPO_METADATA_CHECKSUM', `${d.location}: unknown checksum type ${d.checksumType}`);
        else if (sum !== d.checksum) report('REPO_METADATA_CHECKSUM', `${d.location} (${d.type}) does not match its checksum in repomd.xml`);
        else files.set(d.type, { location: d.location, bytes });
      }
      return { repomd: md.repomd, files };
    }),
    primary: step<VerifiedMetadata, PrimaryPackage[]>('primary parsed', 'REPO_METADATA_FORMAT', (md) => {
      if (!md.repomd.data.some((d) => d.type === 'primary')) throw new StrataError(error('REPO_METADATA_MISSING', 'repomd.xml lists no primary metadata'));
      const primary = md.files.get('primary');
      if (!primary) throw new StepSkipped('the primary metadata did not pass its digest check');
      let xml: string | undefined;
      try {
        xml = decompressMetadata(primary.location, primary.bytes);
      } catch (e) {
        throw new StrataError(error('REPO_METADATA_FORMAT', `${primary.location}: cannot decompress: ${(e as Error).message}`));
      }
      if (xml === undefined) throw new StrataError(error('REPO_METADATA_FORMAT', 'primary metadata is compressed in a format Strata cannot read in-process (use gz)'));
      return parsePrimary(xml);
    }),
  };
}

/** The package a step looks at, as far as the chain has established it. */
interface PackageFile {
  readonly entry: PrimaryPackage;
  readonly file: string;
}
interface PackageBytes extends PackageFile {
  readonly bytes: Uint8Array;
}
interface PackageHeader extends PackageBytes {
  readonly pkg: RpmPackage;
}

function packageSteps(ctx: RepoContext, found: { keyId?: string }) {
  return {
    location: step<PrimaryPackage, PackageFile>('package location', 'REPO_PATH_ESCAPES', (entry) => {
      const file = confined(ctx.dir, entry.location);
      if (!file) throw new StrataError(error('REPO_PATH_ESCAPES', `location ${entry.location} points outside the repository`));
      return { entry, file };
    }),
    read: step<PackageFile, PackageBytes>('package read', 'REPO_PACKAGE_MISSING', async (p) => {
      const bytes = await ctx.fs.readFile(p.file).catch(() => undefined);
      if (!bytes) throw new StrataError(error('REPO_PACKAGE_MISSING', 'listed in primary.xml but missing'));
      return { ...p, bytes };
    }),
    fileDigest: step<PackageBytes, void>('file digest vs primary', 'REPO_PACKAGE_CHECKSUM', ({ entry, bytes }, report) => {
      const sum = digestHex(entry.checksumType || 'sha256', bytes);
      if (sum === undefined) report('REPO_PACKAGE_CHECKSUM', `unknown checksum type ${entry.checksumType}`);
      else if (sum !== entry.pkgid) report('REPO_PACKAGE_CHECKSUM', 'file checksum differs from primary.xml');
      if (entry.packageSize !== undefined && entry.packageSize !== bytes.length) report('REPO_PACKAGE_SIZE', `size ${bytes.length} differs from primary.xml (${entry.packageSize})`);
    }),
    header: step<PackageBytes, PackageHeader>('header parsed', 'RPM_BAD_FORMAT', (p) => ({ ...p, pkg: parseRpm(p.bytes, p.entry.location) })),
    headerRange: step<PackageHeader, void>('header range', 'REPO_HEADER_RANGE', ({ entry, pkg }, report) => {
      if (entry.headerStart !== undefined && (entry.headerStart !== pkg.header.start || entry.headerEnd !== pkg.header.end)) {
        report('REPO_HEADER_RANGE', `header range ${pkg.header.start}-${pkg.header.end} differs from primary.xml (${entry.headerStart}-${entry.headerEnd})`);
      }
    }),
    headerDigests: step<PackageHeader, void>('header digests', 'RPM_BAD_FORMAT', ({ pkg }, report) => {
      for (const p of checkRpmDigests(pkg)) report(p.code, p.message);
    }),
    payload: step<PackageHeader, void>('payload files', 'RPM_PAYLOAD_CORRUPT', async ({ pkg }, report) => {
      for (const f of await checkPayloadFiles(pkg, ctx.opts.decompress)) report('RPM_PAYLOAD_FILE_MISMATCH', `${f.path}: ${f.problem}`);
    }),
    signature: step<PackageHeader, void>('RPM signature', 'RPM_BAD_SIGNATURE', async ({ pkg }, report) => {
      const sig = await checkRpmSignature(pkg, ctx.keys);
      if (sig.ok) found.keyId = sig.info.keyId;
      else report(sig.problem.code, sig.problem.message);
    }),
    identity: step<PackageHeader, void>('identity vs primary', 'REPO_PACKAGE_IDENTITY', ({ entry, pkg }, report) => {
      const h = pkg.header;
      const isSource = !h.has(Tag.SOURCERPM);
      const got = { name: h.string(Tag.NAME), version: h.string(Tag.VERSION), release: h.string(Tag.RELEASE), epoch: String(h.numbers(Tag.EPOCH)[0] ?? 0), arch: isSource ? 'src' : h.string(Tag.ARCH) };
      for (const k of ['name', 'version', 'release', 'epoch', 'arch'] as const) {
        if (got[k] !== entry[k]) report('REPO_PACKAGE_IDENTITY', `${k} is ${got[k]} in the package but ${entry[k]} in primary.xml`);
      }
    }),
  };
}

async function verifyPackage(ctx: RepoContext, entry: PrimaryPackage, listed: Set<string>): Promise<PackageVerdict> {
  const run = new VerifyRun();
  const found: { keyId?: string } = {};
  const s = packageSteps(ctx, found);
  const at = entry.location;
  const located = await run.run(s.location, entry, at);
  if (!isBroken(located)) listed.add(path.resolve(located.file));
  const read = await run.run(s.read, located, at);
  await run.check(s.fileDigest, read, at);
  const header: Link<PackageHeader> = await run.run(s.header, read, at);
  await run.check(s.headerRange, header, at);
  await run.check(s.headerDigests, header, at);
  if (ctx.opts.deep || (!isBroken(header) && !header.pkg.header.has(Tag.PAYLOADDIGEST))) await run.check(s.payload, header, at);
  else run.skip(s.payload.name, isBroken(header) ? 'a step before it failed' : 'the payload digest covers the payload (pass --deep to check every file)', at);
  await run.check(s.signature, header, at);
  await run.check(s.identity, header, at);
  const nevra = `${entry.name}-${entry.epoch !== '0' ? entry.epoch + ':' : ''}${entry.version}-${entry.release}.${entry.arch}`;
  return { file: entry.location, nevra, ok: run.ok, ...(found.keyId ? { keyId: found.keyId } : {}), problems: run.problems, steps: run.records };
}

export async function verifyRepo(fs: FileSystem, dir: string, opts: VerifyRepoOptions = {}): Promise<RepoVerdict> {
  const repomdPath = path.join(dir, 'repodata', 'repomd.xml');
  if (!(await fs.stat(repomdPath))?.isFile) {
    throw new StrataError(error('REPO_NOT_FOUND', `${dir} is not a repository: repodata/repomd.xml is missing`, { hint: 'pass a channel directory such as out/repos/base (created by `strata repo publish`)' }));
  }
  const keyFiles = opts.keyFiles?.length ? [...opts.keyFiles] : await findKeyFiles(fs, dir);
  if (!keyFiles.length) throw new StrataError(error('REPO_NO_KEY', `no trusted public key for ${dir}`, { hint: 'pass --key FILE (the project public key), or keep the RPM-GPG-KEY file `repo publish` exports next to the repository' }));
  const ctx: RepoContext = { fs, dir, keys: await loadTrustedKeys(fs, keyFiles), opts };

  const meta = new VerifyRun();
  const signed: { signedBy?: string } = {};
  const m = metadataSteps(ctx, signed);
  const repomd = await meta.check(m.signature, await meta.run(m.read, repomdPath), 'repodata/repomd.xml');
  const primary = await meta.run(m.primary, await meta.run(m.digests, repomd));

  const packages: PackageVerdict[] = [];
  const listed = new Set<string>();
  for (const entry of isBroken(primary) ? [] : primary) packages.push(await verifyPackage(ctx, entry, listed));

  const rest = new VerifyRun();
  const unlisted = step<string, void>('unlisted packages', 'REPO_PACKAGE_UNLISTED', async (root, report) => {
    for (const f of await fs.glob(['**/*.rpm'], root)) {
      if (listed.has(path.resolve(f))) continue;
      const file = path.relative(root, f);
      const problem = { code: 'REPO_PACKAGE_UNLISTED', message: 'present in the directory but not in the metadata' } as const;
      report(problem.code, `${file}: ${problem.message}`);
      packages.push({ file, nevra: path.basename(f, '.rpm'), ok: false, problems: [problem], steps: [{ step: 'unlisted packages', subject: file, status: 'failed', problems: [problem] }] });
    }
  });
  await rest.check(unlisted, dir);
  packages.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    dir,
    ok: meta.ok && packages.every((p) => p.ok),
    keyFiles,
    metadata: { ok: meta.ok, ...(signed.signedBy ? { signedBy: signed.signedBy } : {}), problems: meta.problems },
    packages,
    steps: [...meta.records, ...rest.records],
  };
}
