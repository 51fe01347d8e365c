import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { NodeHttp } from './http.js';

describe('NodeHttp.download', () => {
  it('a local write failure (ENOSPC) rejects with the errno error instead of crashing the process', { skip: !existsSync('/dev/full') }, async () => {
    const server = createServer((_q, r) => {
      r.writeHead(200, { 'content-length': 1 << 20 });
      r.end(Buffer.alloc(1 << 20));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      await assert.rejects(new NodeHttp().download(`http://127.0.0.1:${port}/x`, '/dev/full'), (e: unknown) => (e as { code?: string }).code === 'ENOSPC');
    } finally {
      server.close();
    }
  });
});
