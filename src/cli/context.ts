import type { Clock, EventSink, FileSystem, Git, ProcessLock, ProcessRunner } from '../adapters/types.js';

export type OutputFormat = 'table' | 'json' | 'toml' | 'text' | 'html';

/** Everything a command may touch. Built once in main(); tests build their own. */
export interface CliContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
  readonly color: boolean;
  readonly fs: FileSystem;
  readonly proc: ProcessRunner;
  readonly git: Git;
  readonly clock: Clock;
  /** Cross-process locks (output directories, dist-git mirrors, repositories). */
  readonly lock: ProcessLock;
}

export interface GlobalOptions {
  /** -C DIR: project directory (or where to start looking for azldev.toml). */
  readonly project?: string;
  readonly output: OutputFormat;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

/** The event sink a command should hand to domain code: progress on a TTY, quiet otherwise. */
export type SinkFactory = (ctx: CliContext, g: GlobalOptions) => EventSink;
