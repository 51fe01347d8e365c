/**
 * The build record: every fact about one component build on one architecture, collected while
 * preparing sources (`PreparedInputs`, written beside the prepared sources) and building (the
 * rest), stored with the build state. Every piece of evidence Strata publishes (SPDX 2.3, SPDX
 * 3.0.1, CycloneDX, the SLSA provenance in its DSSE envelope) is derived from this record and
 * nothing else; `strata verify` checks a package against it.
 *
 * Digests are lower-case hex. Paths are relative to the project directory unless said otherwise.
 * The record holds no times but SOURCE_DATE_EPOCH, so that two builds of the same inputs give
 * byte-identical evidence.
 */

export const BUILD_RECORD_VERSION = 1 as const;

/** Where a declaration is, for the reader: a project-relative file and a 1-based line. */
export interface RecordSpan {
  readonly file: string;
  readonly line: number;
}

/** One overlay applied by render (declared in TOML; overlays render synthesises are listed too, with `synthetic`). */
export interface OverlayRecord {
  /** Its type (`spec-add-tag`, `file-add`, …). */
  readonly type: string;
  /** Where it is declared; absent for a synthesised overlay. */
  readonly at?: RecordSpan;
  readonly description?: string;
  /** What a synthesised overlay is for (header, macros load, check skip). */
  readonly synthetic?: string;
  /** From the overlay metadata: `category` (e.g. `security`, `build-fix`) and `upstream-status`. */
  readonly category?: string;
  readonly upstreamStatus?: string;
  /** Commit and bug URLs from the overlay metadata (CVE ids are read from these and the description). */
  readonly references?: readonly string[];
  /**
   * SHA-256 of its canonical form: the JSON of its type and fields (sorted keys, no positions),
   * followed by the bytes of any project file it adds. Editing the overlay changes it.
   */
  readonly digest: string;
}

/** Where a Source or Patch file of the rendered spec came from. */
export type SourceOrigin =
  /** Fetched from the distro's lookaside cache (Fedora layout). */
  | { readonly kind: 'lookaside'; readonly url: string }
  /** A `source-files` download origin. */
  | { readonly kind: 'download'; readonly url: string }
  /** A file of the upstream dist-git repository at the recorded commit. */
  | { readonly kind: 'dist-git'; readonly path: string }
  /** A project file added by an overlay (`file-add` …), with the overlay's declaration. */
  | { readonly kind: 'project'; readonly path: string; readonly addedBy?: RecordSpan }
  /** A file the render wrote itself (the macros file). */
  | { readonly kind: 'generated' };

export interface SourceRecord {
  /** The file name in SOURCES. */
  readonly name: string;
  /** The spec tag naming it (`Source0`, `Patch3`), when the spec names it. */
  readonly tag?: string;
  readonly kind: 'source' | 'patch';
  readonly origin: SourceOrigin;
  /** For a patch: Fedora's (in the upstream dist-git at the commit) or the distro's (added by an overlay). */
  readonly patchFrom?: 'fedora' | 'distro';
  readonly sha256: string;
  readonly sha512: string;
  readonly size: number;
}

/** An upstream signature check performed (`%gpgverify`). */
export interface SignatureCheckRecord {
  /** The file checked and its signature file. */
  readonly file: string;
  readonly signature: string;
  /** Fingerprints of the keys that verified it (upper-case hex). */
  readonly keyFingerprints: readonly string[];
}

/** The inputs preparing sources established, written as `.strata/inputs.json` in a prepared component directory. */
export interface PreparedInputs {
  readonly version: typeof BUILD_RECORD_VERSION;
  readonly component: string;
  /** The upstream dist-git repository, absent for a local spec. */
  readonly upstream?: { readonly url: string; readonly branch?: string; readonly commit: string };
  /** SHA-256 of the component's lock entry, when the project has a lock file. */
  readonly lockFingerprint?: string;
  /** The project's git commit, and whether its tree had changes (or `commit` absent: not a git tree). */
  readonly project: { readonly commit?: string; readonly dirty: boolean };
  readonly overlays: readonly OverlayRecord[];
  /** The rendered spec (file name in the prepared directory) and its SHA-256. */
  readonly spec: { readonly name: string; readonly sha256: string };
  /** The macros file render wrote, when there is one. */
  readonly macrosFile?: { readonly name: string; readonly sha256: string };
  readonly sources: readonly SourceRecord[];
  readonly signatures: readonly SignatureCheckRecord[];
}

/** A package in the record: an input of the buildroot or an output. */
export interface PackageRecord {
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  /** `name-[epoch:]version-release.arch`. */
  readonly nevra: string;
  /** The file name, for outputs and local buildroot packages. */
  readonly file?: string;
  /** SHA-256 of the file as built (re-signing changes it). */
  readonly sha256?: string;
  /** The header digests: unchanged by `rpmsign --addsign`. */
  readonly sha256header?: string;
  readonly sigmd5?: string;
  /** Key id of the signature on it, when signed. */
  readonly signer?: string;
  /** `pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&epoch=…&distro=…`. */
  readonly purl?: string;
}

/** A build requirement satisfied by the host (rpmbuild backend) rather than by a built package. */
export interface HostToolRecord {
  /** The BuildRequires as the spec writes it. */
  readonly requires: string;
  /** What the host reports: the command's path and the package that owns it, with its version, when known. */
  readonly path?: string;
  readonly package?: string;
  readonly version?: string;
}

export interface BuildRecord extends Omit<PreparedInputs, 'version'> {
  readonly version: typeof BUILD_RECORD_VERSION;
  readonly arch: string;
  /** Vendor and distro id of the purls (`pkg:rpm/<vendor>/…?distro=<distro>`). */
  readonly vendor: string;
  readonly distro: string;
  readonly build: {
    /** The flag macros as rpm evaluated them for this build (`optflags`, `build_cflags`, … `_smp_build_ncpus`). */
    readonly flags: Readonly<Record<string, string>>;
    /** The `--define`s given to rpmbuild (project, component and reproducibility macros). */
    readonly defines: Readonly<Record<string, string>>;
    readonly with: readonly string[];
    readonly without: readonly string[];
    readonly sourceDateEpoch: number;
    /** The fixed build path (SOURCES, BUILD, BUILDROOT, sysroot): debug info and macros record it, so a replay uses the same. */
    readonly buildPath?: string;
    readonly backend: { readonly name: 'rpmbuild' | 'mock'; readonly version: string };
    readonly rpmVersion: string;
    /** `PRETTY_NAME` of the host's os-release. */
    readonly hostOs: string;
    /** Built packages unpacked into the buildroot (sysroot or mock chroot) for BuildRequires. */
    readonly buildroot: readonly PackageRecord[];
    readonly hostTools: readonly HostToolRecord[];
  };
  readonly outputs: { readonly srpm: PackageRecord; readonly rpms: readonly PackageRecord[] };
}
