export * from './types.js';
export * from './glob.js';
export * from './spec-overlays.js';
export * from './file-overlays.js';
export * from './handlers.js';
export * from './apply.js';
export * from './archive.js';
