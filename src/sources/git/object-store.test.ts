/**
 * The in-process object reader against git itself: trees (vs `git archive`) and histories (vs
 * `loadHistory`, i.e. git log + cat-file) for packed repositories with delta chains, for loose
 * objects, and for the real dist-git trees of the golden corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, cpSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../../adapters/node-fs.js';
import { NodeProcessRunner } from '../../adapters/node-process.js';
import { SystemGit } from '../../adapters/git.js';
import { loadHistory, readHistory } from './history.js';
import { ObjectStore, readCommitFiles } from './object-store.js';
import { parseTar } from './archive.js';

const fs = new NodeFileSystem();
const git = new SystemGit(new NodeProcessRunner());
const env = (home: string, when: number) => ({ ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home, GIT_AUTHOR_NAME: 'A Ü', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@x', GIT_AUTHOR_DATE: `${when} +0000`, GIT_COMMITTER_DATE: `${when} +0100` });
const run = (cwd: string, args: string[], when = 1700000000) => {
  const r = spawnSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, env: env(cwd, when), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

async function compare(repo: string, head: string, specName: string): Promise<void> {
  const store = await ObjectStore.open(fs, repo);
  const mine = await readCommitFiles(store, head);
  const tar = await parseTar(spawnSync('git', ['archive', '--format=tar', head], { cwd: repo, maxBuffer: 1 << 28 }).stdout);
  assert.deepEqual([...mine.keys()].sort(), [...tar.keys()].sort());
  for (const [k, v] of tar) {
    assert.ok(Buffer.from(mine.get(k)!).equals(Buffer.from(v)), k);
    // git archive applies its umask (0002); the reader gives checkout modes (0644/0755).
    assert.equal(mine.get(k)!.mode, v.mode, `mode of ${k}`);
  }
  const a = await readHistory(store, head, specName);
  const b = await loadHistory({ git, repoDir: repo, specName, rev: head });
  assert.equal(a.head, b.head);
  assert.deepEqual([...a.commits.keys()].sort(), [...b.commits.keys()].sort());
  for (const [id, cb] of b.commits) assert.deepEqual(a.commits.get(id), cb, id);
  for (const [id, t] of b.blobs) assert.equal(a.blobs.get(id), t, id);
}

test('packed history with deltas and merges, and loose objects', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'objs-'));
  try {
    const w = path.join(tmp, 'w');
    mkdirSync(w);
    run(w, ['init', '-q', '-b', 'main']);
    let spec = 'Name: x\nVersion: 1\nRelease: %autorelease\n\n%description\nx\n\n%changelog\n%autochangelog\n' + 'filler line for deltas\n'.repeat(200);
    for (let i = 0; i < 40; i++) {
      spec = spec.replace(/Version: \d+/, `Version: ${1 + Math.floor(i / 5)}`) + `# change ${i}\n`;
      writeFileSync(path.join(w, 'x.spec'), spec);
      if (i % 7 === 0) writeFileSync(path.join(w, 'changelog'), `* entry ${i}\n`);
      mkdirSync(path.join(w, 'sub'), { recursive: true });
      writeFileSync(path.join(w, 'sub', `f${i % 3}.patch`), `patch ${i}\n`);
      run(w, ['add', '-A']);
      run(w, ['commit', '-q', '-m', i === 3 ? 'Ünïcode subject\n\nbody line\n[skip changelog]' : `Commit ${i}`], 1700000000 + i * 3600);
      if (i === 20) {
        run(w, ['checkout', '-q', '-b', 'side']);
        writeFileSync(path.join(w, 'side.txt'), 'side\n');
        run(w, ['add', '-A']);
        run(w, ['commit', '-q', '-m', 'Side'], 1700000000 + i * 3600 + 60);
        run(w, ['checkout', '-q', 'main']);
        run(w, ['merge', '-q', '--no-ff', '-m', 'Merge side', 'side'], 1700000000 + i * 3600 + 120);
      }
    }
    spawnSync('chmod', ['+x', path.join(w, 'sub', 'f0.patch')]);
    run(w, ['add', '-A']);
    run(w, ['commit', '-q', '-m', 'Exec bit'], 1800000000);
    const head = run(w, ['rev-parse', 'HEAD']);
    // Loose objects only.
    await compare(path.join(w, '.git'), head, 'x.spec');
    // One pack with delta chains (OFS_DELTA), as a mirror fetch leaves it.
    const bare = path.join(tmp, 'bare.git');
    run(tmp, ['clone', '-q', '--bare', w, bare]);
    run(bare, ['repack', '-a', '-d', '-f', '--depth=50', '--window=50', '-q']);
    assert.ok(readdirSync(path.join(bare, 'objects', 'pack')).some((n) => n.endsWith('.pack')));
    await compare(bare, head, 'x.spec');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const cases = path.resolve(process.env.STRATA_ROOT ?? path.join(import.meta.dirname, '..', '..', '..'), '../shared/corpus/azl-render/cases');
test('the golden corpus dist-git trees read the same as git archive', { skip: !existsSync(cases) && 'no corpus' }, async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'objs-corpus-'));
  try {
    let n = 0;
    for (const name of readdirSync(cases).sort()) {
      if (!existsSync(path.join(cases, name, 'upstream', `${name}.spec`))) continue;
      const w = path.join(tmp, name);
      cpSync(path.join(cases, name, 'upstream'), w, { recursive: true });
      run(w, ['init', '-q', '-b', 'f43']);
      run(w, ['add', '-A']);
      run(w, ['commit', '-q', '-m', 'Import']);
      const bare = `${w}.git`;
      run(tmp, ['clone', '-q', '--bare', w, bare]);
      await compare(bare, run(bare, ['rev-parse', 'HEAD']), `${name}.spec`);
      n++;
    }
    assert.ok(n > 60, `only ${n} cases`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('trees with entries git would refuse to check out (.., .git) are not read', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'objs-unsafe-'));
  try {
    const bare = path.join(tmp, 'bare.git');
    run(tmp, ['init', '-q', '--bare', bare]);
    const hash = (input: string, args: string[]) => spawnSync('git', args, { cwd: bare, input, encoding: 'utf8' }).stdout.trim();
    const blob = hash('owned\n', ['hash-object', '-w', '--stdin']);
    const inner = hash(`100644 blob ${blob}\tconfig\n`, ['mktree']);
    for (const [name, entry] of [['..', `100644 blob ${blob}\t..\n`], ['.git', `040000 tree ${inner}\t.git\n`], ['.GIT', `040000 tree ${inner}\t.GIT\n`]] as const) {
      const tree = hash(`${entry}100644 blob ${blob}\tok.spec\n`, ['mktree']);
      const commit = hash('', ['-c', 'user.name=A', '-c', 'user.email=a@x', 'commit-tree', tree, '-m', name]);
      const store = await ObjectStore.open(fs, bare);
      await assert.rejects(readCommitFiles(store, commit), /unsafe tree entry/, name);
      const tar = await parseTar(spawnSync('git', ['archive', '--format=tar', commit], { cwd: bare, maxBuffer: 1 << 24 }).stdout);
      assert.deepEqual([...tar.keys()].filter((k) => k !== 'ok.spec'), [], `${name}: git archive fallback drops it`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
