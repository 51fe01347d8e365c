/**
 * Contract of NodeProcessRunner (the real ProcessRunner) with real programs: sh, cat, env, pwd.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeProcessRunner } from './node-process.js';

const proc = new NodeProcessRunner();
let root = '';
before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-proc-')));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

const sh = (script: string, opts: Parameters<NodeProcessRunner['run']>[2] = {}) => proc.run('sh', ['-c', script], opts);

// Timeouts: a regression in killing programs must fail the test, not hang the suite.
describe('NodeProcessRunner.run', { timeout: 20_000 }, () => {
  it('returns the exit code, stdout and stderr as text', async () => {
    const r = await sh('printf out; printf err >&2; exit 3');
    assert.deepEqual([r.code, r.stdout, r.stderr, r.signal], [3, 'out', 'err', null]);
    assert.equal(r.stdoutBytes, undefined);
    assert.equal((await proc.run('true', [])).code, 0);
  });

  it('passes arguments verbatim, never through a shell', async () => {
    const args = ['$HOME', '*', 'a b', "'q'", '; rm -rf /', ''];
    const r = await proc.run('sh', ['-c', 'for a in "$@"; do printf "<%s>" "$a"; done', 'sh', ...args]);
    assert.equal(r.stdout, args.map((a) => `<${a}>`).join(''));
  });

  it('extends the base environment; undefined removes a variable', async () => {
    const p = new NodeProcessRunner({ PATH: process.env.PATH, KEEP: 'base', DROP: 'base' });
    const r = await p.run('sh', ['-c', 'printf "%s|%s|%s|%s" "$KEEP" "${DROP-unset}" "$ADDED" "${PATH:+has-path}"'], { env: { ADDED: 'new', DROP: undefined } });
    assert.equal(r.stdout, 'base|unset|new|has-path');
  });

  it('the base environment defaults to the process environment', async () => {
    const r = await proc.run('sh', ['-c', 'printf %s "$PATH"']);
    assert.equal(r.stdout, process.env.PATH);
  });

  it('replaceEnv gives the program only the variables passed', async () => {
    const p = new NodeProcessRunner({ PATH: process.env.PATH, SECRET: 'leak' });
    const r = await p.run('/usr/bin/env', [], { replaceEnv: true, env: { ONLY: '1', GONE: undefined } });
    assert.equal(r.stdout, 'ONLY=1\n');
  });

  it('runs in cwd', async () => {
    const d = path.join(root, 'cwd');
    fs.mkdirSync(d);
    assert.equal((await proc.run('pwd', ['-P'], { cwd: d })).stdout, `${d}\n`);
  });

  it('a missing cwd rejects with ENOENT', async () => {
    await assert.rejects(proc.run('true', [], { cwd: path.join(root, 'missing') }), { code: 'ENOENT' });
  });

  it('feeds input as a string or as bytes; without input stdin is at EOF at once', async () => {
    assert.equal((await proc.run('cat', [], { input: 'Grüße\n' })).stdout, 'Grüße\n');
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = await proc.run('cat', [], { input: bytes, binary: true });
    assert.deepEqual([...r.stdoutBytes!], [...bytes]);
    assert.equal((await proc.run('cat', [])).stdout, '');
  });

  it('a program that exits without reading a large input does not fail the run (EPIPE is swallowed)', async () => {
    const r = await proc.run('true', [], { input: new Uint8Array(4 << 20) });
    assert.equal(r.code, 0);
  });

  it('binary output comes as bytes (no UTF-8 mangling) and stdout text is empty', async () => {
    const r = await proc.run('printf', ['\\377\\376\\000\\303']);
    assert.notDeepEqual(Buffer.from(r.stdout, 'utf8'), Buffer.from([0xff, 0xfe, 0, 0xc3]), 'text mode is lossy');
    const b = await proc.run('printf', ['\\377\\376\\000\\303'], { binary: true });
    assert.equal(b.stdout, '');
    assert.deepEqual([...b.stdoutBytes!], [0xff, 0xfe, 0, 0xc3]);
  });

  it('large outputs arrive complete', async () => {
    const r = await proc.run('head', ['-c', String(3 << 20), '/dev/zero'], { binary: true });
    assert.equal(r.stdoutBytes!.length, 3 << 20);
  });

  it('onOutput sees every chunk of both streams as it arrives, and they add up to the result', async () => {
    const seen: Record<string, Buffer[]> = { stdout: [], stderr: [] };
    const go = path.join(root, 'go');
    // The program waits until onOutput has seen its first output: only streaming lets it finish.
    const script = `printf one; printf two >&2; i=0; while [ ! -e ${go} ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; [ -e ${go} ] && printf three`;
    const r = await sh(script, {
      onOutput: (s, c) => {
        seen[s]!.push(Buffer.from(c));
        if (s === 'stdout') fs.writeFileSync(go, '');
      },
    });
    assert.equal(Buffer.concat(seen.stdout!).toString(), 'onethree');
    assert.equal(Buffer.concat(seen.stderr!).toString(), 'two');
    assert.equal(r.stdout, 'onethree');
    assert.equal(r.stderr, 'two');
  });

  it('a program killed by a signal has a non-zero code and names the signal', async () => {
    const r = await sh('kill -KILL $$');
    assert.equal(r.signal, 'SIGKILL');
    assert.notEqual(r.code, 0);
  });

  it('timeoutMs ends a slow program: SIGTERM, non-zero code, output so far kept', { timeout: 5000 }, async () => {
    const t = Date.now();
    const r = await sh('printf started; exec sleep 5', { timeoutMs: 150 });
    assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    assert.equal(r.signal, 'SIGTERM');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, 'started');
  });

  it('timeoutMs does not wait for a grandchild that keeps the output pipes open', { timeout: 5000 }, async () => {
    const t = Date.now();
    const r = await sh('sleep 5; echo never', { timeoutMs: 150 });
    assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
    assert.notEqual(r.code, 0);
  });

  it('timeoutMs escalates to SIGKILL when the program ignores SIGTERM', { timeout: 5000 }, async () => {
    const t = Date.now();
    // Bounded (about 4 s) so that a regression cannot leave a stray process behind.
    const r = await sh('trap "" TERM; printf ready; i=0; while [ $i -lt 80 ]; do sleep 0.05; i=$((i+1)); done', { timeoutMs: 150 });
    assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
    assert.equal(r.signal, 'SIGKILL');
    assert.notEqual(r.code, 0);
  });

  it('a fast program is not affected by a timeout', async () => {
    const r = await sh('printf ok', { timeoutMs: 10_000 });
    assert.deepEqual([r.code, r.stdout, r.signal], [0, 'ok', null]);
  });

  it('an AbortSignal rejects with AbortError at once and ends the program', async () => {
    const pidFile = path.join(root, 'abort.pid');
    const ac = new AbortController();
    const t = Date.now();
    const run = sh(`echo $$ > ${pidFile}; exec sleep 5`, { signal: ac.signal });
    while (!fs.existsSync(pidFile) || !fs.readFileSync(pidFile, 'utf8').trim()) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(Date.now() - t < 2000);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitGone(pid);
  });

  it('an already aborted signal rejects without running the program', async () => {
    const marker = path.join(root, 'never-ran');
    await assert.rejects(sh(`touch ${marker}`, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fs.existsSync(marker), false);
  });

  it('a missing program rejects with an errno error (ENOENT, path = the program) the CLI reports as IO_ENOENT', async () => {
    await assert.rejects(proc.run('strata-no-such-program', ['x']), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.path, 'strata-no-such-program');
      assert.match(e.syscall ?? '', /^spawn/);
      return true;
    });
  });

  it('a program that is not executable rejects with EACCES', async () => {
    const f = path.join(root, 'not-exec.sh');
    fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o644 });
    await assert.rejects(proc.run(f, []), { code: 'EACCES' });
  });
});

describe('NodeProcessRunner.which', () => {
  it('finds a program on PATH as an absolute path', async () => {
    const p = await proc.which('sh');
    assert.ok(p && path.isAbsolute(p));
    fs.accessSync(p, fs.constants.X_OK);
  });

  it('searches the base environment PATH in order, skipping non-executables and directories', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => path.join(root, 'which', x));
    for (const d of [a!, b!, c!]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(a!, 'tool'), '', { mode: 0o644 }); // not executable by its mode bits
    fs.mkdirSync(path.join(b!, 'tool')); // a directory named like the program
    fs.writeFileSync(path.join(c!, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(a!, 'first'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(c!, 'first'), '#!/bin/sh\n', { mode: 0o755 });
    const p = new NodeProcessRunner({ PATH: `${a}::${b}:${c}` });
    assert.equal(await p.which('tool'), path.join(c!, 'tool'));
    assert.equal(await p.which('first'), path.join(a!, 'first'));
    assert.equal(await p.which('absent'), undefined);
  });

  it('undefined when the program is nowhere on PATH', async () => {
    assert.equal(await proc.which('strata-no-such-program'), undefined);
  });

  it('a name with a slash is checked as a path, not searched', async () => {
    const exe = path.join(root, 'exe.sh');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await proc.which(exe), exe);
    assert.equal(await proc.which(path.join(root, 'missing')), undefined);
    assert.equal(await proc.which(root), undefined, 'a directory is not a program');
  });
});

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`process ${pid} still runs`);
}
