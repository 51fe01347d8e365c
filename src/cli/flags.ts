/** Parsing of numeric command-line flags into coded diagnostics (never a silent NaN). */
import { error, StrataError } from '../diag/index.js';

/** `-j N`: a positive integer, or undefined when the flag was not given. */
export function parseJobs(value: string | undefined, flag = '-j'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1) {
    throw new StrataError(error('CLI_BAD_JOBS', `${flag} expects a positive integer, not ${JSON.stringify(value)}`, { hint: `write ${flag} 4 (how many components run in parallel)` }));
  }
  return n;
}
