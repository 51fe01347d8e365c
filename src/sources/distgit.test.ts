import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync, rmSync, renameSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { StrataError } from '../diag/index.js';
import { FakeDistGit, sh } from '../testing/git-fixtures.js';
import { MirrorCache, resolveUpstreamCommit, distGitUrl, mirrorDirName, type DistGitDeps } from './distgit.js';
import { listCommits, readCommitTree, readFileAt } from './git/index.js';

function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-distgit-'));
  const deps: DistGitDeps = { git: new SystemGit(new NodeProcessRunner()), fs: new NodeFileSystem(), sleep: async () => {} };
  const cache = new MirrorCache(deps, { workDir: path.join(root, 'build'), retries: 2, retryDelayMs: 1 });
  return { root, deps, cache };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StrataError) return e.code;
    throw e;
  }
  return 'OK';
}

const span = { file: '/p/base/comps/bash/bash.comp.toml', line: 4, col: 1 };

test('distGitUrl and mirrorDirName', () => {
  const cases = [
    { input: ['https://src.fedoraproject.org/rpms/$pkg.git', 'bash'], expected: 'https://src.fedoraproject.org/rpms/bash.git' },
    { input: ['https://x/rpms/$pkg.git', 'libstdc++'], expected: 'https://x/rpms/libstdc++.git' },
    { input: ['https://x/rpms/$pkg.git', 'a b/c'], expected: 'https://x/rpms/a%20b%2Fc.git' },
  ] as const;
  for (const c of cases) assert.equal(distGitUrl(c.input[0], c.input[1]), c.expected);
  assert.throws(() => distGitUrl('https://x/rpms/bash.git', 'bash', span), (e: StrataError) => e.code === 'DISTGIT_URL_INVALID' && e.diagnostics[0]!.span === span);
  const a = mirrorDirName('https://src.fedoraproject.org/rpms/bash.git');
  assert.match(a, /^src\.fedoraproject\.org-rpms-bash-[0-9a-f]{12}\.git$/);
  assert.notEqual(a, mirrorDirName('https://src.fedoraproject.org/rpms/bash'));
  for (const u of ['../../etc', '/..', 'file:///../x', '..']) {
    const n = mirrorDirName(u);
    assert.ok(!n.includes('/') && !n.startsWith('.'), n);
  }
});

test('mirror: clone, incremental fetch, commit rules, offline warm cache', async () => {
  const { root, deps, cache } = setup();
  try {
    const dg = new FakeDistGit(root, 'bash');
    const c1 = dg.commit('rawhide', { 'bash.spec': 'Name: bash\nVersion: 1\n' }, 'one', '2026-01-01T00:00:00Z');
    const c2 = dg.commit('rawhide', { 'bash.spec': 'Name: bash\nVersion: 2\n' }, 'two', '2026-01-03T00:00:00Z');
    const f43 = dg.commit('f43', { 'bash.spec': 'Name: bash\nVersion: 43\n' }, 'f43', '2026-01-02T00:00:00Z');

    const m = await cache.ensure({ url: dg.url, branch: 'rawhide', component: 'bash' });
    assert.equal(m.fetched, true);
    assert.equal(m.path, path.join(root, 'build', 'mirrors', mirrorDirName(dg.url)));
    assert.equal(sh(m.path, ['rev-parse', '--is-bare-repository']).trim(), 'true');

    const rules = [
      { name: 'head', input: { branch: 'rawhide' }, expected: [c2, 'head'] },
      { name: 'snapshot between', input: { branch: 'rawhide', snapshot: '2026-01-02T00:00:00Z' }, expected: [c1, 'snapshot'] },
      { name: 'snapshot exactly at a commit', input: { branch: 'rawhide', snapshot: '2026-01-03T00:00:00+00:00' }, expected: [c2, 'snapshot'] },
      { name: 'snapshot with offset', input: { branch: 'rawhide', snapshot: '2026-01-02T16:00:00-08:00' }, expected: [c2, 'snapshot'] },
      { name: 'snapshot Date', input: { branch: 'rawhide', snapshot: new Date('2026-01-02T00:00:00Z') }, expected: [c1, 'snapshot'] },
      { name: 'short pin beats snapshot', input: { branch: 'rawhide', snapshot: '2026-01-02T00:00:00Z', pin: c2.slice(0, 7) }, expected: [c2, 'pin'] },
      { name: 'uppercase pin', input: { branch: 'rawhide', pin: c1.toUpperCase() }, expected: [c1, 'pin'] },
      { name: 'lock agrees with a short pin', input: { branch: 'rawhide', pin: c1.slice(0, 8), lock: c1 }, expected: [c1, 'lock'] },
      { name: 'lock beats snapshot', input: { branch: 'rawhide', snapshot: '2026-01-09T00:00:00Z', lock: c1 }, expected: [c1, 'lock'] },
    ];
    for (const r of rules) {
      const got = await resolveUpstreamCommit(deps, m, r.input);
      assert.deepEqual([got.commit, got.rule], r.expected, r.name);
      assert.equal(got.branchHead, c2);
    }

    const errors = [
      { name: 'unknown branch', input: { branch: 'f99', spans: { branch: span } }, code: 'DISTGIT_BRANCH_NOT_FOUND' },
      { name: 'bad pin', input: { branch: 'rawhide', pin: 'xyz1234', spans: { pin: span } }, code: 'DISTGIT_PIN_INVALID' },
      { name: 'short pin', input: { branch: 'rawhide', pin: 'abc12', spans: { pin: span } }, code: 'DISTGIT_PIN_INVALID' },
      { name: 'unknown pin', input: { branch: 'rawhide', pin: '0000000000', spans: { pin: span } }, code: 'DISTGIT_COMMIT_NOT_FOUND' },
      { name: 'unknown lock', input: { branch: 'rawhide', lock: '1'.repeat(40), spans: { lock: span } }, code: 'DISTGIT_COMMIT_NOT_FOUND' },
      { name: 'short lock', input: { branch: 'rawhide', lock: c1.slice(0, 10), spans: { lock: span } }, code: 'LOCK_COMMIT_INVALID' },
      { name: 'pin changed, lock not updated', input: { branch: 'rawhide', pin: c2, lock: c1, spans: { pin: span } }, code: 'LOCK_PIN_MISMATCH' },
      { name: 'snapshot before history', input: { branch: 'rawhide', snapshot: '2025-01-01T00:00:00Z', spans: { snapshot: span } }, code: 'DISTGIT_SNAPSHOT_BEFORE_HISTORY' },
      { name: 'snapshot not RFC3339', input: { branch: 'rawhide', snapshot: 'yesterday', spans: { snapshot: span } }, code: 'DISTGIT_SNAPSHOT_INVALID' },
    ];
    for (const c of errors) {
      await assert.rejects(resolveUpstreamCommit(deps, m, c.input), (e: StrataError) => {
        assert.equal(e.code, c.code, c.name);
        assert.deepEqual(e.diagnostics[0]!.span, span, c.name);
        return true;
      });
    }
    const off = await resolveUpstreamCommit(deps, m, { branch: 'rawhide', pin: f43 });
    assert.deepEqual(off.diagnostics.map((d) => d.code), ['DISTGIT_PIN_OFF_BRANCH']);

    // Upstream gains a commit: an incremental fetch sees it.
    const c3 = dg.commit('rawhide', { 'bash.spec': 'Name: bash\nVersion: 3\n' }, 'three', '2026-01-04T00:00:00Z');
    const ifNeeded = await cache.ensure({ url: dg.url, branch: 'rawhide', refresh: 'if-needed' });
    assert.equal(ifNeeded.fetched, false, 'if-needed does not fetch when the branch is there');
    assert.equal((await resolveUpstreamCommit(deps, ifNeeded, { branch: 'rawhide' })).commit, c2);
    const m2 = await cache.ensure({ url: dg.url, branch: 'rawhide' });
    assert.equal((await resolveUpstreamCommit(deps, m2, { branch: 'rawhide' })).commit, c3);
    const needC3 = await cache.ensure({ url: dg.url, commits: [c3], refresh: 'if-needed' });
    assert.equal(needC3.fetched, false);

    // History and file reads.
    const log = await listCommits(deps, m2.path, c3, c1);
    assert.deepEqual(log.map((c) => c.subject), ['three', 'two']);
    assert.equal(log[0]!.committerDate, '2026-01-04T00:00:00Z'.replace('Z', '+00:00'));
    assert.equal(await readFileAt(deps, m2.path, c1, 'bash.spec'), 'Name: bash\nVersion: 1\n');
    assert.equal(await readFileAt(deps, m2.path, c1, 'nope'), undefined);

    // Server gone: warm cache works, with a warning; a commit it lacks is an error naming the lock.
    renameSync(dg.bare, dg.bare + '.away');
    const offline = await cache.ensure({ url: dg.url, branch: 'rawhide', component: 'bash', spans: { url: span } });
    assert.equal(offline.fetched, false);
    assert.deepEqual(offline.diagnostics.map((d) => [d.code, d.severity, d.span]), [['DISTGIT_FETCH_FAILED', 'warning', span]]);
    assert.equal((await resolveUpstreamCommit(deps, offline, { branch: 'rawhide', lock: c2 })).commit, c2);
    assert.equal(await code(cache.ensure({ url: dg.url, branch: 'rawhide', commits: ['2'.repeat(40)], spans: { lock: span } })), 'DISTGIT_COMMIT_NOT_FOUND');
    assert.equal(await code(cache.ensure({ url: dg.url, branch: 'f99' })), 'DISTGIT_BRANCH_NOT_FOUND');
    assert.equal((await cache.ensure({ url: dg.url, branch: 'rawhide', refresh: 'never' })).fetched, false);
    renameSync(dg.bare + '.away', dg.bare);

    // Force-push: a locked commit that left the branch stays usable from the mirror.
    dg.forcePush('rawhide', c1);
    const m3 = await cache.ensure({ url: dg.url, branch: 'rawhide' });
    assert.equal((await resolveUpstreamCommit(deps, m3, { branch: 'rawhide' })).commit, c1);
    assert.equal((await resolveUpstreamCommit(deps, m3, { branch: 'rawhide', lock: c3 })).commit, c3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('mirror: unreachable URL is a coded error and leaves no half mirror', async () => {
  const { root, cache } = setup();
  try {
    const url = `file://${root}/nope/x.git`;
    await assert.rejects(cache.ensure({ url, component: 'x', spans: { component: span } }), (e: StrataError) => {
      assert.equal(e.code, 'DISTGIT_UNREACHABLE');
      assert.deepEqual(e.diagnostics[0]!.span, span);
      assert.match(e.message, /nope\/x\.git/);
      return true;
    });
    assert.equal(existsSync(cache.pathFor(url)), false);
    assert.equal(await code(cache.ensure({ url, refresh: 'never' })), 'DISTGIT_UNREACHABLE');
    assert.deepEqual(readdirSync(cache.root), [], 'no lock or temp dirs left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('mirror: parallel ensure calls share one fetch; separate caches (processes) serialise on the lock', async () => {
  const { root, deps, cache } = setup();
  try {
    const dg = new FakeDistGit(root, 'zlib');
    const c1 = dg.commit('rawhide', { 'zlib.spec': 'Name: zlib\n' }, 'one');
    let fetches = 0;
    const counting: DistGitDeps = {
      ...deps,
      git: {
        run: (a, o) => {
          if (a[0] === 'fetch') fetches++;
          return deps.git.run(a, o);
        },
        ok: (a, o) => deps.git.ok(a, o),
      },
    };
    const shared = new MirrorCache(counting, { workDir: path.join(root, 'build') });
    const ms = await Promise.all(Array.from({ length: 8 }, () => shared.ensure({ url: dg.url, branch: 'rawhide' })));
    assert.equal(fetches, 1);
    assert.equal(ms.filter((m) => m.fetched).length, 1);
    // Two independent caches on the same work dir (as two processes would be): both succeed.
    const other = new MirrorCache(counting, { workDir: path.join(root, 'build') });
    const both = await Promise.all([shared.ensure({ url: dg.url }), other.ensure({ url: dg.url }), cache.ensure({ url: dg.url })]);
    for (const m of both) assert.equal((await resolveUpstreamCommit(deps, m, { branch: 'rawhide' })).commit, c1);
    assert.deepEqual(readdirSync(cache.root), [mirrorDirName(dg.url)]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readCommitTree reads the files of a commit from the mirror, in process and through git archive', async () => {
  const { root, deps, cache } = setup();
  try {
    const dg = new FakeDistGit(root, 'bash');
    const c1 = dg.commit('rawhide', { 'bash.spec': 'v1\n', 'sources': 'SHA512 (a.tar) = 00\n' }, 'one');
    const c2 = dg.commit('rawhide', { 'bash.spec': 'v2\n', 'sources': null }, 'two');
    dg.commit('rawhide', { 'bash.spec': 'v3\n' }, 'three');
    const m = await cache.ensure({ url: dg.url, branch: 'rawhide' });
    const text = (t: Awaited<ReturnType<typeof readCommitTree>>) => {
      assert.ok(t.ok);
      return Object.fromEntries([...t.files].map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
    };
    const t2 = await readCommitTree(deps, m.path, c2);
    assert.deepEqual(text(t2), { 'bash.spec': 'v2\n' });
    assert.ok(t2.ok && t2.store, 'read in process');
    assert.deepEqual(text(await readCommitTree(deps, m.path, c1)), { 'bash.spec': 'v1\n', sources: 'SHA512 (a.tar) = 00\n' });
    // An object the reader cannot find falls back to git archive, which reports the failure.
    const missing = await readCommitTree(deps, m.path, 'f'.repeat(40));
    assert.equal(missing.ok, false);
    assert.equal(sh(m.path, ['rev-parse', 'refs/heads/rawhide~2']).trim(), c1);
    assert.deepEqual(readdirSync(cache.root), [mirrorDirName(dg.url)]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
