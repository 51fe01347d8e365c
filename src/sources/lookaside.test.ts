import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeHttp, NodeFileHasher } from '../adapters/http.js';
import { StrataError } from '../diag/index.js';
import { LookasideServer } from '../testing/http-server.js';
import { listTree as tree } from '../testing/tree.js';
import { LookasideCache, lookasideUrl, parseSourcesFile, printSourcesEntry, unsafeFilenameReason, type FetchSourceRequest, type LookasideDeps } from './lookaside.js';

const F = '/p/rpms/bash/sources';

test('parseSourcesFile: formats, spans and coded errors', () => {
  const sha = 'a'.repeat(128);
  const md5 = 'B'.repeat(32);
  const ok = parseSourcesFile(`SHA512 (bash-5.2.tar.gz) = ${sha}\n# comment\n\n${md5}  bash-5.2.tar.gz.sig\nsha256 (x.patch) = ${'c'.repeat(64)}\n`, F);
  assert.deepEqual(
    ok.entries.map((e) => [e.filename, e.hashType, e.hash, e.legacy, e.index, e.span.line]),
    [
      ['bash-5.2.tar.gz', 'SHA512', sha, false, 0, 1],
      ['bash-5.2.tar.gz.sig', 'MD5', md5.toLowerCase(), true, 3, 4],
      ['x.patch', 'SHA256', 'c'.repeat(64), false, 4, 5],
    ],
  );
  assert.equal(ok.lines.length, 5);
  assert.equal(printSourcesEntry(ok.entries[0]!), `SHA512 (bash-5.2.tar.gz) = ${sha}`);

  const cases = [
    { name: 'garbage', input: 'hello world again\n', code: 'SOURCES_LINE_INVALID', line: 1 },
    { name: 'unknown type', input: `\nCRC32 (a) = ${'a'.repeat(8)}\n`, code: 'SOURCES_HASH_TYPE_UNKNOWN', line: 2 },
    { name: 'short hash', input: `SHA512 (a) = abc\n`, code: 'SOURCES_HASH_INVALID', line: 1 },
    { name: 'slash', input: `SHA512 (../etc/passwd) = ${sha}\n`, code: 'SOURCE_FILENAME_INVALID', line: 1 },
    { name: 'dotdot', input: `${md5}  ..\n`, code: 'SOURCE_FILENAME_INVALID', line: 1 },
    { name: 'control', input: `SHA512 (a\u0001b) = ${sha}\n`, code: 'SOURCE_FILENAME_INVALID', line: 1 },
    { name: 'duplicate', input: `SHA512 (a) = ${sha}\nSHA512 (a) = ${sha}\n`, code: 'SOURCES_DUPLICATE', line: 2 },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseSourcesFile(c.input, F),
      (e: StrataError) => {
        assert.equal(e.code, c.code, c.name);
        assert.equal(e.diagnostics[0]!.span?.line, c.line, c.name);
        assert.equal(e.diagnostics[0]!.span?.file, F, c.name);
        return true;
      },
      c.name,
    );
  }
  for (const [n, bad] of [['a/b', true], ['..', true], ['a..b', true], ['.', true], ['', true], ['a\nb', true], ['bash-5.2.tar.gz', false], ['.hidden', false]] as const) {
    assert.equal(unsafeFilenameReason(n) !== undefined, bad, JSON.stringify(n));
  }
});

test('lookasideUrl: Fedora layout, escaping, validation', () => {
  const t = 'https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename';
  assert.equal(lookasideUrl(t, { pkg: 'bash', filename: 'bash-5.2.tar.gz', hashType: 'SHA512', hash: 'ab' }), 'https://src.fedoraproject.org/repo/pkgs/bash/bash-5.2.tar.gz/sha512/ab/bash-5.2.tar.gz');
  assert.equal(lookasideUrl(t, { pkg: 'libstdc++', filename: 'a b.tgz', hashType: 'MD5', hash: 'cd' }), 'https://src.fedoraproject.org/repo/pkgs/libstdc++/a%20b.tgz/md5/cd/a%20b.tgz');
  assert.equal(lookasideUrl('file:///srv/la/$pkg/$hash', { pkg: 'x', filename: 'f', hashType: 'MD5', hash: 'cd' }), 'file:///srv/la/x/cd');
  for (const bad of ['/relative/$pkg', 'urn:x:$pkg']) {
    assert.throws(() => lookasideUrl(bad, { pkg: 'x', filename: 'f', hashType: 'MD5', hash: 'cd' }), (e: StrataError) => e.code === 'LOOKASIDE_URL_INVALID');
  }
  assert.throws(() => lookasideUrl(t, { pkg: '$x', filename: 'f', hashType: 'MD5', hash: 'cd' }), (e: StrataError) => e.code === 'LOOKASIDE_URL_INVALID');
});

function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-lookaside-'));
  const sleeps: number[] = [];
  const deps: LookasideDeps = { http: new NodeHttp(), fs: new NodeFileSystem(), hasher: new NodeFileHasher(), sleep: async (ms) => void sleeps.push(ms) };
  const cacheDir = path.join(root, 'cache');
  const cache = new LookasideCache(deps, { cacheDir, retries: 3, retryDelayMs: 10 });
  return { root, deps, cache, cacheDir, sleeps, out: path.join(root, 'out') };
}

const sha512 = (b: Uint8Array | string) => createHash('sha512').update(b).digest('hex');

test('lookaside end to end: fetch+verify, cache, tampered, truncated, missing, 500 retried, offline warm cache', async () => {
  const { root, cache, cacheDir, out, sleeps } = setup();
  const server = new LookasideServer();
  await server.start();
  try {
    const good = randomBytes(300_000);
    const goodHash = server.addLookaside('bash', 'bash-5.2.tar.gz', good);
    const tampered = randomBytes(1000);
    const tamperedHash = server.addLookaside('bash', 'evil.tar.gz', tampered, 'tamper');
    const trunc = randomBytes(200_000);
    const truncHash = server.addLookaside('bash', 'trunc.tar.gz', trunc, 'truncate');
    const flaky = randomBytes(5000);
    const flakyHash = server.addLookaside('bash', 'flaky.tar.gz', flaky, 'truncate-once');
    const e500 = randomBytes(5000);
    const e500Hash = server.addLookaside('bash', 'e500.tar.gz', e500, 'error-500-once');
    const md5File = 'legacy data';
    server.addLookaside('bash', 'legacy.txt', md5File);
    const span = { file: '/p/rpms/bash/sources', line: 3, col: 1 };
    const req = (filename: string, hash: string, hashType: FetchSourceRequest['hashType'] = 'SHA512'): FetchSourceRequest => ({
      filename,
      hash,
      hashType,
      destDir: out,
      component: 'bash',
      span,
      urls: [lookasideUrl(server.template, { pkg: 'bash', filename, hashType, hash })],
    });

    // Correct fetch and verify.
    const r = await cache.fetch(req('bash-5.2.tar.gz', goodHash));
    assert.equal(r.from.startsWith('http://127.0.0.1:'), true);
    assert.deepEqual(readFileSync(path.join(out, 'bash-5.2.tar.gz')), good);
    assert.deepEqual(tree(cacheDir), [`sha512/${goodHash.slice(0, 2)}/${goodHash}`]);
    // Already in place: no request; legacy MD5 works.
    const before = server.requests.length;
    assert.equal((await cache.fetch(req('bash-5.2.tar.gz', goodHash))).from, 'present');
    assert.equal(server.requests.length, before);
    const md5 = createHash('md5').update(md5File).digest('hex');
    assert.equal(readFileSync((await cache.fetch(req('legacy.txt', md5, 'MD5'))).path, 'utf8'), md5File);

    // Tampered: rejected with URL, expected and actual; nothing in output or cache.
    const outBefore = tree(out);
    const cacheBefore = tree(cacheDir);
    await assert.rejects(cache.fetch(req('evil.tar.gz', tamperedHash)), (e: StrataError) => {
      assert.equal(e.code, 'LOOKASIDE_HASH_MISMATCH');
      const d = e.diagnostics[0]!;
      assert.match(d.message, /evil\.tar\.gz\/sha512\//);
      assert.match(d.message, new RegExp(`expected: ${tamperedHash}`));
      const bad = new Uint8Array(tampered);
      bad[0] = bad[0]! ^ 0xff;
      assert.match(d.message, new RegExp(`actual: +${sha512(bad)}`));
      assert.deepEqual(d.span, span);
      return true;
    });
    assert.deepEqual(tree(out), outBefore);
    assert.deepEqual(tree(cacheDir), cacheBefore);

    // Truncated every time: retried (3 attempts, backoff doubling), then rejected; nothing left.
    sleeps.length = 0;
    const n0 = server.requests.length;
    await assert.rejects(cache.fetch(req('trunc.tar.gz', truncHash)), (e: StrataError) => {
      assert.equal(e.code, 'LOOKASIDE_DOWNLOAD_FAILED');
      assert.match(e.message, /after 3 attempts/);
      return true;
    });
    assert.equal(server.requests.length - n0, 3);
    assert.deepEqual(sleeps, [10, 20]);
    assert.deepEqual(tree(out), outBefore);
    assert.deepEqual(tree(cacheDir), cacheBefore);

    // Truncated once / 500 once: the retry succeeds.
    assert.deepEqual(readFileSync((await cache.fetch(req('flaky.tar.gz', flakyHash))).path), flaky);
    assert.deepEqual(readFileSync((await cache.fetch(req('e500.tar.gz', e500Hash))).path), e500);

    // Missing: clear error, not retried.
    const n1 = server.requests.length;
    await assert.rejects(cache.fetch(req('nope.tar.gz', 'f'.repeat(128))), (e: StrataError) => {
      assert.equal(e.code, 'LOOKASIDE_NOT_FOUND');
      assert.match(e.message, /nope\.tar\.gz .*HTTP 404/);
      return true;
    });
    assert.equal(server.requests.length - n1, 1);

    // Falls back to the second URL (an origin) when the lookaside lacks the file.
    const originData = 'origin bytes';
    server.addFile('/files/orig.tar.gz', originData);
    const viaOrigin = await cache.fetch({ ...req('orig.tar.gz', sha512(originData)), urls: [...req('orig.tar.gz', sha512(originData)).urls, `${server.base}/files/orig.tar.gz`] });
    assert.equal(viaOrigin.from, `${server.base}/files/orig.tar.gz`);

    // Server stopped: a fresh output dir is filled from the warm cache.
    await server.stop();
    const out2 = path.join(root, 'out2');
    const c = await cache.fetch({ ...req('bash-5.2.tar.gz', goodHash), destDir: out2 });
    assert.equal(c.from, 'cache');
    assert.deepEqual(readFileSync(path.join(out2, 'bash-5.2.tar.gz')), good);
    // ... and a file it lacks fails with a download error naming the URL.
    await assert.rejects(cache.fetch({ ...req('trunc.tar.gz', truncHash), destDir: out2 }), (e: StrataError) => e.code === 'LOOKASIDE_DOWNLOAD_FAILED' && e.message.includes('127.0.0.1'));
    assert.deepEqual(tree(out2), ['bash-5.2.tar.gz']);

    // A corrupted cache entry is detected and not used.
    const cached = cache.cachePath('SHA512', goodHash);
    writeFileSync(cached, 'corrupt');
    await assert.rejects(cache.fetch({ ...req('bash-5.2.tar.gz', goodHash), destDir: path.join(root, 'out3') }), (e: StrataError) => e.code === 'LOOKASIDE_DOWNLOAD_FAILED');
    assert.equal(existsSync(cached), false);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('fetchAll collects every failure; file: URLs work', async () => {
  const { root, cache, out } = setup();
  try {
    const srcDir = path.join(root, 'srv');
    mkdirSync(srcDir);
    writeFileSync(path.join(srcDir, 'a.txt'), 'A');
    const reqs: FetchSourceRequest[] = [
      { filename: 'a.txt', hashType: 'SHA512', hash: sha512('A'), urls: [`file://${srcDir}/a.txt`], destDir: out },
      { filename: 'b.txt', hashType: 'SHA512', hash: sha512('B'), urls: [`file://${srcDir}/b.txt`], destDir: out },
      { filename: '../c', hashType: 'SHA512', hash: sha512('C'), urls: [], destDir: out },
    ];
    await assert.rejects(cache.fetchAll(reqs), (e: StrataError) => {
      assert.deepEqual(e.diagnostics.map((d) => d.code).sort(), ['LOOKASIDE_NOT_FOUND', 'SOURCE_FILENAME_INVALID']);
      return true;
    });
    assert.deepEqual(tree(out), ['a.txt']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
