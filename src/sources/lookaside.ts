/**
 * Lookaside: dist-git `sources` files, lookaside URLs, and verified downloads through a
 * content-addressed cache.
 *
 * A download streams into a temporary file inside the cache (hashing as the bytes arrive) and is
 * renamed into the cache only after the hash matches; the output file is then placed by copy +
 * rename. On any failure nothing is left in the output or the cache. Network errors, 5xx and
 * truncated bodies are retried with exponential backoff; a 404 moves on to the next candidate URL;
 * a hash mismatch is never retried against the same URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { error, StrataError, spanAt, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { EventSink, FileHasher, FileSystem, Http } from '../adapters/types.js';
import { pathEscape } from './distgit.js';
import { mapPool } from '../util/pool.js';

export const HASH_TYPES = ['MD5', 'SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512'] as const;
export type HashType = (typeof HASH_TYPES)[number];

const HEX_LENGTH: Record<HashType, number> = { MD5: 32, SHA1: 40, SHA224: 56, SHA256: 64, SHA384: 96, SHA512: 128 };

/** node:crypto's name for a dist-git hash type. */
export function nodeHashName(t: HashType): string {
  return t.toLowerCase();
}

export function isHashType(s: string): s is HashType {
  return (HASH_TYPES as readonly string[]).includes(s);
}

// ---------------------------------------------------------------------------------------------
// File names

/**
 * Why `name` is not a safe file name (no `/`, no `\`, not `.`/`..` or containing `..`, no control
 * characters, not empty, at most 255 bytes); undefined when it is fine.
 */
export function unsafeFilenameReason(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  if (name.includes('..')) return 'it contains ".."';
  if (name === '.') return 'it is "."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (new TextEncoder().encode(name).length > 255) return 'it is longer than 255 bytes';
  return undefined;
}

export function checkFilename(name: string, span?: SourceSpan, what = 'source file name'): Diagnostic | undefined {
  const why = unsafeFilenameReason(name);
  if (!why) return undefined;
  return error('SOURCE_FILENAME_INVALID', `${what} ${JSON.stringify(name)} is not allowed: ${why}`, {
    ...(span ? { span } : {}),
    hint: 'source files are plain names in the component directory (no "/", no "..", no control characters)',
  });
}

// ---------------------------------------------------------------------------------------------
// `sources` files

export interface SourcesEntry {
  readonly filename: string;
  readonly hashType: HashType;
  /** Lowercase hex. */
  readonly hash: string;
  /** The old `hash  filename` (MD5) format. */
  readonly legacy: boolean;
  /** 0-based index in `lines`. */
  readonly index: number;
  readonly span: SourceSpan;
}

export interface SourcesFile {
  readonly file: string;
  /** Every line, verbatim (without the final empty line). */
  readonly lines: readonly string[];
  readonly entries: readonly SourcesEntry[];
}

const MODERN_RE = /^([A-Za-z0-9]+)\s+\(([^)]+)\)\s+=\s+([a-fA-F0-9]+)\s*$/;
const LEGACY_RE = /^([a-fA-F0-9]+)\s+(\S+)\s*$/;

/** Parse a dist-git `sources` file; all problems are collected into one StrataError. */
export function parseSourcesFile(text: string, file: string): SourcesFile {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const entries: SourcesEntry[] = [];
  const diags: Diagnostic[] = [];
  const seen = new Map<string, SourceSpan>();
  let offset = 0;
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineSpan = spanAt(file, text, offset, line.length);
    offset += raw.length + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    let hashType: string;
    let filename: string;
    let hash: string;
    let legacy = false;
    const m = MODERN_RE.exec(line);
    const l = m ? null : LEGACY_RE.exec(line);
    if (m) {
      hashType = m[1]!.toUpperCase();
      filename = m[2]!;
      hash = m[3]!.toLowerCase();
    } else if (l) {
      hashType = 'MD5';
      hash = l[1]!.toLowerCase();
      filename = l[2]!;
      legacy = true;
    } else {
      diags.push(error('SOURCES_LINE_INVALID', `cannot read this line of a sources file`, { span: lineSpan, hint: 'expected "SHA512 (file.tar.gz) = <hex>" or the old "<md5>  file.tar.gz"' }));
      return;
    }
    if (!isHashType(hashType)) {
      diags.push(error('SOURCES_HASH_TYPE_UNKNOWN', `unknown hash type ${hashType} for ${filename}`, { span: lineSpan, hint: `known: ${HASH_TYPES.join(', ')}` }));
      return;
    }
    if (hash.length !== HEX_LENGTH[hashType]) {
      diags.push(error('SOURCES_HASH_INVALID', `${hashType} hash of ${filename} has ${hash.length} hex digits, expected ${HEX_LENGTH[hashType]}`, { span: lineSpan }));
      return;
    }
    const bad = checkFilename(filename, lineSpan);
    if (bad) {
      diags.push(bad);
      return;
    }
    const prev = seen.get(filename);
    if (prev) {
      diags.push(error('SOURCES_DUPLICATE', `${filename} is listed twice`, { span: lineSpan, related: [{ message: 'first listed here', span: prev }] }));
      return;
    }
    seen.set(filename, lineSpan);
    entries.push({ filename, hashType, hash, legacy, index, span: lineSpan });
  });
  if (diags.length) throw new StrataError(diags);
  return { file, lines, entries };
}

/** `SHA512 (file) = hex`, the format dist-git writes today. */
export function printSourcesEntry(e: { readonly filename: string; readonly hashType: HashType; readonly hash: string }): string {
  return `${e.hashType} (${e.filename}) = ${e.hash}`;
}

// ---------------------------------------------------------------------------------------------
// URLs

export interface LookasideParams {
  readonly pkg: string;
  readonly filename: string;
  readonly hashType: HashType;
  readonly hash: string;
}

/**
 * Expand a `lookaside-base-uri` template (`$pkg $filename $hashtype $hash`, Fedora:
 * `https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename`). Values are
 * path-escaped, the hash type lowercased; the result must be an absolute URL (with a host unless
 * it is `file:`).
 */
export function lookasideUrl(template: string, p: LookasideParams, span?: SourceSpan): string {
  const fail = (why: string) =>
    new StrataError(error('LOOKASIDE_URL_INVALID', `lookaside-base-uri ${JSON.stringify(template)}: ${why}`, { ...(span ? { span } : {}), hint: 'Fedora: https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename' }));
  for (const [k, v] of Object.entries(p)) if (v.includes('$')) throw fail(`the ${k} value ${JSON.stringify(v)} contains "$"`);
  const values: Record<string, string> = { pkg: pathEscape(p.pkg), filename: pathEscape(p.filename), hashtype: pathEscape(p.hashType.toLowerCase()), hash: pathEscape(p.hash) };
  // Longest names first so `$hashtype` is not read as `$hash` + "type".
  const out = template.replace(/\$(hashtype|filename|hash|pkg)/g, (_m, k: string) => values[k]!);
  let u: URL;
  try {
    u = new URL(out);
  } catch {
    throw fail(`"${out}" is not an absolute URL`);
  }
  if (u.protocol !== 'file:' && !u.host) throw fail(`"${out}" has no host`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verified fetch through the content-addressed cache

export interface LookasideDeps {
  readonly http: Http;
  readonly fs: FileSystem;
  readonly hasher: FileHasher;
  readonly sink?: EventSink;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LookasideOptions {
  /** Cache root, e.g. `<work-dir>/lookaside`; entries are `<hashtype>/<hash[0:2]>/<hash>`. */
  readonly cacheDir: string;
  /** Attempts per URL for retry-worthy failures (default 4) and the first delay (default 500 ms). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly idleTimeoutMs?: number;
}

export interface FetchSourceRequest {
  readonly filename: string;
  readonly hashType: HashType;
  readonly hash: string;
  /** Candidate URLs in order (lookaside first, then the origin). */
  readonly urls: readonly string[];
  /** Directory the file is placed in (as `<destDir>/<filename>`). */
  readonly destDir: string;
  readonly component?: string;
  /** The `sources` line or `source-files` entry that asked for it. */
  readonly span?: SourceSpan;
}

export interface FetchSourceResult {
  readonly filename: string;
  readonly path: string;
  /** `present` (already in place, verified), `cache`, or the URL it came from. */
  readonly from: string;
  readonly size: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface HttpErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly truncated?: boolean;
}

export class LookasideCache {
  constructor(
    private readonly deps: LookasideDeps,
    private readonly opts: LookasideOptions,
  ) {}

  /** Content-addressed location of a verified file. */
  cachePath(hashType: HashType, hash: string): string {
    return path.join(this.opts.cacheDir, hashType.toLowerCase(), hash.slice(0, 2), hash);
  }

  /** Fetch (or take from the cache) and verify one file, then place it in `destDir`. */
  async fetch(req: FetchSourceRequest): Promise<FetchSourceResult> {
    const { fs, hasher } = this.deps;
    const span = req.span;
    const bad = checkFilename(req.filename, span);
    if (bad) throw new StrataError(bad);
    const hash = req.hash.toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${HEX_LENGTH[req.hashType]}}$`).test(hash)) {
      throw new StrataError(error('SOURCES_HASH_INVALID', `${req.hashType} hash of ${req.filename} is not ${HEX_LENGTH[req.hashType]} hex digits`, span ? { span } : {}));
    }
    const algo = nodeHashName(req.hashType);
    const dest = path.join(req.destDir, req.filename);

    const existing = await fs.stat(dest);
    if (existing?.isFile) {
      const h = await hasher.hashFile(dest, algo);
      if (h.hex === hash) return { filename: req.filename, path: dest, from: 'present', size: h.size };
    }

    const cached = this.cachePath(req.hashType, hash);
    const st = await fs.stat(cached);
    if (st?.isFile) {
      const h = await hasher.hashFile(cached, algo);
      if (h.hex === hash) {
        await this.place(cached, dest);
        this.deps.sink?.({ kind: 'item', task: 'sources', item: req.filename, status: 'unchanged', detail: 'cache' });
        return { filename: req.filename, path: dest, from: 'cache', size: h.size };
      }
      await fs.remove(cached); // corrupt cache entry: drop it and download again
    }

    if (req.urls.length === 0) {
      throw new StrataError(
        error('SOURCE_NO_ORIGIN', `${req.filename} is not in the cache and has no URL to fetch it from${who(req)}`, {
          ...(span ? { span } : {}),
          hint: 'set lookaside-base-uri on the distro or an origin on the source-files entry',
        }),
      );
    }
    const failures: Diagnostic[] = [];
    for (const url of req.urls) {
      const got = await this.fetchUrl(req, url, hash, algo, cached, failures);
      if (got !== undefined) {
        await this.place(cached, dest);
        this.deps.sink?.({ kind: 'item', task: 'sources', item: req.filename, status: 'ok', detail: url });
        return { filename: req.filename, path: dest, from: url, size: got };
      }
    }
    // Report the most telling failure first: a hash mismatch beats a 404 beats a network error.
    const rank = (d: Diagnostic) => ['LOOKASIDE_HASH_MISMATCH', 'LOOKASIDE_DOWNLOAD_FAILED', 'LOOKASIDE_HTTP_ERROR', 'LOOKASIDE_NOT_FOUND'].indexOf(d.code);
    failures.sort((a, b) => rank(a) - rank(b));
    throw new StrataError(failures);
  }

  /** Try one URL with retries; on success the verified file is in the cache and its size is returned. */
  private async fetchUrl(req: FetchSourceRequest, url: string, hash: string, algo: string, cached: string, failures: Diagnostic[]): Promise<number | undefined> {
    const { fs, http } = this.deps;
    const span = req.span;
    const attempts = Math.max(1, this.opts.retries ?? 4);
    let delay = this.opts.retryDelayMs ?? 500;
    const sleep = this.deps.sleep ?? defaultSleep;
    const tmpRoot = path.join(this.opts.cacheDir, 'tmp');
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await fs.mkdir(tmpRoot);
      const tmpDir = await fs.mkdtemp('dl-', tmpRoot);
      const tmp = path.join(tmpDir, req.filename);
      try {
        const h = createHash(algo);
        let status: number;
        let bytes: number;
        try {
          const r = await http.download(url, tmp, { onChunk: (c) => h.update(c), ...(this.opts.idleTimeoutMs ? { idleTimeoutMs: this.opts.idleTimeoutMs } : {}) });
          status = r.status;
          bytes = r.bytes;
        } catch (e) {
          const he = e as HttpErrorLike;
          if (he?.name !== 'HttpTransferError') throw e;
          lastProblem = he.message ?? String(e);
          this.deps.sink?.({ kind: 'log', level: 'warn', message: `${req.filename}: ${lastProblem} (attempt ${attempt}/${attempts})` });
          if (attempt < attempts) {
            await sleep(delay);
            delay *= 2;
          }
          continue;
        }
        if (status === 404 || status === 410) {
          failures.push(error('LOOKASIDE_NOT_FOUND', `${req.filename} is not at ${url} (HTTP ${status})${who(req)}`, { ...(span ? { span } : {}), hint: 'check the hash in `sources` / source-files and the lookaside-base-uri' }));
          return undefined;
        }
        if (status < 200 || status >= 300) {
          lastProblem = `HTTP ${status}`;
          if (status >= 500 || status === 429 || status === 408) {
            if (attempt < attempts) {
              await sleep(delay);
              delay *= 2;
            }
            continue;
          }
          failures.push(error('LOOKASIDE_HTTP_ERROR', `fetching ${req.filename} from ${url} failed: HTTP ${status}${who(req)}`, span ? { span } : {}));
          return undefined;
        }
        const actual = h.digest('hex');
        if (actual !== hash) {
          failures.push(
            error('LOOKASIDE_HASH_MISMATCH', `${req.filename} from ${url} does not match its recorded ${req.hashType} hash${who(req)}\n  expected: ${hash}\n  actual:   ${actual} (${bytes} bytes)`, {
              ...(span ? { span } : {}),
              hint: 'the file was refused and not stored; if upstream re-rolled the tarball, update the hash deliberately',
            }),
          );
          return undefined;
        }
        await fs.mkdir(path.dirname(cached));
        await fs.rename(tmp, cached);
        return bytes;
      } finally {
        await fs.remove(tmpDir);
      }
    }
    failures.push(
      error('LOOKASIDE_DOWNLOAD_FAILED', `could not download ${req.filename} from ${url} after ${attempts} attempts: ${lastProblem}${who(req)}`, {
        ...(span ? { span } : {}),
        hint: 'a network problem or a truncated transfer; nothing was stored. Retry later, or warm the cache',
      }),
    );
    return undefined;
  }

  /** Copy from the cache into the output by temp file + rename, so a reader never sees half a file. */
  private async place(cached: string, dest: string): Promise<void> {
    const { fs } = this.deps;
    const dir = path.dirname(dest);
    await fs.mkdir(dir);
    const tmp = path.join(dir, `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.strata-tmp`);
    try {
      await fs.copyFile(cached, tmp);
      await fs.rename(tmp, dest);
    } catch (e) {
      await fs.remove(tmp);
      throw e;
    }
  }

  /**
   * Fetch many files (bounded parallelism, default 4); every failure is collected and thrown
   * together after the others finished.
   */
  async fetchAll(reqs: readonly FetchSourceRequest[], concurrency = 4): Promise<FetchSourceResult[]> {
    return mapPool(reqs, concurrency, (r) => this.fetch(r));
  }
}

function who(req: { readonly component?: string }): string {
  return req.component ? ` (component ${req.component})` : '';
}
