/**
 * Interfaces of the adapters: the only way domain code reaches the file system, processes, the
 * network or the clock. Domain code imports this file only; `cli` wires real implementations
 * (src/adapters/*.ts) and tests pass fakes or the real ones.
 */

export interface FileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymbolicLink: boolean;
  readonly size: number;
  readonly mode: number;
  readonly mtimeMs: number;
}

export interface FileSystem {
  readFile(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  /** Atomic: writes a temporary file beside `path` and renames it into place. Creates parent dirs. */
  writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** lstat; undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  mkdir(path: string): Promise<void>;
  /** Recursive, no error when missing. */
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  /** Set the permission bits (no symlink following concerns: callers pass regular files). */
  chmod(path: string, mode: number): Promise<void>;
  /** Set access and modification time to `seconds` since the epoch (of a symlink itself, not its target). */
  setTimes(path: string, seconds: number): Promise<void>;
  realpath(path: string): Promise<string>;
  /** A fresh temporary directory under `parent` (or the OS temp dir). */
  mkdtemp(prefix: string, parent?: string): Promise<string>;
  /** Files (not directories) matching glob patterns under `cwd`, sorted, absolute. Supports `**`. */
  glob(patterns: readonly string[], cwd: string): Promise<string[]>;
  /** Create a symbolic link at `path` pointing to `target` (optional: fakes may leave it out). */
  symlink?(target: string, path: string): Promise<void>;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Replace the environment entirely instead of extending the process's. */
  readonly replaceEnv?: boolean;
  readonly input?: string | Uint8Array;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Output as bytes instead of UTF-8 text. */
  readonly binary?: boolean;
  /** Called with each chunk of stdout/stderr, e.g. for logs. */
  readonly onOutput?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void;
}

export interface RunResult {
  readonly code: number;
  readonly signal?: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes?: Uint8Array;
}

/** Runs a program with an argument array (never through a shell). */
export interface ProcessRunner {
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Absolute path of a program on PATH, or undefined. */
  which(cmd: string): Promise<string | undefined>;
}

export interface Clock {
  now(): Date;
}

/** Events domain code emits; the CLI turns them into progress or JSON lines. */
export type StrataEvent =
  | { readonly kind: 'start'; readonly task: string; readonly total?: number; readonly label?: string }
  | { readonly kind: 'progress'; readonly task: string; readonly done: number; readonly total?: number; readonly item?: string }
  | { readonly kind: 'item'; readonly task: string; readonly item: string; readonly status: 'ok' | 'failed' | 'skipped' | 'unchanged' | 'changed'; readonly detail?: string }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn' | 'debug'; readonly message: string }
  | { readonly kind: 'end'; readonly task: string };

export type EventSink = (e: StrataEvent) => void;

export const nullSink: EventSink = () => {};

export interface GitRunOptions {
  /** Repository or work tree directory (`git -C`). */
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string | Uint8Array;
  readonly binary?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The system `git`, with a clean environment (no system/global config, no prompts, C locale).
 * `run` returns the result whatever the exit code; `ok` throws a GitError on a non-zero exit.
 */
export interface Git {
  run(args: readonly string[], opts: GitRunOptions): Promise<RunResult>;
  ok(args: readonly string[], opts: GitRunOptions): Promise<string>;
}

export interface HttpRequestOptions {
  readonly signal?: AbortSignal;
  /** Gives up when no byte arrives for this long (default 60 s). */
  readonly idleTimeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpDownloadResult {
  /** HTTP status (200 for `file:` URLs that exist, 404 when they do not). */
  readonly status: number;
  /** Bytes written to the destination. */
  readonly bytes: number;
  /** Content-Length announced by the server, when any. */
  readonly contentLength?: number;
}

/**
 * HTTP(S) and `file:` GETs. `download` streams the body into `dest` (created or truncated) and
 * calls `onChunk` with every chunk, so callers hash while the bytes arrive. A non-2xx status is
 * returned (nothing useful written); network errors and bodies shorter than their Content-Length
 * reject with an `HttpTransferError`-like error (`{ name: 'HttpTransferError', url, truncated }`).
 */
export interface Http {
  download(url: string, dest: string, opts?: HttpRequestOptions & { readonly onChunk?: (chunk: Uint8Array) => void }): Promise<HttpDownloadResult>;
}

/** Streams a file through a hash (sha256, sha512, md5, … as node:crypto names them). */
export interface FileHasher {
  hashFile(path: string, algorithm: string): Promise<{ readonly hex: string; readonly size: number }>;
}

/**
 * Fast writes into a scratch directory that is later renamed into place as a whole (render
 * staging): no temp file, no fsync. Never use it for files that are published in place.
 */
export interface ScratchWriter {
  writeFile(path: string, data: string | Uint8Array, mode?: number): Promise<void>;
}

/**
 * An exclusive lock between processes on one machine: `acquire` waits until it holds the lock at
 * `path` (a directory created atomically, holding the owner's pid; a lock whose owner is gone is
 * taken over) and returns its release function. With `signal`, waiting stops when it aborts
 * (the promise rejects with the signal's reason; the lock is not taken).
 */
export interface ProcessLock {
  acquire(path: string, opts?: { readonly pollMs?: number; readonly signal?: AbortSignal }): Promise<() => Promise<void>>;
}

/** The kind of a file-tree entry, as lstat reports it (symbolic links are not followed). */
export type TreeEntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** Everything lstat says about one entry that an image layer records. */
export interface TreeEntryStat {
  readonly type: TreeEntryType;
  /** Permission bits with setuid/setgid/sticky (`mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly nlink: number;
  /** Device and inode numbers (hard links share both). */
  readonly dev: number;
  readonly ino: number;
  /** For char/block devices: the device number (major/minor). */
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/** A file opened for reading by position (large images are read in chunks, never whole). */
export interface BlockReader {
  readonly size: number;
  /** Reads up to `buf.length` bytes at `position`; returns how many were read (0 at the end). */
  read(buf: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

/** A file being written by position; it appears at its path only on `commit` (atomic rename). */
export interface BlockWriter {
  write(data: Uint8Array, position: number): Promise<void>;
  /** Set the final length (a sparse tail reads as zeros). */
  truncate(size: number): Promise<void>;
  /** fsync, rename into place. */
  commit(): Promise<void>;
  /** Remove the temporary file. */
  abort(): Promise<void>;
}

/**
 * File trees and block images: what image layers need beyond `FileSystem` — full lstat (owner,
 * device numbers, links), link targets, and reading/writing large files in chunks.
 */
export interface BlockFiles {
  lstat(path: string): Promise<TreeEntryStat | undefined>;
  readlink(path: string): Promise<string>;
  /** Directory entries, sorted by byte order of their names. */
  readdir(path: string): Promise<string[]>;
  openRead(path: string): Promise<BlockReader>;
  /** The whole content of a (small) file without following a final symbolic link. */
  readFile(path: string): Promise<Uint8Array>;
  create(path: string, mode?: number): Promise<BlockWriter>;
}
