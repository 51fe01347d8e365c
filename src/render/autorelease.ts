/**
 * Step 7: `%autorelease` / `%autochangelog` through the in-process rpmautospec, on one in-memory
 * history: the dist-git history at the resolved commit (read from the mirror's packs, git log +
 * cat-file when the reader cannot) — or, for a local component, one `Initial sources` commit —
 * with the synthetic commits stacked on it; the last one carries the rendered spec and
 * `changelog` (what committing the overlaid tree would give, see `synthetic-history.test.ts`).
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeBytes } from '../overlay/index.js';
import { readHistoryAt, type History, type HistoryCommit } from '../sources/index.js';
import type { RenderContext } from './context.js';
import type { Fetched } from './fetch.js';
import type { SyntheticCommit } from './synthetic.js';

function specNeedsAutospec(text: string): boolean {
  return /%(\{\??)?auto(release|changelog)\b/.test(text) || !/^%changelog\b/im.test(text);
}

function blobId(prefix: string, text: string): string {
  return prefix.repeat(24) + createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/**
 * The dist-git history with the synthetic commits stacked on it, in memory: each synthetic commit
 * keeps its parent's spec and `changelog`, except the last, which carries the rendered ones
 * (what committing the overlaid tree would give).
 */
export function appendSynthetic(h: History, synthetic: readonly SyntheticCommit[], finalSpec: string, finalChangelog: string | undefined, now: Date): History {
  if (!synthetic.length) return h;
  const commits = new Map(h.commits);
  const blobs = new Map(h.blobs);
  let parent = commits.get(h.head)!;
  const specBlob = blobId('f', finalSpec);
  blobs.set(specBlob, finalSpec);
  let changelogBlob: string | undefined;
  if (finalChangelog !== undefined) {
    changelogBlob = blobId('e', finalChangelog);
    blobs.set(changelogBlob, finalChangelog);
  }
  for (let i = 0; i < synthetic.length; i++) {
    const c = synthetic[i]!;
    const last = i === synthetic.length - 1;
    const message = (c.hash === 'dirty' ? c.subject : `${c.subject}\n\nProject commit: ${c.hash}`) + '\n';
    const id = createHash('sha1').update(`${parent.id}\0${c.hash}\0${i}`).digest('hex');
    const next: HistoryCommit = {
      id,
      parents: [parent.id],
      tree: last ? createHash('sha1').update(`tree\0${id}`).digest('hex') : parent.tree,
      authorName: c.authorName,
      authorEmail: c.authorEmail,
      commitTime: c.time || Math.floor(now.getTime() / 1000),
      message,
      ...(last ? { specBlob } : parent.specBlob ? { specBlob: parent.specBlob } : {}),
      ...(last ? (changelogBlob ? { changelogBlob } : {}) : parent.changelogBlob ? { changelogBlob: parent.changelogBlob } : {}),
    };
    commits.set(id, next);
    parent = next;
  }
  return { head: parent.id, specName: h.specName, commits, blobs };
}

/** A local component's history: one `Initial sources` commit (strata, at the epoch) of the rendered tree. */
function initialSourcesHistory(specName: string, spec: string, changelog: string | undefined): History {
  const specBlob = blobId('f', spec);
  const changelogBlob = changelog === undefined ? undefined : blobId('e', changelog);
  const id = createHash('sha1').update(`initial\0${specBlob}\0${changelogBlob ?? ''}`).digest('hex');
  const commit: HistoryCommit = {
    id,
    parents: [],
    tree: createHash('sha1').update(`tree\0${id}`).digest('hex'),
    authorName: 'strata',
    authorEmail: 'strata@local',
    commitTime: 0,
    message: 'Initial sources\n',
    specBlob,
    ...(changelogBlob ? { changelogBlob } : {}),
  };
  const blobs = new Map([[specBlob, spec]]);
  if (changelogBlob) blobs.set(changelogBlob, changelog!);
  return { head: id, specName, commits: new Map([[id, commit]]), blobs };
}

/** The spec with `%autorelease`/`%autochangelog` resolved, or undefined when there is nothing to do. */
export async function resolveAutospec(ctx: RenderContext, stage: string, specFile: string, spec: string, fetched: Fetched, synthetic: readonly SyntheticCommit[], defines: Readonly<Record<string, string>>): Promise<string | undefined> {
  const { autospec, fs, git, clock } = ctx.deps;
  if (!autospec || !specNeedsAutospec(spec)) return undefined;
  const changelogPath = path.join(stage, 'changelog');
  const changelog = (await fs.stat(changelogPath))?.isFile ? decodeBytes(await fs.readFile(changelogPath)).text : undefined;
  const base = fetched.upstream ? await readHistoryAt(git, fetched.store, fetched.upstream.repo, fetched.upstream.commit, specFile) : initialSourcesHistory(specFile, spec, changelog);
  const history = appendSynthetic(base, synthetic, spec, changelog, clock.now());
  return autospec({ repoDir: stage, specPath: path.join(stage, specFile), defines, history });
}
