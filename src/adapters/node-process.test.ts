/**
 * Contract of NodeProcessRunner (the real ProcessRunner) with real programs: the shared
 * ProcessRunner contract (src/testing/contracts/process-runner.ts, also run against the scripted
 * fake), then what only real processes show: the process environment, pipes, signals, timeouts,
 * aborting a running program, PATH search and file permissions.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processRunnerContract } from '../testing/contracts/process-runner.js';
import { NodeProcessRunner } from './node-process.js';

const proc = new NodeProcessRunner();
let root = '';
before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-proc-')));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

processRunnerContract('NodeProcessRunner', (baseEnv) => ({ proc: new NodeProcessRunner(baseEnv), dir: root }));

const sh = (script: string, opts: Parameters<NodeProcessRunner['run']>[2] = {}) => proc.run('sh', ['-c', script], opts);

// Timeouts: a regression in killing programs must fail the test, not hang the suite.
describe('NodeProcessRunner.run', { timeout: 20_000 }, () => {
  it('the base environment defaults to the process environment', async () => {
    const r = await proc.run('sh', ['-c', 'printf %s "$PATH"']);
    assert.equal(r.stdout, process.env.PATH);
  });

  it('a missing cwd rejects with ENOENT', async () => {
    await assert.rejects(proc.run('true', [], { cwd: path.join(root, 'missing') }), { code: 'ENOENT' });
  });

  it('a program that exits without reading a large input does not fail the run (EPIPE is swallowed)', async () => {
    const r = await proc.run('true', [], { input: new Uint8Array(4 << 20) });
    assert.equal(r.code, 0);
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
