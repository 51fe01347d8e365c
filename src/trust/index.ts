/**
 * Public API of the trust layer: the one-method `Signer` and its verifiers, and verification as
 * named steps. See README.md.
 */
export * from './signer.js';
export * from './gpg-signer.js';
export * from './key-signer.js';
export * from './openpgp-verifier.js';
export * from './verify-steps.js';
