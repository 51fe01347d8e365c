/**
 * Byte-faithful text handling for spec files.
 *
 * Strata parses specs as JavaScript strings in which every character is one byte of the file
 * ("latin1"/"binary" decoding: byte 0xNN becomes U+00NN). Offsets in the CST are therefore byte
 * offsets, every byte string round-trips (invalid UTF-8 included), and writing back with
 * `encodeSpecText` gives exactly the original bytes. Use `displayText` to turn a value taken from
 * the CST into a normal (UTF-8 decoded) string for humans or JSON.
 */

/** Decode file bytes for `parseSpec` so that every byte survives (one char per byte). */
export function decodeSpecBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Encode text produced by `printSpec`/`applySplices` back into the file's bytes. */
export function encodeSpecText(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * Convert a byte-string (as stored in the CST) to a readable string: UTF-8 decoded when it is valid
 * UTF-8, unchanged otherwise. Strings that already contain chars > 0xFF are returned unchanged.
 */
export function displayText(s: string): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return s;
    if (c > 0x7f) high = true;
  }
  if (!high) return s;
  const buf = Buffer.from(s, 'latin1');
  const out = buf.toString('utf8');
  return out.includes('\uFFFD') && !s.includes('\u00EF\u00BF\u00BD') ? s : out;
}

/**
 * Convert a normal (UTF-8) JS string, e.g. a value from a TOML overlay, into the byte-string form
 * the CST uses, so that it can be spliced into a text decoded with `decodeSpecBytes`.
 */
export function toSpecBytesString(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/** Offsets of the start of every line (0 first). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

/** 1-based line number of `offset`, by binary search over `lineStarts`. */
export function lineOfOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
