/**
 * The report as ONE self-contained HTML file: no network, no external assets (inline CSS, inline
 * SVG charts, one small inline script), readable without JavaScript (the full component table is
 * in the markup; the script only filters it), with a print style. Every value is escaped.
 * Figures carry `data-figure="<json path>"` so a test can compare them with the JSON report.
 */
import type { Report, ReportComponent } from './model.js';

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b7791f', '#c53030', '#2c7a7b', '#97266d', '#4a5568', '#718096', '#dd6b20', '#38a169', '#3182ce', '#805ad5', '#d69e2e', '#e53e3e'];

/** A horizontal bar chart of `entries` (zero entries left out), inline SVG with a text fallback. */
export function barChart(title: string, entries: readonly (readonly [string, number])[], figurePrefix: string): string {
  const shown = entries.filter(([, n]) => n > 0);
  if (!shown.length) return `<figure><figcaption>${escapeHtml(title)}</figcaption><p class="empty">none</p></figure>`;
  const max = Math.max(...shown.map(([, n]) => n));
  const rowH = 22;
  const labelW = 190;
  const barW = 300;
  const h = shown.length * rowH + 4;
  const bars = shown
    .map(([k, n], i) => {
      const w = Math.max(1, Math.round((n / max) * barW));
      const y = i * rowH + 2;
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(k)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${COLORS[i % COLORS.length]}"><title>${escapeHtml(k)}: ${n}</title></rect><text x="${labelW + w + 4}" y="${y + 15}" data-figure="${escapeHtml(`${figurePrefix}.${k}`)}">${n}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${labelW + barW + 60}" height="${h}" viewBox="0 0 ${labelW + barW + 60} ${h}" font-size="12" font-family="sans-serif">${bars}</svg></figure>`;
}

/** A donut chart of parts of a whole (inline SVG, stroke-dasharray arcs). */
export function donutChart(title: string, parts: readonly (readonly [string, number, string])[]): string {
  const total = parts.reduce((n, [, v]) => n + v, 0);
  const r = 50;
  const circ = 2 * Math.PI * r;
  let offset = 0;
  const arcs = parts
    .filter(([, v]) => v > 0)
    .map(([k, v, color]) => {
      const len = total ? (v / total) * circ : 0;
      const a = `<circle cx="70" cy="70" r="${r}" fill="none" stroke="${color}" stroke-width="24" stroke-dasharray="${len.toFixed(3)} ${(circ - len).toFixed(3)}" stroke-dashoffset="${(-offset).toFixed(3)}" transform="rotate(-90 70 70)"><title>${escapeHtml(k)}: ${v}</title></circle>`;
      offset += len;
      return a;
    })
    .join('');
  const legend = parts.map(([k, v, color], i) => `<rect x="160" y="${20 + i * 22}" width="12" height="12" fill="${color}"/><text x="178" y="${30 + i * 22}">${escapeHtml(k)}: ${v}</text>`).join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="380" height="140" viewBox="0 0 380 140" font-size="12" font-family="sans-serif"><circle cx="70" cy="70" r="${r}" fill="none" stroke="#e2e8f0" stroke-width="24"/>${arcs}<text x="70" y="75" text-anchor="middle" font-size="16">${total}</text>${legend}</svg></figure>`;
}

const fig = (pathName: string, v: unknown) => `<span data-figure="${escapeHtml(pathName)}">${escapeHtml(v)}</span>`;

function componentRow(c: ReportComponent): string {
  const ovs = c.overlays.map((o) => `<li><code>${escapeHtml(o.type)}</code>${o.category ? ` <span class="tag">${escapeHtml(o.category)}</span>` : ''}${o.upstreamStatus ? ` <span class="tag">${escapeHtml(o.upstreamStatus)}</span>` : ''} <span class="at">${escapeHtml(o.at)}</span>${o.description ? ` — ${escapeHtml(o.description)}` : ''}</li>`).join('');
  const drift = c.drift ? `${c.drift.lockCommit ? `<code>${escapeHtml(c.drift.lockCommit.slice(0, 12))}</code>` : ''}${c.drift.behind !== undefined ? ` ${escapeHtml(c.drift.behind)} behind` : ''}${c.drift.ageDays !== undefined ? `, ${escapeHtml(c.drift.ageDays)} d` : ''}` : '';
  const build = c.build ? `${escapeHtml(c.build.status)}${c.build.status === 'built' ? ` (${escapeHtml(c.build.reproducible)})` : ''}` : '';
  const ev = c.evidence ? `${escapeHtml(c.evidence.withProvenance)}/${escapeHtml(c.evidence.packages)} prov, ${escapeHtml(c.evidence.withSbom)}/${escapeHtml(c.evidence.packages)} SBOM` : '';
  return `<tr data-origin="${escapeHtml(c.origin)}"><td><strong>${escapeHtml(c.name)}</strong><br><span class="at">${escapeHtml(c.at)}</span></td><td class="o-${escapeHtml(c.origin)}">${escapeHtml(c.origin)}</td><td>${c.overlays.length ? `<details><summary>${c.overlays.length}</summary><ul>${ovs}</ul></details>` : '0'}</td><td>${drift}</td><td>${build}</td><td>${ev}</td></tr>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#1a202c}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #cbd5e0;padding-bottom:.2rem;margin-top:2rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}.card{border:1px solid #cbd5e0;border-radius:6px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top;padding:.3rem .5rem}
th{background:#edf2f7;position:sticky;top:0}.at{color:#4a5568;font-family:monospace;font-size:12px}.tag{background:#edf2f7;border-radius:3px;padding:0 .3rem;font-size:12px}
.o-fedora-intact{color:#2f855a}.o-fedora-altered{color:#c05621}.o-local{color:#6b46c1}.empty,.muted{color:#718096}
#search{font-size:1rem;padding:.3rem .5rem;width:20rem;margin:.5rem 0}ul{margin:.2rem 0;padding-left:1.2rem}
@media print{#search,.noprint{display:none}body{max-width:none;margin:0;font-size:11px}th{position:static}details{display:block}details>summary{display:none}details>ul{display:block}h2{break-after:avoid}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}
`;

// Filters the component table by the search box; without JavaScript the full table shows.
const SCRIPT = `(function(){var s=document.getElementById('search'),t=document.getElementById('components'),n=document.getElementById('shown');if(!s||!t)return;s.hidden=false;s.addEventListener('input',function(){var q=s.value.toLowerCase(),k=0,r=t.tBodies[0].rows;for(var i=0;i<r.length;i++){var m=!q||r[i].textContent.toLowerCase().indexOf(q)>=0;r[i].hidden=!m;if(m)k++;}n.textContent=String(k);});})();`;

/** The report as one self-contained HTML document. */
export function printReportHtml(r: Report): string {
  const s = r.summary;
  const title = `Audit report — ${r.project.description ?? r.project.dir}`;
  const kv = (o: Readonly<Record<string, number>>) => Object.entries(o).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const cards = (items: readonly [string, string, unknown][]) => `<div class="cards">${items.map(([label, p, v]) => `<div class="card"><b>${fig(p, v)}</b>${escapeHtml(label)}</div>`).join('')}</div>`;
  const cve =
    r.cve.status === 'not-scanned'
      ? `<p class="muted" data-figure="cve.status">not-scanned</p><p class="muted">No CVE scan was supplied to this report (run <code>strata cve scan</code>).</p>`
      : `${cards([['affected', 'cve.affected', r.cve.affected], ['fixed (evidence)', 'cve.fixed', r.cve.fixed]])}<p>Feeds: ${r.cve.feeds.map(escapeHtml).join(', ')}</p>${barChart('Open findings by severity', kv(r.cve.bySeverity), 'cve.bySeverity')}<table><thead><tr><th>id</th><th>component</th><th>severity</th><th>fixed</th></tr></thead><tbody>${r.cve.findings.map((f) => `<tr><td>${escapeHtml(f.id)}</td><td>${escapeHtml(f.component)}</td><td>${escapeHtml(f.severity ?? '')}</td><td>${f.fixed ? 'yes' : 'no'}</td></tr>`).join('')}</tbody></table>`;
  const images = r.images.length
    ? `<table><thead><tr><th>image</th><th>definition</th><th>capabilities</th><th>outputs (layers, hashes, signatures)</th></tr></thead><tbody>${r.images.map((i) => `<tr><td><strong>${escapeHtml(i.name)}</strong><br><span class="at">${escapeHtml(i.at)}</span></td><td>${escapeHtml(i.definition ?? '')}</td><td>${i.capabilities.map(escapeHtml).join(', ')}</td><td>${i.outputs.length ? `<ul>${i.outputs.map((o) => `<li><code>${escapeHtml(o)}</code></li>`).join('')}</ul>` : '<span class="muted">not built</span>'}</td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">The project defines no images.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Generated ${escapeHtml(r.generatedAt)} · ${escapeHtml(r.mode)}${r.project.distro ? ` · distro ${escapeHtml(r.project.distro)}` : ''}</p>
<h2 id="origin">Components: Fedora-intact vs altered</h2>
${cards([['components', 'summary.components', s.components], ['Fedora-intact', 'summary.fedoraIntact', s.fedoraIntact], ['Fedora-altered', 'summary.fedoraAltered', s.fedoraAltered], ['local specs', 'summary.local', s.local], ['overlays', 'summary.overlays', s.overlays]])}
<div class="charts">
${donutChart('Origin of the components', [['Fedora-intact', s.fedoraIntact, '#2f855a'], ['Fedora-altered', s.fedoraAltered, '#c05621'], ['local', s.local, '#6b46c1']])}
${barChart('Overlays by type', kv(s.overlaysByType), 'summary.overlaysByType')}
${barChart('Overlays by category', kv(s.overlaysByCategory), 'summary.overlaysByCategory')}
${barChart('Overlays by upstream status', kv(s.overlaysByUpstreamStatus), 'summary.overlaysByUpstreamStatus')}
</div>
<h2 id="drift">Drift from upstream</h2>
${cards([['locked', 'drift.locked', r.drift.locked], ['unlocked', 'drift.unlocked', r.drift.unlocked], ['checked against mirror', 'drift.checked', r.drift.checked], ['behind upstream', 'drift.behind', r.drift.behind], ['commits behind (total)', 'drift.behindCommits', r.drift.behindCommits]])}
${r.drift.oldestLockDate ? `<p>Oldest locked commit: ${fig('drift.oldestLockDate', r.drift.oldestLockDate)}</p>` : ''}
<h2 id="builds">Builds</h2>
${cards([['built', 'builds.built', r.builds.built], ['not built', 'builds.notBuilt', r.builds.notBuilt], ['reproducible (verified)', 'builds.reproducibleIdentical', r.builds.reproducibleIdentical], ['not reproducible', 'builds.reproducibleDifferent', r.builds.reproducibleDifferent], ['reproducibility not checked', 'builds.notChecked', r.builds.notChecked]])}
<h2 id="evidence">SBOM and provenance coverage</h2>
${r.evidence.indexed ? cards([['published packages', 'evidence.packages', r.evidence.packages], ['with signed provenance', 'evidence.withProvenance', r.evidence.withProvenance], ['with SBOMs (SPDX 2.3, 3.0.1, CycloneDX)', 'evidence.withSbom', r.evidence.withSbom], ['components covered', 'evidence.componentsCovered', r.evidence.componentsCovered]]) + `<p>Attestation key: <code>${escapeHtml(r.evidence.attestationKey ?? '')}</code></p>` : '<p class="muted">Nothing published (no evidence index).</p>'}
<h2 id="cve">CVE status</h2>
${cve}
<h2 id="images">Images and layers</h2>
${images}
<h2 id="components-h">Components (<span id="shown">${s.components}</span> shown of ${fig('components.length', r.components.length)})</h2>
<input id="search" type="search" placeholder="Filter components…" aria-label="Filter components" hidden>
<table id="components"><thead><tr><th>component</th><th>origin</th><th>overlays</th><th>lock / drift</th><th>build</th><th>evidence</th></tr></thead><tbody>
${r.components.map(componentRow).join('\n')}
</tbody></table>
<script>${SCRIPT}</script>
</body></html>
`;
}
