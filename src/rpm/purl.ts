/**
 * Package URLs (purl-spec) for RPMs and upstream files, in canonical form: lower-case type,
 * qualifier keys lower-case and sorted, values percent-encoded as packageurl-js encodes them (so a
 * `download_url` is written `https%3A%2F%2F…`; Red Hat writes it raw, and parsers decode both).
 *
 * RPM (`pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&distro=…&epoch=…`): the vendor is the
 * namespace, lower-cased; the name keeps its case; `epoch` is written when the package has one
 * other than 0 (rpm treats a missing epoch as 0, and the purl-spec test vectors write it only when
 * it is set). Checked against the purl-spec rpm test vectors and packageurl-js in `purl.test.ts`.
 */

export interface RpmPurlParts {
  readonly vendor: string;
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  /** `<distro id>-<version>`, e.g. `fedora-43`; omitted when empty. */
  readonly distro?: string;
}

// Percent-encoding as packageurl-js (the reference implementation) writes it: names with
// encodeURIComponent, versions the same but keeping `:` and `+`, qualifier values in the
// application/x-www-form-urlencoded set with a space as %20.
const encodeName = (s: string): string => encodeURIComponent(s);
const encodeVersion = (s: string): string => encodeURIComponent(s).replace(/%3A/g, ':').replace(/%2B/g, '+');
const encodeQualifierValue = (s: string): string => new URLSearchParams([['v', s]]).toString().slice(2).replace(/\+/g, '%20');

/** `?k=v&…` with keys lower-cased and sorted; empty values are dropped (purl-spec). */
function qualifierString(q: Readonly<Record<string, string | undefined>>): string {
  const entries = Object.entries(q)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '' : '?' + entries.map(([k, v]) => `${k}=${encodeQualifierValue(v)}`).join('&');
}

/** The canonical purl of an RPM. */
export function rpmPurl(p: RpmPurlParts): string {
  const q: Record<string, string | undefined> = { arch: p.arch, distro: p.distro };
  if (p.epoch !== undefined && p.epoch !== 0) q['epoch'] = String(p.epoch);
  return `pkg:rpm/${encodeName(p.vendor.toLowerCase())}/${encodeName(p.name)}@${encodeVersion(`${p.version}-${p.release}`)}${qualifierString(q)}`;
}

export interface GenericPurlParts {
  readonly name: string;
  readonly version?: string;
  readonly downloadUrl?: string;
  /** Lower-case hex SHA-256 of the file (`checksum=sha256:<hex>`). */
  readonly sha256?: string;
}

/** `pkg:generic/<name>@<version>?checksum=sha256:…&download_url=…` (Red Hat's form for upstream tarballs). */
export function genericPurl(p: GenericPurlParts): string {
  const version = p.version === undefined ? '' : `@${encodeVersion(p.version)}`;
  return `pkg:generic/${encodeName(p.name)}${version}${qualifierString({ download_url: p.downloadUrl, checksum: p.sha256 === undefined ? undefined : `sha256:${p.sha256}` })}`;
}

/**
 * Name and version of an upstream release file (`openssl-3.5.1.tar.gz` → `openssl`, `3.5.1`): the
 * last `-` followed by a digit splits them, the archive extension is dropped. Undefined version
 * when the name has none.
 */
export function splitReleaseFileName(file: string): { name: string; version?: string } {
  const stem = file.replace(/\.(tar\.[a-z0-9]+|tgz|tbz2|txz|zip|gem|crate|jar|whl)$/i, '');
  const m = /^(.+?)-(\d[^-]*)$/.exec(stem);
  return m ? { name: m[1]!, version: m[2]! } : { name: stem };
}
