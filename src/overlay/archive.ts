/**
 * Archive-scoped overlays (`file-remove` / `file-search-replace` with `archive = "x.tar.gz"`):
 * unpack the source archive (refusing `..`, absolute names, hard links, devices and links that
 * point outside), apply the file overlays inside it, and repack it deterministically — sorted
 * entries, mtime 0, uid/gid 0, no user/group names, ustar/pax long names (tar read and written
 * with node-tar) — in the original compression format (sniffed from magic bytes, else the
 * extension) using the system compressors.
 * The post-overlay hash is returned so callers record it (`sources`) and check it against the
 * recorded value.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { error, StrataError } from '../diag/index.js';
import { applyFileOps, listFiles } from './file-overlays.js';
import { planOverlayFiles } from './handlers.js';
import { runCompressionTool, sniffCompression, type Compression } from '../util/compression.js';
import { readTar, unsafeEntry, writeTar, type TarEntry } from '../util/tar.js';
import { overlayError, type AnyOverlay } from './types.js';

/** The archive (relative to the sources root) an archive-scoped overlay edits inside, if any. */
export function overlayArchive(o: AnyOverlay): string | undefined {
  return 'archive' in o && o.archive ? o.archive : undefined;
}

const pipe = runCompressionTool;

export interface ArchiveOverlayResult {
  readonly archive: string;
  readonly compression: Compression;
  readonly sha256: string;
  readonly sha512: string;
  /** Paths (inside the archive) the overlays changed or removed. */
  readonly changed: readonly string[];
}

/**
 * Apply archive-scoped overlays to `archivePath` in place (atomic rename over it).
 * `scratch` is a fresh directory the archive is unpacked into.
 */
export async function applyArchiveOverlays(
  deps: { fs: FileSystem; proc: ProcessRunner },
  archivePath: string,
  overlays: readonly AnyOverlay[],
  scratch: string,
): Promise<ArchiveOverlayResult> {
  const { fs, proc } = deps;
  const name = path.basename(archivePath);
  const raw = await fs.readFile(archivePath);
  const compression = sniffCompression(raw.subarray(0, 512), name);
  const plain = await pipe(proc, compression, 'decompress', raw, name);
  let entries: TarEntry[];
  try {
    entries = await readTar(plain, name);
  } catch (e) {
    const o = overlays[0];
    if (!o || !(e instanceof StrataError)) throw e;
    throw overlayError(o, 'ARCHIVE_INVALID', e.message, 'check that the source file is a complete, uncorrupted tar archive');
  }
  for (const e of entries) {
    const why = unsafeEntry(e);
    if (why) {
      const o = overlays[0];
      throw o
        ? overlayError(o, 'ARCHIVE_UNSAFE_ENTRY', `archive ${name} holds ${JSON.stringify(e.path)}: ${why}; refusing to unpack it`, 'archives must hold only regular files, directories and links that stay inside')
        : new StrataError(error('ARCHIVE_UNSAFE_ENTRY', `archive ${name} holds ${JSON.stringify(e.path)}: ${why}`));
    }
  }
  // Unpack (files and directories; symlinks are kept as entries and written back unchanged).
  const links = entries.filter((e) => e.type === 'symlink');
  for (const e of entries) {
    const p = path.join(scratch, e.path);
    if (e.type === 'dir') await fs.mkdir(p);
    else if (e.type === 'file') await fs.writeFileAtomic(p, e.data, e.mode || 0o644);
  }
  const tops = new Set(entries.map((e) => e.path.replace(/^\.\//, '').split('/')[0]!).filter(Boolean));
  const onlyTop = tops.size === 1 ? [...tops][0]! : undefined;
  const rootRel = onlyTop && entries.some((e) => e.type === 'dir' && e.path.replace(/^\.\//, '').replace(/\/$/, '') === onlyTop) ? onlyTop : '';
  const root = rootRel ? path.join(scratch, rootRel) : scratch;
  const changed: string[] = [];
  for (const o of overlays) {
    const files = (await listFiles(fs, root)).filter((f) => !links.some((l) => path.join(scratch, l.path) === path.join(root, f.rel)));
    const ops = await planOverlayFiles(
      o,
      files,
      (rel) => fs.readFile(path.join(root, rel)),
      async (rel) => (await fs.stat(path.join(root, rel))) !== undefined,
    );
    await applyFileOps(fs, root, ops);
    for (const op of ops) changed.push(rootRel ? `${rootRel}/${op.path}` : op.path);
  }
  // Repack: directories and files as they are now, symlinks from the original entries.
  const out: TarEntry[] = [...links];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const n of await fs.readdir(dir)) {
      const abs = path.join(dir, n);
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.stat(abs);
      if (!st) continue;
      if (st.isDirectory) {
        out.push({ path: r, type: 'dir', mode: st.mode & 0o7777, data: new Uint8Array(), linkname: '' });
        await walk(abs, r);
      } else if (st.isFile && !links.some((l) => l.path === r)) {
        out.push({ path: r, type: 'file', mode: st.mode & 0o7777, data: await fs.readFile(abs), linkname: '' });
      }
    }
  };
  await walk(scratch, '');
  const packed = await pipe(proc, compression, 'compress', await writeTar(out), name);
  const st = await fs.stat(archivePath);
  await fs.writeFileAtomic(archivePath, packed, st ? st.mode & 0o7777 : 0o644);
  return {
    archive: name,
    compression,
    sha256: createHash('sha256').update(packed).digest('hex'),
    sha512: createHash('sha512').update(packed).digest('hex'),
    changed,
  };
}

/** Compare the repacked archive with the hash recorded for it (source-files / sources). */
export function checkArchiveHash(r: ArchiveOverlayResult, recorded: { hashType: string; hash: string } | undefined, span?: import('../diag/index.js').SourceSpan): void {
  if (!recorded) return;
  const got = recorded.hashType.toUpperCase() === 'SHA256' ? r.sha256 : r.sha512;
  if (got.toLowerCase() !== recorded.hash.toLowerCase()) {
    throw new StrataError(
      error('ARCHIVE_HASH_MISMATCH', `archive ${r.archive} after its overlays has ${recorded.hashType} ${got}, but ${recorded.hash} is recorded`, {
        ...(span ? { span } : {}),
        hint: `if the overlay change is intended, record the new hash: hash = "${got}"`,
      }),
    );
  }
}
