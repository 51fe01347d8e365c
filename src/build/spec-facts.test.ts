// Contract test: the spec-model inspector (Strata's pure evaluator) and the rpmspec inspector
// (rpm itself) give the same SpecFacts for the example specs, under the same macros and switches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { formatDep } from './deps.js';
import { rpmspecInspector, specModelInspector, type SpecInspector } from './spec-facts.js';
import { makeTarballs, prepareExampleUnits } from '../testing/example.js';
import type { BuildUnit, SpecFacts } from './types.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
let tmp: string;
let units: BuildUnit[];

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-facts-'));
  units = prepareExampleUnits(path.join(tmp, 'prepared'), makeTarballs(path.join(tmp, 'tb')));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The facts that matter for the graph, in a comparable form (arch-specific provides like `name(x86-64)` included). */
function norm(f: SpecFacts) {
  return {
    name: f.name,
    evr: `${f.epoch ?? 0}:${f.version}-${f.release}`,
    buildRequires: f.buildRequires.map(formatDep).sort(),
    packages: f.packages.map((p) => ({ name: p.name, provides: p.provides.map(formatDep).filter((d) => !/\(x86-64\)/.test(d) && !d.startsWith(`${p.name} = `)).sort(), requires: p.requires.map(formatDep).sort() })),
  };
}

const inspectors: [string, SpecInspector][] = [
  ['spec model', specModelInspector(fs)],
  ['rpmspec', rpmspecInspector(proc)],
];

test('spec model and rpmspec agree on every example spec', async () => {
  for (const u of units) {
    const [a, b] = await Promise.all(inspectors.map(([, i]) => i.inspect(u, { dist: '.exl1' })));
    assert.deepEqual(norm(a!), norm(b!), u.name);
  }
});

test('--without switches a conditional Requires off in both inspectors', async () => {
  const greet = units.find((u) => u.name === 'greet')!;
  for (const [name, i] of inspectors) {
    const on = await i.inspect(greet, { dist: '.exl1' });
    const off = await i.inspect({ ...greet, without: ['motd'] }, { dist: '.exl1' });
    assert.ok(on.packages[0]!.requires.some((d) => d.name === 'greet-data'), name);
    assert.ok(!off.packages[0]!.requires.some((d) => d.name === 'greet-data'), name);
  }
});

test('macros loaded from a prepared macros file (%{load:}), as azldev writes `_with_X 1`, reach %bcond_with in both inspectors', async () => {
  const dir = path.join(tmp, 'loaded');
  rmSync(dir, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'x.azl.macros'), '%_with_extra 1\n%extra_dep zlib-devel >= 1.2\n');
  writeFileSync(
    path.join(dir, 'x.spec'),
    '%{load:%{_sourcedir}/x.azl.macros}\n%bcond_with extra\nName: x\nVersion: 1\nRelease: 1%{?dist}\nSummary: s\nLicense: MIT\n%if %{with extra}\nBuildRequires: %{extra_dep}\n%endif\n%description\nd\n%files\n',
  );
  const unit = { name: 'x', dir, spec: path.join(dir, 'x.spec') };
  for (const [name, i] of inspectors) {
    const f = await i.inspect(unit, { dist: '.t' });
    assert.deepEqual(f.buildRequires.map(formatDep), ['zlib-devel >= 1.2'], name);
    assert.equal(f.release, '1.t', name);
  }
});

test('spec model: %files lists give each package the paths it will own (macros expanded, directives stripped)', async () => {
  const lib = await specModelInspector(fs).inspect(units.find((u) => u.name === 'libgreet')!, { dist: '.exl1' });
  assert.deepEqual(Object.fromEntries(lib.packages.map((p) => [p.name, p.files])), {
    libgreet: ['/usr/lib64/libgreet.so.1'],
    'libgreet-devel': ['/usr/include/greet.h', '/usr/lib64/libgreet.so'],
  });
  const rel = await specModelInspector(fs).inspect(units.find((u) => u.name === 'example-release')!, { dist: '.exl1' });
  assert.deepEqual(rel.packages[0]!.files, ['/etc/example-release']);
});
