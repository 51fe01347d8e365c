export * from './codes.js';
export * from './diagnostic.js';
export * from './format.js';
export * from './suggest.js';
