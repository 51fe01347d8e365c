/**
 * Lock files: `<lock-dir>/<component>.lock`, TOML, written deterministically (same inputs → same
 * bytes). Key names follow azldev's lock format (`version = 1`, `import-commit`,
 * `upstream-commit`, `manual-bump`, `input-fingerprint`, `resolution-input-hash`) so either tool
 * can read the commits; Strata adds an `[inputs]` table documenting the digest of every
 * fingerprint part, and its fingerprint is `v1:sha256:…` (see fingerprint.ts).
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, spanAt, type SourceSpan } from '../diag/index.js';
import { parseTomlDoc, TomlDoc } from '../config/toml-read.js';

export const LOCK_HEADER = '# Managed by `strata component update`. Do not edit by hand.';

export interface LockFile {
  readonly version: 1;
  /** The first upstream commit the component was imported at (write-once; upstream only). */
  readonly importCommit?: string;
  /** The commit render and prepare-sources use (upstream only). */
  readonly upstreamCommit?: string;
  readonly manualBump?: number;
  readonly inputFingerprint?: string;
  readonly resolutionInputHash?: string;
  /** Digest of each fingerprint part (`source`, `spec`, `overlays`, `build`, …). */
  readonly inputs: Readonly<Record<string, string>>;
}

export interface LoadedLock {
  readonly path: string;
  readonly text: string;
  readonly lock: LockFile;
  /** Span of the `upstream-commit` value (for diagnostics). */
  readonly upstreamCommitSpan?: SourceSpan;
}

export function lockPathFor(lockDir: string, component: string): string {
  // config rejects such names (COMPONENT_BAD_NAME); this keeps a lock inside lockDir regardless
  if (component === '' || component === '.' || component === '..' || /[/\\\0]/.test(component)) {
    throw new StrataError(error('COMPONENT_BAD_NAME', `component name ${JSON.stringify(component)} cannot be used as a lock file name`, { hint: 'name components like packages: letters, digits and ._+- (no "/" or "..")' }));
  }
  return path.join(lockDir, `${component}.lock`);
}

const SHA_RE = /^[0-9a-f]{40}$/;
const SAFE_VALUE_RE = /^[A-Za-z0-9:._+-]*$/;

/** Parse a lock file (TOML); unknown keys are ignored (forward compatible). */
export function parseLockFile(text: string, file: string): LockFile {
  const parsed = parseTomlDoc(file, text, []);
  if (!(parsed instanceof TomlDoc)) {
    throw new StrataError({ ...parsed, code: 'LOCK_PARSE', message: `lock file is not valid TOML: ${parsed.message.replace(/^invalid TOML:\s*/, '')}`, hint: 'run `strata component update -p NAME` to rewrite it' });
  }
  const doc = parsed.value;
  const at = (key: string): SourceSpan => parsed.valueSpan([key]);
  const version = doc['version'];
  if (version !== 1) {
    throw new StrataError(error('LOCK_VERSION', `lock file version ${JSON.stringify(version)} is not supported (expected 1)`, { span: at('version'), hint: 'run `strata component update -p NAME` to rewrite it' }));
  }
  const str = (key: string, check?: RegExp): string | undefined => {
    const v = doc[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || (check && !check.test(v))) {
      throw new StrataError(error('LOCK_INVALID', `lock ${key} has an invalid value ${JSON.stringify(v)}`, { span: at(key), hint: 'run `strata component update -p NAME` to rewrite it' }));
    }
    return v;
  };
  const importCommit = str('import-commit', SHA_RE);
  const upstreamCommit = str('upstream-commit', SHA_RE);
  const inputFingerprint = str('input-fingerprint');
  const resolutionInputHash = str('resolution-input-hash');
  const mb = doc['manual-bump'];
  if (mb !== undefined && (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 0)) {
    throw new StrataError(error('LOCK_INVALID', `lock manual-bump must be a non-negative integer`, { span: at('manual-bump') }));
  }
  const inputs: Record<string, string> = {};
  const rawInputs = doc['inputs'];
  if (rawInputs && typeof rawInputs === 'object') for (const [k, v] of Object.entries(rawInputs)) if (typeof v === 'string') inputs[k] = v;
  return {
    version: 1,
    ...(importCommit ? { importCommit } : {}),
    ...(upstreamCommit ? { upstreamCommit } : {}),
    ...(typeof mb === 'number' && mb > 0 ? { manualBump: mb } : {}),
    ...(inputFingerprint ? { inputFingerprint } : {}),
    ...(resolutionInputHash ? { resolutionInputHash } : {}),
    inputs,
  };
}

function quote(key: string, v: string): string {
  if (!SAFE_VALUE_RE.test(v)) throw new TypeError(`lock ${key} value ${JSON.stringify(v)} is not printable as a literal`);
  return `'${v}'`;
}

/** Deterministic TOML: fixed key order, literal strings, a trailing newline. */
export function printLockFile(l: LockFile): string {
  const out = [LOCK_HEADER, 'version = 1'];
  if (l.importCommit) out.push(`import-commit = ${quote('import-commit', l.importCommit)}`);
  if (l.upstreamCommit) out.push(`upstream-commit = ${quote('upstream-commit', l.upstreamCommit)}`);
  if (l.manualBump) out.push(`manual-bump = ${l.manualBump}`);
  if (l.inputFingerprint) out.push(`input-fingerprint = ${quote('input-fingerprint', l.inputFingerprint)}`);
  if (l.resolutionInputHash) out.push(`resolution-input-hash = ${quote('resolution-input-hash', l.resolutionInputHash)}`);
  const keys = Object.keys(l.inputs).sort();
  if (keys.length) {
    out.push('', '# Digest of each input of input-fingerprint (canonical v1 serialisation).', '[inputs]');
    for (const k of keys) out.push(`${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)} = ${quote(k, l.inputs[k]!)}`);
  }
  return out.join('\n') + '\n';
}

/** Read and parse a lock; undefined when it does not exist. */
export async function loadLock(fs: FileSystem, file: string): Promise<LoadedLock | undefined> {
  const st = await fs.stat(file);
  if (!st?.isFile) return undefined;
  const text = await fs.readText(file);
  const lock = parseLockFile(text, file);
  const m = /^\s*upstream-commit\s*=\s*/m.exec(text);
  return { path: file, text, lock, ...(m ? { upstreamCommitSpan: spanAt(file, text, m.index + m[0].length, 42) } : {}) };
}

/** Lock files in `lockDir` whose component is not in `known` (dot files and directories ignored). */
export async function findOrphanLocks(fs: FileSystem, lockDir: string, known: ReadonlySet<string>): Promise<string[]> {
  const st = await fs.stat(lockDir);
  if (!st?.isDirectory) return [];
  const out: string[] = [];
  for (const n of await fs.readdir(lockDir)) {
    if (n.startsWith('.') || !n.endsWith('.lock')) continue;
    const p = path.join(lockDir, n);
    if (!(await fs.stat(p))?.isFile) continue;
    if (!known.has(n.slice(0, -'.lock'.length))) out.push(p);
  }
  return out.sort();
}
