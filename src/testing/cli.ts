/**
 * The in-process CLI runner: `main()` with the real adapters, run in `cwd`, stdout and stderr
 * captured as text, no colour and no TTY. `overrides` replaces parts of the context (env, adapters).
 */
import { main, realContext } from '../cli/main.js';
import type { CliContext } from '../cli/context.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(cwd: string, argv: readonly string[], overrides: Partial<CliContext> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const ctx: CliContext = { ...realContext(), cwd, out: (s) => void (out += s), err: (s) => void (err += s), color: false, isTTY: false, ...overrides };
  const code = await main(argv, ctx);
  return { code, out, err };
}
