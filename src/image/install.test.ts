// The full path on the example distro: build + sign + publish (real rpmbuild, gpg, createrepo_c),
// then the example OS image's two layers: closure against the signed repositories, rpm install
// into empty roots, LayerTrees (ownership, extension-release, digests), reproducibility, and the
// refusals (tampered package, package outside /usr in an extension, unsatisfiable dependency,
// unknown package), plus `strata image build` keeping the previous output on failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { nullSink } from '../adapters/types.js';
import { loadProject } from '../config/load.js';
import type { ResolvedProject } from '../config/types.js';
import { isStrataError } from '../diag/index.js';
import { exampleRoot, generateAttestationKey, generateSigningKey, makeTarballs, prepareExampleUnits } from '../testing/example.js';
import { runCli } from '../testing/cli.js';
import { resolveImage } from './build-trees.js';
import { installImage } from './install.js';

const fs = new NodeFileSystem();
const proc = new NodeProcessRunner();
let tmp: string;
let project: string;
let resolved: ResolvedProject;
const strata = (args: string[], cwd = project) => runCli(cwd, args, { env: { ...process.env, NO_COLOR: '1' } });

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'strata-image-install-'));
  project = path.join(tmp, 'project');
  cpSync(path.join(exampleRoot(), 'project'), project, { recursive: true });
  generateSigningKey(path.join(project, 'keys'));
  generateAttestationKey(path.join(project, 'keys'));
  const prepared = path.join(tmp, 'prepared');
  prepareExampleUnits(prepared, makeTarballs(path.join(tmp, 'tb')));
  const b = await strata(['component', 'build', '-a', '-j', '2', '--prepared', prepared, '--build-paths', path.join(tmp, 'fixed')]);
  assert.equal(b.code, 0, b.out + b.err);
  const p = await strata(['repo', 'publish']);
  assert.equal(p.code, 0, p.out + p.err);
  resolved = (await loadProject({ fs, startDir: project })).project;
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const repoDir = () => path.join(project, 'out', 'repos');

/** Every path of a tree with its type, mode and content digest or link target. */
function treeListing(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(path.join(root, r));
      const what = st.isSymbolicLink() ? `-> ${readlinkSync(path.join(root, r))}` : st.isFile() ? createHash('sha256').update(readFileSync(path.join(root, r))).digest('hex') : 'dir';
      out.push(`/${r} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs / 1000)} ${what}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

async function install(dir: string) {
  const { closure, repos } = await resolveImage(fs, resolved, { image: 'example-os', arch: 'x86_64', repoDir: repoDir() });
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const r = await installImage({ fs, proc, sink: nullSink }, closure, { rootsDir: path.join(dir, 'roots'), workDir: path.join(dir, 'work'), repos });
  return { ...r, closure, seconds: (Date.now() - t0) / 1000 };
}

test('example-os: closure and install of the base and the greet extension → LayerTrees; two installs identical', async () => {
  const a = await install(path.join(tmp, 'a'));
  const [base, greet] = a.trees;
  assert.deepEqual(a.trees.map((t) => [t.name, t.kind]), [['base', 'base'], ['greet', 'extension']]);
  // closure: libgreet stays in the base, greet-data is pulled into the extension by greet's Requires
  assert.deepEqual(base!.packages.map((p) => p.name), ['example-release', 'libgreet']);
  assert.deepEqual(greet!.packages.map((p) => p.name), ['greet', 'greet-banner', 'greet-data']);
  const greetLayer = a.closure.layers[1]!;
  assert.deepEqual(greetLayer.packages.find((p) => p.pkg.name === 'greet-data')?.reason, { kind: 'required', by: 'greet-1.0-2.exl1.x86_64', capability: 'greet-data' });
  // every owned file exists in its layer's root, and nothing else but directories and the extension-release file
  for (const t of a.trees) {
    const owned = new Set(t.packages.flatMap((p) => p.files));
    for (const f of owned) assert.ok(lstatSync(path.join(t.root, f)), `${t.name}: ${f}`);
    for (const line of treeListing(t.root)) {
      const [p, , , , what] = line.split(' ');
      if (what !== 'dir') assert.ok(owned.has(p!) || p === `/usr/lib/extension-release.d/extension-release.${t.name}`, `${t.name}: unowned ${p}`);
    }
  }
  assert.ok(base!.packages.find((p) => p.name === 'libgreet')!.files.includes('/usr/lib64/libgreet.so.1'));
  assert.ok(greet!.packages.find((p) => p.name === 'greet')!.files.includes('/usr/bin/greet'));
  assert.ok(!lstatSync(path.join(greet!.root, 'usr')).isSymbolicLink());
  assert.throws(() => lstatSync(path.join(greet!.root, 'usr/lib64/libgreet.so.1')), /ENOENT/, 'lower-layer packages are not repeated');
  assert.throws(() => lstatSync(path.join(greet!.root, 'etc')), /ENOENT/, 'an extension carries only /usr');
  assert.throws(() => lstatSync(path.join(base!.root, '.strata-rpmdb')), /ENOENT/, 'no rpmdb in a layer');
  // extension-release: inherited from the base's identity, architecture from x86_64
  assert.equal(readFileSync(path.join(greet!.root, 'usr/lib/extension-release.d/extension-release.greet'), 'utf8'), 'ID=strata-example\nVERSION_ID=1\nSYSEXT_LEVEL=1\nARCHITECTURE=x86-64\n');
  assert.deepEqual(greet!.extensionRelease, { id: 'strata-example', versionId: '1', sysextLevel: '1', architecture: 'x86-64' });
  // digests: the file's as published, header digests as rpm reports them
  for (const p of [...base!.packages, ...greet!.packages]) {
    const file = readdirSync(path.join(repoDir(), 'base')).find((f) => f.startsWith(`${p.name}-${p.version}-`))!;
    const bytes = readFileSync(path.join(repoDir(), 'base', file));
    assert.equal(p.fileSha256, createHash('sha256').update(bytes).digest('hex'), p.name);
    const q = await proc.run('rpm', ['-qp', '--nosignature', '--qf', '%{SHA256HEADER} %{SIGMD5}', path.join(repoDir(), 'base', file)]);
    assert.equal(q.stdout.trim(), `${p.sha256header} ${p.sigmd5}`, p.name);
  }
  // SOURCE_DATE_EPOCH: the newest build time of the packages, on every path
  const sde = Math.max(...a.closure.layers.flatMap((l) => l.packages.map((p) => p.pkg.buildTime!)));
  assert.equal(base!.sourceDateEpoch, sde);
  for (const t of a.trees) for (const line of treeListing(t.root)) assert.equal(Number(line.split(' ')[3]), sde, line);
  // reproducible: a second install gives the same trees
  const b = await install(path.join(tmp, 'b'));
  for (const [i, t] of a.trees.entries()) {
    assert.deepEqual(treeListing(b.trees[i]!.root), treeListing(t.root), t.name);
    assert.deepEqual(b.trees[i]!.packages, t.packages);
  }
  // the SBOM reference comes from the evidence index beside the repositories (keyed by the published file's SHA-256)
  const lib = base!.packages.find((p) => p.name === 'libgreet')!;
  assert.equal(lib.sbom, undefined, 'built from --prepared units: no evidence');
  const evidence = path.join(repoDir(), 'evidence');
  mkdirSync(evidence, { recursive: true });
  const index = path.join(evidence, 'index.json');
  const saved = (() => { try { return readFileSync(index); } catch { return undefined; } })();
  writeFileSync(index, JSON.stringify({ version: 1, attestationKey: 'K', packages: [{ file: 'libgreet.rpm', channel: 'base', component: 'libgreet', nevra: lib.nevra, sha256: lib.fileSha256, provenance: 'libgreet/l.intoto.jsonl', sboms: { spdx23: 'libgreet/l.spdx.json', spdx301: 'libgreet/l.spdx3.json', cyclonedx: 'libgreet/l.cdx.json' } }] }));
  try {
    const c = await install(path.join(tmp, 'c'));
    assert.equal(c.trees[0]!.packages.find((p) => p.name === 'libgreet')!.sbom, 'evidence/libgreet/l.spdx.json');
    assert.equal(c.trees[0]!.packages.find((p) => p.name === 'example-release')!.sbom, undefined);
  } finally {
    if (saved) writeFileSync(index, saved);
    else rmSync(index);
  }
  console.log(`install example-os: ${a.seconds.toFixed(2)} s, ${b.seconds.toFixed(2)} s (layers ${JSON.stringify(a.timings)})`);
});

test('refusals: unknown package, unsatisfiable dependency, extension outside /usr, tampered package', async () => {
  const images = path.join(project, 'images', 'example.images.toml');
  const original = readFileSync(images, 'utf8');
  const withLayers = (layers: string) => writeFileSync(images, original + layers);
  const attempt = async () => {
    const p = (await loadProject({ fs, startDir: project })).project;
    try {
      const { closure, repos } = await resolveImage(fs, p, { image: 'other', arch: 'x86_64', repoDir: repoDir() });
      const dir = mkdtempSync(path.join(tmp, 'bad-'));
      await installImage({ fs, proc, sink: nullSink }, closure, { rootsDir: path.join(dir, 'roots'), workDir: path.join(dir, 'work'), repos });
      return { diagnostics: [], dir };
    } catch (e) {
      if (!isStrataError(e)) throw e;
      return { diagnostics: e.diagnostics };
    }
  };
  try {
    withLayers('\n[images.other]\n[[images.other.layers]]\nname = "base"\npackages = ["libgret", "fortune-mini"]\n');
    let r = await attempt();
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['IMAGE_PACKAGE_NOT_FOUND', 'IMAGE_UNSATISFIED_DEPENDENCY']);
    assert.match(r.diagnostics[0]!.hint!, /did you mean "libgreet"/);
    assert.equal(r.diagnostics[0]!.span?.file, images);
    assert.match(r.diagnostics[1]!.message, /fortune-mini-1\.2-1\.exl1\.noarch requires \/bin\/sh, which no package in the repositories \(base, devel\) provides \(fortune-mini-1\.2-1\.exl1\.noarch is requested by the layer's packages\)/);
    assert.equal(r.diagnostics[1]!.span?.line, original.split('\n').length + 4);

    withLayers('\n[images.other]\n[[images.other.layers]]\nname = "base"\npackages = ["libgreet"]\nextension-release = { id = "x", sysext-level = "1" }\n[[images.other.layers]]\nname = "ext"\npackages = ["example-release"]\n');
    r = await attempt();
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['IMAGE_EXTENSION_OUTSIDE_USR']);
    assert.match(r.diagnostics[0]!.message, /layer "ext": example-release-1-1\.exl1\.noarch owns \/etc\/example-release, outside \/usr and \/opt/);

    // a package altered after publishing: refused before rpm runs
    withLayers('\n[images.other]\n[[images.other.layers]]\nname = "base"\npackages = ["greet"]\n');
    const victim = path.join(repoDir(), 'base', readdirSync(path.join(repoDir(), 'base')).find((f) => f.startsWith('greet-data-'))!);
    const good = readFileSync(victim);
    const bad = Buffer.from(good);
    bad[bad.length - 20] = bad[bad.length - 20]! ^ 1;
    writeFileSync(victim, bad);
    try {
      r = await attempt();
    } finally {
      writeFileSync(victim, good);
    }
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['IMAGE_PACKAGE_DIGEST_MISMATCH']);
    assert.match(r.diagnostics[0]!.message, /greet-data-1\.0-1\.exl1\.noarch: greet-data-1\.0-1\.exl1\.noarch\.rpm has SHA-256 [0-9a-f]{64}, the signed metadata of channel base says/);
  } finally {
    writeFileSync(images, original);
  }
});

test('strata image build: trees + layers.json; a failing build keeps the previous output', async () => {
  const r = await strata(['image', 'build', 'example-os', '--arch', 'x86_64']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^base\s+base\s+2\s+/m);
  assert.match(r.out, /^greet\s+extension\s+3\s+/m);
  const trees = path.join(project, 'out', 'images', 'example-os', 'trees');
  const layers = JSON.parse(readFileSync(path.join(trees, 'layers.json'), 'utf8')) as { layers: { name: string; root: string; packages: { nevra: string }[] }[] };
  assert.deepEqual(layers.layers.map((l) => [l.name, l.root]), [['base', 'base'], ['greet', 'greet']]);
  const before = treeListing(trees);
  // a package the repositories do not have: nothing is written, the previous trees stay
  const images = path.join(project, 'images', 'example.images.toml');
  const original = readFileSync(images, 'utf8');
  writeFileSync(images, original.replace('packages = ["example-release", "libgreet"]', 'packages = ["example-release", "libgreet", "no-such-package"]'));
  try {
    const f = await strata(['image', 'build', 'example-os', '-o', 'json']);
    assert.equal(f.code, 1);
    assert.match(f.err, /"code":"IMAGE_PACKAGE_NOT_FOUND"/);
    assert.equal((JSON.parse(f.out) as { ok: boolean }).ok, false);
  } finally {
    writeFileSync(images, original);
  }
  assert.deepEqual(treeListing(trees), before);
  assert.deepEqual(readdirSync(path.join(project, 'out', 'images', 'example-os')), ['trees']);
});
