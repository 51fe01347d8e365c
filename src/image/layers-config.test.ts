// The Strata layer tables ([[images.NAME.layers]]): every mistake a code at its TOML position, and
// the plan a valid table gives (groups expanded, extension-release inherited, architecture named).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadProject } from '../config/load.js';
import { isStrataError, type Diagnostic } from '../diag/index.js';
import { loadImageDefinition } from './definitions.js';
import { parseRich } from './closure.js';
import { planImageLayers, printExtensionRelease } from './layers-config.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'strata-image-layers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const fs = new NodeFileSystem();
let n = 0;

const HEAD = `[package-groups.tools]\npackages = ["t1", "t2"]\n\n[images.os]\n`;

async function load(toml: string, kiwi?: string) {
  const dir = path.join(scratch, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'azldev.toml'), HEAD + toml);
  if (kiwi) writeFileSync(path.join(dir, 'os.kiwi'), kiwi);
  try {
    return { project: (await loadProject({ fs, startDir: dir })).project, diagnostics: [] as Diagnostic[] };
  } catch (e) {
    if (!isStrataError(e)) throw e;
    return { diagnostics: [...e.diagnostics] };
  }
}

const L = (body: string) => `[[images.os.layers]]\n${body}\n`;
const cases: { name: string; toml: string; code: string; line: number; col: number }[] = [
  { name: 'unknown key', toml: L('name = "base"\npackages = ["a"]\npackges = ["b"]'), code: 'CONFIG_UNKNOWN_KEY', line: 8, col: 1 },
  { name: 'unknown package group', toml: L('name = "base"\ngroups = ["tols"]'), code: 'IMAGE_LAYER_UNKNOWN_GROUP', line: 7, col: 11 },
  { name: 'duplicate layer names', toml: L('name = "base"\npackages = ["a"]') + L('name = "base"\npackages = ["b"]'), code: 'IMAGE_LAYER_DUPLICATE', line: 9, col: 8 },
  { name: 'base not first', toml: L('name = "base"\npackages = ["a"]') + L('name = "b2"\nkind = "base"\npackages = ["b"]'), code: 'IMAGE_LAYER_BASE_NOT_FIRST', line: 10, col: 8 },
  { name: 'first layer an extension', toml: L('name = "x"\nkind = "extension"\npackages = ["a"]'), code: 'IMAGE_LAYER_BASE_NOT_FIRST', line: 7, col: 8 },
  { name: 'definition-packages without a definition', toml: L('name = "base"\ndefinition-packages = true\npackages = ["a"]'), code: 'IMAGE_LAYER_DEFINITION_PACKAGES', line: 7, col: 23 },
  { name: 'empty layer', toml: L('name = "base"'), code: 'IMAGE_LAYER_EMPTY', line: 5, col: 1 },
  { name: 'extension without id', toml: L('name = "base"\npackages = ["a"]') + L('name = "ext"\npackages = ["b"]'), code: 'IMAGE_EXTENSION_RELEASE_INCOMPLETE', line: 8, col: 1 },
  { name: 'extension without level', toml: L('name = "base"\npackages = ["a"]\nextension-release = { id = "os" }') + L('name = "ext"\npackages = ["b"]'), code: 'IMAGE_EXTENSION_RELEASE_INCOMPLETE', line: 9, col: 1 },
  { name: 'bad extension-release value', toml: L('name = "base"\npackages = ["a"]\nextension-release = { id = "a b" }'), code: 'CONFIG_VALUE', line: 8, col: 28 },
  { name: 'unsafe layer name', toml: L('name = "../x"\npackages = ["a"]'), code: 'CONFIG_VALUE', line: 6, col: 8 },
];

for (const c of cases) {
  test(`layer table: ${c.name} → ${c.code} at ${c.line}:${c.col}`, async () => {
    const r = await load(c.toml);
    const d = r.diagnostics.find((x) => x.code === c.code);
    assert.ok(d, JSON.stringify(r.diagnostics.map((x) => [x.code, x.message])));
    assert.deepEqual([d.span?.line, d.span?.col], [c.line, c.col], d.message);
  });
}

test('a valid table: groups expanded, extension-release inherited from the base, architecture from the build', async () => {
  const r = await load(L('name = "base"\npackages = ["a", "b"]\nextension-release = { id = "os", sysext-level = "2" }') + L('name = "tools"\ngroups = ["tools"]\npackages = ["t1"]\nextension-release = { version-id = "7" }'));
  assert.deepEqual(r.diagnostics, []);
  const def = await loadImageDefinition(fs, r.project!, 'os', { arch: 'aarch64' });
  const plan = planImageLayers(def, r.project!, 'aarch64');
  assert.deepEqual(plan.layers.map((l) => [l.name, l.kind, l.requests.map((q) => q.name)]), [['base', 'base', ['a', 'b']], ['tools', 'extension', ['t1', 't2']]]);
  assert.deepEqual(plan.layers[1]!.extensionRelease, { id: 'os', versionId: '7', sysextLevel: '2', architecture: 'arm64' });
  assert.equal(printExtensionRelease(plan.layers[1]!.extensionRelease!), 'ID=os\nVERSION_ID=7\nSYSEXT_LEVEL=2\nARCHITECTURE=arm64\n');
});

test('a kiwi image with layers: the base takes the definition packages (definition-packages = false turns it off)', async () => {
  const kiwi = '<image name="k"><packages type="image"><package name="k1"/></packages><packages type="bootstrap"><package name="k0"/></packages></image>';
  const r = await load(`definition = { type = "kiwi", path = "os.kiwi" }\n` + L('name = "base"\npackages = ["a"]') + L('name = "ext"\npackages = ["b"]\nextension-release = { id = "_any" }'), kiwi);
  assert.deepEqual(r.diagnostics, []);
  const plan = planImageLayers(await loadImageDefinition(fs, r.project!, 'os', { arch: 'x86_64' }), r.project!, 'x86_64');
  assert.deepEqual(plan.layers[0]!.requests.map((q) => [q.name, q.origin.kind]), [['k0', 'kiwi-bootstrap'], ['k1', 'kiwi-image'], ['a', 'packages']]);
  const off = await load(`definition = { type = "kiwi", path = "os.kiwi" }\n` + L('name = "base"\ndefinition-packages = false\npackages = ["a"]'), kiwi);
  assert.deepEqual(planImageLayers(await loadImageDefinition(fs, off.project!, 'os', { arch: 'x86_64' }), off.project!, 'x86_64').layers[0]!.requests.map((q) => q.name), ['a']);
  const none = await load('description = "nothing"\n');
  assert.throws(() => planImageLayers({ image: none.project!.images.get('os')! }, none.project!, 'x86_64'), (e: unknown) => isStrataError(e) && e.code === 'IMAGE_NO_PACKAGES');
});

test('rich dependencies parse as rpm writes them', () => {
  assert.deepEqual(parseRich('(a or b >= 1.2)'), { kind: 'or', items: [{ kind: 'dep', dep: { name: 'a', op: '', version: '' } }, { kind: 'dep', dep: { name: 'b', op: '>=', version: '1.2' } }] });
  assert.deepEqual(parseRich('(libx.so.1()(64bit) if (c and d) else e)')?.kind, 'if');
  assert.equal(parseRich('(a or)'), undefined);
  assert.equal(parseRich('(a and b or c)'), undefined);
});
