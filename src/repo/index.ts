/**
 * Public API of the repo domain.
 *
 * The RPM file format (header reader, payload, digests and signatures, package comparison) is
 * the rpm layer's (src/rpm/index.ts).
 *
 * - `parseRepomd`, `parsePrimary` — rpm-md metadata.
 * - `signRpms(proc, keyHome, files, time)` — rpmsign with the project key (`loadGpgKey` in src/trust).
 * - `publishRepos(ctx, options)` — signed, deterministic repositories per channel.
 * - `verifyRepo(fs, dir, options)` — in-process verification of a repository, as named steps.
 */
export * from './metadata.js';
export * from './signing.js';
export * from './publish.js';
export * from './verify.js';
