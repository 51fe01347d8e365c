import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { isStrataError } from '../diag/index.js';
import { Header, type HeaderData } from 'tar';
import { readTar, writeTar, type TarEntry } from '../util/tar.js';
import { applyArchiveOverlays, checkArchiveHash, type AnyOverlay } from './index.js';

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

const overlays: AnyOverlay[] = [
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
      const entries = await readTar(new Uint8Array(plain));
      const names = entries.map((e) => e.path);
      assert.deepEqual(names, [...names].sort(), 'sorted');
      assert.ok(!names.some((n) => n.endsWith('bad.pdf')), 'removed');
      assert.ok(names.includes('pkg-1.0/link.c'), 'symlink kept');
      assert.equal(entries.find((e) => e.path === 'pkg-1.0/link.c')!.linkname, 'main.c');
      assert.equal(Buffer.from(entries.find((e) => e.path === 'pkg-1.0/main.c')!.data).toString(), 'int main(void) { return 0; }\n');
      // mtime 0, uid/gid 0 in every header.
      for (let off = 0; off + 512 <= plain.length && plain[off] !== 0; ) {
        const octal = (o: number, n: number) => {
          const digits = plain.subarray(off + o, off + o + n).toString().replace(/[\0 ]+$/, '');
          assert.match(digits, /^[0-7]+$/, `octal field at ${o}`);
          return parseInt(digits, 8);
        };
        assert.equal(octal(136, 12), 0, 'mtime 0');
        assert.equal(octal(108, 8), 0, 'uid 0');
        assert.equal(octal(116, 8), 0, 'gid 0');
        assert.equal(plain.subarray(off + 265, off + 329).toString().replace(/\0+/g, ''), '', 'no user/group names');
        const size = octal(124, 12);
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

/** One raw header block written by node-tar (the hostile entries a real archive could hold). */
function tarHeader(p: string, type: HeaderData['type'], mode: number, linkpath = ''): Uint8Array {
  const block = Buffer.alloc(512);
  new Header({ path: p, type, mode, size: 0, uid: 0, gid: 0, mtime: new Date(0), linkpath }).encode(block);
  return new Uint8Array(block);
}

const bad: [string, () => Promise<Uint8Array>][] = [
  ['a path with ..', () => concat(tarHeader('pkg/../../evil', 'File', 0o644))],
  ['an absolute name', () => concat(tarHeader('/etc/evil', 'File', 0o644))],
  ['a hard link', () => concat(tarHeader('pkg/h', 'Link', 0o644, 'pkg/a'))],
  ['a device', () => concat(tarHeader('pkg/dev', 'CharacterDevice', 0o644))],
  ['a fifo', () => concat(tarHeader('pkg/fifo', 'FIFO', 0o644))],
  ['a GNU dump directory', () => concat(tarHeader('pkg/dump', 'GNUDumpDir', 0o755))],
  ['a sparse file (type node-tar ignores)', () => concat(tarHeader('pkg/sparse', 'SparseFile', 0o644))],
  ['a symlink pointing outside', () => concat(tarHeader('pkg/l', 'SymbolicLink', 0o777, '../../etc/passwd'))],
  ['an absolute symlink', () => concat(tarHeader('pkg/l', 'SymbolicLink', 0o777, '/etc/passwd'))],
];

async function concat(...h: Uint8Array[]): Promise<Uint8Array> {
  const files = await writeTar([{ path: 'pkg/a', type: 'file', mode: 0o644, data: new TextEncoder().encode('x'), linkname: '' }]);
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
      writeFileSync(a, await make());
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

test('a corrupt tar stream is refused with ARCHIVE_INVALID', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'arch-bad-'));
  try {
    const good = await concat(tarHeader('pkg/b', 'File', 0o644));
    good[1024 + 10] = good[1024 + 10]! ^ 0x41; // second header's name: checksum no longer matches
    const a = path.join(dir, 'bad.tar');
    writeFileSync(a, good);
    await assert.rejects(applyArchiveOverlays({ fs, proc }, a, overlays, mkdtempSync(path.join(dir, 's-'))), (e: unknown) => isStrataError(e) && e.code === 'ARCHIVE_INVALID' && JSON.stringify(e.diagnostics[0]!.span) === JSON.stringify(at));
    await assert.rejects(readTar(new TextEncoder().encode('not a tar at all'.repeat(64))), (e: unknown) => isStrataError(e) && e.code === 'ARCHIVE_INVALID');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeTar is deterministic, order-independent and round-trips long names through node-tar and GNU tar', async () => {
  const enc = new TextEncoder();
  const long = 'pkg/' + 'd'.repeat(90) + '/' + 'f'.repeat(60); // > 100: ustar prefix
  const veryLong = 'pkg/' + 'x'.repeat(200) + '/' + 'y'.repeat(120); // > 255 bytes, one 200-char component: pax
  const linkTarget = 'd'.repeat(90) + '/' + 'f'.repeat(60); // > 100: pax linkpath
  const entries: TarEntry[] = [
    { path: 'pkg', type: 'dir', mode: 0o755, data: new Uint8Array(), linkname: '' },
    { path: 'pkg/run.sh', type: 'file', mode: 0o755, data: enc.encode('#!/bin/sh\n'), linkname: '' },
    { path: long, type: 'file', mode: 0o644, data: enc.encode('long\n'), linkname: '' },
    { path: veryLong, type: 'file', mode: 0o600, data: new Uint8Array(1000).fill(7), linkname: '' },
    { path: 'pkg/ln', type: 'symlink', mode: 0o777, data: new Uint8Array(), linkname: linkTarget },
  ];
  const a = await writeTar(entries);
  const b = await writeTar([...entries].reverse());
  assert.deepEqual(Buffer.from(b), Buffer.from(a), 'same entries in another order → same bytes');
  const back = await readTar(a);
  assert.deepEqual(back.map((e) => e.path), ['pkg/', 'pkg/' + 'd'.repeat(90) + '/' + 'f'.repeat(60), 'pkg/ln', 'pkg/run.sh', veryLong]);
  assert.equal(back.find((e) => e.path === 'pkg/ln')!.linkname, linkTarget);
  assert.equal(back.find((e) => e.path === 'pkg/run.sh')!.mode, 0o755);
  assert.deepEqual([...back.find((e) => e.path === veryLong)!.data], [...entries[3]!.data]);
  assert.deepEqual(Buffer.from(await writeTar(back)), Buffer.from(a), 'read → write is a fixed point');
  // GNU tar agrees on names, link target, owner and time.
  const listing = spawnSync('tar', ['--numeric-owner', '--full-time', '-tvf', '-'], { input: a, encoding: 'utf8' });
  assert.equal(listing.status, 0, listing.stderr);
  const lines = listing.stdout.trim().split('\n');
  assert.equal(lines.length, 5);
  for (const l of lines) assert.match(l, / 0\/0 +\d+ 1970-01-01 00:00:00 /);
  assert.ok(lines.some((l) => l.endsWith(` ${veryLong}`)));
  assert.ok(lines.some((l) => l.endsWith(`pkg/ln -> ${linkTarget}`)));
});
