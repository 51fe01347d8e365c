/**
 * Reading rpm-md repository metadata (repomd.xml and primary.xml) as createrepo_c writes it.
 * A small purpose-built reader: these documents have a fixed, flat shape; values are kept as
 * strings (no number coercion: `1.10` stays `1.10`).
 */
import { gunzipSync } from 'node:zlib';

export interface RepomdData {
  readonly type: string;
  readonly location: string;
  readonly checksumType: string;
  readonly checksum: string;
  readonly size?: number;
  readonly openChecksum?: string;
}

export interface Repomd {
  readonly revision?: string;
  readonly data: readonly RepomdData[];
}

export interface PrimaryPackage {
  readonly name: string;
  readonly arch: string;
  readonly epoch: string;
  readonly version: string;
  readonly release: string;
  readonly checksumType: string;
  readonly pkgid: string;
  readonly location: string;
  readonly packageSize?: number;
  readonly headerStart?: number;
  readonly headerEnd?: number;
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]!] = unescape(m[3] ?? m[4] ?? '');
  return out;
}

function element(xml: string, name: string): { attrs: Record<string, string>; text: string } | undefined {
  const re = new RegExp(`<${name.replace(/[:.]/g, '\\$&')}(\\s[^>]*?)?(/>|>([\\s\\S]*?)</${name.replace(/[:.]/g, '\\$&')}>)`);
  const m = re.exec(xml);
  if (!m) return undefined;
  return { attrs: attrs(m[1] ?? ''), text: unescape(m[3] ?? '') };
}

export function parseRepomd(xml: string): Repomd {
  const revision = element(xml, 'revision')?.text.trim();
  const data: RepomdData[] = [];
  for (const m of xml.matchAll(/<data\s([^>]*)>([\s\S]*?)<\/data>/g)) {
    const body = m[2]!;
    const checksum = element(body, 'checksum');
    const location = element(body, 'location');
    const size = element(body, 'size')?.text.trim();
    const open = element(body, 'open-checksum');
    data.push({
      type: attrs(m[1]!).type ?? '',
      location: location?.attrs.href ?? '',
      checksumType: checksum?.attrs.type ?? '',
      checksum: checksum?.text.trim() ?? '',
      ...(size ? { size: Number(size) } : {}),
      ...(open ? { openChecksum: open.text.trim() } : {}),
    });
  }
  return { ...(revision ? { revision } : {}), data };
}

export function parsePrimary(xml: string): PrimaryPackage[] {
  const out: PrimaryPackage[] = [];
  for (const m of xml.matchAll(/<package\s[^>]*type="rpm"[^>]*>([\s\S]*?)<\/package>/g)) {
    const body = m[1]!;
    const v = element(body, 'version')?.attrs ?? {};
    const ck = element(body, 'checksum');
    const size = element(body, 'size')?.attrs ?? {};
    const hr = element(body, 'rpm:header-range')?.attrs ?? {};
    out.push({
      name: element(body, 'name')?.text ?? '',
      arch: element(body, 'arch')?.text ?? '',
      epoch: v.epoch ?? '0',
      version: v.ver ?? '',
      release: v.rel ?? '',
      checksumType: ck?.attrs.type ?? '',
      pkgid: ck?.text.trim() ?? '',
      location: element(body, 'location')?.attrs.href ?? '',
      ...(size.package ? { packageSize: Number(size.package) } : {}),
      ...(hr.start ? { headerStart: Number(hr.start) } : {}),
      ...(hr.end ? { headerEnd: Number(hr.end) } : {}),
    });
  }
  return out;
}

/** Decompress a metadata file by its name (gzip in-process; others are refused here). */
export function decompressMetadata(name: string, data: Uint8Array): string | undefined {
  if (name.endsWith('.gz')) return gunzipSync(data).toString('utf8');
  if (name.endsWith('.xml')) return Buffer.from(data).toString('utf8');
  return undefined;
}
