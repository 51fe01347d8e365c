/**
 * The advisory model shared by the feeds (OVAL, OSV), the matcher and the commands: an advisory
 * is a tree of package checks (OVAL criteria, or the OR of OSV ranges), each check naming one
 * package (a source or a binary name, as the feed uses) and EVR tests in rpm's order.
 */
import type { SourceSpan } from '../diag/index.js';
import type { EVR } from '../spec/rpmver.js';

/** What kind of package name a feed uses: OVAL of Azure Linux names source packages, AlmaLinux OSV binary ones. */
export type NameKind = 'source' | 'binary';

export type EvrOp = '<' | '<=' | '=' | '!=' | '>=' | '>';

export interface EvrTest {
  readonly op: EvrOp;
  readonly evr: EVR;
  /** As the feed wrote it. */
  readonly text: string;
}

/** One package with EVR tests that must all hold (OVAL: one rpminfo test; OSV: one interval of a range). */
export interface PackageCheck {
  readonly kind: 'check';
  readonly name: string;
  readonly nameKind: NameKind;
  readonly tests: readonly EvrTest[];
  /** The EVR that fixes it (the `less than` EVR, OSV's `fixed`), when the check says one. */
  readonly fixed?: string;
  readonly negate?: boolean;
  readonly span: SourceSpan;
}

export interface Criteria {
  readonly kind: 'criteria';
  readonly operator: 'AND' | 'OR';
  readonly negate?: boolean;
  readonly children: readonly (Criteria | PackageCheck)[];
}

export type Severity = 'Critical' | 'High' | 'Medium' | 'Low' | 'None' | 'Unknown';

export interface Advisory {
  /** The feed's record id (OVAL definition id, OSV id). */
  readonly id: string;
  readonly feed: 'oval' | 'osv';
  /** CVE ids the record is about (OVAL references, OSV id/aliases/related). */
  readonly cves: readonly string[];
  readonly severity: Severity;
  readonly title?: string;
  readonly published?: string;
  /** The OSV ecosystem of its packages (OSV only). */
  readonly ecosystem?: string;
  readonly criteria: Criteria;
  /** Where the record starts in its file. */
  readonly span: SourceSpan;
}

/** One package the scan knows (from a spec evaluation or a published repository). */
export interface InventoryPackage {
  readonly name: string;
  readonly kind: NameKind;
  readonly evr: EVR;
}

/** A component as the scan sees it: its source package and binary packages, and the texts that can carry evidence. */
export interface InventoryComponent {
  readonly component: string;
  /** The spec (or repository) it was read from, relative to the working directory. */
  readonly file: string;
  readonly packages: readonly InventoryPackage[];
  /** Patch file names (Patch tags, evaluated). */
  readonly patches: readonly { readonly name: string; readonly line: number }[];
  /** `%changelog` entries: header line and text. */
  readonly changelog: readonly { readonly line: number; readonly text: string }[];
  /** BuildRequires names (every package), for the rebuild plan. */
  readonly buildRequires?: readonly string[];
  /** Names each binary package provides (its name and Provides), for the rebuild plan. */
  readonly provides?: readonly string[];
  /** Overlay descriptions/metadata of the project (project scans only). */
  readonly overlays?: readonly { readonly text: string; readonly span: SourceSpan }[];
}

export interface Evidence {
  readonly kind: 'patch' | 'changelog' | 'overlay';
  readonly cve: string;
  /** The patch file name, the changelog line, the overlay description. */
  readonly text: string;
  readonly file: string;
  readonly line: number;
}

/** One affected (record, package) pair. */
export interface Finding {
  readonly record: string;
  readonly feed: 'oval' | 'osv';
  readonly cves: readonly string[];
  readonly severity: Severity;
  readonly component: string;
  readonly package: string;
  readonly packageKind: NameKind;
  readonly file: string;
  /** The rendered/installed EVR, `E:V-R`. */
  readonly evr: string;
  readonly fixed: string | undefined;
  /** Evidence of a fix inside the spec (reported beside the version verdict, never changing it). */
  readonly evidence: readonly Evidence[];
  /** Images and layers carrying the package (filled when the image layer records them). */
  readonly images: readonly string[];
  readonly layers: readonly string[];
}

/** `E:V-R` with epoch 0 written. */
export function formatEVR(e: EVR): string {
  return `${e.epoch ?? '0'}:${e.version}${e.release !== undefined ? `-${e.release}` : ''}`;
}
