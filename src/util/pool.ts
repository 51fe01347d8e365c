/**
 * Bounded parallelism: run `fn` over `items` with at most `jobs` in flight, results in input
 * order. Failures that are StrataErrors are collected (all items still run) and thrown together;
 * anything else (a bug) propagates at once.
 */
import { isStrataError, StrataError, type Diagnostic } from '../diag/index.js';

export async function mapPool<T, R>(items: readonly T[], jobs: number, fn: (item: T, index: number) => Promise<R>, onError?: (item: T, e: StrataError) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const diags: Diagnostic[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        if (!isStrataError(e)) throw e;
        diags.push(...e.diagnostics);
        onError?.(items[i]!, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, jobs), items.length) }, worker));
  if (diags.length) throw new StrataError(diags);
  return results;
}
