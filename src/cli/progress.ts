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
  // Tasks that report only per-item results (update, prepare-sources) still get a progress line:
  // counted from their items, until the task sends progress events of its own.
  const counted = new Map<string, { done: number; total?: number }>();
  const reportsProgress = new Set<string>();
  return (e: StrataEvent) => {
    if (e.kind === 'start') counted.set(e.task, { done: 0, ...(e.total !== undefined ? { total: e.total } : {}) });
    if (e.kind === 'progress') reportsProgress.add(e.task);
    if (e.kind === 'item' && !reportsProgress.has(e.task)) {
      const c = counted.get(e.task);
      if (c) {
        c.done++;
        const now = Date.now();
        if (e.status !== 'failed' && (now - last >= 80 || c.done === c.total)) {
          last = now;
          ctx.err(`\r\u001b[2K${e.task} ${c.done}${c.total !== undefined ? `/${c.total}` : ''} ${e.item}`);
          shown = true;
        }
      }
    }
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
