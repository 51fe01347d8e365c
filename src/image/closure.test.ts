// The closure resolver on repositories written as createrepo_c primary/filelists XML: versioned
// provides, file provides from filelists, rich dependencies, lower layers, conflicts, obsoletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError } from '../diag/index.js';
import { resolveClosure } from './closure.js';
import type { ImagePlan } from './layers-config.js';
import { parseFilelistsXml, parsePrimaryXml, type RepoSet } from './repo-metadata.js';

interface P {
  name: string;
  ver?: string;
  arch?: string;
  provides?: string[];
  requires?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  files?: string[];
}
const entry = (d: string) => {
  const m = d.startsWith('(') ? [d, d] : /^(\S+)(?: (>=|<=|=|<|>) (\S+))?$/.exec(d)!;
  const flags = { '=': 'EQ', '>=': 'GE', '<=': 'LE', '<': 'LT', '>': 'GT' }[m[2] ?? ''];
  const [ver, rel] = (m[3] ?? '').split('-');
  return `<rpm:entry name="${m[1]!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}"${flags ? ` flags="${flags}" epoch="0" ver="${ver}"${rel ? ` rel="${rel}"` : ''}` : ''}/>`;
};
const section = (k: string, l?: string[]) => (l?.length ? `<rpm:${k}>${l.map(entry).join('')}</rpm:${k}>` : '');

function repo(pkgs: P[], filelists: Record<string, string[]> = {}): RepoSet {
  const xml = `<metadata packages="${pkgs.length}">${pkgs
    .map((p) => `<package type="rpm"><name>${p.name}</name><arch>${p.arch ?? 'x86_64'}</arch><version epoch="0" ver="${p.ver ?? '1'}" rel="1"/><checksum type="sha256" pkgid="YES">00</checksum><time file="1" build="100"/><location href="${p.name}.rpm"/><format>${section('provides', [`${p.name} = ${p.ver ?? '1'}-1`, ...(p.provides ?? [])])}${section('requires', p.requires)}${section('conflicts', p.conflicts)}${section('obsoletes', p.obsoletes)}${(p.files ?? []).map((f) => `<file>${f}</file>`).join('')}</format></package>`)
    .join('')}</metadata>`;
  const fl = `<filelists>${Object.entries(filelists).map(([n, fs]) => `<package pkgid="00" name="${n}" arch="x86_64"><version epoch="0" ver="1" rel="1"/>${fs.map((f) => `<file>${f}</file>`).join('')}</package>`).join('')}</filelists>`;
  const packages = parsePrimaryXml(xml, 'base', '/r/base');
  return { repoDir: '/r', keyFiles: [], channels: [{ channel: 'base', dir: '/r/base', signedBy: 'X', packages, fileLists: async () => parseFilelistsXml(fl) }] };
}

const span = { file: '/p/azldev.toml', line: 3, col: 1 };
function plan(...layers: string[][]): ImagePlan {
  return { image: 'i', arch: 'x86_64', layers: layers.map((l, i) => ({ name: `l${i}`, kind: i ? 'extension' : 'base', requests: l.map((name) => ({ name, origin: { kind: 'packages' }, span })), definedAt: span })) };
}
const names = (c: Awaited<ReturnType<typeof resolveClosure>>) => c.layers.map((l) => l.packages.map((p) => p.pkg.name));
async function codes(r: RepoSet, p: ImagePlan): Promise<string[]> {
  try {
    await resolveClosure(r, p);
    return [];
  } catch (e) {
    assert.ok(isStrataError(e));
    return e.diagnostics.map((d) => d.code);
  }
}

test('versioned provides choose the right package; lower layers are not repeated; order puts dependencies first', async () => {
  const r = repo([
    { name: 'app', requires: ['libfoo.so.1()(64bit)', 'data >= 2'] },
    { name: 'libfoo', provides: ['libfoo.so.1()(64bit)'] },
    { name: 'data', ver: '1' },
    { name: 'data-ng', provides: ['data = 3'] },
    { name: 'tool', arch: 'aarch64' },
  ]);
  const c = await resolveClosure(r, plan(['libfoo'], ['app']));
  assert.deepEqual(names(c), [['libfoo'], ['data-ng', 'app']]);
  assert.equal(c.layers[1]!.packages[0]!.reason.kind, 'required');
  assert.deepEqual(await codes(r, plan(['tool'])), ['IMAGE_PACKAGE_NOT_FOUND']);
});

test('file requires: primary files first, then filelists.xml', async () => {
  const r = repo([{ name: 'script', requires: ['/bin/sh', '/usr/share/x/y'] }, { name: 'bash', files: ['/bin/sh'] }, { name: 'xdata' }], { xdata: ['/usr/share/x', '/usr/share/x/y'] });
  assert.deepEqual(names(await resolveClosure(r, plan(['script']))), [['bash', 'xdata', 'script']]);
  const missing = repo([{ name: 'script', requires: ['/bin/sh'] }]);
  assert.deepEqual(await codes(missing, plan(['script'])), ['IMAGE_UNSATISFIED_DEPENDENCY']);
});

test('rich dependencies: or takes the first that exists; if follows the condition', async () => {
  const r = repo([{ name: 'a', requires: ['(nope or b)', '(c if b)', '(d if zz)'] }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
  assert.deepEqual(names(await resolveClosure(r, plan(['a']))), [['b', 'c', 'a']]);
  assert.deepEqual(await codes(repo([{ name: 'a', requires: ['(x or y)'] }]), plan(['a'])), ['IMAGE_UNSATISFIED_DEPENDENCY']);
});

test('conflicts and obsoletes between packages of the image are errors (also across layers)', async () => {
  const r = repo([{ name: 'a', conflicts: ['b'] }, { name: 'b' }, { name: 'c', obsoletes: ['a < 2'] }]);
  assert.deepEqual(await codes(r, plan(['a', 'b'])), ['IMAGE_PACKAGE_CONFLICT']);
  assert.deepEqual(await codes(r, plan(['a'], ['c'])), ['IMAGE_PACKAGE_CONFLICT']);
  assert.deepEqual(names(await resolveClosure(r, plan(['b'], ['c']))), [['b'], ['c']]);
});
