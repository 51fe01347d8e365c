/**
 * `publishRepos`: turn `out/rpms/<channel>/` (and `out/srpms/` as the `source` channel) into
 * signed rpm-md repositories under `<repoDir>/<channel>/`:
 *
 *   copy → rpmsign (project key, pinned signature time) → mtimes set to the revision →
 *   createrepo_c (fixed revision and timestamps, gz, no sqlite) → repomd.xml.asc (by the key's
 *   Signer) → RPM-GPG-KEY-<name> next to the repositories → in-process verification of the result.
 *
 * The revision is the newest BUILDTIME among the channel's packages (SOURCE_DATE_EPOCH of the
 * newest build), so publishing the same packages twice gives byte-identical repositories.
 */
import * as path from 'node:path';
import { StrataError, error, isStrataError } from '../diag/index.js';
import type { EventSink, FileSystem, ProcessLock, ProcessRunner } from '../adapters/types.js';
import { parseRpm, Tag } from '../rpm/rpm-header.js';
import type { GpgKeyHome } from '../trust/gpg-signer.js';
import type { Signer } from '../trust/signer.js';
import { batchArgs, signRpms } from './signing.js';
import { verifyRepo, type RepoVerdict } from './verify.js';
import { createHash } from 'node:crypto';
import type { BuildRecord } from '../build/build-record.js';
import { ATTESTATION_KEY_FILE, buildEvidence, EVIDENCE_DIR, writeEvidence, type EvidenceIndex, type PublishedPackage } from '../attest/publish-evidence.js';
import { replaceDir } from '../util/replace-dir.js';

/**
 * What publishing needs of the project key (a `GpgKey` from `loadGpgKey` is one): the GnuPG home
 * rpmsign signs packages with, the Signer of repomd.xml.asc, and the public key to export.
 */
export interface PublishKey extends GpgKeyHome {
  readonly signer: Signer;
  readonly publicKeyArmored: string;
}

export interface PublishOptions {
  readonly outDir: string;
  /** Where repositories go (default `<outDir>/repos`). */
  readonly repoDir?: string;
  /** Only these channels (default: every directory under out/rpms, plus `source`). */
  readonly channels?: readonly string[];
  readonly key: PublishKey;
  /** Name used in the exported key file: RPM-GPG-KEY-<keyName>. */
  readonly keyName: string;
  /** Public keys the result must verify against (default: the exported key). */
  readonly verifyWith?: readonly string[];
  /** Publish out/srpms as the `source` channel (default true). */
  readonly includeSource?: boolean;
  /**
   * Publish the build evidence beside the repositories (`<repoDir>/evidence/`, src/attest):
   * the build records of the components, and the attestation key that signs the provenance.
   */
  readonly evidence?: { readonly records: readonly BuildRecord[]; readonly signer: Signer; readonly keyId: string; readonly publicKeyPem: string };
}

export interface PublishedChannel {
  readonly channel: string;
  readonly dir: string;
  readonly packages: number;
  readonly revision: number;
  readonly keyFile: string;
  readonly verdict: RepoVerdict;
}

export interface PublishResult {
  readonly repoDir: string;
  readonly keyFile: string;
  readonly fingerprint: string;
  readonly channels: readonly PublishedChannel[];
  /** The evidence published (with `evidence` in the options). */
  readonly evidence?: { readonly dir: string; readonly index: EvidenceIndex };
}

/** Staging directories of `publishRepos` (`.<channel>.publish-XXXXXX`, beside the repositories). */
const PUBLISH_STAGING = /^\..+\.publish-[^/]+$/;

/**
 * Publish under `<repoDir>/.publish.lock` (`lock`: one publisher per repository directory at a
 * time). Holding it, staging directories left by a publish that crashed (killed, power loss)
 * are removed first: no other publisher can own one.
 */
export async function publishRepos(ctx: { fs: FileSystem; proc: ProcessRunner; sink: EventSink; lock: ProcessLock }, o: PublishOptions): Promise<PublishResult> {
  const { fs, proc, sink } = ctx;
  const repoDir = o.repoDir ?? path.join(o.outDir, 'repos');
  const rpmsDir = path.join(o.outDir, 'rpms');
  const available = new Map<string, string>();
  for (const name of (await fs.readdir(rpmsDir).catch(() => [] as string[])).sort()) {
    if ((await fs.stat(path.join(rpmsDir, name)))?.isDirectory) available.set(name, path.join(rpmsDir, name));
  }
  if (o.includeSource !== false && (await fs.stat(path.join(o.outDir, 'srpms')))?.isDirectory) available.set('source', path.join(o.outDir, 'srpms'));
  const wanted = o.channels?.length ? [...o.channels] : [...available.keys()];
  const unknown = wanted.filter((c) => !available.has(c));
  if (unknown.length) {
    throw new StrataError(error('REPO_UNKNOWN_CHANNEL', `no built packages for channel ${unknown.join(', ')}`, { hint: available.size ? `channels with packages: ${[...available.keys()].join(', ')}` : 'run `strata component build` first' }));
  }
  if (!wanted.length) throw new StrataError(error('REPO_NOTHING_TO_PUBLISH', `no packages under ${rpmsDir}`, { hint: 'run `strata component build` first' }));
  await fs.mkdir(repoDir);
  const release = await ctx.lock.acquire(path.join(repoDir, '.publish.lock'));
  try {
    for (const name of (await fs.readdir(repoDir)).filter((n) => PUBLISH_STAGING.test(n)).sort()) {
      sink({ kind: 'log', level: 'info', message: `removing ${path.join(repoDir, name)}, left by an interrupted publish` });
      await fs.remove(path.join(repoDir, name));
    }
    return await publishLocked(ctx, o, repoDir, available, wanted);
  } finally {
    await release();
  }
}

async function publishLocked(ctx: { fs: FileSystem; proc: ProcessRunner; sink: EventSink }, o: PublishOptions, repoDir: string, available: ReadonlyMap<string, string>, wanted: readonly string[]): Promise<PublishResult> {
  const { fs, sink } = ctx;
  const keyFile = path.join(repoDir, `RPM-GPG-KEY-${o.keyName}`);
  await fs.writeFileAtomic(keyFile, o.key.publicKeyArmored);
  const channels: PublishedChannel[] = [];
  sink({ kind: 'start', task: 'publish', total: wanted.length });
  let done = 0;
  for (const channel of wanted) {
    const src = available.get(channel)!;
    const dest = path.join(repoDir, channel);
    // Built and verified in a staging directory beside the repository, then swapped in whole: a
    // failed publish leaves the previous repository untouched, and readers never see half of one.
    const stage = await fs.mkdtemp(`.${channel}.publish-`, repoDir);
    let ch: PublishedChannel;
    try {
      ch = await publishChannel(ctx, o, channel, src, stage, keyFile);
      await replaceDir(fs, stage, dest);
    } finally {
      await fs.remove(stage);
    }
    channels.push(ch);
    sink({ kind: 'item', task: 'publish', item: channel, status: 'ok', detail: `${ch.packages} package(s)` });
    sink({ kind: 'progress', task: 'publish', done: ++done, total: wanted.length, item: channel });
  }
  sink({ kind: 'end', task: 'publish' });
  const evidence = o.evidence ? await publishEvidence(fs, repoDir, o.evidence, o.key.fingerprint.slice(-16).toUpperCase()) : undefined;
  return { repoDir, keyFile, fingerprint: o.key.fingerprint, channels, ...(evidence ? { evidence } : {}) };
}

/** Sign, index and verify one channel in `stage` (a fresh directory beside its final place); paths in the result name its final place. */
async function publishChannel(ctx: { fs: FileSystem; proc: ProcessRunner; sink: EventSink }, o: PublishOptions, channel: string, src: string, stage: string, keyFile: string): Promise<PublishedChannel> {
  const { fs, proc, sink } = ctx;
  const finalDir = path.join(path.dirname(stage), channel);
  const files = (await fs.readdir(src)).filter((n) => n.endsWith('.rpm')).sort();
  const copies = files.map((n) => path.join(stage, n));
  for (const n of files) await fs.copyFile(path.join(src, n), path.join(stage, n));
  let revision = 0;
  for (const f of copies) revision = Math.max(revision, parseRpm(await fs.readFile(f), f).header.numbers(Tag.BUILDTIME)[0] ?? 0);
  sink({ kind: 'log', level: 'debug', message: `publish ${channel}: signing ${copies.length} package(s)` });
  await signRpms(proc, o.key, copies, revision);
  for (const batch of batchArgs(copies)) {
    const t = await proc.run('touch', ['-h', '-d', `@${revision}`, ...batch]);
    if (t.code !== 0) throw new StrataError(error('REPO_TOUCH_FAILED', `cannot set file times in ${stage}: ${t.stderr.trim()}`));
  }
  const cr = await proc.run('createrepo_c', ['--quiet', '--no-database', '--general-compress-type=gz', '--revision', String(revision), '--set-timestamp-to-revision', '--workers', '1', stage], { env: { LC_ALL: 'C', TZ: 'UTC' } });
  if (cr.code !== 0) throw new StrataError(error('REPO_CREATEREPO_FAILED', `createrepo_c failed for ${channel}: ${cr.stderr.trim()}`, { hint: 'createrepo_c comes from the Debian package createrepo-c' }));
  await signRepomd(fs, o.key, path.join(stage, 'repodata', 'repomd.xml'), revision);
  const chanKey = path.join(stage, `RPM-GPG-KEY-${o.keyName}`);
  await fs.writeFileAtomic(chanKey, o.key.publicKeyArmored);
  const verdict = await verifyRepo(fs, stage, { keyFiles: o.verifyWith?.length ? [...o.verifyWith] : [keyFile] });
  if (!verdict.ok) {
    const bad = [...verdict.metadata.problems.map((p) => p.message), ...verdict.packages.filter((p) => !p.ok).map((p) => `${p.file}: ${p.problems.map((x) => x.message).join('; ')}`)];
    throw new StrataError(error('REPO_PUBLISH_UNVERIFIED', `the published ${channel} repository does not verify: ${bad.join(' | ')}`));
  }
  return { channel, dir: finalDir, packages: copies.length, revision, keyFile: path.join(finalDir, path.basename(chanKey)), verdict: { ...verdict, dir: finalDir } };
}

/** Write `<repomd>.asc`, the key's armored detached signature of repomd.xml, made at `time`. */
async function signRepomd(fs: FileSystem, key: PublishKey, repomd: string, time: number): Promise<void> {
  try {
    const signature = await key.signer.sign(await fs.readFile(repomd), { time });
    await fs.writeFileAtomic(`${repomd}.asc`, signature.bytes);
  } catch (e) {
    if (!isStrataError(e)) throw e;
    throw new StrataError(e.diagnostics.map((d) => ({ ...d, message: `cannot sign ${path.basename(repomd)}: ${d.message}` })), { cause: e });
  }
}

/**
 * The evidence of every component with packages in any channel of `repoDir` (not only those
 * published now), staged beside it and swapped in whole.
 */
async function publishEvidence(fs: FileSystem, repoDir: string, ev: NonNullable<PublishOptions['evidence']>, rpmSigner: string): Promise<{ dir: string; index: EvidenceIndex }> {
  const published = new Map<string, PublishedPackage>();
  for (const channel of (await fs.readdir(repoDir)).sort()) {
    const dir = path.join(repoDir, channel);
    if (channel === EVIDENCE_DIR || channel.startsWith('.') || !(await fs.stat(path.join(dir, 'repodata')))?.isDirectory) continue;
    for (const f of (await fs.readdir(dir)).filter((n) => n.endsWith('.rpm')).sort()) {
      const bytes = await fs.readFile(path.join(dir, f));
      published.set(f, { channel, file: f, sha256: createHash('sha256').update(bytes).digest('hex'), signer: rpmSigner });
    }
  }
  const files = await buildEvidence(ev.records, published, ev.signer, ev.keyId);
  // The attestation public key, like RPM-GPG-KEY-*: what a verifier trusts (better: from the project).
  await fs.writeFileAtomic(path.join(repoDir, ATTESTATION_KEY_FILE), ev.publicKeyPem);
  const dest = path.join(repoDir, EVIDENCE_DIR);
  const stage = await fs.mkdtemp(`.${EVIDENCE_DIR}.publish-`, repoDir);
  try {
    await writeEvidence(fs, stage, files);
    await replaceDir(fs, stage, dest);
  } finally {
    await fs.remove(stage);
  }
  return { dir: dest, index: files.index };
}
