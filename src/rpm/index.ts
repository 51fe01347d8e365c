/**
 * Public API of the rpm layer: the RPM file format, read in process.
 *
 * - `parseRpm(bytes, file)` / `parseRpmHeaders` / `rpmInfo(pkg)` / `fileList(header)` — lead,
 *   signature header, main header, tags (`Tag`, `SigTag`).
 * - `checkRpmDigests(pkg)`, `checkRpmSignature(pkg, keys)` (keys: `readPublicKeys` in src/trust).
 * - `readPayload(pkg, decompress?)`, `decompressPayload`, `parseCpio`, `checkPayloadFiles`,
 *   `toolDecompressor(proc)`.
 * - `compareRpmPackages(name, a, b)` — the differences between two builds of one package.
 */
export * from './rpm-header.js';
export * from './rpm-verify.js';
export * from './payload.js';
export * from './compare.js';
export * from './purl.js';
