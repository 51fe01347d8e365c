export * from './types.js';
export * from './classify.js';
export * from './patches.js';
export * from './nearest.js';
export * from './check.js';
export * from './toml-edit.js';
export * from './apply.js';
