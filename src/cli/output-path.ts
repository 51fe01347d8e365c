/**
 * Checks of output paths given on the command line or in `[project]`, before any work starts.
 * They live in src/config/paths.ts (domain commands need them too); re-exported for the commands.
 */
export { checkOutputDir, checkOutputFile } from '../util/paths.js';
