/**
 * `verifyRepo`: check a published repository in-process, as named steps:
 *
 *   1. repomd.xml.asc is a valid OpenPGP signature of repomd.xml by a trusted key;
 *   2. every metadata file repomd.xml lists has the recorded checksum;
 *   3. every package primary.xml lists exists with the recorded checksum, size and header range;
 *   4. its header and payload digests recompute, and its header signature verifies;
 *   5. its name/epoch/version/release/arch agree with the metadata; with `deep` (or when the
 *      package has no PAYLOADDIGEST) every payload file matches the header's digests and modes;
 *   6. no RPM file sits in the directory that the metadata does not list.
 *
 * Every problem is reported (per package), not only the first.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Key } from 'openpgp';
import type { FileSystem } from '../adapters/types.js';
import { StrataError, error } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import { decompressMetadata, parsePrimary, parseRepomd } from './metadata.js';
import { parseRpm, Tag } from '../rpm/rpm-header.js';
import { checkRpmDigests, checkRpmSignature, readPublicKeys, type RpmProblem } from '../rpm/rpm-verify.js';
import { checkPayloadFiles, type Decompressor } from '../rpm/payload.js';

export interface PackageVerdict {
  readonly file: string;
  readonly nevra: string;
  readonly ok: boolean;
  readonly keyId?: string;
  readonly problems: readonly RpmProblem[];
}

export interface RepoVerdict {
  readonly dir: string;
  readonly ok: boolean;
  readonly keyFiles: readonly string[];
  readonly metadata: { readonly ok: boolean; readonly signedBy?: string; readonly problems: readonly RpmProblem[] };
  readonly packages: readonly PackageVerdict[];
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

export async function verifyDetached(data: Uint8Array, armoredSignature: string, keys: readonly Key[]): Promise<{ ok: true; keyId: string } | { ok: false; message: string }> {
  const openpgp = await import('openpgp');
  try {
    const signature = await openpgp.readSignature({ armoredSignature });
    const message = await openpgp.createMessage({ binary: data });
    const res = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary' });
    if (!res.signatures.length) return { ok: false, message: 'no signature found' };
    for (const s of res.signatures) {
      try {
        await s.verified;
        return { ok: true, keyId: s.keyID.toHex().toUpperCase() };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
    }
    return { ok: false, message: 'no valid signature' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

export async function verifyRepo(fs: FileSystem, dir: string, opts: VerifyRepoOptions = {}): Promise<RepoVerdict> {
  const repomdPath = path.join(dir, 'repodata', 'repomd.xml');
  if (!(await fs.stat(repomdPath))?.isFile) {
    throw new StrataError(error('REPO_NOT_FOUND', `${dir} is not a repository: repodata/repomd.xml is missing`, { hint: 'pass a channel directory such as out/repos/base (created by `strata repo publish`)' }));
  }
  const keyFiles = opts.keyFiles?.length ? [...opts.keyFiles] : await findKeyFiles(fs, dir);
  if (!keyFiles.length) throw new StrataError(error('REPO_NO_KEY', `no trusted public key for ${dir}`, { hint: 'pass --key FILE (the project public key), or keep the RPM-GPG-KEY file `repo publish` exports next to the repository' }));
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

  // 1. Metadata signature.
  const metaProblems: RpmProblem[] = [];
  const repomdBytes = await fs.readFile(repomdPath);
  let signedBy: string | undefined;
  const asc = await fs.readText(`${repomdPath}.asc`).catch(() => undefined);
  if (asc === undefined) metaProblems.push({ code: 'REPO_METADATA_UNSIGNED', message: 'repodata/repomd.xml.asc is missing' });
  else {
    const v = await verifyDetached(repomdBytes, asc, keys);
    if (v.ok) signedBy = v.keyId;
    else metaProblems.push({ code: 'REPO_METADATA_BAD_SIGNATURE', message: `repomd.xml signature does not verify: ${v.message}` });
  }
  // 2. Metadata files.
  const repomd = parseRepomd(Buffer.from(repomdBytes).toString('utf8'));
  let primaryXml: string | undefined;
  for (const d of repomd.data) {
    const file = confined(dir, d.location);
    if (!file) {
      metaProblems.push({ code: 'REPO_PATH_ESCAPES', message: `metadata location ${d.location} points outside the repository` });
      continue;
    }
    const bytes = await fs.readFile(file).catch(() => undefined);
    if (!bytes) {
      metaProblems.push({ code: 'REPO_METADATA_MISSING', message: `${d.location} (${d.type}) is missing` });
      continue;
    }
    const sum = digestHex(d.checksumType, bytes);
    if (sum === undefined) {
      metaProblems.push({ code: 'REPO_METADATA_CHECKSUM', message: `${d.location}: unknown checksum type ${d.checksumType}` });
      continue;
    }
    if (sum !== d.checksum) {
      metaProblems.push({ code: 'REPO_METADATA_CHECKSUM', message: `${d.location} (${d.type}) does not match its checksum in repomd.xml` });
      continue;
    }
    if (d.type === 'primary') {
      try {
        primaryXml = decompressMetadata(d.location, bytes);
      } catch (e) {
        metaProblems.push({ code: 'REPO_METADATA_FORMAT', message: `${d.location}: cannot decompress: ${(e as Error).message}` });
      }
    }
  }
  if (!repomd.data.some((d) => d.type === 'primary')) metaProblems.push({ code: 'REPO_METADATA_MISSING', message: 'repomd.xml lists no primary metadata' });
  else if (primaryXml === undefined && !metaProblems.length) metaProblems.push({ code: 'REPO_METADATA_FORMAT', message: 'primary metadata is compressed in a format Strata cannot read in-process (use gz)' });

  // 3–5. Packages.
  const packages: PackageVerdict[] = [];
  const listed = new Set<string>();
  for (const p of primaryXml ? parsePrimary(primaryXml) : []) {
    const problems: RpmProblem[] = [];
    const nevra = `${p.name}-${p.epoch !== '0' ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`;
    const file = confined(dir, p.location);
    if (file) listed.add(path.resolve(file));
    else {
      packages.push({ file: p.location, nevra, ok: false, problems: [{ code: 'REPO_PATH_ESCAPES', message: `location ${p.location} points outside the repository` }] });
      continue;
    }
    const bytes = await fs.readFile(file).catch(() => undefined);
    if (!bytes) {
      packages.push({ file: p.location, nevra, ok: false, problems: [{ code: 'REPO_PACKAGE_MISSING', message: 'listed in primary.xml but missing' }] });
      continue;
    }
    const sum = digestHex(p.checksumType || 'sha256', bytes);
    if (sum === undefined) problems.push({ code: 'REPO_PACKAGE_CHECKSUM', message: `unknown checksum type ${p.checksumType}` });
    else if (sum !== p.pkgid) problems.push({ code: 'REPO_PACKAGE_CHECKSUM', message: 'file checksum differs from primary.xml' });
    if (p.packageSize !== undefined && p.packageSize !== bytes.length) problems.push({ code: 'REPO_PACKAGE_SIZE', message: `size ${bytes.length} differs from primary.xml (${p.packageSize})` });
    let keyId: string | undefined;
    try {
      const pkg = parseRpm(bytes, p.location);
      if (p.headerStart !== undefined && (p.headerStart !== pkg.header.start || p.headerEnd !== pkg.header.end)) {
        problems.push({ code: 'REPO_HEADER_RANGE', message: `header range ${pkg.header.start}-${pkg.header.end} differs from primary.xml (${p.headerStart}-${p.headerEnd})` });
      }
      problems.push(...checkRpmDigests(pkg));
      if (opts.deep || !pkg.header.has(Tag.PAYLOADDIGEST)) {
        try {
          for (const f of await checkPayloadFiles(pkg, opts.decompress)) problems.push({ code: 'RPM_PAYLOAD_FILE_MISMATCH', message: `${f.path}: ${f.problem}` });
        } catch (e) {
          problems.push({ code: (e as StrataError).code ?? 'RPM_PAYLOAD_CORRUPT', message: (e as Error).message });
        }
      }
      const sig = await checkRpmSignature(pkg, keys);
      if (sig.ok) keyId = sig.info.keyId;
      else problems.push(sig.problem);
      const h = pkg.header;
      const isSource = !h.has(Tag.SOURCERPM);
      const got = { name: h.string(Tag.NAME), version: h.string(Tag.VERSION), release: h.string(Tag.RELEASE), epoch: String(h.numbers(Tag.EPOCH)[0] ?? 0), arch: isSource ? 'src' : h.string(Tag.ARCH) };
      for (const k of ['name', 'version', 'release', 'epoch', 'arch'] as const) {
        if (got[k] !== p[k]) problems.push({ code: 'REPO_PACKAGE_IDENTITY', message: `${k} is ${got[k]} in the package but ${p[k]} in primary.xml` });
      }
    } catch (e) {
      problems.push({ code: (e as StrataError).code ?? 'RPM_BAD_FORMAT', message: (e as Error).message });
    }
    packages.push({ file: p.location, nevra, ok: problems.length === 0, ...(keyId ? { keyId } : {}), problems });
  }
  // 6. Unlisted packages.
  for (const f of await fs.glob(['**/*.rpm'], dir)) {
    if (!listed.has(path.resolve(f))) packages.push({ file: path.relative(dir, f), nevra: path.basename(f, '.rpm'), ok: false, problems: [{ code: 'REPO_PACKAGE_UNLISTED', message: 'present in the directory but not in the metadata' }] });
  }
  packages.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const metaOk = metaProblems.length === 0;
  return {
    dir,
    ok: metaOk && packages.every((p) => p.ok),
    keyFiles,
    metadata: { ok: metaOk, ...(signedBy ? { signedBy } : {}), problems: metaProblems },
    packages,
  };
}
