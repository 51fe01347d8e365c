import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileHasher, Http, HttpDownloadResult, HttpRequestOptions } from './types.js';

/** A transfer that failed in flight (connection reset, timeout, truncated body). Retry-worthy. */
export class HttpTransferError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly truncated = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpTransferError';
  }
}

/** Node 20's global fetch (undici) for http(s), node:fs streams for `file:`. */
export class NodeHttp implements Http {
  constructor(private readonly userAgent = 'strata') {}

  async download(url: string, dest: string, opts: HttpRequestOptions & { onChunk?: (chunk: Uint8Array) => void } = {}): Promise<HttpDownloadResult> {
    await mkdir(path.dirname(dest), { recursive: true });
    const u = new URL(url);
    if (u.protocol === 'file:') return this.copyFileUrl(u, dest, opts);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HttpTransferError(url, `unsupported URL scheme ${u.protocol}`);
    const idle = opts.idleTimeoutMs ?? 60_000;
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => ctl.abort(new Error(`no data for ${idle} ms`)), idle);
    };
    arm();
    try {
      let res: Response;
      try {
        res = await fetch(url, { signal: ctl.signal, redirect: 'follow', headers: { 'user-agent': this.userAgent, ...opts.headers } });
      } catch (e) {
        throw new HttpTransferError(url, `request failed: ${describe(e)}`, false, { cause: e });
      }
      const lenHeader = res.headers.get('content-length');
      const contentLength = lenHeader !== null && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => {});
        return { status: res.status, bytes: 0, ...(contentLength !== undefined ? { contentLength } : {}) };
      }
      const out = createWriteStream(dest);
      // A local write failure (ENOSPC, EACCES, EIO) is the error to report, not a crash of the
      // process through an unhandled 'error' event, nor a transfer error worth retrying.
      let writeError: Error | undefined;
      out.on('error', (e) => {
        writeError ??= e;
      });
      let bytes = 0;
      const reader = res.body.getReader();
      try {
        for (;;) {
          if (writeError) break;
          const { done, value } = await reader.read();
          if (done) break;
          arm();
          bytes += value.byteLength;
          opts.onChunk?.(value);
          if (!out.write(value)) await new Promise<void>((r) => {
            out.once('drain', r);
            out.once('error', () => r());
          });
        }
      } catch (e) {
        if (!writeError) throw new HttpTransferError(url, `transfer interrupted after ${bytes} bytes: ${describe(e)}`, true, { cause: e });
      } finally {
        if (writeError) {
          await reader.cancel().catch(() => {});
          out.destroy();
        } else await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve()))).catch((e: Error) => {
          writeError ??= e;
        });
      }
      if (writeError) throw writeError;
      if (contentLength !== undefined && bytes !== contentLength) {
        throw new HttpTransferError(url, `truncated body: got ${bytes} of ${contentLength} bytes`, true);
      }
      return { status: res.status, bytes, ...(contentLength !== undefined ? { contentLength } : {}) };
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async copyFileUrl(u: URL, dest: string, opts: { onChunk?: (chunk: Uint8Array) => void; signal?: AbortSignal }): Promise<HttpDownloadResult> {
    const src = fileURLToPath(u);
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const rs = createReadStream(src, opts.signal ? { signal: opts.signal } : {});
        rs.on('error', reject);
        rs.once('open', () => {
          const ws = createWriteStream(dest);
          ws.on('error', reject);
          ws.on('finish', resolve);
          rs.on('data', (c) => {
            const chunk = c as Buffer;
            bytes += chunk.byteLength;
            opts.onChunk?.(chunk);
          });
          rs.pipe(ws);
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 404, bytes: 0 };
      if (code === 'EACCES') return { status: 403, bytes: 0 };
      throw new HttpTransferError(u.href, describe(e), false, { cause: e });
    }
    return { status: 200, bytes };
  }
}

export class NodeFileHasher implements FileHasher {
  hashFile(p: string, algorithm: string): Promise<{ hex: string; size: number }> {
    return new Promise((resolve, reject) => {
      const h = createHash(algorithm);
      let size = 0;
      const rs = createReadStream(p);
      rs.on('data', (c) => {
        size += (c as Buffer).byteLength;
        h.update(c as Buffer);
      });
      rs.on('error', reject);
      rs.on('end', () => resolve({ hex: h.digest('hex'), size }));
    });
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const c = cause instanceof Error ? `: ${cause.message}` : '';
    return `${e.message}${c}`;
  }
  return String(e);
}
