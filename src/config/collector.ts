/**
 * The diagnostics of one project load: every step adds to it, a repeated diagnostic (same code,
 * position and message) is kept once, and the load fails at the end when any is an error.
 */
import type { Diagnostic, SourceSpan } from '../diag/index.js';
import type { ReadSink } from './toml-read.js';

export class Collector implements ReadSink {
  readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  add(d: Diagnostic): void {
    const key = `${d.code}|${d.span?.file}:${d.span?.line}:${d.span?.col}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(d);
  }
}

/** Give diagnostics found after parsing (resolution, cross-checks) the include chain of their file. */
export function withIncludeChains(ds: readonly Diagnostic[], chains: ReadonlyMap<string, readonly SourceSpan[]>): Diagnostic[] {
  return ds.map((d) => {
    if (d.includeChain || !d.span) return d;
    const chain = chains.get(d.span.file);
    return chain && chain.length ? { ...d, includeChain: chain } : d;
  });
}
