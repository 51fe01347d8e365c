import { main, realContext } from './main.js';

/** Entry used by bin/strata. */
export async function run(): Promise<void> {
  // A reader that closes early (`strata … | head`) ends output quietly, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const code = await main(process.argv.slice(2), realContext());
  process.exitCode = code;
}
