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

/**
 * Variables of the caller's environment that would change what git reads or writes (another
 * repository, index or object store, config injected via the environment, identities and dates,
 * pathspec magic, templates, the default hash): unset for every run, so results depend only on the
 * arguments and on `opts.env` (which can still set any of them). Transport settings (GIT_SSH*,
 * GIT_SSL*, GIT_HTTP*, proxies) and tracing (GIT_TRACE*) are the user's and pass through.
 */
const CALLER_GIT_ENV = [
  // `git rev-parse --local-env-vars`
  'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_OBJECT_DIRECTORY',
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_IMPLICIT_WORK_TREE', 'GIT_GRAFT_FILE', 'GIT_INDEX_FILE', 'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE', 'GIT_PREFIX', 'GIT_INTERNAL_SUPER_PREFIX', 'GIT_SHALLOW_FILE', 'GIT_COMMON_DIR',
  'GIT_CONFIG_SYSTEM', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_NAMESPACE', 'GIT_QUARANTINE_PATH',
  'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_COMMITTER_DATE',
  'GIT_LITERAL_PATHSPECS', 'GIT_GLOB_PATHSPECS', 'GIT_NOGLOB_PATHSPECS', 'GIT_ICASE_PATHSPECS', 'GIT_ATTR_SOURCE',
  'GIT_TEMPLATE_DIR', 'GIT_DEFAULT_HASH', 'GIT_DEFAULT_REF_FORMAT', 'GIT_EXTERNAL_DIFF', 'GIT_DIFF_OPTS',
  'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'GIT_PAGER',
] as const;
const UNSET_CALLER_GIT_ENV: Readonly<Record<string, undefined>> = Object.fromEntries(CALLER_GIT_ENV.map((k) => [k, undefined]));

/** The system git through a ProcessRunner, isolated from the user's and the system's config. */
export class SystemGit implements Git {
  constructor(
    private readonly proc: ProcessRunner,
    private readonly gitBinary = 'git',
  ) {}

  run(args: readonly string[], opts: GitRunOptions): Promise<RunResult> {
    return this.proc.run(this.gitBinary, ['-C', opts.cwd, '-c', 'core.quotepath=off', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
      env: {
        ...UNSET_CALLER_GIT_ENV,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_ATTR_NOSYSTEM: '1',
        // GIT_CONFIG_GLOBAL does not cover core.excludesFile / core.attributesFile, which default to
        // $XDG_CONFIG_HOME/git/{ignore,attributes} (else ~/.config/git/…): point them nowhere.
        XDG_CONFIG_HOME: '/dev/null',
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
