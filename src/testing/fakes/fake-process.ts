/**
 * A ProcessRunner scripted by command: each program name maps to a function of (args, the
 * environment it would see, cwd, input) that returns its exit code and output. It applies the
 * RunOptions the way NodeProcessRunner does (base environment extended or replaced, undefined
 * removes a variable, binary output as bytes, onOutput per stream, an AbortSignal already aborted
 * rejects without running, an unknown program rejects with ENOENT) and records every call.
 * It cannot kill anything: timeouts and signals are the scripted program's to report.
 */
import type { ProcessRunner, RunOptions, RunResult } from '../../adapters/types.js';

export interface ScriptedRun {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly input?: Uint8Array;
  readonly signal?: AbortSignal;
}

export interface ScriptedOutcome {
  readonly code?: number;
  readonly signal?: string | null;
  readonly stdout?: string | Uint8Array;
  readonly stderr?: string | Uint8Array;
}

export type ScriptedProgram = (run: ScriptedRun) => ScriptedOutcome | Promise<ScriptedOutcome>;

export interface RecordedCall {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly opts: RunOptions;
}

const bytesOf = (x: string | Uint8Array | undefined): Uint8Array => (x === undefined ? new Uint8Array() : typeof x === 'string' ? new TextEncoder().encode(x) : x);

export class FakeProcessRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];
  private readonly programs: Map<string, ScriptedProgram>;

  constructor(programs: Readonly<Record<string, ScriptedProgram>>, private readonly baseEnv: Readonly<Record<string, string | undefined>> = {}, private readonly binDir = '/fake/bin') {
    this.programs = new Map(Object.entries(programs));
  }

  /** Add or replace the script of one program. */
  script(cmd: string, program: ScriptedProgram): this {
    this.programs.set(cmd, program);
    return this;
  }

  async run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ cmd, args: [...args], opts });
    if (opts.signal?.aborted) throw Object.assign(new Error('The operation was aborted', { cause: opts.signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
    const program = this.programs.get(cmd) ?? this.programs.get(cmd.slice(cmd.lastIndexOf('/') + 1));
    if (program === undefined) throw Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: 'ENOENT', errno: -2, syscall: `spawn ${cmd}`, path: cmd, spawnargs: [...args] });
    const merged = opts.replaceEnv ? { ...opts.env } : { ...this.baseEnv, ...opts.env };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
    const input = opts.input === undefined ? undefined : bytesOf(opts.input);
    const outcome = await program({ args: [...args], env, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), ...(input ? { input } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    const stdout = bytesOf(outcome.stdout);
    const stderr = bytesOf(outcome.stderr);
    if (stdout.length) opts.onOutput?.('stdout', stdout);
    if (stderr.length) opts.onOutput?.('stderr', stderr);
    const text = new TextDecoder();
    return {
      code: outcome.code ?? 0,
      signal: outcome.signal ?? null,
      stdout: opts.binary ? '' : text.decode(stdout),
      stderr: text.decode(stderr),
      ...(opts.binary ? { stdoutBytes: stdout } : {}),
    };
  }

  async which(cmd: string): Promise<string | undefined> {
    if (cmd.includes('/')) return this.programs.has(cmd) ? cmd : undefined;
    return this.programs.has(cmd) ? `${this.binDir}/${cmd}` : undefined;
  }
}
