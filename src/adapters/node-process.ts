import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProcessRunner, RunOptions, RunResult } from './types.js';

/** Runs real programs with argument arrays (no shell). */
export class NodeProcessRunner implements ProcessRunner {
  constructor(private readonly baseEnv: Readonly<Record<string, string | undefined>> = process.env) {}

  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const env = opts.replaceEnv ? { ...opts.env } : { ...this.baseEnv, ...opts.env };
      for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
      const child = spawn(cmd, [...args], {
        cwd: opts.cwd,
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: opts.signal,
        timeout: opts.timeoutMs,
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
      child.on('error', (e) => reject(e));
      child.on('close', (code, signal) => {
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
    if (cmd.includes('/')) return cmd;
    for (const dir of (this.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
      if (!dir) continue;
      const p = path.join(dir, cmd);
      try {
        await access(p, constants.X_OK);
        return p;
      } catch {
        /* keep looking */
      }
    }
    return undefined;
  }
}
