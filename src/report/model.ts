/**
 * The audit report model: how this distro was made, computed from the project configuration and,
 * when present, what the work and output directories hold (lock files, build state, the published
 * evidence index). Config-only when nothing was built. Data only; the CLI and `html.ts` print it.
 */
import * as path from 'node:path';
import type { FileSystem, Git } from '../adapters/types.js';
import type { Overlay, ResolvedComponent, ResolvedProject } from '../config/types.js';
import { OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES } from '../config/types.js';
import { loadLock, lockPathFor, findUpstreamChanges, MirrorCache } from '../sources/index.js';
import { BuildStateStore } from '../build/build-state.js';
import { EVIDENCE_DIR, EVIDENCE_INDEX, type EvidenceIndex } from '../attest/publish-evidence.js';

export const REPORT_VERSION = 1;

/** Where a component's spec comes from and whether the project changes it. */
export type ComponentOrigin = 'fedora-intact' | 'fedora-altered' | 'local';

export interface ReportOverlay {
  readonly type: string;
  readonly description?: string;
  readonly category?: string;
  readonly upstreamStatus?: string;
  /** `file:line` (relative to the project directory) of the overlay's declaration. */
  readonly at: string;
}

export interface ReportDrift {
  readonly lockCommit?: string;
  /** Committer date of the locked commit (ISO 8601), when the dist-git mirror has it. */
  readonly lockDate?: string;
  /** Days between the locked commit and now. */
  readonly ageDays?: number;
  /** First-parent commits on the branch after the lock, when the mirror is present. */
  readonly behind?: number;
  readonly diverged?: boolean;
}

export interface ReportBuild {
  /** `built` (the last build left packages), `not-built`. */
  readonly status: 'built' | 'not-built';
  readonly packages: number;
  /** `identical` / `different` when the last build ran with --verify-reproducible, else `not-checked`. */
  readonly reproducible: 'identical' | 'different' | 'not-checked';
  readonly hasRecord: boolean;
}

export interface ReportEvidence {
  readonly packages: number;
  readonly withProvenance: number;
  readonly withSbom: number;
}

export interface ReportComponent {
  readonly name: string;
  readonly origin: ComponentOrigin;
  /** `file:line` of the component's definition. */
  readonly at: string;
  readonly upstream?: { readonly distro: string; readonly version: string; readonly name: string };
  readonly groups: readonly string[];
  readonly overlays: readonly ReportOverlay[];
  /** Source files that replace upstream ones. */
  readonly replacedSources: number;
  readonly drift?: ReportDrift;
  readonly build?: ReportBuild;
  readonly evidence?: ReportEvidence;
}

/** A typed CVE summary, supplied by `strata cve scan` when wired (absent: "not scanned"). */
export interface CveSummaryInput {
  readonly scannedAt?: string;
  readonly feeds: readonly string[];
  readonly findings: readonly { readonly id: string; readonly component: string; readonly severity?: string; readonly fixed: boolean }[];
}

export interface ReportCve {
  readonly status: 'scanned' | 'not-scanned';
  readonly scannedAt?: string;
  readonly feeds: readonly string[];
  readonly affected: number;
  readonly fixed: number;
  readonly bySeverity: Readonly<Record<string, number>>;
  readonly findings: CveSummaryInput['findings'];
}

export interface ReportImage {
  readonly name: string;
  readonly at: string;
  readonly definition?: string;
  readonly capabilities: readonly string[];
  /** Files in `<output-dir>/images/<name>/` (layers, root hashes, signatures), when built. */
  readonly outputs: readonly string[];
}

export interface Report {
  readonly version: typeof REPORT_VERSION;
  readonly generatedAt: string;
  readonly project: { readonly dir: string; readonly description?: string; readonly distro?: string };
  /** `config-only` when nothing was built or published; else what the directories held. */
  readonly mode: 'config-only' | 'with-artifacts';
  readonly summary: {
    readonly components: number;
    readonly fedoraIntact: number;
    readonly fedoraAltered: number;
    readonly local: number;
    readonly overlays: number;
    readonly overlaysByType: Readonly<Record<string, number>>;
    readonly overlaysByCategory: Readonly<Record<string, number>>;
    readonly overlaysByUpstreamStatus: Readonly<Record<string, number>>;
  };
  readonly drift: { readonly locked: number; readonly unlocked: number; readonly checked: number; readonly behind: number; readonly behindCommits: number; readonly oldestLockDate?: string };
  readonly builds: { readonly built: number; readonly notBuilt: number; readonly reproducibleIdentical: number; readonly reproducibleDifferent: number; readonly notChecked: number };
  readonly evidence: { readonly indexed: boolean; readonly packages: number; readonly withProvenance: number; readonly withSbom: number; readonly attestationKey?: string; readonly componentsCovered: number };
  readonly cve: ReportCve;
  readonly images: readonly ReportImage[];
  readonly components: readonly ReportComponent[];
}

export interface ReportDeps {
  readonly fs: FileSystem;
  /** For drift (commits behind, lock age) from the dist-git mirrors in the work dir; without it, lock commits only. */
  readonly git?: Git;
  readonly now?: Date;
}

export interface ReportOptions {
  readonly cve?: CveSummaryInput;
  /** Look into the dist-git mirrors for commits behind (default true when `git` is given). */
  readonly drift?: boolean;
}

const zero = (keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.map((k) => [k, 0]));

function rel(project: ResolvedProject, file: string, line: number): string {
  return `${path.relative(project.dir, file) || path.basename(file)}:${line}`;
}

function overlayOf(project: ResolvedProject, o: Overlay): ReportOverlay {
  const at = o.definedAt;
  return {
    type: o.type,
    ...(o.description ? { description: o.description } : {}),
    ...(o.metadata ? { category: o.metadata.category, upstreamStatus: o.metadata.upstreamStatus } : {}),
    at: rel(project, at.file, at.line),
  };
}

export function originOf(c: ResolvedComponent): ComponentOrigin {
  if (c.spec.type === 'local') return 'local';
  return c.overlays.length || c.sourceFiles.some((s) => s.replaceUpstream) ? 'fedora-altered' : 'fedora-intact';
}

async function exists(fs: FileSystem, p: string): Promise<boolean> {
  return !!(await fs.stat(p));
}

/** Compute the report of `project`. Reads only: lock files, build state, evidence index, image outputs. */
export async function computeReport(deps: ReportDeps, project: ResolvedProject, opts: ReportOptions = {}): Promise<Report> {
  const { fs } = deps;
  const now = deps.now ?? new Date();
  const info = project.project;
  const byType = zero(OVERLAY_TYPES);
  const byCategory: Record<string, number> = { ...zero(OVERLAY_CATEGORIES), none: 0 };
  const byStatus: Record<string, number> = { ...zero(UPSTREAM_STATUSES), none: 0 };

  // What the directories hold: decided once, so a config-only project costs no per-component I/O.
  const hasLocks = await exists(fs, info.lockDir);
  const store = new BuildStateStore(fs, info.workDir);
  const stateNames = new Set((await fs.readdir(store.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
  const indexFile = path.join(info.outputDir, 'repos', EVIDENCE_DIR, EVIDENCE_INDEX);
  let index: EvidenceIndex | undefined;
  if (await exists(fs, indexFile)) index = JSON.parse(await fs.readText(indexFile)) as EvidenceIndex;
  const evByComponent = new Map<string, { packages: number; prov: number; sbom: number }>();
  for (const p of index?.packages ?? []) {
    const e = evByComponent.get(p.component) ?? { packages: 0, prov: 0, sbom: 0 };
    e.packages++;
    if (p.provenance) e.prov++;
    if (p.sboms?.spdx23 && p.sboms.spdx301 && p.sboms.cyclonedx) e.sbom++;
    evByComponent.set(p.component, e);
  }
  const lockFiles = hasLocks ? new Set(await fs.readdir(info.lockDir).catch(() => [] as string[])) : new Set<string>();
  const useMirrors = !!deps.git && opts.drift !== false && lockFiles.size > 0;
  const mirrors = useMirrors ? new MirrorCache({ git: deps.git!, fs }, { workDir: info.workDir }) : undefined;

  const components: ReportComponent[] = [];
  let fedoraIntact = 0;
  let fedoraAltered = 0;
  let local = 0;
  let overlays = 0;
  const drift = { locked: 0, unlocked: 0, checked: 0, behind: 0, behindCommits: 0, oldestLockDate: undefined as string | undefined };
  const builds = { built: 0, notBuilt: 0, reproducibleIdentical: 0, reproducibleDifferent: 0, notChecked: 0 };
  for (const c of project.components.values()) {
    const origin = originOf(c);
    if (origin === 'fedora-intact') fedoraIntact++;
    else if (origin === 'fedora-altered') fedoraAltered++;
    else local++;
    const ovs = c.overlays.map((o) => overlayOf(project, o));
    for (const o of ovs) {
      overlays++;
      byType[o.type] = (byType[o.type] ?? 0) + 1;
      byCategory[o.category ?? 'none'] = (byCategory[o.category ?? 'none'] ?? 0) + 1;
      byStatus[o.upstreamStatus ?? 'none'] = (byStatus[o.upstreamStatus ?? 'none'] ?? 0) + 1;
    }
    let d: ReportDrift | undefined;
    if (c.spec.type === 'upstream') {
      if (lockFiles.has(`${c.name}.lock`)) {
        const lock = await loadLock(fs, lockPathFor(info.lockDir, c.name)).catch(() => undefined);
        const commit = lock?.lock.upstreamCommit;
        if (commit) {
          drift.locked++;
          d = { lockCommit: commit };
          if (mirrors) d = { ...d, ...(await mirrorDrift(deps, project, c, commit, mirrors, now)) };
          if (d.behind !== undefined) {
            drift.checked++;
            if (d.behind > 0) drift.behind++;
            drift.behindCommits += d.behind;
          }
          if (d.lockDate && (!drift.oldestLockDate || d.lockDate < drift.oldestLockDate)) drift.oldestLockDate = d.lockDate;
        } else drift.unlocked++;
      } else drift.unlocked++;
    }
    let b: ReportBuild | undefined;
    if (stateNames.size) {
      const st = stateNames.has(c.name) ? await store.load(c.name) : undefined;
      const pk = st?.rpms?.length ?? 0;
      const reproducible = st?.reproducible ? (st.reproducible.identical ? 'identical' : 'different') : 'not-checked';
      b = { status: pk ? 'built' : 'not-built', packages: pk + (st?.srpm ? 1 : 0), reproducible, hasRecord: !!st?.record };
      if (pk) {
        builds.built++;
        if (reproducible === 'identical') builds.reproducibleIdentical++;
        else if (reproducible === 'different') builds.reproducibleDifferent++;
        else builds.notChecked++;
      } else builds.notBuilt++;
    } else builds.notBuilt++;
    const ev = evByComponent.get(c.name);
    components.push({
      name: c.name,
      origin,
      at: rel(project, c.definedAt.file, c.definedAt.line),
      ...(c.spec.type === 'upstream' ? { upstream: { distro: c.spec.upstreamDistro.name, version: c.spec.upstreamDistro.version, name: c.spec.upstreamName } } : {}),
      groups: c.groups,
      overlays: ovs,
      replacedSources: c.sourceFiles.filter((s) => s.replaceUpstream).length,
      ...(d ? { drift: d } : {}),
      ...(b ? { build: b } : {}),
      ...(ev ? { evidence: { packages: ev.packages, withProvenance: ev.prov, withSbom: ev.sbom } } : {}),
    });
  }

  const images: ReportImage[] = [];
  for (const im of project.images.values()) {
    const outDir = path.join(info.outputDir, 'images', im.name);
    const outputs = (await fs.readdir(outDir).catch(() => [] as string[])).sort();
    images.push({
      name: im.name,
      at: rel(project, im.definedAt.file, im.definedAt.line),
      ...(im.definition?.path ? { definition: im.definition.path } : {}),
      capabilities: Object.entries(im.capabilities).filter(([, v]) => v).map(([k]) => k).sort(),
      outputs,
    });
  }

  const cveIn = opts.cve;
  const bySeverity: Record<string, number> = {};
  for (const f of cveIn?.findings ?? []) if (!f.fixed) bySeverity[f.severity ?? 'unknown'] = (bySeverity[f.severity ?? 'unknown'] ?? 0) + 1;
  const cve: ReportCve = cveIn
    ? { status: 'scanned', ...(cveIn.scannedAt ? { scannedAt: cveIn.scannedAt } : {}), feeds: cveIn.feeds, affected: cveIn.findings.filter((f) => !f.fixed).length, fixed: cveIn.findings.filter((f) => f.fixed).length, bySeverity, findings: cveIn.findings }
    : { status: 'not-scanned', feeds: [], affected: 0, fixed: 0, bySeverity: {}, findings: [] };

  const dd = project.defaultDistro;
  const withArtifacts = drift.locked > 0 || stateNames.size > 0 || !!index || images.some((i) => i.outputs.length);
  return {
    version: REPORT_VERSION,
    generatedAt: now.toISOString(),
    project: { dir: project.dir, ...(info.description ? { description: info.description } : {}), ...(dd ? { distro: `${dd.name} ${dd.version}` } : {}) },
    mode: withArtifacts ? 'with-artifacts' : 'config-only',
    summary: { components: components.length, fedoraIntact, fedoraAltered, local, overlays, overlaysByType: byType, overlaysByCategory: byCategory, overlaysByUpstreamStatus: byStatus },
    drift: { locked: drift.locked, unlocked: drift.unlocked, checked: drift.checked, behind: drift.behind, behindCommits: drift.behindCommits, ...(drift.oldestLockDate ? { oldestLockDate: drift.oldestLockDate } : {}) },
    builds,
    evidence: {
      indexed: !!index,
      packages: index?.packages.length ?? 0,
      withProvenance: [...evByComponent.values()].reduce((n, e) => n + e.prov, 0),
      withSbom: [...evByComponent.values()].reduce((n, e) => n + e.sbom, 0),
      ...(index ? { attestationKey: index.attestationKey } : {}),
      componentsCovered: [...evByComponent.keys()].filter((k) => project.components.has(k)).length,
    },
    cve,
    images,
    components,
  };
}

/** Commits behind and the age of the locked commit, from the offline dist-git mirror; {} when it is not there. */
async function mirrorDrift(deps: ReportDeps, project: ResolvedProject, c: ResolvedComponent, commit: string, mirrors: MirrorCache, now: Date): Promise<Partial<ReportDrift>> {
  try {
    const ch = await findUpstreamChanges({ git: deps.git!, fs: deps.fs }, project, c, { refresh: 'never', mirrors });
    const date = (await deps.git!.ok(['show', '-s', '--format=%cI', commit], { cwd: ch.mirrorPath })).trim();
    const ageDays = Math.floor((now.getTime() - Date.parse(date)) / 86_400_000);
    return { behind: ch.commits.length, diverged: ch.diverged, ...(date ? { lockDate: date, ageDays } : {}) };
  } catch {
    return {};
  }
}
