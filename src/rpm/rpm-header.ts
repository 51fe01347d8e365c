/**
 * Our own reader of RPM package files (v3/v4 format as written by rpm 4.x):
 *
 *   lead (96 bytes) | signature header (padded to 8 bytes) | main header | payload
 *
 * A header is `8e ad e8 01`, 4 reserved bytes, the entry count and the data size (big-endian),
 * then 16-byte index entries `{tag, type, offset, count}` and the data store. The reader is
 * driven by tags and keeps unknown ones, so newer rpm versions' extra tags do not break it.
 * Pure: it works on bytes; the caller reads the file.
 */
import { StrataError, error, type DiagnosticCode } from '../diag/index.js';

export const RPM_LEAD_SIZE = 96;
const LEAD_MAGIC = [0xed, 0xab, 0xee, 0xdb];
const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01];

export const enum RpmType {
  Null = 0,
  Char = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  String = 6,
  Bin = 7,
  StringArray = 8,
  I18nString = 9,
}

/** Tags of the signature header. */
export const SigTag = {
  SIZE: 1000,
  MD5: 1004,
  PGP: 1002,
  GPG: 1005,
  PAYLOADSIZE: 1007,
  DSAHEADER: 267,
  RSAHEADER: 268,
  SHA1HEADER: 269,
  LONGSIZE: 270,
  LONGARCHIVESIZE: 271,
  SHA256HEADER: 273,
} as const;

/** Tags of the main header (the subset Strata uses; every tag is still readable by number). */
export const Tag = {
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  DISTRIBUTION: 1010,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  ARCHIVESIZE: 1046,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  RPMVERSION: 1064,
  CHANGELOGTIME: 1080,
  CHANGELOGNAME: 1081,
  CHANGELOGTEXT: 1082,
  OBSOLETENAME: 1090,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  OPTFLAGS: 1122,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  PLATFORM: 1132,
  FILECOLORS: 1140,
  FILEDIGESTALGO: 5011,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
} as const;

export type RpmValue = string | string[] | number[] | bigint[] | Uint8Array;

export interface RpmEntry {
  readonly tag: number;
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

export interface RpmHeader {
  /** Byte offset of the header's magic in the file. */
  readonly start: number;
  /** Byte offset just past the header's data store. */
  readonly end: number;
  /** The exact header bytes (magic to end of data): what header digests and signatures cover. */
  readonly bytes: Uint8Array;
  readonly entries: readonly RpmEntry[];
  has(tag: number): boolean;
  get(tag: number): RpmValue | undefined;
  string(tag: number): string | undefined;
  strings(tag: number): string[];
  numbers(tag: number): number[];
  bin(tag: number): Uint8Array | undefined;
}

export interface RpmPackage {
  readonly lead: { readonly major: number; readonly minor: number; readonly type: 'binary' | 'source'; readonly name: string };
  readonly signature: RpmHeader;
  readonly header: RpmHeader;
  /** Offset of the compressed payload. */
  readonly payloadOffset: number;
  /** The whole file. */
  readonly bytes: Uint8Array;
}

function fail(file: string, message: string, code: DiagnosticCode = 'RPM_BAD_FORMAT'): never {
  throw new StrataError(error(code, `${file}: ${message}`, { span: { file, line: 1, col: 1 }, hint: 'the file is not a valid RPM package (truncated or corrupted?)' }));
}

function magicAt(b: Uint8Array, off: number, magic: readonly number[]): boolean {
  return magic.every((m, i) => b[off + i] === m);
}

function readHeaderAt(bytes: Uint8Array, start: number, file: string): RpmHeader {
  if (start + 16 > bytes.length) fail(file, `truncated header at offset ${start}`);
  if (!magicAt(bytes, start, HEADER_MAGIC)) fail(file, `no header magic at offset ${start}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nindex = dv.getUint32(start + 8);
  const hsize = dv.getUint32(start + 12);
  const indexStart = start + 16;
  const dataStart = indexStart + nindex * 16;
  const end = dataStart + hsize;
  if (nindex > 0x10000 || hsize > 0x10000000 || end > bytes.length) fail(file, `header at offset ${start} claims ${nindex} entries and ${hsize} data bytes beyond the end of the file`);
  const entries: RpmEntry[] = [];
  const byTag = new Map<number, RpmEntry>();
  for (let i = 0; i < nindex; i++) {
    const p = indexStart + i * 16;
    const e = { tag: dv.getUint32(p), type: dv.getUint32(p + 4), offset: dv.getInt32(p + 8), count: dv.getUint32(p + 12) };
    if (e.offset < 0 || e.offset > hsize) fail(file, `tag ${e.tag} points outside the header data`);
    entries.push(e);
    if (!byTag.has(e.tag)) byTag.set(e.tag, e);
  }
  const data = bytes.subarray(dataStart, end);
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const cache = new Map<number, RpmValue>();
  const cstr = (off: number): [string, number] => {
    let e = off;
    while (e < data.length && data[e] !== 0) e++;
    if (e >= data.length) fail(file, 'unterminated string in header');
    return [Buffer.from(data.subarray(off, e)).toString('utf8'), e + 1];
  };
  const decode = (e: RpmEntry): RpmValue => {
    const need = (n: number) => {
      if (e.offset + n > data.length) fail(file, `tag ${e.tag} runs past the header data`);
    };
    switch (e.type) {
      case RpmType.String: {
        return cstr(e.offset)[0];
      }
      case RpmType.StringArray:
      case RpmType.I18nString: {
        const out: string[] = [];
        let off = e.offset;
        for (let i = 0; i < e.count; i++) {
          const [s, next] = cstr(off);
          out.push(s);
          off = next;
        }
        return out;
      }
      case RpmType.Bin:
        need(e.count);
        return data.subarray(e.offset, e.offset + e.count);
      case RpmType.Char:
      case RpmType.Int8: {
        need(e.count);
        return Array.from(data.subarray(e.offset, e.offset + e.count));
      }
      case RpmType.Int16: {
        need(e.count * 2);
        return Array.from({ length: e.count }, (_, i) => ddv.getUint16(e.offset + i * 2));
      }
      case RpmType.Int32: {
        need(e.count * 4);
        return Array.from({ length: e.count }, (_, i) => ddv.getUint32(e.offset + i * 4));
      }
      case RpmType.Int64: {
        need(e.count * 8);
        return Array.from({ length: e.count }, (_, i) => ddv.getBigUint64(e.offset + i * 8));
      }
      default:
        return new Uint8Array();
    }
  };
  const get = (tag: number): RpmValue | undefined => {
    const e = byTag.get(tag);
    if (!e) return undefined;
    let v = cache.get(tag);
    if (v === undefined) {
      v = decode(e);
      cache.set(tag, v);
    }
    return v;
  };
  return {
    start,
    end,
    bytes: bytes.subarray(start, end),
    entries,
    has: (tag) => byTag.has(tag),
    get,
    string(tag) {
      const v = get(tag);
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
      return undefined;
    },
    strings(tag) {
      const v = get(tag);
      if (typeof v === 'string') return [v];
      if (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'string')) return v as string[];
      return [];
    },
    numbers(tag) {
      const v = get(tag);
      if (Array.isArray(v)) return v.map((x) => Number(x));
      return [];
    },
    bin(tag) {
      const v = get(tag);
      return v instanceof Uint8Array ? v : undefined;
    },
  };
}

/** Parse an RPM package file's lead, signature header and main header. */
export function parseRpm(bytes: Uint8Array, file = '<rpm>'): RpmPackage {
  if (bytes.length < RPM_LEAD_SIZE + 16) fail(file, `only ${bytes.length} bytes`);
  if (!magicAt(bytes, 0, LEAD_MAGIC)) fail(file, 'no RPM lead magic (ed ab ee db)');
  const major = bytes[4]!;
  const minor = bytes[5]!;
  const type = (bytes[6]! << 8) | bytes[7]!;
  const nameBytes = bytes.subarray(10, 76);
  const nul = nameBytes.indexOf(0);
  const name = Buffer.from(nameBytes.subarray(0, nul < 0 ? nameBytes.length : nul)).toString('latin1');
  const signature = readHeaderAt(bytes, RPM_LEAD_SIZE, file);
  const hdrStart = signature.end + ((8 - (signature.end % 8)) % 8);
  const header = readHeaderAt(bytes, hdrStart, file);
  return { lead: { major, minor, type: type === 1 ? 'source' : 'binary', name }, signature, header, payloadOffset: header.end, bytes };
}

/** Parse only as much as is needed for the headers (the caller may pass the first N bytes). */
export function parseRpmHeaders(bytes: Uint8Array, file = '<rpm>'): RpmPackage {
  return parseRpm(bytes, file);
}

// ---- dependency sets ----------------------------------------------------------------------

export const RPMSENSE_LESS = 0x02;
export const RPMSENSE_GREATER = 0x04;
export const RPMSENSE_EQUAL = 0x08;

export interface RpmDep {
  readonly name: string;
  /** '' when unversioned; otherwise one of < <= = >= > */
  readonly op: '' | '<' | '<=' | '=' | '>=' | '>';
  readonly version: string;
}

export function senseToOp(flags: number): RpmDep['op'] {
  const l = (flags & RPMSENSE_LESS) !== 0;
  const g = (flags & RPMSENSE_GREATER) !== 0;
  const e = (flags & RPMSENSE_EQUAL) !== 0;
  if (l && e) return '<=';
  if (g && e) return '>=';
  if (l) return '<';
  if (g) return '>';
  if (e) return '=';
  return '';
}

function depsOf(h: RpmHeader, nameTag: number, flagTag: number, verTag: number): RpmDep[] {
  const names = h.strings(nameTag);
  const flags = h.numbers(flagTag);
  const vers = h.strings(verTag);
  return names.map((name, i) => {
    const version = vers[i] ?? '';
    const op = version ? senseToOp(flags[i] ?? 0) : '';
    return { name, op, version: op ? version : '' };
  });
}

/** A summary of one package, as build and repo code use it. */
export interface RpmInfo {
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  readonly isSource: boolean;
  readonly sourceRpm?: string;
  readonly buildTime?: number;
  readonly provides: readonly RpmDep[];
  readonly requires: readonly RpmDep[];
  readonly files: readonly string[];
}

export function fileList(h: RpmHeader): string[] {
  const base = h.strings(Tag.BASENAMES);
  const dirs = h.strings(Tag.DIRNAMES);
  const idx = h.numbers(Tag.DIRINDEXES);
  return base.map((b, i) => (dirs[idx[i] ?? 0] ?? '') + b);
}

export function rpmInfo(pkg: RpmPackage): RpmInfo {
  const h = pkg.header;
  const epoch = h.numbers(Tag.EPOCH)[0];
  const sourceRpm = h.string(Tag.SOURCERPM);
  const buildTime = h.numbers(Tag.BUILDTIME)[0];
  const isSource = !h.has(Tag.SOURCERPM);
  return {
    name: h.string(Tag.NAME) ?? '',
    ...(epoch !== undefined ? { epoch } : {}),
    version: h.string(Tag.VERSION) ?? '',
    release: h.string(Tag.RELEASE) ?? '',
    arch: isSource ? 'src' : (h.string(Tag.ARCH) ?? ''),
    isSource,
    ...(sourceRpm ? { sourceRpm } : {}),
    ...(buildTime !== undefined ? { buildTime } : {}),
    provides: depsOf(h, Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION),
    requires: depsOf(h, Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION),
    files: fileList(h),
  };
}

/** The payload compressor named in the header (rpm's default when absent is gzip). */
export function payloadCompressor(pkg: RpmPackage): string {
  return pkg.header.string(Tag.PAYLOADCOMPRESSOR) ?? 'gzip';
}
