/**
 * `runScan`: feeds + specs → findings. The feeds are loaded (malformed records reported and
 * skipped), the specs evaluated with Strata's spec model (only those an advisory can name, when
 * the feeds name source packages only), and every affected (record, package) pair returned with
 * its evidence.
 */
import type { FileSystem } from '../adapters/types.js';
import type { Diagnostic } from '../diag/index.js';
import { loadFeeds, type FeedSource, type LoadedFeeds } from './feeds.js';
import { AdvisoryIndex, matchAdvisories } from './match.js';
import { inventoryFromSpecs, type SpecScanOptions, type SpecSpec } from './spec-inventory.js';
import type { Finding, InventoryComponent } from './types.js';

export interface ScanRequest extends SpecScanOptions {
  readonly feeds: readonly FeedSource[];
  readonly specs: readonly SpecSpec[];
  /** Components known otherwise (published repositories), matched too. */
  readonly extraInventory?: readonly InventoryComponent[];
  /** Evaluate every spec (the rebuild plan needs the whole build graph), not only those a record can name. */
  readonly evaluateAll?: boolean;
}

export interface ScanStats {
  readonly feedFiles: number;
  readonly records: number;
  readonly ovalDefinitions: number;
  readonly osvRecords: number;
  readonly osvRecordsMapped: number;
  readonly recordsSkipped: number;
  readonly specs: number;
  readonly specsEvaluated: number;
  readonly components: number;
  readonly affectedComponents: number;
  readonly findings: number;
}

export interface ScanResult {
  readonly findings: Finding[];
  readonly diagnostics: Diagnostic[];
  readonly stats: ScanStats;
  /** The advisories loaded (for plan and VEX). */
  readonly feeds: LoadedFeeds;
  readonly inventory: readonly InventoryComponent[];
}

export async function runScan(fs: FileSystem, req: ScanRequest): Promise<ScanResult> {
  const feeds = await loadFeeds(fs, req.feeds, req.cwd);
  const index = Object.assign(new AdvisoryIndex(feeds.advisories), { binaryNames: feeds.advisories.some((a) => hasBinary(a.criteria)) });
  const inv = await inventoryFromSpecs(fs, req.specs, req, req.evaluateAll ? undefined : index);
  const inventory = [...inv.components, ...(req.extraInventory ?? [])];
  const findings = matchAdvisories(index, inventory);
  const s = feeds.stats;
  return {
    findings,
    diagnostics: [...feeds.diagnostics, ...inv.diagnostics],
    feeds,
    inventory,
    stats: {
      feedFiles: s.files, records: feeds.advisories.length, ovalDefinitions: s.ovalDefinitions, osvRecords: s.osvRecords, osvRecordsMapped: s.osvMapped, recordsSkipped: s.skipped,
      specs: req.specs.length, specsEvaluated: inv.evaluated, components: inventory.length, affectedComponents: new Set(findings.map((f) => f.component)).size, findings: findings.length,
    },
  };
}

function hasBinary(c: import('./types.js').Criteria | import('./types.js').PackageCheck): boolean {
  return c.kind === 'check' ? c.nameKind === 'binary' : c.children.some(hasBinary);
}
