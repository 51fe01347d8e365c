// Real-world check: the real Azure Linux tree (overlays written against Fedora 43 of 2026-02-24)
// against Fedora rawhide of 2026-08-22 (one spec per component, no dist-git, no sources).
// Invariants, not counts: no crash, every overlay of every checked component classified exactly
// once, and the examples checked by hand against the two specs classified as verified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { SystemGit } from '../adapters/git.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { loadSelected } from '../config/load-selected.js';
import { runRebaseCheck } from './check.js';
import { REBASE_CLASSES, type RebaseClass } from './types.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const specs = path.resolve(root, '../shared/corpus/fedora-specs');

/** Hand-checked against base/comps/<c>/<c>.comp.toml and fedora-specs/<c>.spec (see src/rebase/README.md). */
const CHECKED: [string, number, RebaseClass][] = [
  ['ant', 8, 'redundant'],
  ['maven', 8, 'redundant'],
  ['javapackages-tools', 12, 'redundant'],
  ['javapackages-tools', 65, 'redundant'],
  ['javapackages-tools', 73, 'redundant'],
  ['oneapi-level-zero', 7, 'redundant'],
  ['python-pyside6', 6, 'redundant'],
  ['apache-sshd', 3, 'redundant'],
  ['glade', 5, 'redundant'],
  ['libfabric', 7, 'redundant'],
  ['onnx', 16, 'redundant'],
  ['opencv', 14, 'redundant'],
  ['anaconda-webui', 9, 'redundant'],
  ['mesa', 19, 'applies'],
  ['anaconda-webui', 15, 'applies'],
  ['apache-sshd', 15, 'applies'],
  ['apache-sshd', 21, 'applies'],
  ['elfutils', 5, 'applies'],
  ['shim-unsigned-x64', 7, 'applies'],
  ['java-25-openjdk-portable', 30, 'applies'],
  ['mesa', 13, 'applies'],
  ['java-25-openjdk-portable', 15, 'no-longer-applies'],
  ['openexr', 3, 'no-longer-applies'],
  ['zbar', 12, 'no-longer-applies'],
  ['zbar', 20, 'no-longer-applies'],
  ['openpace', 19, 'no-longer-applies'],
  ['apache-ivy', 11, 'no-longer-applies'],
  ['cloud-init', 23, 'no-longer-applies'],
  ['javassist', 5, 'no-longer-applies'],
  ['rubygem-railties', 6, 'no-longer-applies'],
  ['xclock', 4, 'no-longer-applies'],
];

test('Azure Linux tree against Fedora rawhide specs: every overlay classified once, hand-checked examples', async () => {
  const fs = new NodeFileSystem();
  const proc = new NodeProcessRunner();
  const { project, components } = await loadSelected({ fs }, { cwd: azl, all: true, names: [] });
  const r = await runRebaseCheck({ fs, git: new SystemGit(proc), proc }, project, components, { upstreamSpecs: specs });
  const withOverlays = components.filter((c) => c.spec.type === 'upstream' && c.overlays.length > 0);
  assert.deepEqual(r.components.map((c) => c.component).sort(), withOverlays.map((c) => c.name).sort());
  let total = 0;
  for (const c of r.components) {
    const rc = project.components.get(c.component)!;
    const up = rc.spec.type === 'upstream' ? rc.spec.upstreamName : rc.name;
    if (c.status === 'missing') {
      assert.ok(!existsSync(path.join(specs, `${up}.spec`)), c.component);
      assert.equal(c.diagnostics[0]!.code, 'REBASE_UPSTREAM_SPEC_MISSING');
      continue;
    }
    assert.equal(c.status, 'ok', `${c.component}: ${c.diagnostics.map((d) => d.message).join('; ')}`);
    assert.deepEqual(c.overlays.map((o) => o.index), rc.overlays.map((_, i) => i), c.component);
    for (const o of c.overlays) {
      total++;
      assert.ok(REBASE_CLASSES.includes(o.class), o.class);
      assert.deepEqual(o.definedAt, rc.overlays[o.index]!.definedAt);
      assert.equal(o.basis, 'spec');
      if (o.class === 'no-longer-applies') assert.equal(o.diagnostic?.code, 'OVERLAY_NO_MATCH');
      if (o.type.startsWith('file-')) assert.ok(o.class === 'applies' && o.unverified, `${c.component}:${o.definedAt.line}`);
    }
  }
  assert.equal(Object.values(r.counts).reduce((a, b) => a + b, 0), total);
  for (const [comp, line, cls] of CHECKED) {
    const v = r.components.find((c) => c.component === comp)?.overlays.find((o) => o.definedAt.line === line);
    assert.equal(v?.class, cls, `${comp}:${line}: ${v?.reason}`);
  }
});
