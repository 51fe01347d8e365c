/**
 * The cve layer: advisory feeds (OVAL, OSV), matching with rpm's labelCompare, evidence of fixes
 * in specs, `strata cve scan|plan`, VEX. See README.md.
 */
export * from './types.js';
export * from './oval.js';
export * from './osv.js';
export * from './feeds.js';
export * from './match.js';
export * from './spec-inventory.js';
export * from './scan.js';
export * from './project.js';
export * from './plan.js';
export * from './vex.js';
export * from './repo-inventory.js';
