// `strata cve scan` speed (target < 3 s each on the 2-core machine):
// (1) the 2,975 real Azure Linux 3.0 specs against the real OVAL feed (1,222 definitions), the
//     acceptance scan; the same with every spec evaluated (what `cve plan` needs) for comparison;
// (2) the 5,680 real AlmaLinux OSV records (binary names, so every spec is evaluated) against a
//     generated 7,500-component project: one rendered spec per component under specs/NAME/NAME.spec,
//     named after Fedora source packages (all 1,245 that the OSV records name, then others), with
//     -libs/-devel subpackages and versions either side of the fixed EVRs. The specs' package names
//     are plain from their text, so those no record names are not evaluated (possiblePackageNames).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { runScan } from './scan.js';
import { findSpecs } from './spec-inventory.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(root, '../shared');
const fs = new NodeFileSystem();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(label: string, fn: () => Promise<T>, describe: (r: T) => string, target = '; target < 3 s'): Promise<void> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    last = await fn();
    times.push(performance.now() - t0);
  }
  console.log(`${label}: median ${(median(times) / 1000).toFixed(2)} s, first ${(times[0]! / 1000).toFixed(2)} s (${ROUNDS} rounds${target}) — ${describe(last!)}`);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'strata-cve-bench-'));
try {
  const specsDir = path.join(shared, 'corpus/cve-azl3/specs');
  const oval = path.join(shared, 'corpus/oval/azurelinux-3.0-oval.xml');
  const specs = await findSpecs(fs, specsDir, 'specs');
  const req = { feeds: [{ shown: 'oval', abs: oval, osv: { names: 'binary' as const } }], specs, define: ['dist .azl3'], cwd: shared };
  await timed(`scan ${specs.length} azl3 specs against the OVAL feed`, () => runScan(fs, req), (r) => `${r.stats.records} records, ${r.stats.specsEvaluated} specs evaluated, ${r.stats.findings} findings in ${r.stats.affectedComponents} components`);
  await timed(`  same, every spec evaluated (cve plan)`, () => runScan(fs, { ...req, evaluateAll: true }), (r) => `${r.stats.specsEvaluated} specs evaluated, ${r.stats.findings} findings`, '; for comparison, no target');

  // the generated 7,500-component project
  const osvDir = path.join(shared, 'corpus/osv/almalinux/advisories');
  const fixedOf = new Map<string, string>();
  for (const d of readdirSync(osvDir)) for (const f of readdirSync(path.join(osvDir, d))) {
    const rec = JSON.parse(readFileSync(path.join(osvDir, d, f), 'utf8')) as { affected?: Array<{ package: { name: string }; ranges?: Array<{ events: Array<{ fixed?: string }> }> }> };
    for (const a of rec.affected ?? []) for (const r of a.ranges ?? []) for (const e of r.events) if (e.fixed && !fixedOf.has(a.package.name)) fixedOf.set(a.package.name, e.fixed);
  }
  const fedora = readdirSync(path.join(shared, 'corpus/fedora-specs')).filter((n) => n.endsWith('.spec')).map((n) => n.slice(0, -5));
  // a Fedora-derived distro of 7,500 components: every Fedora source name the OSV records touch, then other Fedora names
  const touched = fedora.filter((n) => fixedOf.has(n));
  const names = [...new Set([...touched, ...fedora])].slice(0, 7500).sort();
  const pdir = path.join(tmp, 'specs');
  let i = 0;
  for (const n of names) {
    const fixed = fixedOf.get(n);
    // half below the fixed version (affected), half at it
    const vr = fixed ? fixed.replace(/^\d+:/, '') : '1.0-1.el9';
    const dash = vr.lastIndexOf('-');
    const [version, release] = i++ % 2 ? [vr.slice(0, dash), vr.slice(dash + 1)] : [vr.slice(0, dash), '0.1'];
    const epoch = fixed && /^(\d+):/.exec(fixed)?.[1];
    mkdirSync(path.join(pdir, n), { recursive: true });
    writeFileSync(path.join(pdir, n, `${n}.spec`), `Name: ${n}\n${epoch ? `Epoch: ${epoch}\n` : ''}Version: ${version}\nRelease: ${release}\nSummary: ${n}\nLicense: MIT\nBuildRequires: gcc\n%description\n${n}\n%package libs\nSummary: libs\n%description libs\nlibs\n%package devel\nSummary: devel\nRequires: %{name}-libs = %{version}-%{release}\n%description devel\ndevel\n%prep\n%build\n%install\n%files\n%files libs\n%files devel\n%changelog\n* Mon Jan 01 2024 Bench <b@example.com> - ${version}-${release}\n- Generated\n`);
  }
  const gen = await findSpecs(fs, pdir, 'specs');
  const osvReq = { feeds: [{ shown: 'osv', abs: osvDir, osv: { names: 'binary' as const, ecosystems: ['AlmaLinux:'] } }], specs: gen, define: ['dist .el9'], cwd: tmp };
  await timed(`scan 5,680 OSV records against a generated ${gen.length}-component project`, () => runScan(fs, osvReq), (r) => `${r.stats.osvRecords} records (${r.stats.recordsSkipped} skipped), ${r.stats.specsEvaluated} specs evaluated, ${r.stats.findings} findings in ${r.stats.affectedComponents} components`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
