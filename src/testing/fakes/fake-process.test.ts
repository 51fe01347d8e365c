/**
 * The ProcessRunner contract against FakeProcessRunner, with the contract's programs scripted.
 * What the fake does not do, and so is only checked against NodeProcessRunner
 * (src/adapters/node-process.test.ts): kill a program (signals, timeoutMs, aborting a running
 * program, its grandchildren), stream through real pipes (large input and output, EPIPE, output
 * that arrives while the program waits), search PATH directories and check file permissions.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CONTRACT_SCRIPTS, processRunnerContract } from '../contracts/process-runner.js';
import { FakeProcessRunner, type ScriptedProgram } from './fake-process.js';

/** printf with octal escapes only (what the contract uses). */
const printf: ScriptedProgram = ({ args }) => {
  const bytes: number[] = [];
  const f = args[0] ?? '';
  for (let i = 0; i < f.length; i++) {
    const m = /^\\([0-7]{1,3})/.exec(f.slice(i));
    if (m) {
      bytes.push(parseInt(m[1]!, 8));
      i += m[0].length - 1;
    } else bytes.push(...new TextEncoder().encode(f[i]!));
  }
  return { stdout: Uint8Array.from(bytes) };
};

const sh: ScriptedProgram = ({ args, env }) => {
  const [, script, , ...rest] = args;
  if (script === CONTRACT_SCRIPTS.OUT_ERR_EXIT_3) return { code: 3, stdout: 'out', stderr: 'err' };
  if (script === CONTRACT_SCRIPTS.ECHO_ARGS) return { stdout: rest.map((a) => `<${a}>`).join('') };
  if (script === CONTRACT_SCRIPTS.ENV_PROBE) return { stdout: `${env.KEEP ?? ''}|${env.DROP ?? 'unset'}|${env.ADDED ?? ''}|${env.PATH ? 'has-path' : ''}` };
  return { code: 127, stderr: `sh: unscripted: ${script}\n` };
};

const programs: Record<string, ScriptedProgram> = {
  sh,
  printf,
  true: () => ({}),
  cat: ({ input }) => ({ stdout: input ?? new Uint8Array() }),
  env: ({ env }) => ({ stdout: Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join('') }),
  pwd: ({ cwd }) => ({ stdout: `${cwd ?? '/'}\n` }),
};

processRunnerContract('FakeProcessRunner', (baseEnv) => ({ proc: new FakeProcessRunner(programs, baseEnv), dir: '/work/project' }));

it('FakeProcessRunner records every call, also one that was aborted before it ran', async () => {
  let ran = 0;
  const proc = new FakeProcessRunner({ rpmbuild: () => (ran++, { code: 1, stderr: 'error: bad\n' }) });
  const r = await proc.run('rpmbuild', ['-bb', 'x.spec'], { cwd: '/b' });
  assert.deepEqual([r.code, r.stderr], [1, 'error: bad\n']);
  await assert.rejects(proc.run('rpmbuild', [], { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(ran, 1);
  assert.deepEqual(proc.calls.map((c) => [c.cmd, c.args, c.opts.cwd]), [['rpmbuild', ['-bb', 'x.spec'], '/b'], ['rpmbuild', [], undefined]]);
  proc.script('rpmbuild', () => ({ stdout: 'ok' }));
  assert.equal((await proc.run('/usr/bin/rpmbuild', [])).stdout, 'ok');
  assert.equal(await proc.which('rpmbuild'), '/fake/bin/rpmbuild');
});
