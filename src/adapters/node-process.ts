import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProcessRunner, RunOptions, RunResult } from './types.js';

/** How long a program has to exit after SIGTERM (timeout or abort) before it gets SIGKILL. */
const KILL_GRACE_MS = 1000;

/** Runs real programs with argument arrays (no shell). */
export class NodeProcessRunner implements ProcessRunner {
  constructor(private readonly baseEnv: Readonly<Record<string, string | undefined>> = process.env) {}

  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        // Node would start the program and kill it a tick later: do not start it at all.
        reject(Object.assign(new Error('The operation was aborted', { cause: opts.signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' }));
        return;
      }
      const env = opts.replaceEnv ? { ...opts.env } : { ...this.baseEnv, ...opts.env };
      for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
      const child = spawn(cmd, [...args], {
        cwd: opts.cwd,
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: opts.signal,
      });
      // Timeout and abort: SIGTERM, then SIGKILL if the program ignores it; once it has exited, stop
      // waiting for its output pipes (a grandchild it left behind may hold them open for long).
      let ending = false;
      let exited = false;
      const timers: NodeJS.Timeout[] = [];
      const end = (): void => {
        if (ending || exited) return;
        ending = true;
        child.kill('SIGTERM');
        timers.push(setTimeout(() => !exited && child.kill('SIGKILL'), KILL_GRACE_MS));
      };
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) timers.push(setTimeout(end, opts.timeoutMs));
      const onAbort = (): void => end();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        for (const t of timers) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      child.on('exit', () => {
        exited = true;
        settle();
        if (ending) {
          // Output already in the pipes is read within a moment; then the pipes are closed.
          setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
          }, 50);
        }
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => {
        out.push(c);
        opts.onOutput?.('stdout', c);
      });
      child.stderr.on('data', (c: Buffer) => {
        err.push(c);
        opts.onOutput?.('stderr', c);
      });
      child.on('error', (e) => {
        if (child.pid === undefined) settle(); // never started (ENOENT, EACCES)
        reject(e);
      });
      child.on('close', (code, signal) => {
        settle();
        const stdoutBytes = Buffer.concat(out);
        resolve({
          code: code ?? (signal ? 128 : 1),
          signal,
          stdout: opts.binary ? '' : stdoutBytes.toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          ...(opts.binary ? { stdoutBytes } : {}),
        });
      });
      child.stdin.on('error', () => {});
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  }

  async which(cmd: string): Promise<string | undefined> {
    if (cmd.includes('/')) return (await isExecutableFile(cmd)) ? cmd : undefined;
    for (const dir of (this.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
      if (!dir) continue;
      const p = path.join(dir, cmd);
      if (await isExecutableFile(p)) return p;
    }
    return undefined;
  }
}

/** A regular file (after symlinks) the process may execute; directories pass X_OK for root, so they are excluded. */
async function isExecutableFile(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
