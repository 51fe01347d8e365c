/**
 * Public API of the repo domain (issue 6).
 *
 * The RPM file format (header reader, payload, digests and signatures, package comparison) is
 * the rpm layer's (src/rpm/index.ts).
 *
 * - `parseRepomd`, `parsePrimary` — rpm-md metadata.
 * - `loadSigningKey`, `signRpms`, `signDetached` — the project key in an isolated GnuPG home.
 * - `publishRepos(ctx, options)` — signed, deterministic repositories per channel.
 * - `verifyRepo(fs, dir, options)` — in-process verification of a repository.
 */
export * from './metadata.js';
export * from './signing.js';
export * from './publish.js';
export * from './verify.js';
