/**
 * The seam between the two halves of an image layer: installing packages into an empty root
 * (definitions, closure, rpm install) produces a `LayerTree`; the layer artefacts (erofs, dm-verity,
 * signed root hash, manifest, DDI) are made from one.
 */

/** A package installed into a layer's root, as its header reports it. */
export interface LayerPackage {
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly arch: string;
  /** `name-[epoch:]version-release.arch` */
  readonly nevra: string;
  /** Header digests that stay the same when the package is re-signed (hex). */
  readonly sigmd5?: string;
  readonly sha256header?: string;
  /** The RPM file's SHA-256 as published (hex). */
  readonly fileSha256?: string;
  /** Where its SBOM is published, relative to the repository root, when the repository has evidence. */
  readonly sbom?: string;
  /** Every path the package owns, absolute inside the root (`/usr/bin/greet`). */
  readonly files: readonly string[];
}

/** sysext-style metadata of a layer (`usr/lib/extension-release.d/extension-release.NAME`). */
export interface ExtensionRelease {
  readonly id: string;
  readonly versionId?: string;
  readonly sysextLevel?: string;
  /** systemd architecture name: `x86-64`, `arm64`, … or `_any`. */
  readonly architecture: string;
}

/** A layer's root tree on disk, ready to be turned into artefacts. */
export interface LayerTree {
  /** Layer name (file stem of its artefacts: NAME.raw, NAME.erofs, …). */
  readonly name: string;
  /** 'base' for the first layer of an image, 'extension' for the others. */
  readonly kind: 'base' | 'extension';
  /** Absolute path of the root directory. */
  readonly root: string;
  readonly packages: readonly LayerPackage[];
  readonly extensionRelease?: ExtensionRelease;
  /** SOURCE_DATE_EPOCH used for every timestamp of the layer. */
  readonly sourceDateEpoch: number;
}
