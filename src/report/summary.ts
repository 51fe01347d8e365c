/** The terminal view of the report: one table of sections and figures. */
import type { Report } from './model.js';

export function reportSummaryRows(r: Report): [string, string, string][] {
  const s = r.summary;
  const top = (o: Readonly<Record<string, number>>) =>
    Object.entries(o)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const rows: [string, string, string][] = [
    ['components', 'total', String(s.components)],
    ['components', 'Fedora-intact / altered / local', `${s.fedoraIntact} / ${s.fedoraAltered} / ${s.local}`],
    ['overlays', 'total', String(s.overlays)],
    ['overlays', 'by type', top(s.overlaysByType)],
    ['overlays', 'by category', top(s.overlaysByCategory)],
    ['overlays', 'by upstream status', top(s.overlaysByUpstreamStatus)],
    ['drift', 'locked / unlocked', `${r.drift.locked} / ${r.drift.unlocked}`],
    ['drift', 'behind upstream (checked)', `${r.drift.behind} components, ${r.drift.behindCommits} commits (${r.drift.checked} checked)`],
    ['builds', 'built / not built', `${r.builds.built} / ${r.builds.notBuilt}`],
    ['builds', 'reproducible: identical / different / not checked', `${r.builds.reproducibleIdentical} / ${r.builds.reproducibleDifferent} / ${r.builds.notChecked}`],
    ['evidence', 'packages: provenance / SBOM', r.evidence.indexed ? `${r.evidence.packages}: ${r.evidence.withProvenance} / ${r.evidence.withSbom} (${r.evidence.componentsCovered} components)` : 'nothing published'],
    ['cve', 'status', r.cve.status === 'scanned' ? `${r.cve.affected} affected, ${r.cve.fixed} fixed` : 'not scanned'],
    ['images', 'defined / built', `${r.images.length} / ${r.images.filter((i) => i.outputs.length).length}`],
  ];
  if (r.drift.oldestLockDate) rows.splice(8, 0, ['drift', 'oldest locked commit', r.drift.oldestLockDate]);
  return rows;
}
