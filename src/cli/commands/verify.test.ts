// `strata verify` on a published example repository: every link passes on the real thing, and
// each kind of tampering the attestation issue names is refused with its own code while nothing is
// reported as verified. The project is examples/project with a local dist-git and a loopback
// lookaside (as `npm run demo` makes them), plus one component whose build is not reproducible.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { createDistGit, createLookaside, exampleRoot, generateAttestationKey, generateSigningKey, makeTarballs } from '../../testing/example.js';
import { LookasideServer } from '../../testing/http-server.js';
import { runCli, type CliRun } from '../../testing/cli.js';
import { keySigner } from '../../trust/key-signer.js';
import { parseEnvelope, serializeEnvelope, signEnvelope } from '../../attest/dsse.js';

let tmp: string;
let project: string;
let repos: string;
const server = new LookasideServer();
const FORTUNE = /^fortune-mini-1\.2-.*\.noarch\.rpm$/;

function strata(args: string[], cwd = project): Promise<CliRun> {
  return runCli(cwd, args, { env: { ...process.env, NO_COLOR: '1' } });
}

interface StepJson {
  step: string;
  status: string;
  problems: { code: string; message: string }[];
}
interface VerifyJson {
  ok: boolean;
  packages: { file: string; ok: boolean; steps: StepJson[] }[];
}

async function verifyJson(args: string[]): Promise<{ run: CliRun; v: VerifyJson }> {
  const run = await strata(['-o', 'json', 'verify', ...args]);
  let v: VerifyJson;
  try {
    v = JSON.parse(run.out) as VerifyJson;
  } catch {
    throw new Error(`verify did not print JSON (exit ${run.code}):\n${run.out}\n${run.err}`);
  }
  return { run, v };
}

/** The codes reported by the steps of every package, and the steps that passed. */
function codesOf(v: VerifyJson): string[] {
  return [...new Set(v.packages.flatMap((p) => p.steps.flatMap((s) => s.problems.map((x) => x.code))))].sort();
}
function stepStatus(v: VerifyJson, name: string): string | undefined {
  return v.packages[0]?.steps.find((s) => s.step === name)?.status;
}

/** A refusal: exit 1, not ok, nothing verified as a whole, and `code` among the problems. */
function assertRefused(r: { run: CliRun; v: VerifyJson }, code: string): void {
  assert.equal(r.run.code, 1, `expected exit 1 for ${code}:\n${r.run.out}\n${r.run.err}`);
  assert.equal(r.v.ok, false);
  for (const p of r.v.packages) assert.equal(p.ok, false, `${p.file} reported as verified`);
  assert.ok(codesOf(r.v).includes(code), `expected ${code}, got ${codesOf(r.v).join(', ') || 'no problems'}:\n${r.run.out}`);
}

/** A copy of the published repositories to tamper with; the original stays clean. */
function copyRepos(name: string): string {
  const dest = path.join(tmp, 'cases', name);
  cpSync(repos, dest, { recursive: true });
  return dest;
}

function findRpm(root: string, re: RegExp): string {
  for (const ch of readdirSync(root, { withFileTypes: true })) {
    if (!ch.isDirectory() || ch.name === 'evidence') continue;
    const f = readdirSync(path.join(root, ch.name)).find((x) => re.test(x));
    if (f) return path.join(root, ch.name, f);
  }
  throw new Error(`no package matching ${re} under ${root}`);
}

function evidenceIndex(root: string): { packages: { file: string; component?: string; provenance: string }[] } {
  return JSON.parse(readFileSync(path.join(root, 'evidence', 'index.json'), 'utf8')) as { packages: { file: string; component?: string; provenance: string }[] };
}
function provenanceOf(root: string, rpmFile: string): string {
  const e = evidenceIndex(root).packages.find((p) => path.basename(p.file) === path.basename(rpmFile));
  if (!e) throw new Error(`${rpmFile} is not in the evidence index: ${JSON.stringify(evidenceIndex(root).packages.map((p) => p.file))}`);
  return path.join(root, 'evidence', e.provenance);
}

const NOISY_SPEC = `Name:           noisy
Version:        1.0
Release:        1%{?dist}
Summary:        A package whose build is not reproducible
License:        MIT
BuildArch:      noarch

%description
Writes the build time into the package.

%install
mkdir -p %{buildroot}%{_datadir}/noisy
date +%N > %{buildroot}%{_datadir}/noisy/stamp

%files
%{_datadir}/noisy/stamp

%changelog
* Thu Jan 01 1970 Example Packager <packager@example.invalid> - 1.0-1
- First build
`;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-verify-'));
  const tarballs = makeTarballs(path.join(tmp, 'tarballs'));
  const lookaside = path.join(tmp, 'lookaside');
  createLookaside(lookaside, tarballs);
  for (const t of tarballs) server.addLookaside(t.pkg, t.file, readFileSync(t.path));
  await server.start();
  createDistGit(path.join(tmp, 'distgit'), tarballs);

  project = path.join(tmp, 'project');
  cpSync(path.join(exampleRoot(), 'project'), project, { recursive: true });
  const upstream = path.join(project, 'distro', 'upstream.distro.toml');
  writeFileSync(upstream, readFileSync(upstream, 'utf8').replaceAll('@DISTGIT@', `file://${path.join(tmp, 'distgit')}`).replaceAll('@LOOKASIDE@', server.base));
  generateSigningKey(path.join(project, 'keys'));
  generateAttestationKey(path.join(project, 'keys'));
  mkdirSync(path.join(project, 'local', 'noisy'), { recursive: true });
  writeFileSync(path.join(project, 'local', 'noisy', 'noisy.spec'), NOISY_SPEC);
  const comps = path.join(project, 'comps', 'components.toml');
  writeFileSync(comps, `${readFileSync(comps, 'utf8')}\n[components.noisy]\nspec = { type = "local", path = "../local/noisy/noisy.spec" }\n`);

  for (const args of [
    ['component', 'update', '-a'],
    ['component', 'render', '-a'],
    ['component', 'prepare-sources', '-p', 'fortune-mini', '-p', 'noisy', '-o', path.join(tmp, 'prepared')],
    ['component', 'build', '-p', 'fortune-mini', '-p', 'noisy', '-j', '2', '--prepared', path.join(tmp, 'prepared')],
    ['repo', 'publish'],
  ]) {
    const r = await strata(args);
    assert.equal(r.code, 0, `strata ${args.join(' ')}:\n${r.out}\n${r.err}`);
  }
  repos = path.join(project, 'out', 'repos');
});
after(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('the published repository verifies: every package, every step', async () => {
  const { run, v } = await verifyJson([repos]);
  assert.equal(run.code, 0, run.out + run.err);
  assert.ok(v.ok);
  const names = v.packages.map((p) => path.basename(p.file)).sort();
  assert.ok(names.some((n) => FORTUNE.test(n)), names.join(' '));
  assert.ok(names.some((n) => /^noisy-1\.0-.*\.noarch\.rpm$/.test(n)), names.join(' '));
  for (const p of v.packages) {
    assert.ok(p.ok, p.file);
    for (const s of p.steps) assert.equal(s.status, 'passed', `${p.file}: ${s.step} ${JSON.stringify(s.problems)}`);
    assert.ok(p.steps.some((s) => s.step === 'provenance envelope'));
    assert.ok(p.steps.some((s) => s.step === 'recorded dependencies'));
  }
});

test('an altered RPM payload: RPM_PAYLOAD_DIGEST_MISMATCH', async () => {
  const root = copyRepos('payload');
  const rpm = findRpm(root, FORTUNE);
  const b = readFileSync(rpm);
  const i = b.length - 64;
  b.writeUInt8(b.readUInt8(i) ^ 0xff, i);
  writeFileSync(rpm, b);
  const r = await verifyJson([rpm]);
  assertRefused(r, 'RPM_PAYLOAD_DIGEST_MISMATCH');
});

test('an RPM re-signed with an unknown key: RPM_SIGNATURE_UNKNOWN_KEY, while its header still matches the provenance', async () => {
  const root = copyRepos('resigned');
  const rpm = findRpm(root, FORTUNE);
  const other = generateSigningKey(path.join(tmp, 'other-key'), 'Someone Else <else@example.invalid>');
  const home = mkdtempSync(path.join(tmpdir(), 'strata-gpg-'));
  try {
    const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };
    execFileSync('gpg', ['--batch', '--import', other.secretKeyFile], { env, stdio: 'ignore' });
    execFileSync('rpmsign', ['--define', '__gpg /usr/bin/gpg', '--define', `_gpg_name ${other.fingerprint}`, '--define', `_gpg_path ${home}`, '--resign', rpm], { env, stdio: 'pipe' });
  } finally {
    try {
      execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home }, stdio: 'ignore' });
    } catch {
      /* no agent */
    }
    rmSync(home, { recursive: true, force: true });
  }
  const r = await verifyJson([rpm]);
  assertRefused(r, 'RPM_SIGNATURE_UNKNOWN_KEY');
  // The signature header is not part of SHA256HEADER: the package is still the one attested.
  assert.equal(stepStatus(r.v, 'provenance subject'), 'passed', JSON.stringify(r.v.packages[0]?.steps));
});

test('an edited SBOM: ATTEST_SBOM_MISMATCH names the file', async () => {
  const root = copyRepos('sbom');
  const rpm = findRpm(root, FORTUNE);
  const dir = path.dirname(provenanceOf(root, rpm));
  const sbom = readdirSync(dir).find((f) => f.endsWith('.spdx.json'));
  assert.ok(sbom, `no SPDX file in ${dir}: ${readdirSync(dir).join(' ')}`);
  const doc = JSON.parse(readFileSync(path.join(dir, sbom), 'utf8')) as { name: string };
  doc.name = `${doc.name} (edited)`;
  writeFileSync(path.join(dir, sbom), JSON.stringify(doc, null, 2));
  const r = await verifyJson([rpm]);
  assertRefused(r, 'ATTEST_SBOM_MISMATCH');
  assert.ok(r.v.packages[0]!.steps.flatMap((s) => s.problems).some((p) => p.code === 'ATTEST_SBOM_MISMATCH' && p.message.includes(sbom)), r.run.out);
});

function rewriteStatement(file: string, edit: (statement: { subject: { name: string; digest: Record<string, string> }[]; predicate: unknown }) => void): { payloadType: string; payload: Uint8Array } {
  const env = parseEnvelope(readFileSync(file, 'utf8'), file);
  const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { subject: { name: string; digest: Record<string, string> }[]; predicate: unknown };
  edit(statement);
  return { payloadType: env.payloadType, payload: new TextEncoder().encode(JSON.stringify(statement)) };
}

test('an edited statement under the old signature: TRUST_SIGNATURE_INVALID', async () => {
  const root = copyRepos('statement');
  const rpm = findRpm(root, FORTUNE);
  const file = provenanceOf(root, rpm);
  const env = parseEnvelope(readFileSync(file, 'utf8'), file);
  const { payload } = rewriteStatement(file, (s) => {
    (s.predicate as { buildDefinition: { externalParameters: Record<string, unknown> } }).buildDefinition.externalParameters.edited = true;
  });
  writeFileSync(file, serializeEnvelope({ ...env, payload: Buffer.from(payload).toString('base64') }));
  const r = await verifyJson([rpm]);
  assertRefused(r, 'TRUST_SIGNATURE_INVALID');
});

test('an envelope signed with another key: TRUST_SIGNATURE_UNKNOWN_KEY', async () => {
  const root = copyRepos('other-attestation-key');
  const rpm = findRpm(root, FORTUNE);
  const file = provenanceOf(root, rpm);
  const env = parseEnvelope(readFileSync(file, 'utf8'), file);
  const other = generateAttestationKey(path.join(tmp, 'other-attestation'));
  const signed = await signEnvelope(keySigner(readFileSync(other.keyFile, 'utf8')), env.payloadType, Buffer.from(env.payload, 'base64'));
  writeFileSync(file, serializeEnvelope(signed));
  const r = await verifyJson([rpm]);
  assertRefused(r, 'TRUST_SIGNATURE_UNKNOWN_KEY');
});

test('a statement whose subject digest does not match, signed with the real key: ATTEST_SUBJECT_MISMATCH', async () => {
  const root = copyRepos('subject');
  const rpm = findRpm(root, FORTUNE);
  const file = provenanceOf(root, rpm);
  const base = path.basename(rpm);
  let changed = 0;
  const { payloadType, payload } = rewriteStatement(file, (s) => {
    for (const sub of s.subject) {
      if (!sub.name.endsWith(base)) continue;
      // Every digest that ties the subject to the package: the file's SHA-256 and the header
      // digests that survive re-signing.
      for (const k of Object.keys(sub.digest)) sub.digest[k] = createHash('sha256').update(`not ${sub.digest[k]}`).digest('hex');
      const ann = (sub as { annotations?: Record<string, string> }).annotations ?? {};
      for (const k of Object.keys(ann)) ann[k] = createHash('sha256').update(`not ${ann[k]}`).digest('hex').slice(0, ann[k]!.length);
      changed++;
    }
  });
  assert.ok(changed > 0, `no subject names ${base}`);
  const signed = await signEnvelope(keySigner(readFileSync(path.join(project, 'keys', 'attestation-key.pem'), 'utf8')), payloadType, payload);
  writeFileSync(file, serializeEnvelope(signed));
  const r = await verifyJson([rpm]);
  assertRefused(r, 'ATTEST_SUBJECT_MISMATCH');
  assert.equal(stepStatus(r.v, 'provenance envelope'), 'passed', 'the envelope itself is signed by the trusted key');
});

test('a truncated or non-JSON envelope: ATTEST_ENVELOPE_MALFORMED, through the package and on its own', async () => {
  for (const [name, mangle] of [
    ['truncated', (t: string) => t.slice(0, Math.floor(t.length / 2))],
    ['not-json', () => 'this is not an envelope\n'],
  ] as const) {
    const root = copyRepos(`envelope-${name}`);
    const rpm = findRpm(root, FORTUNE);
    const file = provenanceOf(root, rpm);
    writeFileSync(file, mangle(readFileSync(file, 'utf8')));
    assertRefused(await verifyJson([rpm]), 'ATTEST_ENVELOPE_MALFORMED');
    const own = await strata(['-o', 'json', 'verify', file]);
    assert.equal(own.code, 1, own.out + own.err);
    assert.match(own.out + own.err, /ATTEST_ENVELOPE_MALFORMED/);
  }
});

test('a cached source tarball altered after the build: ATTEST_SOURCE_MISMATCH', async () => {
  const cache = path.join(project, 'build', 'work', 'lookaside', 'sha512');
  const tarball = readFileSync(path.join(tmp, 'tarballs', 'fortune-mini-1.2.tar.gz'));
  const sha512 = createHash('sha512').update(tarball).digest('hex');
  const cached = path.join(cache, sha512.slice(0, 2), sha512);
  assert.ok(existsSync(cached), `prepare-sources cached nothing at ${cached}`);
  const original = readFileSync(cached);
  try {
    const b = Buffer.from(original);
    b.writeUInt8(b.readUInt8(100) ^ 0x01, 100);
    writeFileSync(cached, b);
    const rpm = findRpm(repos, FORTUNE);
    const r = await verifyJson([rpm]);
    assertRefused(r, 'ATTEST_SOURCE_MISMATCH');
    assert.equal(stepStatus(r.v, 'provenance envelope'), 'passed');
  } finally {
    writeFileSync(cached, original);
  }
});

test('an overlay edited after the build: ATTEST_OVERLAY_CHANGED names it, and --render says the spec differs', async () => {
  const comp = path.join(project, 'comps', 'fortune-mini', 'fortune-mini.comp.toml');
  const original = readFileSync(comp, 'utf8');
  try {
    writeFileSync(comp, original.replace('Prints one fortune a day (Strata Example Linux)', 'Prints two fortunes a day'));
    const rpm = findRpm(repos, FORTUNE);
    const r = await verifyJson(['--render', rpm]);
    assertRefused(r, 'ATTEST_OVERLAY_CHANGED');
    const changed = r.v.packages[0]!.steps.flatMap((s) => s.problems).find((p) => p.code === 'ATTEST_OVERLAY_CHANGED');
    assert.match(changed!.message, /fortune-mini\.comp\.toml:\d+/);
    assert.match(changed!.message, /spec-set-tag/);
    assert.ok(codesOf(r.v).includes('ATTEST_RENDER_MISMATCH'), codesOf(r.v).join(', '));
  } finally {
    writeFileSync(comp, original);
  }
  // and with the overlay back, --render passes again
  const back = await verifyJson(['--render', findRpm(repos, FORTUNE)]);
  assert.equal(back.run.code, 0, back.run.out + back.run.err);
});

test('--rebuild of a reproducible build passes; of a non-reproducible one, ATTEST_REBUILD_DIFFERS names the file', async () => {
  const good = await verifyJson(['--rebuild', findRpm(repos, FORTUNE)]);
  assert.equal(good.run.code, 0, good.run.out + good.run.err);
  assert.equal(stepStatus(good.v, 'rebuild'), 'passed');
  const bad = await verifyJson(['--rebuild', findRpm(repos, /^noisy-1\.0-.*\.noarch\.rpm$/)]);
  assertRefused(bad, 'ATTEST_REBUILD_DIFFERS');
  const msgs = bad.v.packages[0]!.steps.flatMap((s) => s.problems).filter((p) => p.code === 'ATTEST_REBUILD_DIFFERS').map((p) => p.message);
  assert.ok(msgs.some((m) => m.includes('/usr/share/noisy/stamp')), msgs.join('\n'));
});

test('repo publish refuses an attestation key that is missing, not a key, or readable by others, at the [attestation] line', async () => {
  const key = path.join(project, 'keys', 'attestation-key.pem');
  const original = readFileSync(key);
  const before = readFileSync(path.join(repos, 'evidence', 'index.json'));
  const cases: [string, () => void, string][] = [
    ['missing', () => rmSync(key), 'ATTEST_KEY_MISSING'],
    ['not a key', () => writeFileSync(key, 'not a key\n', { mode: 0o600 }), 'ATTEST_KEY_INVALID'],
    ['mode 0644', () => chmodSync(key, 0o644), 'ATTEST_KEY_PERMISSIONS'],
  ];
  try {
    for (const [name, breakIt, code] of cases) {
      writeFileSync(key, original, { mode: 0o600 });
      chmodSync(key, 0o600);
      breakIt();
      const r = await strata(['-o', 'json', 'repo', 'publish']);
      assert.equal(r.code, 1, `${name}: ${r.out}${r.err}`);
      const d = r.err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { code: string; file?: string; line?: number }).find((x) => x.code === code);
      assert.ok(d, `${name}: expected ${code} in ${r.err}`);
      assert.equal(d.file, 'azldev.toml', `${name}: ${JSON.stringify(d)}`);
      const line = readFileSync(path.join(project, 'azldev.toml'), 'utf8').split('\n').findIndex((l) => l.startsWith('key-file = "keys/attestation-key.pem"')) + 1;
      assert.equal(d.line, line, `${name}: ${JSON.stringify(d)}`);
      assert.deepEqual(readFileSync(path.join(repos, 'evidence', 'index.json')), before, `${name}: the published evidence changed`);
    }
  } finally {
    writeFileSync(key, original, { mode: 0o600 });
    chmodSync(key, 0o600);
  }
});

test('publishing twice gives byte-identical evidence', async () => {
  const hashTree = (dir: string): string[] => {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.push(`${path.relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
      }
    };
    walk(dir);
    return out;
  };
  const first = hashTree(repos);
  const r = await strata(['repo', 'publish']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(hashTree(repos), first);
});

test('verify reports the project\'s load warnings like every command (and --standalone does not load the project)', async () => {
  const extra = path.join(project, 'comps', 'zz-warning.comp.toml');
  writeFileSync(extra, '[components.zz-unbuilt]\n\n[[components.zz-unbuilt.overlays]]\ntype = "spec-set-tag"\ntag = "Summary"\nvalue = "x"\nregex = "a key spec-set-tag ignores"\n');
  try {
    const rpm = findRpm(repos, FORTUNE);
    const r = await strata(['verify', rpm]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.err, /zz-warning\.comp\.toml:7:1: warning\[CONFIG_UNUSED_KEY\]/);
    const s = await strata(['verify', '--standalone', rpm]);
    assert.equal(s.code, 0, s.out + s.err);
    assert.doesNotMatch(s.err, /CONFIG_UNUSED_KEY/);
  } finally {
    rmSync(extra);
  }
});
