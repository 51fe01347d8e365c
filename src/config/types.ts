/**
 * The resolved project model: what `loadProject()` returns after includes, merging, inheritance and
 * validation. Every path is absolute. Every value that came from a file remembers where
 * (`definedAt`, `origin(field)`).
 */
import type { SourceSpan } from '../diag/index.js';

// ---------------------------------------------------------------------------------------------
// Overlays
// ---------------------------------------------------------------------------------------------

export const OVERLAY_TYPES = [
  'spec-add-tag',
  'spec-insert-tag',
  'spec-set-tag',
  'spec-update-tag',
  'spec-remove-tag',
  'spec-prepend-lines',
  'spec-append-lines',
  'spec-search-replace',
  'spec-remove-section',
  'spec-remove-subpackage',
  'patch-add',
  'patch-remove',
  'file-prepend-lines',
  'file-search-replace',
  'file-add',
  'file-remove',
  'file-rename',
] as const;

export type OverlayType = (typeof OVERLAY_TYPES)[number];

export const OVERLAY_CATEGORIES = [
  'upstream-backport',
  'azl-pruning',
  'azl-compatibility',
  'azl-temp-workaround',
  'azl-branding-policy',
  'azl-disable-flaky-tests',
  'azl-disable-unsupported-tests',
  'azl-security-compliance',
  'azl-release-management',
  'azl-platform-adaptation',
] as const;
export type OverlayCategory = (typeof OVERLAY_CATEGORIES)[number];

export const UPSTREAM_STATUSES = ['upstreamed', 'upstreamable', 'needs-upstream-hook', 'inapplicable', 'unknown'] as const;
export type UpstreamStatus = (typeof UPSTREAM_STATUSES)[number];

/** Documentation attached to overlays (per overlay file, or inline); never a build input. */
export interface OverlayMetadata {
  readonly category: OverlayCategory;
  readonly upstreamStatus: UpstreamStatus;
  readonly commits: readonly { readonly url: string }[];
  readonly bugs: readonly { readonly url: string }[];
  readonly definedAt: SourceSpan;
}

/** Fields every overlay carries, declared in TOML or synthesized by the render pipeline. */
export interface OverlayCommon {
  readonly description?: string;
  /** Where the overlay was declared (its TOML table), or the setting a synthesized overlay comes from. */
  readonly definedAt?: SourceSpan;
  /** Set on overlays the render pipeline synthesizes (header, macros load, check skip): what it is for. */
  readonly synthetic?: string;
}

/** What a declared (TOML) overlay carries besides its fields. */
export interface OverlayDeclaration {
  /** Where the overlay table starts (`[[…overlays]]` header or the inline table). */
  readonly definedAt: SourceSpan;
  /** The TOML file that declared it (a `*.comp.toml`, a group/default file, or an overlay file). */
  readonly declaredIn: string;
  /** Directory of `declaredIn`; `source` paths are relative to it. */
  readonly declaredDir: string;
  /** Set when the overlay came from an `overlay-files` document (doc: overlay-files). */
  readonly overlayFile?: string;
  readonly metadata?: OverlayMetadata;
  /** Position of each field's value, by TOML key (`regex`, `lines`, …). */
  readonly fieldSpans: Readonly<Record<string, SourceSpan>>;
}

type SpecTagType = 'spec-add-tag' | 'spec-insert-tag' | 'spec-set-tag' | 'spec-update-tag';
/** Tag overlays: `package` selects a sub-package (`""`/absent = main package). One member per type. */
export type SpecTagOverlay = {
  readonly [T in SpecTagType]: OverlayCommon & {
    readonly type: T;
    readonly tag: string;
    readonly value: string;
    readonly package?: string;
  };
}[SpecTagType];
export interface SpecRemoveTagOverlay extends OverlayCommon {
  readonly type: 'spec-remove-tag';
  readonly tag: string;
  /** When set, only tags whose value equals this (case-insensitively) are removed. */
  readonly value?: string;
  readonly package?: string;
}
type SpecLinesType = 'spec-prepend-lines' | 'spec-append-lines';
/** Lines added at the top/bottom of the spec, or of a section when `section` is set. One member per type. */
export type SpecLinesOverlay = {
  readonly [T in SpecLinesType]: OverlayCommon & {
    readonly type: T;
    readonly lines: readonly string[];
    readonly section?: string;
    readonly package?: string;
  };
}[SpecLinesType];
export interface SpecSearchReplaceOverlay extends OverlayCommon {
  readonly type: 'spec-search-replace';
  /** An RE2 pattern (validated at load). */
  readonly regex: string;
  readonly replacement: string;
  readonly section?: string;
  readonly package?: string;
}
export interface SpecRemoveSectionOverlay extends OverlayCommon {
  readonly type: 'spec-remove-section';
  readonly section: string;
  readonly package?: string;
}
export interface SpecRemoveSubpackageOverlay extends OverlayCommon {
  readonly type: 'spec-remove-subpackage';
  readonly package: string;
}
export interface PatchAddOverlay extends OverlayCommon {
  readonly type: 'patch-add';
  /** Absolute path of the patch to add (resolved against `declaredDir`). */
  readonly source: string;
  /** Destination file name in the sources; defaults to the basename of `source`. */
  readonly file: string;
}
export interface PatchRemoveOverlay extends OverlayCommon {
  readonly type: 'patch-remove';
  /** A glob over patch names. */
  readonly file: string;
}
export interface FilePrependLinesOverlay extends OverlayCommon {
  readonly type: 'file-prepend-lines';
  readonly file: string;
  readonly lines: readonly string[];
}
export interface FileSearchReplaceOverlay extends OverlayCommon {
  readonly type: 'file-search-replace';
  readonly file: string;
  readonly regex: string;
  readonly replacement: string;
  /** When set, the edit happens inside this archive (a source tarball). */
  readonly archive?: string;
}
export interface FileAddOverlay extends OverlayCommon {
  readonly type: 'file-add';
  readonly file: string;
  /** Absolute path (resolved against `declaredDir`). */
  readonly source: string;
}
export interface FileRemoveOverlay extends OverlayCommon {
  readonly type: 'file-remove';
  readonly file: string;
  readonly archive?: string;
}
export interface FileRenameOverlay extends OverlayCommon {
  readonly type: 'file-rename';
  readonly file: string;
  /** The new basename. */
  readonly replacement: string;
}

/**
 * Every azldev overlay type, discriminated on `type`: what the overlay engine applies, whether
 * declared in TOML or synthesized.
 */
export type AnyOverlay =
  | SpecTagOverlay
  | SpecRemoveTagOverlay
  | SpecLinesOverlay
  | SpecSearchReplaceOverlay
  | SpecRemoveSectionOverlay
  | SpecRemoveSubpackageOverlay
  | PatchAddOverlay
  | PatchRemoveOverlay
  | FilePrependLinesOverlay
  | FileSearchReplaceOverlay
  | FileAddOverlay
  | FileRemoveOverlay
  | FileRenameOverlay;

/** The overlay of one type. */
export type OverlayOf<K extends OverlayType> = Extract<AnyOverlay, { readonly type: K }>;

/** An overlay declared in TOML (what a resolved component holds): the union plus its declaration. */
export type Overlay = AnyOverlay & OverlayDeclaration;

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

export interface DistroRef {
  readonly name: string;
  readonly version: string;
  /** RFC 3339 snapshot time (dist-git commit cut-off), when set. */
  readonly snapshot?: string;
}

export interface UpstreamSpecSource {
  readonly type: 'upstream';
  /** Package name in the upstream dist-git (`upstream-name`, default: the component name). */
  readonly upstreamName: string;
  /** Pinned commit (7–40 hex), when set. */
  readonly upstreamCommit?: string;
  readonly upstreamDistro: DistroRef;
  /** `dist-git-base-uri` with `$pkg` expanded; undefined when the distro has none. */
  readonly distGitUri?: string;
  /** The version's `dist-git-branch`; undefined when the version has none. */
  readonly branch?: string;
  /** The distro's `lookaside-base-uri` template, unexpanded (`$pkg $filename $hashtype $hash`). */
  readonly lookasideBaseUri?: string;
  readonly releaseVer?: string;
}

export interface LocalSpecSource {
  readonly type: 'local';
  /** Absolute path of the .spec file. */
  readonly path: string;
  /** Directory holding the spec (and its sidecar files). */
  readonly dir: string;
}

export type SpecSource = UpstreamSpecSource | LocalSpecSource;

export type ReleaseCalculation = 'auto' | 'autorelease' | 'static' | 'manual';

export interface SourceFileOrigin {
  readonly type: 'download' | 'custom' | 'overlay';
  readonly uri?: string;
  readonly script?: string;
  readonly mockPackages?: readonly string[];
  readonly inputs?: readonly string[];
}

export interface SourceFileRef {
  readonly filename: string;
  readonly hash?: string;
  readonly hashType?: 'SHA256' | 'SHA512';
  readonly origin?: SourceFileOrigin;
  readonly replaceUpstream: boolean;
  readonly replaceReason?: string;
  readonly definedAt: SourceSpan;
}

export interface PublishChannels {
  readonly rpmChannel?: string;
  readonly srpmChannel?: string;
  readonly debuginfoChannel?: string;
}

export interface PackagePublish {
  readonly rpmChannel?: string;
  readonly debuginfoChannel?: string;
  /** Deprecated azldev key; same meaning as `rpmChannel`. */
  readonly channel?: string;
}

export interface PackageConfig {
  readonly publish: PackagePublish;
}

export interface ComponentBuild {
  readonly with: readonly string[];
  readonly without: readonly string[];
  readonly defines: Readonly<Record<string, string>>;
  readonly undefines: readonly string[];
  readonly emitUpstreamProvenance: boolean;
  readonly check: { readonly skip: boolean; readonly skipReason?: string };
  readonly failure: { readonly expected: boolean; readonly expectedReason?: string };
  readonly hints: { readonly expensive: boolean };
}

/** Where inheritance took a value from. */
export type LayerKind = 'distro-default' | 'project-default' | 'group' | 'group-spec' | 'component';

export interface ResolvedComponent {
  readonly name: string;
  /** The `[components.NAME]` header (or the group's `specs` glob for group-discovered specs). */
  readonly definedAt: SourceSpan;
  /** Absolute path of the file that defines the component. */
  readonly file: string;
  /** Groups the component belongs to, sorted by name (the order they were applied in). */
  readonly groups: readonly string[];
  readonly spec: SpecSource;
  /** Inline overlays in inheritance order, then overlay-file overlays (azldev's order). */
  readonly overlays: readonly Overlay[];
  /** The overlay-file documents that were loaded, in order. */
  readonly overlayFiles: readonly string[];
  readonly build: ComponentBuild;
  readonly release: { readonly calculation: ReleaseCalculation };
  readonly render: { readonly skipFileFilter: boolean };
  readonly sourceFiles: readonly SourceFileRef[];
  readonly publish: PublishChannels;
  readonly packages: Readonly<Record<string, PackageConfig>>;
  /**
   * Where the value of a field was defined, by its TOML path below the component (`build.check.skip`,
   * `spec.upstream-distro.version`, `build.defines.NAME`, `overlays`). Undefined for defaults.
   */
  origin(field: string): SourceSpan | undefined;
  /** All recorded origins, field path → span (sorted by field). */
  readonly origins: ReadonlyMap<string, SourceSpan>;
}

// ---------------------------------------------------------------------------------------------
// Project
// ---------------------------------------------------------------------------------------------

export interface ProjectInfo {
  readonly description?: string;
  readonly renderedSpecsDir: string;
  readonly lockDir: string;
  readonly outputDir: string;
  readonly workDir: string;
  readonly logDir: string;
  readonly defaultAuthorEmail?: string;
  /**
   * Where each `[project]` value was written, by TOML key (`output-dir`, `work-dir`,
   * `rendered-specs-dir`, `lock-dir`, `log-dir`, …). Absent for defaults.
   */
  readonly origins: ReadonlyMap<string, SourceSpan>;
}

export interface DistroVersion {
  readonly name: string;
  readonly description?: string;
  readonly releaseVer: string;
  readonly distGitBranch?: string;
  readonly mockConfig?: string;
  readonly mockConfigX86_64?: string;
  readonly mockConfigAarch64?: string;
  /** Repository inputs (`inputs.rpm-build`, `inputs.image-build`): `{repo}` or `{set}` references. */
  readonly inputs: Readonly<Record<string, readonly { readonly repo?: string; readonly set?: string }[]>>;
  readonly definedAt: SourceSpan;
}

export interface Distro {
  readonly name: string;
  readonly description?: string;
  readonly defaultVersion?: string;
  readonly distGitBaseUri?: string;
  readonly lookasideBaseUri?: string;
  readonly repos: readonly { readonly baseUri: string }[];
  readonly disableOrigins: boolean;
  readonly versions: ReadonlyMap<string, DistroVersion>;
  readonly definedAt: SourceSpan;
}

export interface ComponentGroup {
  readonly name: string;
  readonly description?: string;
  readonly members: readonly string[];
  readonly specs: readonly string[];
  readonly excludedPaths: readonly string[];
  readonly metadata?: OverlayMetadata;
  readonly definedAt: SourceSpan;
}

export interface PackageGroup {
  readonly name: string;
  readonly description?: string;
  readonly packages: readonly string[];
  readonly defaultPackageConfig: PackageConfig;
  readonly definedAt: SourceSpan;
}

export interface ImageConfig {
  readonly name: string;
  readonly description?: string;
  readonly definition?: { readonly type: string; readonly path?: string; readonly profile?: string };
  readonly capabilities: Readonly<Record<string, boolean>>;
  readonly testSuites: readonly string[];
  readonly publishChannels: readonly string[];
  /** Strata extension `[[images.NAME.layers]]`, lowest first; absent when the image declares none. */
  readonly layers?: readonly ImageLayerConfig[];
  readonly definedAt: SourceSpan;
}

/** A name written in the config and where. */
export interface SpannedName {
  readonly value: string;
  readonly span: SourceSpan;
}

/**
 * sysext metadata of a layer as written (`extension-release = { id, version-id, sysext-level,
 * architecture }`); on the base layer it names the OS the extensions must match.
 */
export interface ExtensionReleaseConfig {
  readonly id?: string;
  readonly versionId?: string;
  readonly sysextLevel?: string;
  readonly architecture?: string;
  readonly definedAt: SourceSpan;
}

/**
 * Strata extension: one layer of an image (`[[images.NAME.layers]]`). The first layer is the
 * base, the others are system extensions (sysext) over it.
 *
 * ```toml
 * [[images.example-os.layers]]
 * name = "base"                                    # file stem of the layer's artefacts
 * kind = "base"                                    # optional: "base" (first layer) or "extension"
 * packages = ["example-release", "libgreet"]       # binary package names
 * groups = ["core"]                                # package groups of the project ([package-groups])
 * definition-packages = true                       # base only: include the kiwi definition's image packages (default true when there is one)
 * extension-release = { id = "example", version-id = "1", sysext-level = "1", architecture = "x86-64" }
 * ```
 */
export interface ImageLayerConfig {
  readonly name: string;
  readonly nameSpan: SourceSpan;
  readonly packages: readonly SpannedName[];
  readonly groups: readonly SpannedName[];
  /** Optional, checked against the position: the first layer is the base, the others extensions. */
  readonly kind?: 'base' | 'extension';
  readonly kindSpan?: SourceSpan;
  readonly definitionPackages?: boolean;
  readonly definitionPackagesSpan?: SourceSpan;
  readonly extensionRelease?: ExtensionReleaseConfig;
  readonly definedAt: SourceSpan;
}

export interface TestSuiteConfig {
  readonly name: string;
  readonly description?: string;
  readonly type?: 'pytest' | 'lisa';
  /** The raw `pytest` / `lisa` tables (validated keys, camelCase not applied). */
  readonly pytest?: Readonly<Record<string, unknown>>;
  readonly lisa?: Readonly<Record<string, unknown>>;
  readonly definedAt: SourceSpan;
}

export interface RpmRepo {
  readonly name: string;
  readonly description?: string;
  readonly type: string;
  readonly baseUri?: string;
  readonly metalink?: string;
  readonly disableGpgCheck: boolean;
  readonly gpgKey?: string;
  readonly arches: readonly string[];
  readonly definedAt: SourceSpan;
}

export interface RpmRepoSetTemplate {
  readonly name: string;
  readonly description?: string;
  readonly subrepos: readonly { readonly name: string; readonly subpath: string; readonly kind: string }[];
  readonly definedAt: SourceSpan;
}

/** Expands to repos named `<namePrefix><subrepo>` from its template. */
export interface RpmRepoSet {
  readonly name: string;
  readonly template?: string;
  readonly baseUri?: string;
  readonly namePrefix?: string;
  readonly gpgKey?: string;
  readonly disableGpgCheck: boolean;
  readonly arches: readonly string[];
  /** Allow-list of template subrepos (empty = all). */
  readonly subrepos: readonly string[];
  readonly definedAt: SourceSpan;
}

export interface Resources {
  readonly rpmRepos: ReadonlyMap<string, RpmRepo>;
  readonly rpmRepoSetTemplates: ReadonlyMap<string, RpmRepoSetTemplate>;
  readonly rpmRepoSets: ReadonlyMap<string, RpmRepoSet>;
}

/**
 * Strata extension (not in azldev): top-level `[signing]` table naming the key used to sign RPMs
 * and repository metadata. Paths are relative to the declaring file.
 *
 * ```toml
 * [signing]
 * key-file = "keys/secret.asc"         # armored secret key
 * public-key-file = "keys/public.asc"  # armored public key, published with the repos
 * key-id = "0123456789ABCDEF"          # optional: pick one key from the file
 * gpg-home = "build/gnupg"             # optional: GnuPG home to use
 * ```
 */
export interface SigningConfig {
  readonly keyFile?: string;
  readonly publicKeyFile?: string;
  readonly keyId?: string;
  readonly gpgHome?: string;
  /** The `[signing]` table (the last one that set a field). */
  readonly definedAt: SourceSpan;
  /** Where each set field's value was written, by TOML key (`key-file`, `public-key-file`, `key-id`, `gpg-home`). */
  readonly origins: ReadonlyMap<string, SourceSpan>;
}

/**
 * Strata extension (not in azldev): top-level `[attestation]` table naming the node:crypto key
 * that signs build evidence (DSSE envelopes) and the extra public keys `verify` accepts. Paths
 * are relative to the declaring file and must stay inside the project.
 *
 * ```toml
 * [attestation]
 * key-file = "keys/attestation-key.pem"             # PEM PKCS#8 private key, Ed25519 or ECDSA P-256, mode 0600
 * public-key-file = "keys/attestation-key.pub.pem"  # optional PEM SPKI; derived from key-file when absent
 * trusted-keys = ["keys/release.pub.pem"]           # optional: more PEM public keys verification accepts
 * ```
 */
/**
 * Strata extension (not in azldev): `[[cve.feeds]]`, the advisory feeds `strata cve` scans
 * against, and how an OSV feed's ecosystems and names map to this distro.
 *
 * [[cve.feeds]]
 * path = "feeds/azurelinux-3.0-oval.xml"   # an OVAL file, an OSV record, or a directory of them
 * [[cve.feeds]]
 * path = "feeds/almalinux"
 * ecosystems = ["AlmaLinux:9"]              # OSV: the ecosystems that map to this distro (exact, or a prefix ending in ":")
 * names = "binary"                          # OSV: what its package names are (binary, the default, or source)
 */
export interface CveFeedConfig {
  /** Absolute. */
  readonly path: string;
  readonly ecosystems?: readonly string[];
  readonly names: 'binary' | 'source';
  /** The `[[cve.feeds]]` table. */
  readonly definedAt: SourceSpan;
  /** Where `path` was written. */
  readonly pathSpan: SourceSpan;
}

export interface AttestationConfig {
  readonly keyFile?: string;
  readonly publicKeyFile?: string;
  /** Absolute paths; empty when not set. */
  readonly trustedKeys: readonly string[];
  /** The `[attestation]` table (the last one that set a field). */
  readonly definedAt: SourceSpan;
  /** Where each set value was written, by TOML key: `key-file`, `public-key-file`, `trusted-keys`, `trusted-keys[N]` (N indexes `trustedKeys`). */
  readonly origins: ReadonlyMap<string, SourceSpan>;
}

/** One loaded TOML file and how it was reached. */
export interface LoadedFile {
  readonly path: string;
  /** Where it was included from, outermost first (empty for the root and extra files). */
  readonly includeChain: readonly SourceSpan[];
}

export interface ResolvedProject {
  /** The project directory (where the root file is). */
  readonly dir: string;
  readonly rootFile: string;
  /** Every loaded TOML file in load order (overlay-file documents not included). */
  readonly files: readonly LoadedFile[];
  readonly project: ProjectInfo;
  /** The project's default distro (`[project] default-distro`), resolved to a version; absent when not set. */
  readonly defaultDistro?: DistroRef;
  readonly distros: ReadonlyMap<string, Distro>;
  /** Sorted by name. */
  readonly components: ReadonlyMap<string, ResolvedComponent>;
  readonly componentGroups: ReadonlyMap<string, ComponentGroup>;
  readonly packageGroups: ReadonlyMap<string, PackageGroup>;
  readonly defaultPackageConfig: PackageConfig;
  readonly images: ReadonlyMap<string, ImageConfig>;
  readonly testSuites: ReadonlyMap<string, TestSuiteConfig>;
  readonly tools: { readonly imageCustomizer: { readonly containerTag?: string } };
  readonly resources: Resources;
  readonly signing?: SigningConfig;
  readonly attestation?: AttestationConfig;
  /** `[[cve.feeds]]` of every file, in load order (empty when none). */
  readonly cveFeeds: readonly CveFeedConfig[];
}

/**
 * The mock config of a distro version for a build architecture (`x86_64`, `aarch64`, …): the
 * arch-specific key when set, else `mock-config` (azldev's rule). Undefined when none is set.
 */
export function mockConfigFor(v: DistroVersion, arch: string): string | undefined {
  if (arch === 'x86_64' && v.mockConfigX86_64) return v.mockConfigX86_64;
  if (arch === 'aarch64' && v.mockConfigAarch64) return v.mockConfigAarch64;
  return v.mockConfig;
}
