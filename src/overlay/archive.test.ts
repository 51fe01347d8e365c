import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { isStrataError } from '../diag/index.js';
import { applyArchiveOverlays, checkArchiveHash, readTar, tarHeader, writeTar, type Overlay } from './index.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
const at = { file: 'c.comp.toml', line: 9, col: 1 };

function makeArchive(dir: string, name: string, compress: string[] | undefined): string {
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'pkg-1.0', 'docs'), { recursive: true });
  writeFileSync(path.join(src, 'pkg-1.0', 'main.c'), 'int main(void) { return OLD; }\n');
  writeFileSync(path.join(src, 'pkg-1.0', 'docs', 'bad.pdf'), '%PDF-nonfree\n');
  spawnSync('ln', ['-s', 'main.c', path.join(src, 'pkg-1.0', 'link.c')]);
  const tarPath = path.join(dir, name);
  const r = spawnSync('tar', ['-cf', '-', '-C', src, 'pkg-1.0']);
  let data: Buffer = r.stdout;
  if (compress) data = spawnSync(compress[0]!, compress.slice(1), { input: data, maxBuffer: 1 << 26 }).stdout;
  writeFileSync(tarPath, data);
  return tarPath;
}

const overlays: Overlay[] = [
  { type: 'file-search-replace', archive: 'x', file: 'main.c', regex: 'OLD', replacement: '0', definedAt: at },
  { type: 'file-remove', archive: 'x', file: 'docs/*.pdf', definedAt: at },
];

for (const [name, compress, magic] of [
  ['pkg.tar.gz', ['gzip', '-c'], [0x1f, 0x8b]],
  ['pkg.tar.xz', ['xz', '-c'], [0xfd, 0x37]],
  ['pkg.tar.zst', ['zstd', '-q', '-c'], [0x28, 0xb5]],
  ['pkg.tar.bz2', ['bzip2', '-c'], [0x42, 0x5a]],
  ['pkg.tar', undefined, undefined],
] as const) {
  test(`archive overlays on ${name}: edited, repacked deterministically, format kept`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'arch-'));
    try {
      const a = makeArchive(dir, name, compress ? [...compress] : undefined);
      const r1 = await applyArchiveOverlays({ fs, proc }, a, overlays, mkdtempSync(path.join(dir, 's1-')));
      const bytes1 = readFileSync(a);
      if (magic) assert.deepEqual([...bytes1.subarray(0, 2)], [...magic]);
      const plain = compress ? spawnSync(compress[0], ['-dc'], { input: bytes1, maxBuffer: 1 << 26 }).stdout : bytes1;
      const entries = readTar(new Uint8Array(plain));
      const names = entries.map((e) => e.path);
      assert.deepEqual(names, [...names].sort(), 'sorted');
      assert.ok(!names.some((n) => n.endsWith('bad.pdf')), 'removed');
      assert.ok(names.includes('pkg-1.0/link.c'), 'symlink kept');
      assert.equal(entries.find((e) => e.path === 'pkg-1.0/link.c')!.linkname, 'main.c');
      assert.equal(Buffer.from(entries.find((e) => e.path === 'pkg-1.0/main.c')!.data).toString(), 'int main(void) { return 0; }\n');
      // mtime 0, uid/gid 0 in every header.
      for (let off = 0; off + 512 <= plain.length && plain[off] !== 0; ) {
        assert.equal(plain.subarray(off + 136, off + 147).toString(), '00000000000');
        assert.equal(plain.subarray(off + 108, off + 115).toString(), '0000000');
        const size = parseInt(plain.subarray(off + 124, off + 135).toString(), 8);
        off += 512 + Math.ceil(size / 512) * 512;
      }
      assert.deepEqual([...r1.changed].sort(), ['pkg-1.0/docs/bad.pdf', 'pkg-1.0/main.c']);
      // Same input → same bytes → same hash.
      const b = makeArchive(mkdtempSync(path.join(dir, 'again-')), name, compress ? [...compress] : undefined);
      const r2 = await applyArchiveOverlays({ fs, proc }, b, overlays, mkdtempSync(path.join(dir, 's2-')));
      assert.equal(r2.sha512, r1.sha512);
      checkArchiveHash(r1, { hashType: 'SHA512', hash: r1.sha512 });
      assert.throws(() => checkArchiveHash(r1, { hashType: 'SHA512', hash: 'ab' }, at), (e: unknown) => isStrataError(e) && e.code === 'ARCHIVE_HASH_MISMATCH' && e.diagnostics[0]!.span === at);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const bad: [string, () => Uint8Array][] = [
  ['a path with ..', () => concat(tarHeader('pkg/../../evil', '0', 0o644, 0))],
  ['an absolute name', () => concat(tarHeader('/etc/evil', '0', 0o644, 0))],
  ['a hard link', () => concat(tarHeader('pkg/h', '1', 0o644, 0, 'pkg/a'))],
  ['a device', () => concat(tarHeader('pkg/dev', '3', 0o644, 0))],
  ['a symlink pointing outside', () => concat(tarHeader('pkg/l', '2', 0o777, 0, '../../etc/passwd'))],
  ['an absolute symlink', () => concat(tarHeader('pkg/l', '2', 0o777, 0, '/etc/passwd'))],
];

function concat(...h: Uint8Array[]): Uint8Array {
  const files = writeTar([{ path: 'pkg/a', type: 'file', mode: 0o644, data: new TextEncoder().encode('x'), linkname: '' }]);
  const body = files.subarray(0, files.length - 1024);
  const out = new Uint8Array(body.length + h.reduce((n, x) => n + x.length, 0) + 1024);
  out.set(body, 0);
  let o = body.length;
  for (const x of h) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

for (const [what, make] of bad) {
  test(`archive with ${what} is refused`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'arch-bad-'));
    try {
      const a = path.join(dir, 'bad.tar');
      writeFileSync(a, make());
      await assert.rejects(applyArchiveOverlays({ fs, proc }, a, overlays, mkdtempSync(path.join(dir, 's-'))), (e: unknown) => {
        assert.ok(isStrataError(e));
        assert.equal(e.code, 'ARCHIVE_UNSAFE_ENTRY');
        assert.deepEqual(e.diagnostics[0]!.span, at);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
