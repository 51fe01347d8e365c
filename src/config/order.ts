/** Deterministic orders of the resolved model: names sort by code point. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byKey<T>(a: readonly [string, T], b: readonly [string, T]): number {
  return compareStrings(a[0], b[0]);
}

export function sortObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(byKey));
}

