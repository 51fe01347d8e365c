/**
 * Package URLs for RPMs (purl-spec `rpm` type): `pkg:rpm/<vendor>/<name>@<version>-<release>?…`
 * with the vendor (namespace) lower-cased, the qualifiers sorted (`arch`, `distro`, `epoch`), and
 * the name and version percent-encoded as the spec requires.
 */
export interface RpmPurlInput {
  readonly vendor: string;
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  readonly distro?: string;
}

const enc = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%2B/gi, '%2B');

export function rpmPurl(p: RpmPurlInput): string {
  const q: [string, string][] = [['arch', p.arch]];
  if (p.distro) q.push(['distro', p.distro]);
  if (p.epoch !== undefined && p.epoch !== 0) q.push(['epoch', String(p.epoch)]);
  q.sort((a, b) => a[0].localeCompare(b[0]));
  return `pkg:rpm/${enc(p.vendor.toLowerCase())}/${enc(p.name)}@${enc(`${p.version}-${p.release}`)}?${q.map(([k, v]) => `${k}=${enc(v)}`).join('&')}`;
}
