/**
 * The in-memory dist-git history with synthetic commits appended (what render hands to the
 * in-process rpmautospec) gives exactly what real synthetic git commits give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { processDistgit } from './autospec/index.js';
import type { Git } from '../adapters/types.js';
import { loadHistory } from '../sources/index.js';
import { appendSynthetic } from './autorelease.js';
import type { SyntheticCommit } from './synthetic.js';

/** The reference: real synthetic commits on top of the work tree's HEAD; the last one carries the overlaid tree. */
async function commitSynthetic(git: Git, repo: string, commits: readonly SyntheticCommit[], now: Date): Promise<void> {
  const baseEnv = { GIT_CONFIG_NOSYSTEM: '1' };
  await git.ok(['add', '-A', '.'], { cwd: repo, env: baseEnv });
  const tree = (await git.ok(['write-tree'], { cwd: repo })).trim();
  let parent = (await git.ok(['rev-parse', 'HEAD'], { cwd: repo })).trim();
  const headTree = (await git.ok(['rev-parse', 'HEAD^{tree}'], { cwd: repo })).trim();
  for (let i = 0; i < commits.length; i++) {
    const c = commits[i]!;
    const t = i === commits.length - 1 ? tree : headTree;
    const when = `@${c.time || Math.floor(now.getTime() / 1000)} +0000`; // `@`: raw epoch seconds (git rejects small bare numbers)
    const msg = c.hash === 'dirty' ? c.subject : `${c.subject}\n\nProject commit: ${c.hash}`;
    parent = (
      await git.ok(['commit-tree', t, '-p', parent, '-m', msg], {
        cwd: repo,
        env: { ...baseEnv, GIT_AUTHOR_NAME: c.authorName, GIT_AUTHOR_EMAIL: c.authorEmail, GIT_AUTHOR_DATE: when, GIT_COMMITTER_NAME: c.authorName, GIT_COMMITTER_EMAIL: c.authorEmail, GIT_COMMITTER_DATE: when },
      })
    ).trim();
  }
  await git.ok(['reset', '-q', '--soft', parent], { cwd: repo });
}

const repoRoot = path.resolve(process.env.STRATA_ROOT ?? path.join(import.meta.dirname, '..', '..'));
const cases = path.resolve(repoRoot, '../shared/corpus/azl-render/cases');
const proc = new NodeProcessRunner();
const git = new SystemGit(proc);
const fs = new NodeFileSystem();
const now = new Date('2026-05-01T00:00:00Z');
const synthetic: SyntheticCommit[] = [
  { hash: 'a'.repeat(40), authorName: 'Ann Dev', authorEmail: 'ann@example.org', time: 1777000000, subject: 'Tweak build flags' },
  { hash: 'b'.repeat(40), authorName: 'Bob Dev', authorEmail: 'bob@example.org', time: 1777100000, subject: 'Drop a subpackage' },
  { hash: 'dirty', authorName: 'strata', authorEmail: 'strata@local', time: 1777200000, subject: 'Local changes (uncommitted)' },
];

for (const name of ['rust-vm-memory', 'python-nodeenv', 'yggdrasil', 'evolution-data-server']) {
  test(`in-memory synthetic history = real git commits (${name})`, { skip: !existsSync(path.join(cases, name)) && 'no corpus' }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    try {
      const up = path.join(tmp, 'up');
      cpSync(path.join(cases, name, 'upstream'), up, { recursive: true });
      rmSync(path.join(up, 'rpmautospec.json'), { force: true });
      const e = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp, GIT_AUTHOR_NAME: 'F', GIT_AUTHOR_EMAIL: 'f@x', GIT_COMMITTER_NAME: 'F', GIT_COMMITTER_EMAIL: 'f@x', GIT_AUTHOR_DATE: '2026-02-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-02-01T00:00:00Z' };
      for (const args of [['init', '-q', '-b', 'f43'], ['add', '-A'], ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Import']]) assert.equal(spawnSync('git', args, { cwd: up, env: e }).status, 0);
      const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: up, encoding: 'utf8' }).stdout.trim();
      const specFile = `${name}.spec`;
      const finalSpec = '# header\n\n' + readFileSync(path.join(up, specFile), 'utf8');
      // A: real commits in a clone.
      const a = path.join(tmp, 'a');
      assert.equal(spawnSync('git', ['clone', '-q', up, a], { env: e }).status, 0);
      writeFileSync(path.join(a, specFile), finalSpec);
      await commitSynthetic(git, a, synthetic, now);
      const ra = await processDistgit({ git, fs, specPath: path.join(a, specFile), defines: [['dist', '%{nil}']], reflectWorktree: false });
      // B: in memory, from the original repository.
      const b = path.join(tmp, 'b');
      cpSync(up, b, { recursive: true, filter: (p) => !p.includes('/.git') });
      writeFileSync(path.join(b, specFile), finalSpec);
      const h = appendSynthetic(await loadHistory({ git, repoDir: up, specName: specFile, rev: head }), synthetic, finalSpec, undefined, now);
      const rb = await processDistgit({ git, fs, specPath: path.join(b, specFile), defines: [['dist', '%{nil}']], reflectWorktree: false, history: h });
      assert.equal(rb.changed, ra.changed);
      assert.equal(rb.releaseNumber, ra.releaseNumber);
      assert.equal(rb.text, ra.text);
      assert.ok(ra.changed);
      if (finalSpec.includes('%autochangelog')) assert.ok(ra.text!.includes('Drop a subpackage'), 'the synthetic commits appear in the changelog');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
