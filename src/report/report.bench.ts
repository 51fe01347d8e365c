// Config-only audit report of the real Azure Linux tree (7,583 components): load + compute + HTML.
// Target: under 5 s (issue 14).
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadProject } from '../config/load.js';
import { computeReport } from './model.js';
import { printReportHtml } from './html.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const fs = new NodeFileSystem();
const t0 = performance.now();
const { project } = await loadProject({ fs, startDir: azl });
const t1 = performance.now();
const r = await computeReport({ fs }, project);
const t2 = performance.now();
const html = printReportHtml(r);
const t3 = performance.now();
console.log(`report (config-only, ${r.summary.components} components, ${r.summary.overlays} overlays): load ${(t1 - t0).toFixed(0)} ms, compute ${(t2 - t1).toFixed(0)} ms, html ${(t3 - t2).toFixed(0)} ms (${(html.length / 1024).toFixed(0)} KiB), total ${((t3 - t0) / 1000).toFixed(2)} s (target < 5 s)`);
