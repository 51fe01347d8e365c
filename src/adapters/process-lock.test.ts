/**
 * Contract of NodeProcessLock: exclusive between holders in one process and between processes,
 * released by its release function, and taken over when its owner is gone (crash, kill -9).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeProcessLock } from './process-lock.js';

const locks = new NodeProcessLock();
let root = '';
let n = 0;
const lockPath = (): string => path.join(root, `l${n++}`, 'sub', 'the.lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MOD = new URL('./process-lock.js', import.meta.url).href;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-lock-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A node child that takes the lock, prints "held", then releases on "release\n" or exits on "exit\n" without releasing. */
function holder(lock: string): { child: ChildProcess; held: Promise<void> } {
  const code = `import { NodeProcessLock } from ${JSON.stringify(MOD)};
    const release = await new NodeProcessLock().acquire(${JSON.stringify(lock)}, { pollMs: 10 });
    process.stdout.write('held\\n');
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', async (d) => {
      if (d.includes('release')) { await release(); process.stdout.write('released\\n'); process.exit(0); }
      if (d.includes('exit')) process.exit(0);
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => d.includes('held') && resolve());
    child.on('exit', (c) => reject(new Error(`holder exited (${c}) before holding the lock`)));
  });
  return { child, held };
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.on('exit', () => r())));

/** Resolves with the release function, or with 'pending' when the lock is not granted within `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([p, new Promise<'pending'>((res) => (t = setTimeout(() => res('pending'), ms)))]);
  clearTimeout(t);
  return r;
}

describe('NodeProcessLock', { timeout: 30_000 }, () => {
  it('creates missing parents, records the owner pid, and release removes the lock', async () => {
    const lock = lockPath();
    const release = await locks.acquire(lock);
    assert.equal(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim(), String(process.pid));
    await release();
    assert.equal(fs.existsSync(lock), false);
    await release(); // twice is harmless
  });

  it('is exclusive between two holders in one process; the waiter gets it after release', async () => {
    const lock = lockPath();
    const first = await locks.acquire(lock, { pollMs: 10 });
    const second = locks.acquire(lock, { pollMs: 10 });
    assert.equal(await within(second, 300), 'pending');
    await first();
    const release = await within(second, 2000);
    assert.notEqual(release, 'pending');
    await (release as () => Promise<void>)();
  });

  it('a waiter whose signal aborts stops waiting and does not take the lock', async () => {
    const lock = lockPath();
    const first = await locks.acquire(lock, { pollMs: 10 });
    const ac = new AbortController();
    const second = locks.acquire(lock, { pollMs: 10, signal: ac.signal });
    assert.equal(await within(second, 100), 'pending');
    ac.abort(new Error('gave up'));
    await assert.rejects(second, /gave up/);
    assert.equal(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim(), String(process.pid));
    await first();
    assert.equal(fs.existsSync(lock), false);
  });

  it('many concurrent holders in one process never overlap', async () => {
    const lock = lockPath();
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const release = await locks.acquire(lock, { pollMs: 5 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(5);
        inside--;
        done++;
        await release();
      }),
    );
    assert.deepEqual([maxInside, done], [1, 8]);
  });

  it('is exclusive between processes: waits while another process holds it, gets it when that one releases', async () => {
    const lock = lockPath();
    const h = holder(lock);
    try {
      await h.held;
      const mine = locks.acquire(lock, { pollMs: 10 });
      assert.equal(await within(mine, 400), 'pending');
      h.child.stdin!.write('release\n');
      await exited(h.child);
      const release = await within(mine, 3000);
      assert.notEqual(release, 'pending');
      await (release as () => Promise<void>)();
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('another process waits while this one holds it', async () => {
    const lock = lockPath();
    const release = await locks.acquire(lock);
    const h = holder(lock);
    try {
      assert.equal(await within(h.held, 400), 'pending');
      await release();
      await h.held;
      h.child.stdin!.write('release\n');
      await exited(h.child);
      assert.equal(fs.existsSync(lock), false);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('three processes incrementing one counter under the lock lose no update', async () => {
    const lock = lockPath();
    const counter = path.join(root, `counter-${n++}`);
    fs.writeFileSync(counter, '0');
    const code = `import { NodeProcessLock } from ${JSON.stringify(MOD)};
      import { readFileSync, writeFileSync } from 'node:fs';
      const l = new NodeProcessLock();
      for (let i = 0; i < 15; i++) {
        const release = await l.acquire(${JSON.stringify(lock)}, { pollMs: 2 });
        const v = Number(readFileSync(${JSON.stringify(counter)}, 'utf8'));
        await new Promise((r) => setTimeout(r, 1));
        writeFileSync(${JSON.stringify(counter)}, String(v + 1));
        await release();
      }`;
    const kids = Array.from({ length: 3 }, () => spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const codes = await Promise.all(kids.map((k) => new Promise<number | null>((r) => k.on('exit', (c) => r(c)))));
    assert.deepEqual(codes, [0, 0, 0]);
    assert.equal(fs.readFileSync(counter, 'utf8'), '45');
  });

  for (const how of ['exits without releasing', 'is killed (SIGKILL)'] as const) {
    it(`a holder that ${how} leaves a stale lock that is taken over`, async () => {
      const lock = lockPath();
      const h = holder(lock);
      await h.held;
      if (how === 'is killed (SIGKILL)') h.child.kill('SIGKILL');
      else h.child.stdin!.write('exit\n');
      await exited(h.child);
      assert.ok(fs.existsSync(path.join(lock, 'pid')), 'the dead holder left its lock behind');
      const release = await within(locks.acquire(lock, { pollMs: 10 }), 3000);
      assert.notEqual(release, 'pending');
      assert.equal(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim(), String(process.pid));
      await (release as () => Promise<void>)();
    });
  }

  it('a stale lock contended by many waiters is taken over by exactly one at a time', async () => {
    for (let round = 0; round < 5; round++) {
      const lock = lockPath();
      fs.mkdirSync(lock, { recursive: true });
      fs.writeFileSync(path.join(lock, 'pid'), `${deadPid()}\n`);
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const release = await locks.acquire(lock, { pollMs: 5 });
          inside++;
          maxInside = Math.max(maxInside, inside);
          await sleep(20);
          inside--;
          await release();
        }),
      );
      assert.equal(maxInside, 1, `round ${round}: two holders at once after a stale takeover`);
    }
  });

  it('a lock without a readable pid (owner died while writing it) is not taken over while young', async () => {
    const lock = lockPath();
    fs.mkdirSync(lock, { recursive: true });
    fs.writeFileSync(path.join(lock, 'pid'), '');
    assert.equal(await within(locks.acquire(lock, { pollMs: 10 }), 300), 'pending');
    fs.rmSync(lock, { recursive: true }); // lets the pending acquire finish before the suite ends
  });

  it('a lock without a readable pid that is older than 10 s is taken over', async () => {
    const lock = lockPath();
    fs.mkdirSync(lock, { recursive: true });
    fs.writeFileSync(path.join(lock, 'pid'), 'garbage');
    const old = Date.now() / 1000 - 60;
    fs.utimesSync(lock, old, old);
    const release = await within(locks.acquire(lock, { pollMs: 10 }), 2000);
    assert.notEqual(release, 'pending');
    assert.equal(fs.readFileSync(path.join(lock, 'pid'), 'utf8').trim(), String(process.pid));
    await (release as () => Promise<void>)();
  });

  it('an empty lock directory (left by an older Strata that died between mkdir and writing the pid) is taken over at once', async () => {
    const lock = lockPath();
    fs.mkdirSync(lock, { recursive: true });
    const release = await within(locks.acquire(lock, { pollMs: 10 }), 1000);
    assert.notEqual(release, 'pending');
    await (release as () => Promise<void>)();
  });

  it('a pid file naming a non-positive pid is never signalled as a process group: treated as unreadable', async () => {
    const lock = lockPath();
    fs.mkdirSync(lock, { recursive: true });
    fs.writeFileSync(path.join(lock, 'pid'), '-1\n');
    assert.equal(await within(locks.acquire(lock, { pollMs: 10 }), 200), 'pending');
    fs.rmSync(lock, { recursive: true });
  });

  it('leaves nothing beside the lock after acquire and release', async () => {
    const lock = lockPath();
    const release = await locks.acquire(lock);
    await release();
    assert.deepEqual(fs.readdirSync(path.dirname(lock)), []);
  });
});

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}
