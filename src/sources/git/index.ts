/**
 * Reading git repositories, in one place: the in-process object store (packs and loose objects),
 * commit trees (store, else `git archive`), histories for rpmautospec (store, else git log +
 * cat-file), refs from the files, and the git CLI queries of dist-git (file at a commit, commit
 * lists, ancestry). Writing (fetch, init) stays with its owner (`../distgit.ts`); every process
 * goes through the `Git` adapter.
 */
export { ObjectStore, parseCommit, parseTree, readCommitFiles, type GitObject, type ObjectType, type ParsedCommit, type TreeEntry, type TreeFile } from './object-store.js';
export { parseTar, readCommitTree, type CommitTree } from './archive.js';
export { blobsAlongFirstParents, loadHistory, parseBatchOutput, parseLogOutput, readHistory, readHistoryAt, type History, type HistoryCommit, type LoadHistoryOptions, type LoggedCommit } from './history.js';
export { readBranchHead } from './refs.js';
export { commitExists, hasAnyRef, isAncestor, isRepo, listBranches, listCommits, readFileAt, refExists, revParse, type CommitInfo, type GitDeps } from './repo.js';
