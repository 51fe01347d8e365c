/**
 * Test helper: a loopback HTTP server laid out like Fedora's lookaside
 * (`/repo/pkgs/<pkg>/<filename>/<hashtype>/<hash>/<filename>`) plus plain `/files/<name>` origins.
 * Per-path behaviours simulate tampering, truncation and server errors.
 */
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'tamper' | 'truncate' | 'truncate-once' | 'error-500-once' | 'missing';

export class LookasideServer {
  private server: Server | undefined;
  private readonly files = new Map<string, { data: Uint8Array; behaviour: Behaviour; served: number }>();
  readonly requests: string[] = [];
  port = 0;

  /** Publish `data` as `pkg/filename` in the lookaside layout (sha512 and md5 paths); returns the sha512. */
  addLookaside(pkg: string, filename: string, data: Uint8Array | string, behaviour: Behaviour = 'ok'): string {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const sha512 = createHash('sha512').update(bytes).digest('hex');
    const md5 = createHash('md5').update(bytes).digest('hex');
    this.files.set(`/repo/pkgs/${pkg}/${filename}/sha512/${sha512}/${filename}`, { data: bytes, behaviour, served: 0 });
    this.files.set(`/repo/pkgs/${pkg}/${filename}/md5/${md5}/${filename}`, { data: bytes, behaviour, served: 0 });
    return sha512;
  }

  addFile(urlPath: string, data: Uint8Array | string, behaviour: Behaviour = 'ok'): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.files.set(urlPath, { data: bytes, behaviour, served: 0 });
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get template(): string {
    return `${this.base}/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push(p);
      const f = this.files.get(p);
      if (!f || f.behaviour === 'missing') {
        res.writeHead(404).end('not found');
        return;
      }
      f.served++;
      if (f.behaviour === 'error-500-once' && f.served === 1) {
        res.writeHead(500).end('oops');
        return;
      }
      if (f.behaviour === 'truncate' || (f.behaviour === 'truncate-once' && f.served === 1)) {
        res.writeHead(200, { 'content-length': String(f.data.length) });
        res.write(f.data.subarray(0, Math.floor(f.data.length / 2)));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      let data = f.data;
      if (f.behaviour === 'tamper') {
        data = new Uint8Array(f.data);
        data[0] = (data[0] ?? 0) ^ 0xff;
      }
      res.writeHead(200, { 'content-length': String(data.length), 'content-type': 'application/octet-stream' });
      res.end(data);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
