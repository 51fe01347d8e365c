import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { StrataError } from '../diag/index.js';
import { findGpgVerifyCalls, verifyGpgCalls } from './signature.js';

const head = 'Name: foo\nVersion: 2.1\nRelease: 1\nSummary: s\nLicense: MIT\nSource0: https://example.org/%{name}-%{version}.tar.xz\nSource1: https://example.org/%{name}-%{version}.tar.xz.sig\nSource2: foo.keyring\n%description\nd\n';

test('findGpgVerifyCalls: the forms Fedora specs use', () => {
  const expected = { keyring: 'foo.keyring', signature: 'foo-2.1.tar.xz.sig', data: 'foo-2.1.tar.xz' };
  const cases = [
    { name: 'long quoted', input: "%prep\n%{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n", calls: 1, line: 12 },
    { name: 'long unquoted, other order', input: '%prep\n%{gpgverify} --data=%{SOURCE0} --signature=%{SOURCE1} --keyring=%{SOURCE2}\n', calls: 1, line: 12 },
    { name: 'S: form', input: "%prep\n%{gpgverify} --keyring='%{S:2}' --signature='%{S:1}' --data='%{S:0}'\n", calls: 1, line: 12 },
    { name: 'short', input: '%prep\n%gpgverify -k2 -s1 -d0\n', calls: 1, line: 12 },
    { name: 'short spaced', input: '%prep\n%gpgverify -k 2 -s 1 -d 0\n', calls: 1, line: 12 },
    { name: 'conditional macro', input: '%prep\n%{?gpgverify:%gpgverify -k 2 -s 1 -d 0}\n', calls: 1, line: 12 },
    { name: 'continuation', input: "%prep\n%{gpgverify} \\\n    --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n", calls: 1, line: 12 },
    { name: 'inactive branch', input: "%prep\n%if 0\n%{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n%endif\n", calls: 0 },
    { name: 'comment', input: "%prep\n# %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n", calls: 0 },
    { name: 'changelog mention', input: '%prep\n%setup -q\n%changelog\n- use %{gpgverify} -k2 -s1 -d0\n', calls: 0 },
  ];
  for (const c of cases) {
    const r = findGpgVerifyCalls(head + c.input, '/p/foo.spec');
    assert.equal(r.calls.length, c.calls, c.name);
    assert.deepEqual(r.diagnostics, [], c.name);
    if (c.calls) {
      const { span, ...files } = r.calls[0]!;
      assert.deepEqual(files, expected, c.name);
      assert.deepEqual([span.file, span.line], ['/p/foo.spec', c.line], c.name);
    }
  }
  const piped = [
    { name: 'xzcat', input: "%prep\nxzcat '%{SOURCE0}' | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n", kind: 'xz' },
    { name: 'xz -dc', input: "%prep\nxz -dc '%{SOURCE0}' | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n", kind: 'xz' },
    { name: 'bindir gzip -d -c', input: "%prep\n%{_bindir}/gzip -d -c %{SOURCE0} | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n", kind: 'gzip' },
    { name: 'zstdcat', input: "%prep\nzstdcat '%{SOURCE0}' | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n", kind: 'zstd' },
  ];
  for (const c of piped) {
    const r = findGpgVerifyCalls(head + c.input, '/p/foo.spec');
    assert.deepEqual(r.diagnostics, [], c.name);
    assert.deepEqual(r.calls.map((x) => [x.data, x.decompress]), [['foo-2.1.tar.xz', c.kind]], c.name);
  }
  const warn = [
    { name: 'pipe from a command', input: "%prep\ncurl -s x | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n" },
    { name: 'xz without -d', input: "%prep\nxz -c '%{SOURCE0}' | %{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data=-\n" },
    { name: 'keyring not a source', input: "%prep\n%{gpgverify} --keyring='%{_builddir}/k.gpg' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n" },
    { name: 'unknown source number', input: "%prep\n%{gpgverify} --keyring='%{SOURCE9}' --signature='%{SOURCE1}' --data='%{SOURCE0}'\n" },
  ];
  for (const c of warn) {
    const r = findGpgVerifyCalls(head + c.input, '/p/foo.spec');
    assert.equal(r.calls.length, 0, c.name);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.span?.line]), [['SIGNATURE_NOT_CHECKED', 'warning', 12]], c.name);
  }
});

test('verifyGpgCalls: good, tampered data, wrong key, armored and binary inputs, missing files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-sig-'));
  try {
    const fs = new NodeFileSystem();
    const up = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Up', email: 'up@example.org' }], format: 'object' });
    const other = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Other', email: 'o@example.org' }], format: 'object' });
    const data = new TextEncoder().encode('the tarball bytes\n'.repeat(1000));
    const msg = await openpgp.createMessage({ binary: data });
    writeFileSync(path.join(dir, 'foo.tar'), data);
    writeFileSync(path.join(dir, 'good.asc'), (await openpgp.sign({ message: msg, signingKeys: up.privateKey, detached: true, format: 'armored' })) as string);
    writeFileSync(path.join(dir, 'good.sig'), (await openpgp.sign({ message: msg, signingKeys: up.privateKey, detached: true, format: 'binary' })) as Uint8Array);
    writeFileSync(path.join(dir, 'other.sig'), (await openpgp.sign({ message: msg, signingKeys: other.privateKey, detached: true, format: 'binary' })) as Uint8Array);
    writeFileSync(path.join(dir, 'up.asc'), up.publicKey.armor());
    writeFileSync(path.join(dir, 'up.gpg'), up.publicKey.write());
    // A keyring with both keys, as binary.
    writeFileSync(path.join(dir, 'both.gpg'), Buffer.concat([Buffer.from(other.publicKey.write()), Buffer.from(up.publicKey.write())]));
    const tampered = new Uint8Array(data);
    tampered[10] = tampered[10]! ^ 1;
    writeFileSync(path.join(dir, 'tampered.tar'), tampered);
    writeFileSync(path.join(dir, 'junk.gpg'), 'not a key');
    const span = { file: '/p/foo.spec', line: 12, col: 1 };
    const call = (keyring: string, signature: string, data: string) => ({ keyring, signature, data, span });

    const ok = [call('up.asc', 'good.asc', 'foo.tar'), call('up.gpg', 'good.sig', 'foo.tar'), call('both.gpg', 'good.sig', 'foo.tar')];
    const res = await verifyGpgCalls(fs, dir, ok);
    assert.equal(res.length, 3);
    for (const r of res) assert.deepEqual(r.keyIds, [up.publicKey.getKeyID().toHex()]);

    const bad = [
      { name: 'tampered data', input: call('up.asc', 'good.asc', 'tampered.tar'), code: 'SIGNATURE_INVALID' },
      { name: 'signed by another key', input: call('up.gpg', 'other.sig', 'foo.tar'), code: 'SIGNATURE_INVALID' },
      { name: 'junk keyring', input: call('junk.gpg', 'good.sig', 'foo.tar'), code: 'SIGNATURE_KEYRING_INVALID' },
      { name: 'junk signature', input: call('up.gpg', 'junk.gpg', 'foo.tar'), code: 'SIGNATURE_UNREADABLE' },
      { name: 'missing file', input: call('up.gpg', 'nope.sig', 'foo.tar'), code: 'SIGNATURE_FILE_MISSING' },
    ];
    for (const c of bad) {
      await assert.rejects(verifyGpgCalls(fs, dir, [c.input]), (e: StrataError) => {
        assert.equal(e.code, c.code, c.name);
        assert.deepEqual(e.diagnostics[0]!.span, span, c.name);
        return true;
      });
    }
    // Piped data: the signature covers the decompressed bytes (real xz through the decompress hook).
    const { execFileSync } = await import('node:child_process');
    writeFileSync(path.join(dir, 'foo.tar.xz'), execFileSync('xz', ['-c'], { input: data }));
    const xz = async (file: string) => new Uint8Array(execFileSync('xz', ['-dc', file]));
    const pipedCall = { ...call('up.asc', 'good.asc', 'foo.tar.xz'), decompress: 'xz' as const };
    assert.equal((await verifyGpgCalls(fs, dir, [pipedCall], xz)).length, 1);
    await assert.rejects(verifyGpgCalls(fs, dir, [pipedCall]), (e: StrataError) => e.code === 'SIGNATURE_DATA_UNREADABLE');
    await assert.rejects(verifyGpgCalls(fs, dir, [{ ...pipedCall, data: 'foo.tar' }], xz), (e: StrataError) => e.code === 'SIGNATURE_DATA_UNREADABLE');
    await assert.rejects(verifyGpgCalls(fs, dir, [{ ...pipedCall, signature: 'other.sig', keyring: 'up.gpg' }], xz), (e: StrataError) => e.code === 'SIGNATURE_INVALID');
    // Several problems are all reported.
    await assert.rejects(verifyGpgCalls(fs, dir, bad.map((b) => b.input)), (e: StrataError) => e.diagnostics.length === bad.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const fedoraSpecs = path.resolve(process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..'), '../shared/corpus/fedora-specs');

test('corpus: every active %gpgverify call in Fedora specs is either checked or reported as not checkable', { skip: !existsSync(fedoraSpecs) && 'no ../shared corpus' }, () => {
  const dir = fedoraSpecs;
  let specs = 0;
  let checked = 0;
  const silent: string[] = [];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, f), 'latin1');
    if (!/^[^#\n]*%\{?\??gpgverify[\s}:]/m.test(text.split(/^%changelog/m)[0]!)) continue;
    specs++;
    const r = findGpgVerifyCalls(text, f);
    if (r.calls.length) checked++;
    else if (r.diagnostics.length === 0) silent.push(f);
  }
  assert.ok(specs > 400, `found ${specs} specs using %gpgverify`);
  // Silent ones must be calls in inactive branches only; allow a handful.
  assert.ok(silent.length <= specs * 0.02, `silently skipped: ${silent.join(', ')}`);
  assert.ok(checked >= specs * 0.95, `checked ${checked} of ${specs}`);
});
