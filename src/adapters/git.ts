import type { Git, GitRunOptions, ProcessRunner, RunResult } from './types.js';

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    super(`git ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    this.name = 'GitError';
  }
}

/** The system git through a ProcessRunner, isolated from the user's and the system's config. */
export class SystemGit implements Git {
  constructor(
    private readonly proc: ProcessRunner,
    private readonly gitBinary = 'git',
  ) {}

  run(args: readonly string[], opts: GitRunOptions): Promise<RunResult> {
    return this.proc.run(this.gitBinary, ['-C', opts.cwd, '-c', 'core.quotepath=off', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
      env: {
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'true',
        LC_ALL: 'C',
        LANG: 'C',
        ...opts.env,
      },
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.binary ? { binary: true } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async ok(args: readonly string[], opts: GitRunOptions): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new GitError(args, r);
    return r.stdout;
  }
}
