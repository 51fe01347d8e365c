// Strata's RPM header reader against rpm itself, and publish/verify against tampering, checked
// both in-process (`verifyRepo`) and by dnf (gpgcheck=1, repo_gpgcheck=1). Real tools throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { NodeProcessLock } from '../adapters/process-lock.js';
import type { ProcessRunner, RunResult } from '../adapters/types.js';
import { runBuild } from '../build/run-build.js';
import { rpmspecInspector, specModelInspector } from '../build/spec-facts.js';
import { generateSigningKey, makeTarballs, prepareExampleUnits, type TestKey } from '../testing/example.js';
import type { StrataError } from '../diag/index.js';
import { listTree } from '../testing/tree.js';
import { parsePrimary, parseRepomd } from './metadata.js';
import { publishRepos } from './publish.js';
import { fileList, parseRpm, rpmInfo, Tag } from '../rpm/rpm-header.js';
import { loadGpgKey, type GpgKeyHome } from '../trust/gpg-signer.js';
import { batchArgs, signRpms } from './signing.js';
import type { StepRecord } from '../trust/verify-steps.js';
import { verifyRepo } from './verify.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const lock = new NodeProcessLock();
let tmp: string;
let outDir: string;
let key: TestKey;
let otherKey: TestKey;

function rpmq(file: string, qf: string): string {
  return execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', qf, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

async function publish(dest: string, k: TestKey = key) {
  const sk = await loadGpgKey(fs, proc, { keyFile: k.secretKeyFile });
  try {
    return await publishRepos({ fs, proc, sink: () => {}, lock: new NodeProcessLock() }, { outDir, repoDir: dest, key: sk, keyName: 'test' });
  } finally {
    await sk.dispose();
  }
}

/** `relpath sha256` of every file under `dir`, sorted. */
function sums(dir: string): string[] {
  return listTree(dir).map((rel) => `${rel} ${createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex')}`);
}

function dnfInstall(repo: string, keyFile: string, what: string): { code: number; out: string } {
  const root = mkdtempSync(path.join(tmp, 'dnfroot-'));
  const r = spawnSync(
    'dnf',
    ['-y', '-q', '--setopt=reposdir=/dev/null', `--setopt=cachedir=${root}-cache`, `--installroot=${root}`, '--releasever=1', '--forcearch=x86_64', '--setopt=install_weak_deps=False', `--repofrompath=t,file://${repo}`, '--setopt=t.gpgcheck=1', '--setopt=t.repo_gpgcheck=1', `--setopt=t.gpgkey=file://${keyFile}`, 'install', what],
    { encoding: 'utf8' },
  );
  return { code: r.status ?? 1, out: `${r.stdout}\n${r.stderr}` };
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-repo-test-'));
  const tarballs = makeTarballs(path.join(tmp, 'tarballs'));
  const units = prepareExampleUnits(path.join(tmp, 'prepared'), tarballs, ['libgreet', 'greet', 'greet-data']);
  outDir = path.join(tmp, 'out');
  const r = await runBuild(
    { fs, proc, sink: () => {}, lock },
    { units, outDir, workDir: path.join(tmp, 'work'), fixedRootBase: path.join(tmp, 'fixed'), macros: { dist: '.t1' }, jobs: 2, inspector: specModelInspector(fs, rpmspecInspector(proc)), localRepo: false, channelOf: (_c, n) => (n.endsWith('-devel') ? 'devel' : 'base') },
  );
  assert.ok(r.records.every((x) => x.status === 'built'), JSON.stringify(r.records));
  key = generateSigningKey(path.join(tmp, 'key'));
  otherKey = generateSigningKey(path.join(tmp, 'other-key'), 'Someone Else <else@example.invalid>');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('rpm header reader agrees with rpm -qp on identity, deps, files, digests and header range', () => {
  const files = [...readdirSync(path.join(outDir, 'rpms', 'base')).map((f) => path.join(outDir, 'rpms', 'base', f)), ...readdirSync(path.join(outDir, 'srpms')).map((f) => path.join(outDir, 'srpms', f))];
  assert.ok(files.length >= 6);
  for (const f of files) {
    const pkg = parseRpm(readFileSync(f), f);
    const info = rpmInfo(pkg);
    assert.equal(`${info.name}|${info.version}|${info.release}`, rpmq(f, '%{NAME}|%{VERSION}|%{RELEASE}'));
    assert.equal(info.isSource, f.endsWith('.src.rpm'));
    if (!info.isSource) assert.equal(info.arch, rpmq(f, '%{ARCH}'));
    assert.deepEqual(info.provides.map((d) => (d.op ? `${d.name} ${d.op} ${d.version}` : d.name)), rpmq(f, '[%{PROVIDENEVRS}\n]').split('\n').filter(Boolean));
    assert.deepEqual(info.requires.map((d) => (d.op ? `${d.name} ${d.op} ${d.version}` : d.name)), rpmq(f, '[%{REQUIRENEVRS}\n]').split('\n').filter(Boolean));
    assert.deepEqual(fileList(pkg.header), rpmq(f, '[%{FILENAMES}\n]').split('\n').filter(Boolean));
    assert.deepEqual(pkg.header.strings(Tag.FILEDIGESTS), rpmq(f, '[%{FILEDIGESTS}\n]').split('\n').slice(0, -1));
    assert.equal(pkg.header.numbers(Tag.BUILDTIME)[0], Number(rpmq(f, '%{BUILDTIME}')));
  }
  // header-range as createrepo_c records it
  const repo = mkdtempSync(path.join(tmp, 'hr-'));
  cpSync(path.join(outDir, 'rpms', 'base'), repo, { recursive: true });
  execFileSync('createrepo_c', ['--quiet', '--no-database', '--general-compress-type=gz', repo]);
  const md = parseRepomd(readFileSync(path.join(repo, 'repodata', 'repomd.xml'), 'utf8'));
  const primary = md.data.find((d) => d.type === 'primary')!;
  const pk = parsePrimary(execFileSync('gzip', ['-dc', path.join(repo, primary.location)], { encoding: 'utf8' }));
  assert.ok(pk.length >= 3);
  for (const p of pk) {
    const h = parseRpm(readFileSync(path.join(repo, p.location))).header;
    assert.deepEqual([h.start, h.end], [p.headerStart, p.headerEnd], p.location);
  }
});

const badInputs: { name: string; input: Uint8Array }[] = [
  { name: 'empty', input: new Uint8Array() },
  { name: 'not an rpm', input: new TextEncoder().encode('#!/bin/sh\necho hello\n'.repeat(20)) },
  { name: 'lead only', input: new Uint8Array([0xed, 0xab, 0xee, 0xdb, ...new Array(200).fill(0)]) },
];
for (const c of badInputs) {
  test(`rpm header reader rejects ${c.name} with RPM_BAD_FORMAT`, () => {
    assert.throws(() => parseRpm(c.input, 'x.rpm'), (e: { code?: string; diagnostics?: { span?: { file: string } }[] }) => e.code === 'RPM_BAD_FORMAT' && e.diagnostics?.[0]?.span?.file === 'x.rpm');
  });
}

test('rpm header reader: a truncated real package is rejected, never crashes', () => {
  const f = path.join(outDir, 'rpms', 'base', readdirSync(path.join(outDir, 'rpms', 'base'))[0]!);
  const bytes = readFileSync(f);
  for (const n of [100, 200, 500, 1000, 3000]) assert.throws(() => parseRpm(bytes.subarray(0, n), f), { code: 'RPM_BAD_FORMAT' });
});

test('publish: signed, deterministic, verifiable in-process and by dnf; the program installs', async () => {
  const a = await publish(path.join(tmp, 'pub-a'));
  const b = await publish(path.join(tmp, 'pub-b'));
  assert.deepEqual(a.channels.map((c) => c.channel), ['base', 'devel', 'source']);
  for (const ch of a.channels) assert.ok(ch.verdict.ok, JSON.stringify(ch.verdict));
  assert.deepEqual(sums(a.repoDir), sums(b.repoDir), 'publishing twice gives the same bytes');
  const v = await verifyRepo(fs, path.join(a.repoDir, 'base'));
  assert.ok(v.ok);
  assert.equal(v.packages.length, 3);
  const rpmk = spawnSync('rpmkeys', ['--dbpath', path.join(tmp, 'kdb'), '--import', key.publicKeyFile]);
  assert.equal(rpmk.status, 0);
  for (const p of v.packages) {
    const k = spawnSync('rpmkeys', ['--dbpath', path.join(tmp, 'kdb'), '-K', path.join(a.repoDir, 'base', p.file)], { encoding: 'utf8' });
    assert.match(k.stdout, /digests signatures OK/, 'rpm agrees the signature is good');
  }
  const d = dnfInstall(path.join(a.repoDir, 'base'), a.keyFile, 'greet');
  assert.equal(d.code, 0, d.out);
});

test('a tampered RPM is rejected by repo verify (only that package) and by dnf', async () => {
  const pub = await publish(path.join(tmp, 'pub-tamper-rpm'));
  const base = path.join(pub.repoDir, 'base');
  const victim = readdirSync(base).find((f) => f.startsWith('greet-1'))!;
  const bytes = readFileSync(path.join(base, victim));
  bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff; // inside the compressed payload
  writeFileSync(path.join(base, victim), bytes);
  const v = await verifyRepo(fs, base);
  assert.equal(v.ok, false);
  assert.ok(v.metadata.ok, 'metadata itself is fine');
  const bad = v.packages.filter((p) => !p.ok);
  assert.deepEqual(bad.map((p) => p.file), [victim]);
  const codes = bad[0]!.problems.map((p) => p.code);
  assert.ok(codes.includes('REPO_PACKAGE_CHECKSUM'), codes.join());
  assert.ok(codes.includes('RPM_PAYLOAD_DIGEST_MISMATCH'), codes.join());
  const d = dnfInstall(base, pub.keyFile, 'greet');
  assert.notEqual(d.code, 0, 'dnf must refuse the tampered package');
});

test('a tampered repomd.xml is rejected by repo verify and by dnf', async () => {
  const pub = await publish(path.join(tmp, 'pub-tamper-md'));
  const base = path.join(pub.repoDir, 'base');
  const md = path.join(base, 'repodata', 'repomd.xml');
  writeFileSync(md, readFileSync(md, 'utf8').replace(/<revision>(\d+)<\/revision>/, (_m, n: string) => `<revision>${Number(n) + 1}</revision>`));
  const v = await verifyRepo(fs, base);
  assert.equal(v.ok, false);
  assert.deepEqual(v.metadata.problems.map((p) => p.code), ['REPO_METADATA_BAD_SIGNATURE']);
  const d = dnfInstall(base, pub.keyFile, 'greet');
  assert.notEqual(d.code, 0, 'dnf must refuse the repository');
  assert.match(d.out, /GPG|signature/i);
});

test('a publish that fails its verification leaves the previous repository as it was and no staging behind', async () => {
  const dest = path.join(tmp, 'pub-keep');
  await publish(dest);
  const before = sums(dest);
  const sk = await loadGpgKey(fs, proc, { keyFile: key.secretKeyFile });
  try {
    await assert.rejects(
      publishRepos({ fs, proc, sink: () => {}, lock: new NodeProcessLock() }, { outDir, repoDir: dest, key: sk, keyName: 'test', verifyWith: [otherKey.publicKeyFile] }),
      (e: StrataError) => e.code === 'REPO_PUBLISH_UNVERIFIED',
    );
  } finally {
    await sk.dispose();
  }
  assert.deepEqual(sums(dest), before);
});

test('publish removes staging directories left by a crashed publish, and only those', async () => {
  const dest = path.join(tmp, 'pub-crashed');
  mkdirSync(path.join(dest, '.base.publish-Ab12Cd', 'repodata'), { recursive: true });
  writeFileSync(path.join(dest, '.base.publish-Ab12Cd', 'half.rpm'), 'partial');
  mkdirSync(path.join(dest, '.source.publish-zz9'), { recursive: true });
  writeFileSync(path.join(dest, 'keep-me.txt'), 'not ours');
  await publish(dest);
  assert.deepEqual(readdirSync(dest).sort(), ['RPM-GPG-KEY-test', 'base', 'devel', 'keep-me.txt', 'source']);
});

test('batchArgs: order kept, at most N names and B bytes per batch, long names alone', () => {
  const names = Array.from({ length: 45 }, (_, i) => `/r/pkg-${String(i).padStart(3, '0')}.rpm`);
  const b = batchArgs(names, 10, 1 << 20);
  assert.deepEqual(b.map((x) => x.length), [10, 10, 10, 10, 5]);
  assert.deepEqual(b.flat(), names);
  const bytes = batchArgs(names, 1000, 3 * 17);
  assert.ok(bytes.every((x) => x.reduce((n, f) => n + f.length + 1, 0) <= 51), JSON.stringify(bytes));
  assert.deepEqual(bytes.flat(), names);
  const huge = 'x'.repeat(100);
  assert.deepEqual(batchArgs(['a', huge, 'b'], 1000, 10), [['a'], [huge], ['b']]);
  assert.deepEqual(batchArgs([]), []);
});

test('signRpms: tens of thousands of packages are signed in batches of bounded argument length, in order', async () => {
  const calls: string[][] = [];
  const fake: ProcessRunner = {
    async run(cmd, args): Promise<RunResult> {
      assert.equal(cmd, 'rpmsign');
      calls.push(args.filter((a) => a.endsWith('.rpm')));
      return { code: 0, stdout: '', stderr: '' };
    },
    async which() {
      return undefined;
    },
  };
  const k: GpgKeyHome = { gpgHome: '/g', fingerprint: 'F'.repeat(40), created: 1 };
  const files = Array.from({ length: 30_000 }, (_, i) => `/var/tmp/strata/out/repos/.base.publish-XXXXXX/package-name-${i}-1.0-1.azl4.x86_64.rpm`);
  await signRpms(fake, k, files, 1000);
  assert.ok(calls.length >= 150, `${calls.length} rpmsign calls`);
  assert.ok(calls.every((c) => c.length <= 200 && c.reduce((n, f) => n + Buffer.byteLength(f) + 1, 0) <= 64 * 1024));
  assert.deepEqual(calls.flat(), files);
});

test('repodata locations outside the repository are not read; unknown checksum types are reported', async () => {
  const pub = await publish(path.join(tmp, 'pub-escape'));
  const base = path.join(pub.repoDir, 'base');
  const md = path.join(base, 'repodata', 'repomd.xml');
  let xml = readFileSync(md, 'utf8');
  const primary = parseRepomd(xml).data.find((d) => d.type === 'primary')!;
  // One package's checksum type becomes one Node does not know; the primary checksum is updated to match.
  const primaryXml = gunzipSync(readFileSync(path.join(base, primary.location))).toString('utf8');
  const edited = gzipSync(primaryXml.replace('<checksum type="sha256" pkgid="YES">', '<checksum type="blake9" pkgid="YES">'));
  writeFileSync(path.join(base, primary.location), edited);
  xml = xml.replace(primary.checksum, createHash('sha256').update(edited).digest('hex'));
  // The filelists location points two levels up, at a file that exists.
  writeFileSync(path.join(pub.repoDir, 'outside.xml.gz'), gzipSync('<filelists/>'));
  xml = xml.replace(/(<data type="filelists">[\s\S]*?<location href=")[^"]*"/, '$1../outside.xml.gz"');
  writeFileSync(md, xml);
  const v = await verifyRepo(fs, base);
  assert.deepEqual(v.metadata.problems.map((p) => p.code).sort(), ['REPO_METADATA_BAD_SIGNATURE', 'REPO_PATH_ESCAPES']);
  const odd = v.packages.filter((p) => p.problems.some((x) => x.code === 'REPO_PACKAGE_CHECKSUM' && /unknown checksum type blake9/.test(x.message)));
  assert.equal(odd.length, 1, JSON.stringify(v.packages));
});

test('packages signed by another key, unsigned packages and unlisted files are each reported', async () => {
  const pub = await publish(path.join(tmp, 'pub-otherkey'), otherKey);
  const v = await verifyRepo(fs, path.join(pub.repoDir, 'base'), { keyFiles: [key.publicKeyFile] });
  assert.equal(v.ok, false);
  assert.deepEqual(v.metadata.problems.map((p) => p.code), ['REPO_METADATA_BAD_SIGNATURE']);
  assert.equal(v.packages.length, 3);
  assert.ok(v.packages.every((p) => p.problems.some((x) => x.code === 'RPM_SIGNATURE_UNKNOWN_KEY')));
  // unsigned package + a stray file, under a valid metadata signature
  const pub2 = await publish(path.join(tmp, 'pub-unsigned'));
  const base = path.join(pub2.repoDir, 'base');
  const victim = readdirSync(base).find((f) => f.startsWith('greet-data'))!;
  const unsigned = readFileSync(path.join(outDir, 'rpms', 'base', victim));
  writeFileSync(path.join(base, victim), unsigned);
  cpSync(path.join(outDir, 'srpms', readdirSync(path.join(outDir, 'srpms'))[0]!), path.join(base, 'stray.src.rpm'));
  const v2 = await verifyRepo(fs, base);
  const by = new Map(v2.packages.map((p) => [p.file, p.problems.map((x) => x.code)]));
  assert.ok(by.get(victim)!.includes('RPM_UNSIGNED'));
  assert.deepEqual(by.get('stray.src.rpm'), ['REPO_PACKAGE_UNLISTED']);
  const untouched = [...by].filter(([f]) => f.startsWith('greet-1') || f.startsWith('libgreet'));
  assert.equal(untouched.length, 2, JSON.stringify([...by]));
  assert.ok(untouched.every(([, c]) => c.length === 0));
});

test('payload reader: files, modes and digests agree with the header and with rpm2archive, for gzip and xz payloads', async () => {
  const { readPayload, checkPayloadFiles, toolDecompressor } = await import('../rpm/payload.js');
  const dec = toolDecompressor(proc);
  const gz = path.join(outDir, 'rpms', 'base', readdirSync(path.join(outDir, 'rpms', 'base')).find((f) => f.startsWith('libgreet-1'))!);
  // The same package with an xz payload (what Fedora's rpm writes is zstd; Debian's default is gzip).
  const xzDir = mkdtempSync(path.join(tmp, 'xz-'));
  const units = prepareExampleUnits(path.join(xzDir, 'prepared'), makeTarballs(path.join(xzDir, 'tb')), ['libgreet']);
  const r = await runBuild({ fs, proc, sink: () => {}, lock }, { units, outDir: path.join(xzDir, 'out'), workDir: path.join(xzDir, 'work'), fixedRootBase: path.join(xzDir, 'fixed'), macros: { dist: '.t1', _binary_payload: 'w2.xzdio' }, inspector: specModelInspector(fs, rpmspecInspector(proc)), localRepo: false });
  const xz = r.records[0]!.rpms.find((f) => path.basename(f).startsWith('libgreet-1'))!;
  assert.equal(rpmq(xz, '%{PAYLOADCOMPRESSOR}'), 'xz');
  for (const f of [gz, xz]) {
    const pkg = parseRpm(readFileSync(f), f);
    const entries = await readPayload(pkg, dec);
    // Oracle: rpm's own rpm2archive (payload → tar.gz), listed by tar.
    const listed = execFileSync('sh', ['-c', `rpm2archive - < '${f}' | tar -tzf -`], { encoding: 'utf8' }).split('\n').filter(Boolean).map((p) => p.replace(/^\.\//, '/').replace(/\/$/, ''));
    assert.deepEqual(entries.map((e) => e.path).sort(), listed.sort());
    const so = entries.find((e) => e.path === '/usr/lib64/libgreet.so.1')!;
    assert.equal(so.mode & 0o777, 0o755);
    assert.equal(createHash('sha256').update(so.data).digest('hex'), pkg.header.strings(Tag.FILEDIGESTS)[fileList(pkg.header).indexOf('/usr/lib64/libgreet.so.1')]);
    assert.deepEqual(await checkPayloadFiles(pkg, dec), []);
  }
});

test('payload reader: a payload re-packed with a modified file is caught by the deep check', async () => {
  const { decompressPayload, checkPayloadFiles } = await import('../rpm/payload.js');
  const { gzipSync } = await import('node:zlib');
  const f = path.join(outDir, 'rpms', 'base', readdirSync(path.join(outDir, 'rpms', 'base')).find((x) => x.startsWith('greet-data'))!);
  const pkg = parseRpm(readFileSync(f), f);
  const cpio = Buffer.from(await decompressPayload(pkg));
  const at = cpio.indexOf('Welcome');
  assert.ok(at > 0);
  cpio.write('W3lcome', at, 'latin1');
  const forged = Buffer.concat([Buffer.from(pkg.bytes.subarray(0, pkg.payloadOffset)), gzipSync(cpio)]);
  const problems = await checkPayloadFiles(parseRpm(forged, 'forged.rpm'));
  assert.deepEqual(problems, [{ path: '/usr/share/greet-data/motd', problem: 'content digest differs from the header' }]);
});

/** `step:status[:codes]` of each step record, for compact assertions. */
function stepsOf(records: readonly StepRecord[]): string[] {
  return records.map((r) => `${r.step}:${r.status}${r.problems.length ? ':' + [...new Set(r.problems.map((p) => p.code))].join(',') : ''}`);
}

const CLEAN_PACKAGE_STEPS = ['package location:passed', 'package read:passed', 'file digest vs primary:passed', 'header parsed:passed', 'header range:passed', 'header digests:passed', 'payload files:skipped', 'RPM signature:passed', 'identity vs primary:passed'];

test('verify steps: a clean repository passes every named step; each tampering fails at its step with its code', async () => {
  const pub = await publish(path.join(tmp, 'pub-steps'));
  const clean = path.join(pub.repoDir, 'base');
  const v0 = await verifyRepo(fs, clean);
  assert.ok(v0.ok);
  assert.deepEqual(stepsOf(v0.steps), ['repomd read:passed', 'repomd signature:passed', 'metadata digests:passed', 'primary parsed:passed', 'unlisted packages:passed']);
  for (const p of v0.packages) assert.deepEqual(stepsOf(p.steps), CLEAN_PACKAGE_STEPS, p.file);
  assert.ok(v0.packages.every((p) => p.steps.every((s) => s.subject === p.file)));
  const deep = await verifyRepo(fs, clean, { deep: true });
  assert.ok(deep.packages.every((p) => p.steps.find((s) => s.step === 'payload files')?.status === 'passed'));

  let n = 0;
  /** A copy of the clean repository with `edit` applied to one of its files. */
  const tampered = (rel: (dir: string) => string, edit: (b: Buffer) => void): string => {
    const dir = path.join(tmp, `steps-${n++}`);
    cpSync(pub.repoDir, dir, { recursive: true });
    const file = rel(path.join(dir, 'base'));
    const bytes = readFileSync(file);
    edit(bytes);
    writeFileSync(file, bytes);
    return path.join(dir, 'base');
  };
  const flip = (at: (b: Buffer) => number) => (b: Buffer) => {
    const i = at(b);
    b[i] = b[i]! ^ 0x01;
  };
  const primaryOf = (dir: string) => path.join(dir, parseRepomd(readFileSync(path.join(dir, 'repodata', 'repomd.xml'), 'utf8')).data.find((d) => d.type === 'primary')!.location);
  const victim = v0.packages.find((p) => p.file.startsWith('greet-1'))!.file;

  // one byte of repomd.xml (a digit of the revision): only the signature breaks
  const md = await verifyRepo(fs, tampered((d) => path.join(d, 'repodata', 'repomd.xml'), flip((b) => b.indexOf('<revision>') + '<revision>'.length)));
  assert.deepEqual(stepsOf(md.steps), ['repomd read:passed', 'repomd signature:failed:REPO_METADATA_BAD_SIGNATURE', 'metadata digests:passed', 'primary parsed:passed', 'unlisted packages:passed']);
  assert.ok(md.packages.every((p) => p.ok));

  // one byte of the .asc (inside the signature value): the signature breaks
  const asc = await verifyRepo(fs, tampered((d) => path.join(d, 'repodata', 'repomd.xml.asc'), flip((b) => b.lastIndexOf('\n=') - 20)));
  assert.equal(stepsOf(asc.steps)[1], 'repomd signature:failed:REPO_METADATA_BAD_SIGNATURE');
  assert.deepEqual(asc.metadata.problems.map((p) => p.code), ['REPO_METADATA_BAD_SIGNATURE']);

  // one byte of primary.xml.gz: its digest breaks, so no package list is trusted
  const pr = await verifyRepo(fs, tampered(primaryOf, flip((b) => b.length - 12)));
  assert.deepEqual(stepsOf(pr.steps), ['repomd read:passed', 'repomd signature:passed', 'metadata digests:failed:REPO_METADATA_CHECKSUM', 'primary parsed:skipped', 'unlisted packages:failed:REPO_PACKAGE_UNLISTED']);
  assert.equal(pr.ok, false);

  // one byte of an RPM's payload: its file digest and its payload digest break, the signature (over the header) holds
  const rpm = await verifyRepo(fs, tampered((d) => path.join(d, victim), flip((b) => b.length - 40)));
  assert.deepEqual(stepsOf(rpm.steps), ['repomd read:passed', 'repomd signature:passed', 'metadata digests:passed', 'primary parsed:passed', 'unlisted packages:passed']);
  const hit = rpm.packages.find((p) => p.file === victim)!;
  assert.deepEqual(stepsOf(hit.steps), ['package location:passed', 'package read:passed', 'file digest vs primary:failed:REPO_PACKAGE_CHECKSUM', 'header parsed:passed', 'header range:passed', 'header digests:failed:RPM_PAYLOAD_DIGEST_MISMATCH,RPM_MD5_MISMATCH', 'payload files:skipped', 'RPM signature:passed', 'identity vs primary:passed']);
  assert.ok(rpm.packages.filter((p) => p.file !== victim).every((p) => p.ok));

  // one byte of an RPM's header (inside the header's data store): header digest and RPM signature break
  const hdr = await verifyRepo(fs, tampered((d) => path.join(d, victim), flip((b) => parseRpm(b).header.end - 8)));
  const hh = hdr.packages.find((p) => p.file === victim)!;
  const failed = hh.steps.filter((s) => s.status === 'failed').map((s) => s.step);
  assert.deepEqual(failed, ['file digest vs primary', 'header digests', 'RPM signature'], JSON.stringify(hh.steps));
  assert.ok(hh.problems.some((p) => p.code === 'RPM_HEADER_DIGEST_MISMATCH'));
  assert.ok(hh.problems.some((p) => p.code === 'RPM_BAD_SIGNATURE'));

  // a wrong key: the repomd signature and every RPM signature fail, the digests hold
  const wrong = await verifyRepo(fs, clean, { keyFiles: [otherKey.publicKeyFile] });
  assert.equal(stepsOf(wrong.steps)[1], 'repomd signature:failed:REPO_METADATA_BAD_SIGNATURE');
  assert.match(wrong.metadata.problems[0]!.message, /not among the trusted keys/);
  for (const p of wrong.packages) assert.deepEqual(p.steps.filter((s) => s.status === 'failed').map((s) => `${s.step}:${s.problems.map((x) => x.code).join()}`), ['RPM signature:RPM_SIGNATURE_UNKNOWN_KEY'], p.file);
});
