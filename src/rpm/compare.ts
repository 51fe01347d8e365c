/**
 * Compare two builds of the same package for `--verify-reproducible`: the main-header tags that
 * must match (everything except signatures, which a fresh build does not have), file by file
 * (digest, mode, size, mtime, owner, link target), and the payload digest. Every difference is
 * reported, not only the first.
 */
import { Tag, fileList, type RpmPackage, type RpmValue } from './rpm-header.js';

export interface RpmDifference {
  readonly rpm: string;
  readonly what: string;
  readonly first: string;
  readonly second: string;
}

/** Tags a second build may legitimately differ in (none of them describe the content). */
const IGNORED = new Set<number>([Tag.HEADERSIGNATURES, Tag.HEADERIMMUTABLE]);

const TAG_NAMES = new Map<number, string>(Object.entries(Tag).map(([k, v]) => [v, k]));

function show(v: RpmValue | undefined): string {
  if (v === undefined) return '(absent)';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex').slice(0, 64);
  if (typeof v === 'string') return v.length > 120 ? v.slice(0, 117) + '...' : v;
  const s = v.map(String).join(', ');
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

function same(a: RpmValue | undefined, b: RpmValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const FILE_TAGS: [string, number][] = [
  ['digest', Tag.FILEDIGESTS],
  ['mode', Tag.FILEMODES],
  ['size', Tag.FILESIZES],
  ['mtime', Tag.FILEMTIMES],
  ['user', Tag.FILEUSERNAME],
  ['group', Tag.FILEGROUPNAME],
  ['link target', Tag.FILELINKTOS],
  ['flags', Tag.FILEFLAGS],
];

export function compareRpmPackages(name: string, a: RpmPackage, b: RpmPackage): RpmDifference[] {
  const out: RpmDifference[] = [];
  const fa = fileList(a.header);
  const fb = fileList(b.header);
  const ia = new Map(fa.map((f, i) => [f, i]));
  const ib = new Map(fb.map((f, i) => [f, i]));
  for (const f of fa) if (!ib.has(f)) out.push({ rpm: name, what: `file ${f}`, first: 'present', second: 'absent' });
  for (const f of fb) if (!ia.has(f)) out.push({ rpm: name, what: `file ${f}`, first: 'absent', second: 'present' });
  for (const [f, i] of ia) {
    const j = ib.get(f);
    if (j === undefined) continue;
    for (const [label, tag] of FILE_TAGS) {
      const va = a.header.get(tag);
      const vb = b.header.get(tag);
      const x = Array.isArray(va) ? va[i] : undefined;
      const y = Array.isArray(vb) ? vb[j] : undefined;
      if (String(x) !== String(y)) out.push({ rpm: name, what: `file ${f}: ${label}`, first: label === 'mode' ? Number(x).toString(8) : String(x), second: label === 'mode' ? Number(y).toString(8) : String(y) });
    }
  }
  const fileTags = new Set<number>([...FILE_TAGS.map(([, t]) => t), Tag.BASENAMES, Tag.DIRNAMES, Tag.DIRINDEXES, Tag.FILEINODES]);
  const tags = new Set([...a.header.entries.map((e) => e.tag), ...b.header.entries.map((e) => e.tag)]);
  for (const t of [...tags].sort((x, y) => x - y)) {
    if (IGNORED.has(t) || fileTags.has(t)) continue;
    const va = a.header.get(t);
    const vb = b.header.get(t);
    if (!same(va, vb)) out.push({ rpm: name, what: `header tag ${TAG_NAMES.get(t) ?? t}`, first: show(va), second: show(vb) });
  }
  const pa = a.bytes.subarray(a.payloadOffset);
  const pb = b.bytes.subarray(b.payloadOffset);
  if (!Buffer.from(pa).equals(Buffer.from(pb)) && !out.some((d) => d.what.includes('PAYLOADDIGEST'))) {
    out.push({ rpm: name, what: 'compressed payload bytes', first: `${pa.length} bytes`, second: `${pb.length} bytes` });
  }
  return out;
}
