import { main, realContext } from './main.js';

/** Entry used by bin/strata. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2), realContext());
  process.exitCode = code;
}
