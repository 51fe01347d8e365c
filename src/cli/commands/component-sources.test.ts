import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, renameSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../testing/cli.js';
import { FakeDistGit, sh } from '../../testing/git-fixtures.js';
import { writeTestProject } from '../../testing/project.js';
import { LookasideServer } from '../../testing/http-server.js';

const cli = (cwd: string, ...argv: string[]) => runCli(cwd, argv);

const spec = (v: string) => `Name: tool\nVersion: ${v}\nRelease: 1%{?dist}\nSummary: t\nLicense: MIT\nSource0: tool-${v}.tar.gz\n\n%description\nt\n\n%prep\n%setup -q\n\n%changelog\n* Thu Jan 01 2026 P <p@example.org> - 1-1\n- first\n`;

test('CLI: component update / --check-only / history / diff-sources / prepare-sources', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-cli-sources-'));
  const server = new LookasideServer();
  await server.start();
  try {
    const dg = new FakeDistGit(root, 'tool');
    const h1 = server.addLookaside('tool', 'tool-1.0.tar.gz', 'tarball 1.0');
    const c1 = dg.commit('f43', { 'tool.spec': spec('1.0'), sources: `SHA512 (tool-1.0.tar.gz) = ${h1}\n` }, 'import 1.0', '2026-01-01T00:00:00Z');
    const project = path.join(root, 'project');
    writeTestProject(project, { distGitDir: path.join(root, 'rpms'), lookasideTemplate: server.template, components: { tool: '[components.tool]\n' } });

    // No lock yet: check-only is stale (exit 1) and writes nothing.
    let r = await cli(project, 'component', 'update', '-a', '--check-only');
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /locks are stale; 1 component\(s\) would change: tool/);
    assert.equal(existsSync(path.join(project, 'locks')), false);

    r = await cli(project, 'component', 'update', '-a');
    assert.equal(r.code, 0, r.out + r.err);
    const lock = readFileSync(path.join(project, 'locks', 'tool.lock'), 'utf8');
    // The project is a git repository; its lock history shows in `component history`.
    sh(project, ['init', '-q', '-b', 'main']);
    sh(project, ['add', '-A']);
    sh(project, ['commit', '-q', '-m', 'import tool'], { GIT_AUTHOR_DATE: '2026-02-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-02-01T00:00:00Z' });
    assert.match(lock, new RegExp(`^upstream-commit = '${c1}'$`, 'm'));
    r = await cli(project, 'component', 'update', '-a', '--check-only');
    assert.equal(r.code, 0, r.out);

    // JSON output.
    r = await cli(project, '-o', 'json', 'component', 'update', '-p', 'tool', '--check-only');
    assert.deepEqual((JSON.parse(r.out) as { results: { component: string; status: string }[] }).results.map((x) => [x.component, x.status]), [['tool', 'unchanged']]);

    // Upstream moves on.
    const h2 = server.addLookaside('tool', 'tool-1.1.tar.gz', 'tarball 1.1');
    const c2 = dg.commit('f43', { 'tool.spec': spec('1.1'), sources: `SHA512 (tool-1.1.tar.gz) = ${h2}\n` }, 'update to 1.1', '2026-01-09T00:00:00Z');
    r = await cli(project, 'component', 'history', 'tool');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`tool +${c2.slice(0, 12)} +2026-01-09 +Fedora Packager +update to 1\\.1`));
    r = await cli(project, 'component', 'diff-sources', 'tool');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^-Version: 1\.0$/m);
    assert.match(r.out, /^\+Version: 1\.1$/m);
    assert.match(r.out, /^\+SHA512 \(tool-1\.1\.tar\.gz\)/m);

    // prepare-sources uses the LOCKED commit (1.0) until the lock is updated.
    r = await cli(project, 'component', 'prepare-sources', '-p', 'tool', '--output-dir', 'prep');
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(readFileSync(path.join(project, 'prep', 'tool', 'tool-1.0.tar.gz'), 'utf8'), 'tarball 1.0');
    r = await cli(project, 'component', 'update', '-a', '--check-only');
    assert.equal(r.code, 1);
    r = await cli(project, 'component', 'update', '-a');
    assert.equal(r.code, 0);
    sh(project, ['commit', '-q', '-am', 'update tool to 1.1'], { GIT_AUTHOR_DATE: '2026-02-02T00:00:00Z', GIT_COMMITTER_DATE: '2026-02-02T00:00:00Z' });
    r = await cli(project, '-o', 'json', 'component', 'history', 'tool');
    const hist = JSON.parse(r.out) as { lockHistory: { change: string; upstreamCommit: string; subject: string }[]; commits: unknown[] }[];
    assert.deepEqual(hist[0]!.lockHistory.map((l) => [l.change, l.upstreamCommit, l.subject]), [['created', c1, 'import tool'], ['upstream+inputs', c2, 'update tool to 1.1']]);
    assert.deepEqual(hist[0]!.commits, []);
    r = await cli(project, 'component', 'prepare-sources', '-p', 'tool', '--output-dir', 'prep');
    assert.equal(r.code, 0, r.out + r.err);
    assert.deepEqual(existsSync(path.join(project, 'prep', 'tool', 'tool-1.0.tar.gz')), false);
    assert.equal(readFileSync(path.join(project, 'prep', 'tool', 'tool-1.1.tar.gz'), 'utf8'), 'tarball 1.1');

    // Offline: dist-git and lookaside gone, everything comes from the caches.
    await server.stop();
    renameSync(dg.bare, dg.bare + '.gone');
    r = await cli(project, 'component', 'prepare-sources', '-p', 'tool', '--output-dir', 'prep2', '--offline');
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(readFileSync(path.join(project, 'prep2', 'tool', 'tool-1.1.tar.gz'), 'utf8'), 'tarball 1.1');
    // update without network: the warm mirror is used, with a warning, and the lock stays.
    r = await cli(project, 'component', 'update', '-a');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.err, /warning\[DISTGIT_FETCH_FAILED\]/, 'diagnostics go to stderr through the one renderer');
    assert.match(r.out, /0 lock\(s\) written, 1 unchanged/);
    // the same warning under -o json: a JSON line on stderr, stdout still one JSON value
    r = await cli(project, '-o', 'json', 'component', 'update', '-a');
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal((JSON.parse(r.out) as { diagnostics: { code: string }[] }).diagnostics[0]!.code, 'DISTGIT_FETCH_FAILED');
    assert.deepEqual(r.err.trim().split('\n').map((l) => (JSON.parse(l) as { code: string; severity: string }).code), ['DISTGIT_FETCH_FAILED']);

    // Errors are diagnostics, not stack traces.
    r = await cli(project, 'component', 'history', 'nope');
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.err + r.out, /\n\s+at /);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
