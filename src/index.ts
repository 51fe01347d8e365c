// Public library API (re-exports only).
export * from './diag/index.js';
export type * from './adapters/types.js';
