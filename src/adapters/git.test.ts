/**
 * Contract of SystemGit: the system git, isolated from the caller's environment and config (a
 * hostile HOME, XDG config, GIT_* variables and a "system" config must not change any result),
 * with run/ok semantics, cwd, input and binary output.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GitError, SystemGit } from './git.js';
import { NodeProcessRunner } from './node-process.js';

const IDENT = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x', GIT_AUTHOR_DATE: '@1700000000 +0000', GIT_COMMITTER_DATE: '@1700000000 +0000' };

let root = '';
let repo = '';
/** The caller's environment at its worst: every way a user or a git hook could steer git. */
let hostileEnv: Record<string, string> = {};
const git = new SystemGit(new NodeProcessRunner());
let hostile: SystemGit;

before(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-git-')));
  repo = path.join(root, 'repo');
  fs.mkdirSync(path.join(repo, 'sub'), { recursive: true });
  await git.ok(['init', '-q', '-b', 'main'], { cwd: repo });
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(repo, 'sub', 'Grüße.spec'), 'x\n');
  await git.ok(['add', '-A'], { cwd: repo });
  await git.ok(['commit', '-q', '-m', 'one'], { cwd: repo, env: IDENT });

  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(home, '.config', 'git'), { recursive: true });
  const gitconfig = '[user]\n\tname = Leak\n\temail = leak@home\n[init]\n\tdefaultBranch = leaked\n[alias]\n\tst = status\n[core]\n\tquotepath = true\n';
  fs.writeFileSync(path.join(home, '.gitconfig'), gitconfig);
  fs.writeFileSync(path.join(home, '.config', 'git', 'config'), gitconfig);
  fs.writeFileSync(path.join(home, '.config', 'git', 'ignore'), '*.txt\n');
  fs.writeFileSync(path.join(home, '.config', 'git', 'attributes'), '* leaked-attr\n');
  fs.writeFileSync(path.join(root, 'system.gitconfig'), '[user]\n\tname = System\n');
  const templates = path.join(root, 'templates');
  fs.mkdirSync(templates);
  fs.writeFileSync(path.join(templates, 'leaked-template-file'), '');
  const other = path.join(root, 'other');
  fs.mkdirSync(other);
  await git.ok(['init', '-q', '-b', 'other'], { cwd: other });
  hostileEnv = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_DIR: path.join(other, '.git'),
    GIT_WORK_TREE: other,
    GIT_INDEX_FILE: path.join(other, '.git', 'leaked-index'),
    GIT_CONFIG_SYSTEM: path.join(root, 'system.gitconfig'),
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'user.email',
    GIT_CONFIG_VALUE_0: 'leak@count',
    GIT_CONFIG_PARAMETERS: "'user.signingkey'='leak'",
    GIT_AUTHOR_NAME: 'Leak',
    GIT_AUTHOR_DATE: '@1 +0000',
    GIT_TEMPLATE_DIR: templates,
    GIT_LITERAL_PATHSPECS: '1',
    GIT_CEILING_DIRECTORIES: root,
    LC_ALL: 'de_DE.UTF-8',
    LANG: 'de_DE.UTF-8',
  };
  hostile = new SystemGit(new NodeProcessRunner({ ...process.env, ...hostileEnv }));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('SystemGit isolation from the caller', () => {
  it('git receives a clean environment: no config, no prompts, C locale, no caller GIT_* steering', async () => {
    const fake = path.join(root, 'fake-git');
    fs.writeFileSync(fake, '#!/bin/sh\nprintf "%s\\n" "$@"; echo ---; env | LC_ALL=C sort\n', { mode: 0o755 });
    const out = await new SystemGit(new NodeProcessRunner({ ...process.env, ...hostileEnv }), fake).ok(['status'], { cwd: repo });
    const [argv, envText] = out.split('---\n');
    assert.equal(argv, ['-C', repo, '-c', 'core.quotepath=off', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', 'status', ''].join('\n'));
    const env = Object.fromEntries(envText!.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const [k, v] of Object.entries({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANG: 'C' })) assert.equal(env[k], v, k);
    for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_PARAMETERS', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_DATE', 'GIT_TEMPLATE_DIR', 'GIT_LITERAL_PATHSPECS', 'GIT_CEILING_DIRECTORIES']) {
      assert.equal(env[k], undefined, `${k} leaked into git's environment`);
    }
    assert.equal(env.PATH, process.env.PATH, 'the rest of the environment passes (PATH)');
  });

  it('the repository is the one at cwd, not GIT_DIR/GIT_WORK_TREE/GIT_INDEX_FILE of the caller', async () => {
    assert.equal((await hostile.ok(['rev-parse', '--absolute-git-dir'], { cwd: repo })).trim(), path.join(repo, '.git'));
    assert.equal((await hostile.ok(['rev-parse', '--show-toplevel'], { cwd: path.join(repo, 'sub') })).trim(), repo);
    assert.equal((await hostile.ok(['rev-parse', '--git-path', 'index'], { cwd: repo })).trim(), '.git/index');
    assert.equal((await hostile.ok(['symbolic-ref', 'HEAD'], { cwd: repo })).trim(), 'refs/heads/main');
  });

  it('no config but the repository\'s own: not ~/.gitconfig, XDG, GIT_CONFIG_SYSTEM, GIT_CONFIG_COUNT or GIT_CONFIG_PARAMETERS', async () => {
    const list = await hostile.ok(['config', '--list', '--show-origin'], { cwd: repo });
    const origins = new Set(list.trim().split('\n').map((l) => l.split('\t')[0]));
    // `-c` options of the adapter itself show as "command line".
    assert.deepEqual([...origins].sort(), ['command line:', 'file:.git/config']);
    assert.doesNotMatch(list, /leak|System/i);
    assert.equal((await hostile.run(['st'], { cwd: repo })).code, 1, 'an alias from ~/.gitconfig is unknown');
  });

  it('no global ignore or attributes file from HOME/XDG: `git add -A` sees every file', async () => {
    fs.writeFileSync(path.join(repo, 'new.txt'), 'n\n');
    try {
      assert.equal(await hostile.ok(['status', '--porcelain', '--ignored', '--', 'new.txt'], { cwd: repo }), '?? new.txt\n');
      assert.equal(await hostile.ok(['check-attr', '-a', '--', 'a.txt'], { cwd: repo }), '');
    } finally {
      fs.rmSync(path.join(repo, 'new.txt'));
    }
  });

  it('a new repository gets neither the caller\'s template nor its init.defaultBranch', async () => {
    const d = path.join(root, 'fresh');
    fs.mkdirSync(d);
    await hostile.ok(['init', '-q'], { cwd: d });
    assert.ok(!fs.existsSync(path.join(d, '.git', 'leaked-template-file')));
    assert.notEqual((await hostile.ok(['symbolic-ref', 'HEAD'], { cwd: d })).trim(), 'refs/heads/leaked');
  });

  it('commits carry the identity and date passed in opts.env, never the caller\'s', async () => {
    const tree = (await hostile.ok(['rev-parse', 'HEAD^{tree}'], { cwd: repo })).trim();
    const c = (await hostile.ok(['commit-tree', tree, '-m', 'x'], { cwd: repo, env: IDENT })).trim();
    assert.match(await hostile.ok(['cat-file', 'commit', c], { cwd: repo }), /^author T <t@x> 1700000000 \+0000$/m);
    // Without an identity in opts.env, whatever git falls back to is not the caller's GIT_AUTHOR_NAME.
    const r = await hostile.run(['var', 'GIT_AUTHOR_IDENT'], { cwd: repo });
    assert.doesNotMatch(r.stdout, /Leak/);
  });

  it('opts.env can still set a variable the adapter unsets (GIT_INDEX_FILE for a temporary index)', async () => {
    const idx = path.join(root, 'tmp-index');
    assert.equal((await hostile.ok(['rev-parse', '--git-path', 'index'], { cwd: repo, env: { GIT_INDEX_FILE: idx } })).trim(), idx);
  });

  it('messages are in the C locale and paths are not quoted (core.quotepath=off beats ~/.gitconfig)', async () => {
    assert.equal(await hostile.ok(['ls-files', 'sub'], { cwd: repo }), 'sub/Grüße.spec\n');
    const r = await hostile.run(['rev-parse', '--verify', 'no-such-ref'], { cwd: repo });
    assert.match(r.stderr, /fatal: Needed a single revision/);
  });
});

describe('SystemGit run/ok', () => {
  it('run returns the result whatever the exit code', async () => {
    const r = await git.run(['rev-parse', '--verify', '-q', 'refs/heads/missing'], { cwd: repo });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
  });

  it('ok returns stdout on success', async () => {
    assert.match(await git.ok(['rev-parse', 'HEAD'], { cwd: repo }), /^[0-9a-f]{40}\n$/);
  });

  it('ok throws a GitError with the args, the result and a message naming exit code and stderr', async () => {
    await assert.rejects(git.ok(['cat-file', '-p', 'deadbeef'], { cwd: repo }), (e: unknown) => {
      assert.ok(e instanceof GitError);
      assert.equal(e.name, 'GitError');
      assert.deepEqual(e.args, ['cat-file', '-p', 'deadbeef']);
      assert.equal(e.result.code, 128);
      assert.match(e.message, /^git cat-file -p deadbeef failed \(exit 128\): .*deadbeef/);
      return true;
    });
  });

  it('cwd outside any repository: git says so (exit 128) instead of finding one further up', async () => {
    const d = path.join(root, 'not-a-repo');
    fs.mkdirSync(d);
    const r = await git.run(['rev-parse', '--git-dir'], { cwd: d, env: { GIT_CEILING_DIRECTORIES: root } });
    assert.equal(r.code, 128);
    assert.match(r.stderr, /not a git repository/);
  });

  it('a missing cwd is an ordinary git failure (exit 128), not an exception', async () => {
    const r = await git.run(['status'], { cwd: path.join(root, 'missing') });
    assert.equal(r.code, 128);
  });

  it('input goes to stdin; binary output comes as bytes', async () => {
    const data = Uint8Array.from([0, 0xff, 0xfe, 10, 0xc3]);
    const sha = (await git.ok(['hash-object', '-w', '--stdin'], { cwd: repo, input: data })).trim();
    const expected = createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data])).digest('hex');
    assert.equal(sha, expected);
    const r = await git.run(['cat-file', 'blob', sha], { cwd: repo, binary: true });
    assert.deepEqual([...r.stdoutBytes!], [...data]);
    assert.equal((await git.ok(['hash-object', '--stdin'], { cwd: repo, input: 'text\n' })).trim(), createHash('sha1').update('blob 5\0text\n').digest('hex'));
  });

  it('an AbortSignal rejects the run', async () => {
    await assert.rejects(git.run(['status'], { cwd: repo, signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
