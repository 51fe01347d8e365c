import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as openpgp from 'openpgp';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { NodeHttp, NodeFileHasher } from '../adapters/http.js';
import { loadProject } from '../config/load.js';
import { StrataError } from '../diag/index.js';
import { FakeDistGit } from '../testing/git-fixtures.js';
import { LookasideServer } from '../testing/http-server.js';
import { writeTestProject } from '../testing/project.js';
import { listTree as tree } from '../testing/tree.js';
import type { PreparedInputs } from './build-record.js';
import { prepareSources, type PrepareSourcesDeps } from './prepare-sources.js';

const sha512 = (b: Uint8Array | string) => createHash('sha512').update(b).digest('hex');

function spec(name: string, sources: string[], gpg: boolean): string {
  return [
    `Name: ${name}`,
    'Version: 1.0',
    'Release: 1%{?dist}',
    'Summary: test',
    'License: MIT',
    ...sources.map((s, i) => `Source${i}: ${s}`),
    '',
    '%description',
    'test',
    '',
    '%prep',
    ...(gpg ? ["%{gpgverify} --keyring='%{SOURCE2}' --signature='%{SOURCE1}' --data='%{SOURCE0}'"] : []),
    '%setup -q',
    '',
    '%changelog',
    '* Thu Jan 01 2026 P <p@example.org> - 1.0-1',
    '- first',
    '',
  ].join('\n');
}

test('prepare-sources end to end: lookaside fetch + verify, signatures, tampered/truncated/missing/bad signature, offline warm cache, source-files origin', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-prep-'));
  const server = new LookasideServer();
  await server.start();
  try {
    const key = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Upstream', email: 'up@example.org' }], format: 'armored' });
    const other = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Mallory', email: 'm@example.org' }], format: 'armored' });
    const sign = async (data: Uint8Array, armoredPriv: string) =>
      (await openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: await openpgp.readPrivateKey({ armoredKey: armoredPriv }), detached: true, format: 'armored' })) as string;
    const keyring = key.publicKey;

    const comps: Record<string, string> = {};
    const publish = (pkg: string, files: Record<string, Uint8Array | string>, behaviour: Partial<Record<string, 'tamper' | 'truncate' | 'missing'>> = {}, gpg = false, extraSources: string[] = []) => {
      const dg = new FakeDistGit(root, pkg);
      const lines: string[] = [];
      for (const [f, data] of Object.entries(files)) {
        const b = behaviour[f];
        const h = server.addLookaside(pkg, f, data, b ?? 'ok');
        lines.push(`SHA512 (${f}) = ${h}`);
      }
      dg.commit('f43', { [`${pkg}.spec`]: spec(pkg, [...Object.keys(files), ...extraSources], gpg), sources: lines.join('\n') + '\n' }, 'import', '2026-01-01T00:00:00Z');
      comps[pkg] = `[components.${pkg}]\n`;
    };
    const tarball = randomBytes(100_000);
    publish('good', { 'good-1.0.tar.gz': tarball, 'good-1.0.tar.gz.asc': await sign(tarball, key.privateKey), 'upstream.gpg': keyring }, {}, true);
    publish('tampered', { 'tampered-1.0.tar.gz': randomBytes(5000) }, { 'tampered-1.0.tar.gz': 'tamper' });
    publish('trunc', { 'trunc-1.0.tar.gz': randomBytes(50_000) }, { 'trunc-1.0.tar.gz': 'truncate' });
    publish('missing', { 'missing-1.0.tar.gz': randomBytes(100) }, { 'missing-1.0.tar.gz': 'missing' });
    const t2 = randomBytes(20_000);
    publish('badsig', { 'badsig-1.0.tar.gz': t2, 'badsig-1.0.tar.gz.asc': await sign(t2, other.privateKey), 'upstream.gpg': keyring }, {}, true);
    // A component whose extra file comes from a source-files download origin.
    const extra = 'extra file contents\n';
    server.addFile('/origin/extra.txt', extra);
    publish('withorigin', { 'withorigin-1.0.tar.gz': randomBytes(1000) }, {}, false, ['extra.txt']);
    comps['withorigin'] = `[components.withorigin]\n\n[[components.withorigin.source-files]]\nfilename = "extra.txt"\nhash = "${sha512(extra)}"\nhash-type = "SHA512"\norigin = { type = "download", uri = "${server.base}/origin/extra.txt" }\n`;

    const project = path.join(root, 'project');
    writeTestProject(project, { distGitDir: path.join(root, 'rpms'), lookasideTemplate: server.template, components: comps });
    const fs = new NodeFileSystem();
    const proc = new NodeProcessRunner();
    const deps: PrepareSourcesDeps = { fs, git: new SystemGit(proc), proc, clock: { now: () => new Date('2026-03-01T00:00:00Z') }, sink: () => {}, http: new NodeHttp(), hasher: new NodeFileHasher(), sleep: async () => {} };
    const p = (await loadProject({ fs, projectDir: project })).project;
    const comp = (n: string) => p.components.get(n)!;
    const out = path.join(root, 'prepared');
    const cacheDir = path.join(p.project.workDir, 'lookaside');
    const opts = { retries: 3, retryDelayMs: 1 };

    // Correct fetch and verify (+ the signature).
    const [good] = await prepareSources(deps, p, [comp('good')], out, opts);
    assert.deepEqual(tree(path.join(out, 'good')), ['.strata/inputs.json', 'good-1.0.tar.gz', 'good-1.0.tar.gz.asc', 'good.spec', 'sources', 'upstream.gpg']);
    assert.deepEqual(readFileSync(path.join(out, 'good', 'good-1.0.tar.gz')), tarball);
    assert.equal(good!.signatures.length, 1);
    assert.equal(good!.signatures[0]!.call.data, 'good-1.0.tar.gz');
    // What the build record takes from here: the upstream commit, each source with its origin and digests, the signature check.
    const inputs = JSON.parse(readFileSync(path.join(out, 'good', '.strata', 'inputs.json'), 'utf8')) as PreparedInputs;
    assert.equal(inputs.component, 'good');
    assert.match(inputs.upstream!.commit, /^[0-9a-f]{40}$/);
    assert.equal(inputs.upstream!.commit, good!.upstreamCommit);
    assert.equal(inputs.spec.sha256, createHash('sha256').update(readFileSync(path.join(out, 'good', 'good.spec'))).digest('hex'));
    const tar = inputs.sources.find((x) => x.name === 'good-1.0.tar.gz')!;
    assert.equal(tar.origin.kind, 'lookaside');
    assert.ok('url' in tar.origin && tar.origin.url.startsWith(server.template.split('$')[0]!.replace(/\/$/, '')), JSON.stringify(tar.origin));
    assert.equal(tar.sha512, createHash('sha512').update(tarball).digest('hex'));
    assert.equal(tar.tag, 'Source0');
    assert.deepEqual(inputs.signatures.map((x) => [x.file, x.signature, x.keyFingerprints.length]), [['good-1.0.tar.gz', 'good-1.0.tar.gz.asc', 1]]);
    assert.deepEqual(tree(out), tree(out).filter((f) => !f.startsWith('.')), 'no staging left');

    const failing = [
      { name: 'tampered', code: 'LOOKASIDE_HASH_MISMATCH', match: /tampered-1\.0\.tar\.gz\/sha512\/.*expected: [0-9a-f]{128}\n {2}actual: +[0-9a-f]{128}/s },
      { name: 'trunc', code: 'LOOKASIDE_DOWNLOAD_FAILED', match: /after 3 attempts/ },
      { name: 'missing', code: 'LOOKASIDE_NOT_FOUND', match: /missing-1\.0\.tar\.gz .*HTTP 404/ },
      { name: 'badsig', code: 'SIGNATURE_INVALID', match: /badsig-1\.0\.tar\.gz\.asc of badsig-1\.0\.tar\.gz does not verify/ },
    ];
    for (const f of failing) {
      const cacheBefore = tree(cacheDir);
      await assert.rejects(prepareSources(deps, p, [comp(f.name)], out, opts), (e: StrataError) => {
        assert.equal(e.code, f.code, f.name);
        assert.match(e.diagnostics[0]!.message, f.match, f.name);
        return true;
      });
      assert.equal(existsSync(path.join(out, f.name)), false, `${f.name}: nothing in the output`);
      assert.deepEqual(tree(out).filter((x) => x.startsWith('.')), [], `${f.name}: no staging left`);
      if (f.name !== 'badsig') assert.deepEqual(tree(cacheDir), cacheBefore, `${f.name}: nothing new in the cache`);
    }

    // source-files: the lookaside lacks extra.txt, the download origin has it.
    const [wo] = await prepareSources(deps, p, [comp('withorigin')], out, opts);
    assert.equal(readFileSync(path.join(out, 'withorigin', 'extra.txt'), 'utf8'), extra);
    assert.equal(wo!.files.find((x) => x.filename === 'extra.txt')!.from, `${server.base}/origin/extra.txt`);
    assert.match(readFileSync(path.join(out, 'withorigin', 'sources'), 'utf8'), /SHA512 \(extra\.txt\) = /);

    // Server stopped: a warm cache (and warm mirror) prepares into a fresh directory.
    await server.stop();
    const out2 = path.join(root, 'prepared2');
    const [again] = await prepareSources(deps, p, [comp('good')], out2, { ...opts, refresh: 'never' });
    assert.deepEqual(again!.files.map((x) => x.from), ['cache', 'cache', 'cache']);
    assert.deepEqual(readFileSync(path.join(out2, 'good', 'good-1.0.tar.gz')), tarball);
    assert.equal(again!.signatures.length, 1);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
