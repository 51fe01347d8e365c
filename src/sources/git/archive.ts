/**
 * The files of a commit's tree: read in process from the object store, or from a `git archive`
 * tar stream when the reader cannot.
 */
import * as path from 'node:path';
import type { FileSystem, Git } from '../../adapters/types.js';
import { readTar, unsafeEntry } from '../../util/tar.js';
import { ObjectStore, readCommitFiles, type TreeFile } from './object-store.js';

/**
 * Regular files of a tar stream (as `git archive` writes), keyed by normalised relative path.
 * Symlinks and unsafe names (absolute, `..`, `.git`) are refused by omission: git archive of a
 * dist-git tree only holds regular files and directories.
 */
export async function parseTar(buf: Uint8Array): Promise<Map<string, TreeFile>> {
  const out = new Map<string, TreeFile>();
  for (const e of await readTar(buf, 'git archive output')) {
    if (e.type !== 'file' || unsafeEntry(e) || e.path.split('/').some((c) => c.toLowerCase() === '.git')) continue;
    const f: TreeFile = e.data;
    f.mode = e.mode & 0o111 ? 0o755 : 0o644;
    out.set(path.posix.normalize(e.path), f);
  }
  return out;
}

export type CommitTree =
  | {
      readonly ok: true;
      readonly files: Map<string, TreeFile>;
      /** The object store that read the tree, for more reads (history) from the same repository. */
      readonly store?: ObjectStore;
    }
  | { readonly ok: false; readonly stderr: string };

/** The files of `commit` in `repo`: from the packs in process, else through `git archive`. */
export async function readCommitTree(deps: { readonly fs: FileSystem; readonly git: Git }, repo: string, commit: string): Promise<CommitTree> {
  try {
    const store = await ObjectStore.open(deps.fs, repo);
    return { ok: true, files: await readCommitFiles(store, commit), store };
  } catch {
    const archive = await deps.git.run(['archive', '--format=tar', commit], { cwd: repo, binary: true });
    if (archive.code !== 0 || !archive.stdoutBytes) return { ok: false, stderr: archive.stderr };
    return { ok: true, files: await parseTar(archive.stdoutBytes) };
  }
}
