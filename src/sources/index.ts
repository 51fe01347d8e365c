/**
 * sources — where every spec and tarball comes from, pinned and verified.
 *
 * Dist-git (`distgit.ts`):
 * - `new MirrorCache(deps, { workDir })` — bare mirrors under `<workDir>/mirrors/<safe>.git`,
 *   keyed by URL. `cache.ensure({ url, branch?, commits?, refresh?, component?, spans? })` fetches
 *   incrementally (one fetch per repo at a time, across processes too) and returns a `Mirror`
 *   `{ url, path, fetched, diagnostics }`. `refresh`: `always` (default; on failure with a warm
 *   cache → warning DISTGIT_FETCH_FAILED), `if-needed` (fetch only when the branch/commits are
 *   missing: use it for render with a lock), `never` (offline).
 * - `resolveUpstreamCommit(deps, mirror, { lock?, pin?, branch, snapshot?, component?, spans? })`
 *   → `{ commit, rule: 'lock'|'pin'|'snapshot'|'head', branch, branchHead, diagnostics }`.
 * - Git reading (`git/`): `readCommitTree`, `readHistory`/`loadHistory`/`readHistoryAt`,
 *   `readBranchHead`, `readFileAt`, `listCommits`, `isAncestor`, `commitExists`, `ObjectStore`.
 * - `distGitUrl(template, pkg)` — `$pkg` substitution (path-escaped); `mirrorDirName(url)`.
 * Codes: DISTGIT_URL_INVALID, DISTGIT_UNREACHABLE, DISTGIT_FETCH_FAILED (warning),
 * DISTGIT_BRANCH_NOT_FOUND, DISTGIT_COMMIT_NOT_FOUND, DISTGIT_PIN_INVALID, DISTGIT_PIN_AMBIGUOUS,
 * DISTGIT_PIN_OFF_BRANCH (warning), DISTGIT_SNAPSHOT_INVALID, DISTGIT_SNAPSHOT_BEFORE_HISTORY,
 * DISTGIT_LOCK_BUSY, LOCK_COMMIT_INVALID, LOCK_PIN_MISMATCH (the config pin moved, the lock did not). Every one carries the span of the config value (or the
 * component / lock file) that caused it, when the caller passes `spans`.
 */
export * from './distgit.js';
export * from './git/index.js';

/*
 * Lookaside (`lookaside.ts`): `parseSourcesFile(text, file)` → `{ lines, entries: [{ filename,
 * hashType, hash, legacy, index, span }] }` (SHA512 (f) = hex, and the old `md5  file`);
 * `printSourcesEntry`; `lookasideUrl(template, { pkg, filename, hashType, hash })` (Fedora layout);
 * `unsafeFilenameReason` / `checkFilename` (SOURCE_FILENAME_INVALID);
 * `new LookasideCache({ http, fs, hasher, sink? }, { cacheDir })` with `.fetch(req)` /
 * `.fetchAll(reqs)`: verified, content-addressed, retried downloads into `destDir`.
 * Codes: SOURCES_LINE_INVALID, SOURCES_HASH_TYPE_UNKNOWN, SOURCES_HASH_INVALID, SOURCES_DUPLICATE,
 * SOURCE_FILENAME_INVALID, LOOKASIDE_URL_INVALID, LOOKASIDE_NOT_FOUND, LOOKASIDE_HTTP_ERROR,
 * LOOKASIDE_HASH_MISMATCH (URL, expected, actual), LOOKASIDE_DOWNLOAD_FAILED, SOURCE_NO_ORIGIN.
 *
 * Lock files (`lockfile.ts`): `parseLockFile`, `printLockFile` (deterministic), `loadLock`,
 * `lockPathFor(lockDir, name)`, `findOrphanLocks`. Codes: LOCK_PARSE, LOCK_VERSION, LOCK_INVALID.
 *
 * Fingerprints (`fingerprint.ts`): `computeFingerprint(fs, component, { upstreamCommit,
 * manualBump })` → `{ value: 'v1:sha256:…', parts }`; `resolutionHash(component)`;
 * `canonicalJson`; `hashDirectory`.
 *
 * Update (`update.ts`): `updateLocks(deps, project, components, { checkOnly, refresh, force,
 * pruneOrphans })` and `planComponentLock(...)`.
 */
export * from './lookaside.js';
export * from './lockfile.js';
export * from './fingerprint.js';
export * from './update.js';

/*
 * History (`upstream-changes.ts`): `findUpstreamChanges(deps, project, component)` → `{ from
 * (locked), to (branch head), commits, diverged, mirrorPath }`, `readLockHistory(git, dir, lock)`,
 * `findHistory(deps, project, components)` (behind `component history`).
 */
export * from './upstream-changes.js';

/*
 * Signatures (`signature.ts`): `findGpgVerifyCalls(specText, specFile, defines)` → the active
 * `%gpgverify` calls (`--keyring/--signature/--data`, `-k/-s/-d`, `%{?gpgverify:…}`, piped
 * `xzcat|gzip -dc|zstdcat … | %{gpgverify} --data=-`) as Source file names, plus
 * SIGNATURE_NOT_CHECKED warnings for calls Strata cannot follow; `verifyGpgCalls(fs, dir, calls,
 * decompress?)` verifies in-process with OpenPGP.js. Codes: SIGNATURE_INVALID,
 * SIGNATURE_KEYRING_INVALID, SIGNATURE_UNREADABLE, SIGNATURE_FILE_MISSING,
 * SIGNATURE_DATA_UNREADABLE.
 *
 * prepare-sources lives above render: `src/build/prepare-sources.ts` (`prepareSources`,
 * `prepareComponent`, `planSourceFetches`); the rendered-diff half of
 * diff-sources is `src/render/upstream-diff.ts` (`diffUpstream`, `diffSources`).
 */
export * from './signature.js';

