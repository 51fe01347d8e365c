/** The canonical JSON text of `value`: sorted keys, no whitespace, undefined members left out (the form digests of records and overlays are taken over). Non-finite numbers are refused. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v: unknown = Reflect.get(value, key);
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

