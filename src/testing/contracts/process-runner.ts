/**
 * The ProcessRunner contract: what domain code may rely on from any ProcessRunner, run against
 * NodeProcessRunner with real programs (src/adapters/node-process.test.ts) and against
 * FakeProcessRunner with scripted ones (src/testing/fakes/fake-process.test.ts). The programs it
 * runs: `sh -c` with one of CONTRACT_SCRIPTS (and, for ECHO_ARGS, `sh` as $0 then the arguments),
 * `cat` (stdin to stdout), `env` / `/usr/bin/env` (the environment as K=V lines), `pwd -P`,
 * `printf FORMAT` (octal escapes) and `true`. What needs a real process (signals, timeouts, killing,
 * pipes, PATH search, file permissions) stays in node-process.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessRunner } from '../../adapters/types.js';

export const CONTRACT_SCRIPTS = {
  /** stdout `out`, stderr `err`, exit 3 */
  OUT_ERR_EXIT_3: 'printf out; printf err >&2; exit 3',
  /** every argument after $0 as `<arg>` */
  ECHO_ARGS: 'for a in "$@"; do printf "<%s>" "$a"; done',
  /** `$KEEP|${DROP-unset}|$ADDED|has-path when PATH is set` */
  ENV_PROBE: 'printf "%s|%s|%s|%s" "$KEEP" "${DROP-unset}" "$ADDED" "${PATH:+has-path}"',
} as const;

export interface ProcessRunnerUnderTest {
  readonly proc: ProcessRunner;
  /** An existing directory (symlink-free path) to run in. */
  readonly dir: string;
}

export function processRunnerContract(label: string, make: (baseEnv: Readonly<Record<string, string | undefined>>) => ProcessRunnerUnderTest): void {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  describe(`${label}: run`, { timeout: 20_000 }, () => {
    it('returns the exit code, stdout and stderr as text; no bytes unless asked', async () => {
      const { proc } = make({ PATH: path });
      const r = await proc.run('sh', ['-c', CONTRACT_SCRIPTS.OUT_ERR_EXIT_3]);
      assert.deepEqual([r.code, r.stdout, r.stderr, r.signal], [3, 'out', 'err', null]);
      assert.equal(r.stdoutBytes, undefined);
      assert.equal((await proc.run('true', [])).code, 0);
    });

    it('passes arguments verbatim, never through a shell', async () => {
      const { proc } = make({ PATH: path });
      const args = ['$HOME', '*', 'a b', "'q'", '; rm -rf /', ''];
      const r = await proc.run('sh', ['-c', CONTRACT_SCRIPTS.ECHO_ARGS, 'sh', ...args]);
      assert.equal(r.stdout, args.map((a) => `<${a}>`).join(''));
    });

    it('extends the base environment; undefined removes a variable', async () => {
      const { proc } = make({ PATH: path, KEEP: 'base', DROP: 'base' });
      const r = await proc.run('sh', ['-c', CONTRACT_SCRIPTS.ENV_PROBE], { env: { ADDED: 'new', DROP: undefined } });
      assert.equal(r.stdout, 'base|unset|new|has-path');
    });

    it('replaceEnv gives the program only the variables passed', async () => {
      const { proc } = make({ PATH: path, SECRET: 'leak' });
      const r = await proc.run('/usr/bin/env', [], { replaceEnv: true, env: { ONLY: '1', GONE: undefined } });
      assert.equal(r.stdout, 'ONLY=1\n');
    });

    it('runs in cwd', async () => {
      const { proc, dir } = make({ PATH: path });
      assert.equal((await proc.run('pwd', ['-P'], { cwd: dir })).stdout, `${dir}\n`);
    });

    it('feeds input as a string or as bytes; without input stdin is at EOF at once', async () => {
      const { proc } = make({ PATH: path });
      assert.equal((await proc.run('cat', [], { input: 'Grüße\n' })).stdout, 'Grüße\n');
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const r = await proc.run('cat', [], { input: bytes, binary: true });
      assert.deepEqual([...r.stdoutBytes!], [...bytes]);
      assert.equal((await proc.run('cat', [])).stdout, '');
    });

    it('binary output comes as bytes (no UTF-8 mangling) and stdout text is empty', async () => {
      const { proc } = make({ PATH: path });
      const r = await proc.run('printf', ['\\377\\376\\000\\303']);
      assert.notDeepEqual(Buffer.from(r.stdout, 'utf8'), Buffer.from([0xff, 0xfe, 0, 0xc3]), 'text mode is lossy');
      const b = await proc.run('printf', ['\\377\\376\\000\\303'], { binary: true });
      assert.equal(b.stdout, '');
      assert.deepEqual([...b.stdoutBytes!], [0xff, 0xfe, 0, 0xc3]);
    });

    it('onOutput sees both streams, and they add up to the result', async () => {
      const { proc } = make({ PATH: path });
      const seen: Record<string, Buffer[]> = { stdout: [], stderr: [] };
      const r = await proc.run('sh', ['-c', CONTRACT_SCRIPTS.OUT_ERR_EXIT_3], { onOutput: (s, c) => void seen[s]!.push(Buffer.from(c)) });
      assert.equal(Buffer.concat(seen.stdout!).toString(), r.stdout);
      assert.equal(Buffer.concat(seen.stderr!).toString(), r.stderr);
      assert.deepEqual([r.stdout, r.stderr], ['out', 'err']);
    });

    it('an already aborted signal rejects with AbortError', async () => {
      const { proc } = make({ PATH: path });
      await assert.rejects(proc.run('cat', [], { signal: AbortSignal.abort() }), { name: 'AbortError' });
    });

    it('a missing program rejects with an errno error (ENOENT, path = the program) the CLI reports as IO_ENOENT', async () => {
      const { proc } = make({ PATH: path });
      await assert.rejects(proc.run('strata-no-such-program', ['x']), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'ENOENT');
        assert.equal(e.path, 'strata-no-such-program');
        assert.match(e.syscall ?? '', /^spawn/);
        return true;
      });
    });
  });

  describe(`${label}: which`, () => {
    it('finds a program as an absolute path; undefined when it is nowhere', async () => {
      const { proc } = make({ PATH: path });
      const p = await proc.which('sh');
      assert.ok(p?.startsWith('/'), p);
      assert.equal(await proc.which('strata-no-such-program'), undefined);
    });
  });
}
