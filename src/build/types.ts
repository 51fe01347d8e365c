/**
 * The build domain's model: what is built (BuildUnit), what its spec says (SpecFacts), the plan
 * (BuildGraph) and what came out (BuildRecord).
 */
import type { SourceSpan } from '../diag/index.js';

/** A dependency as written in a spec or an RPM header: `name [op version]`. */
export interface Dep {
  readonly name: string;
  readonly op: '' | '<' | '<=' | '=' | '>=' | '>';
  /** `[epoch:]version[-release]`; '' when unversioned. */
  readonly version: string;
}

/** One binary package a spec produces. */
export interface PackageFacts {
  readonly name: string;
  readonly arch: string;
  /** Includes the package's own `name = evr`. */
  readonly provides: readonly Dep[];
  readonly requires: readonly Dep[];
  /** Files the package is known to ship (from a previous build's headers); may be empty. */
  readonly files: readonly string[];
}

/** What the build graph needs from one evaluated spec. */
export interface SpecFacts {
  /** Source package name (the spec's main Name). */
  readonly name: string;
  readonly epoch?: number;
  readonly version: string;
  readonly release: string;
  readonly buildRequires: readonly Dep[];
  readonly packages: readonly PackageFacts[];
}

/** One component to build: a prepared directory holding the rendered spec and all its sources. */
export interface BuildUnit {
  /** Component name. */
  readonly name: string;
  /** Directory with the spec, patches and verified source archives. */
  readonly dir: string;
  /** Absolute path of the spec inside `dir`. */
  readonly spec: string;
  readonly with?: readonly string[];
  readonly without?: readonly string[];
  readonly defines?: Readonly<Record<string, string>>;
  readonly undefines?: readonly string[];
  /** Skip %check (`build.check.skip`). */
  readonly skipCheck?: boolean;
  /** Where the component is configured, for diagnostics. */
  readonly definedAt?: SourceSpan;
}

export interface GraphEdge {
  /** The component that build-requires. */
  readonly from: string;
  /** The component whose package provides it. */
  readonly to: string;
  /** The BuildRequires as written, e.g. `libgreet-devel >= 1.0`. */
  readonly dep: string;
  /** The binary package that satisfies it. */
  readonly via: string;
}

export interface BuildGraph {
  readonly nodes: readonly string[];
  readonly edges: readonly GraphEdge[];
  /** Components each component build-requires (direct), sorted. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** A topological order (dependencies first; ties by name). Empty when there is a cycle. */
  readonly order: readonly string[];
  /** BuildRequires no component provides: expected from the buildroot (the host here). */
  readonly external: ReadonlyMap<string, readonly string[]>;
  /** Each cycle as a list of component names, first repeated at the end. */
  readonly cycles: readonly (readonly string[])[];
}

export type BuildStatus = 'built' | 'unchanged' | 'failed' | 'skipped';

export interface BuildRecord {
  readonly name: string;
  readonly status: BuildStatus;
  /** The input fingerprint this result belongs to. */
  readonly fingerprint: string;
  readonly srpm?: string;
  /** Binary RPMs, absolute paths in their channel directories. */
  readonly rpms: readonly string[];
  /** Seconds spent in rpmbuild (0 when not built). */
  readonly rpmbuildSeconds: number;
  readonly wallSeconds: number;
  readonly log?: string;
  /** Why it failed or was skipped. */
  readonly reason?: string;
  /** Last lines of the build log and rpm's `error:` lines, on failure. */
  readonly logTail?: readonly string[];
  readonly sourceDateEpoch?: number;
}
