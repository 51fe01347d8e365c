// `scanTree` of a generated 100,000-file tree (1,000 directories × 100 files of 64–4,159 bytes)
// against its layer manifest: walk, lstat, SHA-256 of every file, comparison. Target: < 5 s.
// BENCH_SCAN_FILES changes the number of files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { buildLayerManifest } from './layer-manifest.js';
import { scanTree } from './scan.js';

const N = Number(process.env.BENCH_SCAN_FILES ?? 100_000);
const tmp = mkdtempSync(path.join(tmpdir(), 'strata-scan-bench-'));
const files = new NodeBlockFiles();
try {
  const root = path.join(tmp, 'root');
  for (let i = 0; i < N; i++) {
    const dir = path.join(root, 'usr/share', `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `f${i}`), Buffer.alloc(64 + (i % 4096), i % 251));
  }
  let t = performance.now();
  const manifest = await buildLayerManifest(files, { name: 'bench', kind: 'base', root, packages: [], sourceDateEpoch: 0 }, { allRoot: false });
  const manifestMs = performance.now() - t;
  t = performance.now();
  const r = await scanTree(files, root, [manifest]);
  const scanMs = performance.now() - t;
  console.log(`image scan of ${N.toLocaleString('en')} files (${r.checked.toLocaleString('en')} entries)`);
  console.log(`  manifest  ${(manifestMs / 1000).toFixed(2)} s`);
  console.log(`  scan      ${(scanMs / 1000).toFixed(2)} s (target < 5 s) ${scanMs < 5000 ? 'met' : 'NOT met'}; findings ${r.findings.length}; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  if (r.findings.length) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
