/**
 * The history walk of rpmautospec 0.8.4 (`PkgHistoryProcessor._run_on_history` and its two
 * visitors), re-implemented over an in-memory commit graph.
 *
 * Release number of a commit: the largest release number among its parents whose Epoch:Version is
 * the same (a parent or child whose spec cannot be evaluated, or lacks the spec, bridges the gap),
 * plus one if the commit contains the spec file, raised to `[bump release: N]`.
 *
 * Changelog of a commit: its own entry (unless `[skip changelog]`, no spec file, or a merge) followed
 * by the changelog of its first parent, or, for a merge, of the parent with the same tree; a merge
 * whose tree matches no parent ends the history with `RPMAUTOSPEC: unresolvable merge`; a commit
 * that changes the `changelog` file ends it with that file's text, unless a later commit removed it.
 *
 * The walk goes from the head down, following all parents, and stops descending where no visitor
 * needs older commits (a version change for the release number, a `changelog` file change for the
 * changelog); then results are computed from the oldest commits upwards.
 */
import type { ChangelogEntry } from './changelog.js';
import type { History, HistoryCommit } from '../../sources/git/index.js';
import { parseMagicComments, type MagicComments } from './magic-comments.js';
import type { Verflags } from './verflags.js';

/** What the walk computes for one commit (or for the work tree). */
export interface CommitResult {
  readonly commitId: string | null;
  verflags?: Verflags;
  /** `E:V` or `V`; null when the spec is missing or cannot be evaluated. */
  epochVersion?: string | null;
  magic?: MagicComments;
  releaseNumber?: number;
  /** The release without dist tag: `[0.]N[.extraver][.snapinfo]` with the base applied. */
  releaseComplete?: string;
  changelog?: readonly ChangelogEntry[];
}

interface Info {
  childMustContinue: boolean;
  changelogRemoved?: boolean;
}

type Finish = (result: CommitResult, parentResults: readonly (CommitResult | undefined)[]) => CommitResult;
interface Started {
  readonly info: Info;
  readonly finish: Finish;
}
export type Visitor = (commit: HistoryCommit, childInfo: Info) => Started;

/** Spec evaluation per commit, cached by the caller (by blob id). */
export type VerflagsOf = (commit: HistoryCommit) => Verflags;

export function releaseNumberVisitor(verflagsOf: VerflagsOf, history: History): Visitor {
  return (commit) => {
    const commitVerflags = verflagsOf(commit);
    let epochVersion: string | null = null;
    let prerelease = false;
    let base = 1;
    let tagString = '';
    if (commitVerflags.ok) {
      epochVersion = commitVerflags.epochVersion;
      prerelease = commitVerflags.prerelease === true;
      base = commitVerflags.base ?? 1;
      tagString = [commitVerflags.extraver, commitVerflags.snapinfo]
        .filter((t) => t)
        .map((t) => `.${t}`)
        .join('');
    }
    let childMustContinue: boolean;
    if (!epochVersion) childMustContinue = true;
    else {
      childMustContinue = false;
      const parentEvs: string[] = [];
      let parentError = false;
      for (const p of commit.parents) {
        const pc = history.commits.get(p);
        const pvf = pc ? verflagsOf(pc) : undefined;
        if (!pvf || !pvf.ok) {
          parentError = true;
          break;
        }
        parentEvs.push(pvf.epochVersion);
      }
      childMustContinue = parentError || parentEvs.includes(epochVersion);
    }
    return {
      info: { childMustContinue },
      finish: (result, parentResults) => {
        const magic = parseMagicComments(commit.message);
        let releaseNumber = 0;
        for (const res of parentResults) {
          if (res && res.releaseNumber !== undefined && (epochVersion === null || res.epochVersion === null || res.epochVersion === epochVersion)) {
            releaseNumber = Math.max(releaseNumber, res.releaseNumber);
          }
        }
        if (commit.specBlob !== undefined) releaseNumber += 1;
        releaseNumber = Math.max(releaseNumber, magic.bumpRelease);
        const releaseComplete = `${prerelease ? '0.' : ''}${releaseNumber + base - 1}${tagString}`;
        return { ...result, verflags: commitVerflags, epochVersion, magic, releaseNumber, releaseComplete };
      },
    };
  };
}

export function changelogVisitor(history: History): Visitor {
  return (commit, childInfo) => {
    const childMustContinue = childInfo.childMustContinue;
    const specPresent = commit.specBlob !== undefined;
    const changelogBlob = commit.changelogBlob;
    const childChangelogRemoved = childInfo.changelogRemoved === true;
    let ourChangelogRemoved = false;
    let changelogChanged: boolean;
    const parents = commit.parents.map((p) => history.commits.get(p));
    if (parents.length > 0) {
      changelogChanged = true;
      for (const parent of parents) {
        const parBlob = parent?.changelogBlob;
        if (parBlob !== undefined) ourChangelogRemoved = ourChangelogRemoved || changelogBlob === undefined;
        if (changelogBlob === parBlob) changelogChanged = false;
      }
    } else {
      changelogChanged = changelogBlob !== undefined;
    }
    let parentToFollow: HistoryCommit | undefined;
    let mergeUnresolvable = false;
    if (parents.length < 2) parentToFollow = parents[0];
    else {
      parentToFollow = parents.find((p) => p !== undefined && p.tree === commit.tree);
      if (!parentToFollow) mergeUnresolvable = !changelogChanged;
    }
    const changelogFileChanged = changelogChanged && changelogBlob !== undefined;
    const ourChildMustContinue = !(changelogFileChanged || mergeUnresolvable) && childMustContinue;
    return {
      info: {
        childMustContinue: ourChildMustContinue,
        changelogRemoved: !changelogFileChanged && (childChangelogRemoved || ourChangelogRemoved),
      },
      finish: (result, parentResults) => {
        const entry: ChangelogEntry = {
          commitId: commit.id,
          authorBlurb: `${commit.authorName} <${commit.authorEmail}>`,
          timestamp: commit.commitTime,
          commitLog: commit.message,
          epochVersion: result.epochVersion ?? null,
          releaseComplete: result.releaseComplete ?? null,
        };
        let skip = (result.magic ?? parseMagicComments(commit.message)).skipChangelog || !specPresent;
        let changelog: readonly ChangelogEntry[];
        if (mergeUnresolvable) {
          changelog = [{ ...entry, error: 'unresolvable merge' }];
        } else if (changelogFileChanged) {
          changelog = childChangelogRemoved ? [] : [{ ...entry, data: history.blobs.get(changelogBlob!) ?? '' }];
        } else {
          let previous: readonly ChangelogEntry[] = [];
          if (commit.parents.length === 1) previous = parentResults[0]?.changelog ?? [];
          else {
            for (const candidate of parentResults) {
              if (!candidate || candidate.commitId === undefined) continue;
              if (parentToFollow && candidate.commitId === parentToFollow.id) {
                previous = candidate.changelog ?? [];
                skip = true;
                break;
              }
            }
          }
          changelog = skip ? previous : [entry, ...previous];
        }
        return { ...result, changelog };
      },
    };
  };
}

function mergeInfo(a: Info | undefined, b: Info): Info {
  if (!a) return { ...b };
  const out: Info = { childMustContinue: a.childMustContinue || b.childMustContinue };
  if (a.changelogRemoved !== undefined || b.changelogRemoved !== undefined) {
    out.changelogRemoved = a.changelogRemoved === undefined ? b.changelogRemoved! : b.changelogRemoved === undefined ? a.changelogRemoved : a.changelogRemoved && b.changelogRemoved;
  }
  return out;
}

/**
 * Run visitors over the history from `head`; returns the result of every processed commit.
 * Commits that no visitor needs are only traversed and have no result.
 */
export function runOnHistory(history: History, head: string, visitors: readonly Visitor[], seedInfo: Partial<Info> = {}): Map<string, CommitResult> {
  const seed: Info = { childMustContinue: true, ...seedInfo };
  const started = new Map<string, Started[] | null>();
  const infos = new Map<string, Info[]>();
  const children = new Map<string, string[]>();
  // children of every commit reachable from head
  const seen = new Set<string>([head]);
  const stack = [head];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const c = history.commits.get(id);
    if (!c) continue;
    for (const p of c.parents) {
      let list = children.get(p);
      if (!list) children.set(p, (list = []));
      list.push(id);
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }

  const branchHeads: string[] = [head];
  const snippets: string[][] = [];
  while (branchHeads.length > 0) {
    let id = branchHeads.shift()!;
    const snippet: string[] = [];
    snippets.push(snippet);
    let keepProcessing = true;
    for (;;) {
      if (started.has(id)) break;
      const commit = history.commits.get(id);
      if (!commit) throw new Error(`commit ${id} is not in the loaded history`);
      let childrenInfo: Info[];
      if (id === head) childrenInfo = visitors.map(() => seed);
      else {
        const these = children.get(id) ?? [];
        if (!these.every((ch) => started.has(ch))) {
          branchHeads.push(id);
          if (snippet.length === 0) snippets.pop();
          break;
        }
        childrenInfo = visitors.map((_, vi) => these.reduce<Info | undefined>((info, ch) => mergeInfo(info, infos.get(ch)![vi]!), undefined) ?? { childMustContinue: false });
        keepProcessing = keepProcessing && childrenInfo.some((i) => i.childMustContinue);
      }
      snippet.push(id);
      if (keepProcessing) {
        const s = visitors.map((v, vi) => v(commit, childrenInfo[vi]!));
        started.set(id, s);
        infos.set(
          id,
          s.map((x) => x.info),
        );
      } else {
        started.set(id, null);
        infos.set(
          id,
          visitors.map(() => ({ childMustContinue: false })),
        );
      }
      if (commit.parents.length === 0) break;
      if (commit.parents.length > 1) {
        branchHeads.push(...commit.parents.slice(1).filter((p) => !started.has(p)));
      }
      id = commit.parents[0]!;
    }
  }

  const visited = new Map<string, CommitResult>();
  let stalled = 0;
  while (snippets.length > 0) {
    const snippet = snippets.shift()!;
    let progressed = false;
    while (snippet.length > 0) {
      const id = snippet.pop()!;
      const s = started.get(id);
      if (s === null || s === undefined) {
        progressed = true;
        continue;
      }
      const commit = history.commits.get(id)!;
      if (!commit.parents.every((p) => visited.has(p) || started.get(p) === null || !history.commits.has(p))) {
        snippet.push(id);
        snippets.push(snippet);
        break;
      }
      progressed = true;
      const parentResults = commit.parents.map((p) => visited.get(p));
      let result: CommitResult = { commitId: id };
      for (const v of s) result = v.finish(result, parentResults);
      visited.set(id, result);
    }
    stalled = progressed ? 0 : stalled + 1;
    if (stalled > snippets.length + 1) throw new Error('history walk made no progress (inconsistent commit graph)');
  }
  return visited;
}
