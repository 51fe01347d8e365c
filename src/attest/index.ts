/**
 * Public API of the attest layer: DSSE envelopes over the Signer seam and the project's
 * attestation key. See README.md.
 */
export * from './dsse.js';
export * from './attestation-key.js';
export * from './slsa.js';
export * from './spdx2.js';
export * from './spdx3.js';
export * from './cyclonedx.js';
export * from './publish-evidence.js';
export * from './verify.js';
export * from './project-checks.js';
