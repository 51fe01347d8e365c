/**
 * Public API of the attest layer: DSSE envelopes over the Signer seam and the project's
 * attestation key. See README.md.
 */
export * from './dsse.js';
export * from './attestation-key.js';
