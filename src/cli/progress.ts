import type { EventSink, StrataEvent } from '../adapters/types.js';
import type { CliContext, GlobalOptions } from './context.js';

/**
 * Turns domain events into output: a one-line progress display on a TTY (stderr), nothing in
 * `-o json` mode or when quiet, JSON lines on stderr when STRATA_EVENTS=json.
 */
export function makeSink(ctx: CliContext, g: GlobalOptions): EventSink {
  if (ctx.env.STRATA_EVENTS === 'json') return (e) => ctx.err(JSON.stringify(e) + '\n');
  if (g.quiet || g.output === 'json') return () => {};
  if (!ctx.isTTY) {
    return (e: StrataEvent) => {
      if (e.kind === 'log' && (e.level !== 'debug' || g.verbose)) ctx.err(`${e.level}: ${e.message}\n`);
      if (e.kind === 'item' && e.status === 'failed') ctx.err(`failed: ${e.item}${e.detail ? ': ' + e.detail : ''}\n`);
    };
  }
  let last = 0;
  let shown = false;
  const clear = () => {
    if (shown) ctx.err('\r\u001b[2K');
    shown = false;
  };
  return (e: StrataEvent) => {
    switch (e.kind) {
      case 'progress': {
        const now = Date.now();
        if (now - last < 80 && e.done !== e.total) return;
        last = now;
        const total = e.total ? `/${e.total}` : '';
        ctx.err(`\r\u001b[2K${e.task} ${e.done}${total}${e.item ? ' ' + e.item : ''}`);
        shown = true;
        return;
      }
      case 'item':
        if (e.status === 'failed') {
          clear();
          ctx.err(`failed: ${e.item}${e.detail ? ': ' + e.detail : ''}\n`);
        }
        return;
      case 'log':
        if (e.level === 'debug' && !g.verbose) return;
        clear();
        ctx.err(`${e.level}: ${e.message}\n`);
        return;
      case 'end':
        clear();
        return;
      default:
        return;
    }
  };
}
