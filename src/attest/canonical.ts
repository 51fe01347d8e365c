/**
 * Canonical JSON and the record digest every evidence document derives its identifiers from.
 *
 * `canonicalJson` writes a value with object keys sorted (by UTF-16 code unit, as
 * `Array.prototype.sort` does), no whitespace and `undefined` members left out — the same value
 * always gives the same bytes. `recordDigest` is the SHA-256 of the canonical JSON of a build
 * record: two records with the same facts have the same digest, and any changed fact (a flag, a
 * source digest, an overlay) changes it.
 */
import { createHash } from 'node:crypto';
import type { BuildRecord } from '../build/build-record.js';
import { canonicalJson } from '../util/canonical-json.js';

/** Lower-case hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of the record. */
export function recordDigest(record: BuildRecord): string {
  return sha256Hex(canonicalJson(record));
}

/** The RFC 4122 URL namespace (6ba7b811-…), the namespace of our name-based UUIDs. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A name-based UUID v5 (SHA-1 of the URL namespace and `name`), as `xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx`. */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** `YYYY-MM-DDThh:mm:ssZ` (no fractional seconds) of a Unix time in seconds. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
