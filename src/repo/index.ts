/**
 * Public API of the repo domain.
 *
 * - `parseRpm(bytes, file)` / `rpmInfo(pkg)` / `fileList(header)` — Strata's own RPM reader
 *   (lead, signature header, header, tags; `Tag`, `SigTag`).
 * - `checkRpmDigests(pkg)`, `checkRpmSignature(pkg, keys)`.
 * - `readPayload(pkg, decompress?)`, `parseCpio`, `checkPayloadFiles`, `toolDecompressor(proc)`.
 * - `compareRpmPackages(name, a, b)` — reproducibility differences.
 * - `parseRepomd`, `parsePrimary` — rpm-md metadata.
 * - `signRpms(proc, keyHome, files, time)` — rpmsign with the project key (`loadGpgKey` in src/trust).
 * - `publishRepos(ctx, options)` — signed, deterministic repositories per channel.
 * - `verifyRepo(fs, dir, options)` — in-process verification of a repository, as named steps.
 */
export * from './rpm-header.js';
export * from './rpm-verify.js';
export * from './payload.js';
export * from './compare.js';
export * from './metadata.js';
export * from './signing.js';
export * from './publish.js';
export * from './verify.js';
