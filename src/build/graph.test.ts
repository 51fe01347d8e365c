import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleDiagnostics, dependentsOf, planBuildGraph, type GraphInput } from './graph.js';
import { parseDep, providesSatisfies, splitDeps } from './deps.js';
import type { Dep, SpecFacts } from './types.js';

function facts(name: string, o: { br?: string[]; pkgs?: { name: string; provides?: string[]; files?: string[] }[]; version?: string } = {}): GraphInput {
  const f: SpecFacts = {
    name,
    version: o.version ?? '1.0',
    release: '1',
    buildRequires: (o.br ?? []).map(parseDep),
    packages: (o.pkgs ?? [{ name }]).map((p) => ({ name: p.name, arch: 'x86_64', provides: (p.provides ?? []).map(parseDep), requires: [], files: p.files ?? [] })),
  };
  return { name, facts: f };
}

const cases: { name: string; input: GraphInput[]; order?: string[]; edges?: [string, string][]; external?: Record<string, string[]>; cycles?: string[][] }[] = [
  {
    name: 'plain name: library before program',
    input: [facts('prog', { br: ['lib-devel'] }), facts('lib', { pkgs: [{ name: 'lib' }, { name: 'lib-devel' }] })],
    order: ['lib', 'prog'],
    edges: [['prog', 'lib']],
  },
  {
    name: 'versioned constraint satisfied by the package EVR',
    input: [facts('prog', { br: ['lib-devel >= 1.0'] }), facts('lib', { version: '1.2', pkgs: [{ name: 'lib-devel' }] })],
    order: ['lib', 'prog'],
    edges: [['prog', 'lib']],
  },
  {
    name: 'versioned constraint not satisfied: external, no edge',
    input: [facts('prog', { br: ['lib-devel >= 2.0'] }), facts('lib', { version: '1.10', pkgs: [{ name: 'lib-devel' }] })],
    order: ['lib', 'prog'],
    edges: [],
    external: { prog: ['lib-devel >= 2.0'] },
  },
  {
    name: 'rpmvercmp, not string order: 1.10 >= 1.9',
    input: [facts('prog', { br: ['lib-devel >= 1.9'] }), facts('lib', { version: '1.10', pkgs: [{ name: 'lib-devel' }] })],
    edges: [['prog', 'lib']],
  },
  {
    name: 'virtual provide pkgconfig(x)',
    input: [facts('prog', { br: ['pkgconfig(greet) >= 1'] }), facts('lib', { pkgs: [{ name: 'lib-devel', provides: ['pkgconfig(greet) = 1.0'] }] })],
    edges: [['prog', 'lib']],
  },
  {
    name: 'file provide known from a previous build',
    input: [facts('prog', { br: ['/usr/bin/mytool'] }), facts('tool', { pkgs: [{ name: 'tool', files: ['/usr/bin/mytool'] }] })],
    edges: [['prog', 'tool']],
  },
  {
    name: 'file provide from a %files glob, before anything was built',
    input: [facts('prog', { br: ['/usr/bin/mytool-2'] }), facts('tool', { pkgs: [{ name: 'tool', files: ['/usr/bin/mytool-*'] }] })],
    edges: [['prog', 'tool']],
  },
  {
    name: 'file provide below a listed directory',
    input: [facts('prog', { br: ['/usr/share/tool/data/x.conf'] }), facts('tool', { pkgs: [{ name: 'tool', files: ['/usr/share/tool'] }] })],
    edges: [['prog', 'tool']],
  },
  {
    name: 'file provide: a sibling path does not match',
    input: [facts('prog', { br: ['/usr/share/toolbox/x'] }), facts('tool', { pkgs: [{ name: 'tool', files: ['/usr/share/tool'] }] })],
    edges: [],
    external: { prog: ['/usr/share/toolbox/x'] },
  },
  {
    name: 'rich dependency (a or b)',
    input: [facts('prog', { br: ['(nothere or lib-devel)'] }), facts('lib', { pkgs: [{ name: 'lib-devel' }] })],
    edges: [['prog', 'lib']],
  },
  {
    name: 'a spec build-requiring its own subpackage is not an edge',
    input: [facts('boot', { br: ['boot-tools'], pkgs: [{ name: 'boot' }, { name: 'boot-tools' }] })],
    order: ['boot'],
    edges: [],
    external: {},
  },
  {
    name: 'two-node cycle',
    input: [facts('a', { br: ['b'] }), facts('b', { br: ['a'] }), facts('c')],
    order: [],
    cycles: [['a', 'b', 'a']],
  },
  {
    name: 'three-node cycle reported as one closed path',
    input: [facts('x', { br: ['y'] }), facts('y', { br: ['z'] }), facts('z', { br: ['x'] })],
    cycles: [['x', 'y', 'z', 'x']],
  },
  {
    name: 'diamond: order respects every edge',
    input: [facts('top', { br: ['l', 'r'] }), facts('l', { br: ['base'] }), facts('r', { br: ['base'] }), facts('base')],
    order: ['base', 'l', 'r', 'top'],
  },
];

for (const c of cases) {
  test(`graph: ${c.name}`, () => {
    const g = planBuildGraph(c.input);
    if (c.order) assert.deepEqual(g.order, c.order);
    if (c.edges) assert.deepEqual(g.edges.map((e) => [e.from, e.to]), c.edges);
    if (c.external) assert.deepEqual(Object.fromEntries(g.external), c.external);
    if (c.cycles) assert.deepEqual(g.cycles, c.cycles);
    // Invariant: in the order, every component comes after what it build-requires.
    const pos = new Map(g.order.map((n, i) => [n, i]));
    for (const e of g.edges) if (g.order.length) assert.ok(pos.get(e.to)! < pos.get(e.from)!, `${e.to} before ${e.from}`);
  });
}

test('graph: BUILD_CYCLE diagnostic names the cycle, the dependency and the config span', () => {
  const g = planBuildGraph([facts('a', { br: ['b-devel'] }), facts('b', { br: ['a'], pkgs: [{ name: 'b-devel' }] })]);
  const span = (c: string) => ({ file: `comps/${c}.comp.toml`, line: 1, col: 1 });
  const d = cycleDiagnostics(g, span);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.code, 'BUILD_CYCLE');
  assert.equal(d[0]!.severity, 'error');
  assert.match(d[0]!.message, /a -> b -> a/);
  assert.match(d[0]!.hint ?? '', /a needs b-devel \(from b-devel\)/);
  assert.deepEqual(d[0]!.span, span('a'));
});

test('graph: dependentsOf is transitive', () => {
  const g = planBuildGraph([facts('top', { br: ['mid'] }), facts('mid', { br: ['base'] }), facts('base'), facts('other')]);
  assert.deepEqual([...dependentsOf(g, 'base')].sort(), ['mid', 'top']);
  assert.deepEqual([...dependentsOf(g, 'other')], []);
});

const depCases: { name: string; provide: string; require: string; expected: boolean }[] = [
  { name: 'unversioned require', provide: 'foo = 1.0-1', require: 'foo', expected: true },
  { name: 'unversioned provide', provide: 'foo', require: 'foo >= 9', expected: true },
  { name: '>= equal', provide: 'foo = 1.0-1', require: 'foo >= 1.0', expected: true },
  { name: '>= lower', provide: 'foo = 0.9-1', require: 'foo >= 1.0', expected: false },
  { name: '< ', provide: 'foo = 0.9-1', require: 'foo < 1.0', expected: true },
  { name: '= without release matches any release', provide: 'foo = 1.0-7', require: 'foo = 1.0', expected: true },
  { name: 'epoch wins', provide: 'foo = 1:0.1-1', require: 'foo >= 2.0', expected: true },
  { name: 'tilde sorts before', provide: 'foo = 1.0~rc1-1', require: 'foo >= 1.0', expected: false },
  { name: 'different name', provide: 'bar = 1', require: 'foo', expected: false },
];
for (const c of depCases) {
  test(`deps: ${c.name}`, () => assert.equal(providesSatisfies(parseDep(c.provide), parseDep(c.require)), c.expected));
}

test('deps: splitDeps keeps name op version triples together', () => {
  const d: Dep[] = splitDeps('gcc, make libgreet-devel >= 1.0');
  assert.deepEqual(d, [
    { name: 'gcc', op: '', version: '' },
    { name: 'make', op: '', version: '' },
    { name: 'libgreet-devel', op: '>=', version: '1.0' },
  ]);
});
