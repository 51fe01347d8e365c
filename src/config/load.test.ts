import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { isStrataError, type Diagnostic } from '../diag/index.js';
import { findProjectRoot } from './discover.js';
import { loadProject } from './load.js';
import { globToRegExp, selectComponents } from './select.js';
import { loadSelected } from './load-selected.js';
import { projectToJson } from './to-json.js';
import type { ResolvedProject } from './types.js';

/** Every directory these tests make, removed when they end. */
const scratch = mkdtempSync(path.join(tmpdir(), 'strata-config-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const fs = new NodeFileSystem();

const DISTRO = `
[project]
default-distro = { name = "fedora" }

[distros.fedora]
default-version = "43"
dist-git-base-uri = "https://src.example.org/rpms/$pkg.git"
lookaside-base-uri = "https://src.example.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename"

[distros.fedora.versions.43]
release-ver = "43"
dist-git-branch = "f43"

[distros.fedora.versions.43.default-component-config]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }

[distros.fedora.versions.rawhide]
release-ver = "44"
dist-git-branch = "rawhide"
`;

function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(scratch, 'strata-config-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

async function load(files: Record<string, string>): Promise<ResolvedProject> {
  return (await loadProject({ fs, projectDir: writeProject(files) })).project;
}

async function loadErrors(files: Record<string, string>): Promise<readonly Diagnostic[]> {
  try {
    await loadProject({ fs, projectDir: writeProject(files) });
  } catch (e) {
    if (isStrataError(e)) return e.diagnostics;
    throw e;
  }
  assert.fail('expected the load to fail');
}

test('bare, upstream and local components resolve with inherited distro defaults', async () => {
  const p = await load({
    'azldev.toml': `includes = ["comps/**/*.comp.toml"]\n${DISTRO}\n[components.bash]\n[components.rust-foo]\nspec = { type = "upstream", upstream-name = "rust-foo0.1", upstream-commit = "ABCDEF1" }\n[components.edge]\nspec = { upstream-distro = { name = "fedora", version = "rawhide" } }\n`,
    'comps/mine/mine.comp.toml': '[components.mine]\nspec = { type = "local", path = "mine.spec" }\n',
    'comps/mine/mine.spec': 'Name: mine\n',
  });
  const bash = p.components.get('bash')!;
  assert.deepEqual(bash.spec, {
    type: 'upstream',
    upstreamName: 'bash',
    upstreamDistro: { name: 'fedora', version: '43', snapshot: '2026-02-24T00:00:00-08:00' },
    distGitUri: 'https://src.example.org/rpms/bash.git',
    branch: 'f43',
    lookasideBaseUri: 'https://src.example.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename',
    releaseVer: '43',
  });
  const rf = p.components.get('rust-foo')!;
  assert.equal(rf.spec.type === 'upstream' && rf.spec.distGitUri, 'https://src.example.org/rpms/rust-foo0.1.git');
  assert.equal(rf.spec.type === 'upstream' && rf.spec.upstreamCommit, 'abcdef1');
  const edge = p.components.get('edge')!;
  assert.equal(edge.spec.type === 'upstream' && edge.spec.branch, 'rawhide');
  const mine = p.components.get('mine')!;
  assert.equal(mine.spec.type, 'local');
  assert.equal(mine.spec.type === 'local' && mine.spec.path, path.join(p.dir, 'comps/mine/mine.spec'));
  assert.equal(mine.release.calculation, 'auto');
  assert.deepEqual([...p.components.keys()], ['bash', 'edge', 'mine', 'rust-foo']);
  assert.equal(p.project.renderedSpecsDir, path.join(p.dir, 'specs'));
  assert.equal(p.project.lockDir, path.join(p.dir, 'locks'));
  assert.deepEqual(p.defaultDistro, { name: 'fedora', version: '43' });
});

test('inheritance: distro default → project default → groups by name → component; per-field rules', async () => {
  const p = await load({
    'azldev.toml': `${DISTRO}
[default-component-config.build]
with = ["tests"]
defines = { vendor = "azl", dist = ".azl4" }

[component-groups.b-group]
components = ["a"]
default-component-config = { build = { with = ["docs"], check = { skip = true, skip_reason = "flaky" } } }

[component-groups.a-group]
components = ["a", "b"]
default-component-config = { build = { defines = { vendor = "group-a" } }, release = { calculation = "manual" } }

[components.a]
build = { with = ["own"], check = { skip = false }, defines = { dist = ".x" } }

[components.b]
`,
  });
  const a = p.components.get('a')!;
  assert.deepEqual(a.groups, ['a-group', 'b-group']);
  assert.deepEqual(a.build.with, ['tests', 'docs', 'own'], 'lists append in layer order (groups sorted by name)');
  assert.equal(a.build.check.skip, false, 'Strata: a later layer can set false (azldev cannot)');
  assert.deepEqual(a.build.defines, { dist: '.x', vendor: 'group-a' }, 'maps merge by key');
  assert.equal(a.release.calculation, 'manual');
  const b = p.components.get('b')!;
  assert.equal(b.build.check.skip, false);
  assert.deepEqual(b.build.defines, { dist: '.azl4', vendor: 'group-a' });
  // origins point at the layer that set each value
  // (DISTRO fills lines 1-19; the test's own text starts at line 21)
  assert.equal(a.origin('build.check.skip')!.line, 34);
  assert.equal(b.origin('build.check.skip'), undefined, 'b never sets check.skip');
  assert.equal(b.origin('release.calculation')!.line, 31);
  assert.equal(b.origin('build.defines.dist')!.line, 23);
  assert.equal(a.origin('build.defines.dist')!.line, 34);
  assert.equal(a.origin('spec.upstream-distro.snapshot')!.line, 15);
});

test('overlay-files: replaced not appended, [] disables, azldev order (basename, then path), after inline overlays', async () => {
  const meta = '[metadata]\ncategory = "azl-compatibility"\nupstream-status = "inapplicable"\n';
  const ov = (tag: string) => `${meta}\n[[overlays]]\ntype = "spec-add-tag"\ntag = "BuildRequires"\nvalue = "${tag}"\n`;
  const p = await load({
    'azldev.toml': `includes = ["comps/**/*.comp.toml"]\n${DISTRO}\n[default-component-config]\noverlay-files = ["*.overlay.toml"]\n`,
    'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["z/*.overlay.toml", "*.overlay.toml", "b.overlay.toml"]\n\n[[components.a.overlays]]\ntype = "spec-remove-tag"\ntag = "Recommends"\n',
    'comps/a/b.overlay.toml': ov('b'),
    'comps/a/z/a.overlay.toml': ov('z-a'),
    'comps/a/c.overlay.toml': ov('c'),
    'comps/a/a.overlay.toml': ov('a'),
    'comps/off/off.comp.toml': '[components.off]\noverlay-files = []\n',
    'comps/off/x.overlay.toml': ov('never'),
    'comps/inh/inh.comp.toml': '[components.inh]\n',
    'comps/inh/i.overlay.toml': ov('inherited'),
  });
  const inh = p.components.get('inh')!;
  assert.deepEqual(inh.overlays.map((o) => o.type === 'spec-add-tag' && o.value), ['inherited'], 'inherited patterns resolve in the component\'s own directory');
  assert.equal(inh.origin('overlay-files')!.file, path.join(p.dir, 'azldev.toml'));
  const a = p.components.get('a')!;
  assert.deepEqual(
    a.overlays.map((o) => (o.type === 'spec-add-tag' ? o.value : o.type)),
    ['spec-remove-tag', 'z-a', 'a', 'b', 'c'],
  );
  assert.equal(a.overlays[1]!.metadata?.category, 'azl-compatibility');
  assert.equal(a.overlays[1]!.overlayFile, path.join(p.dir, 'comps/a/z/a.overlay.toml'));
  assert.equal(a.overlayFiles.length, 4);
  assert.deepEqual(p.components.get('off')!.overlays, []);
});

test('includes: glob without match is fine, diamonds load once, order is depth-first pre-order', async () => {
  const p = await load({
    'azldev.toml': `includes = ["a.toml", "b.toml", "none/*.toml"]\n${DISTRO}`,
    'a.toml': 'includes = ["shared.toml"]\n[components.a]\n',
    'b.toml': 'includes = ["shared.toml"]\n[components.b]\n',
    'shared.toml': '[components.shared]\n',
  });
  assert.deepEqual(
    p.files.map((f) => path.relative(p.dir, f.path)),
    ['azldev.toml', 'a.toml', 'shared.toml', 'b.toml'],
  );
  assert.equal(p.files[2]!.includeChain.length, 2);
  assert.equal(p.components.size, 3);
});

test('group specs discover local components; strata.toml is accepted; extra config files merge last', async () => {
  const dir = writeProject({
    'strata.toml': `${DISTRO}\n[component-groups.local]\nspecs = ["SPECS/**/*.spec"]\nexcluded-paths = ["SPECS/skip/**"]\n`,
    'SPECS/foo/foo.spec': 'Name: foo\n',
    'SPECS/skip/bar.spec': 'Name: bar\n',
    'extra.toml': '[distros.fedora]\ndist-git-base-uri = "git://mirror/$pkg"\n',
  });
  const { project: p } = await loadProject({ fs, startDir: path.join(dir, 'SPECS/foo'), extraConfigFiles: [path.join(dir, 'extra.toml')] });
  assert.equal(p.rootFile, path.join(dir, 'strata.toml'));
  assert.deepEqual([...p.components.keys()], ['foo']);
  const foo = p.components.get('foo')!;
  assert.equal(foo.spec.type, 'local');
  assert.deepEqual(foo.groups, ['local']);
  assert.equal(p.distros.get('fedora')!.distGitBaseUri, 'git://mirror/$pkg');
});

test('findProjectRoot walks upward and fails with PROJECT_NOT_FOUND', async () => {
  const dir = writeProject({ 'azldev.toml': DISTRO, 'a/b/c/.keep': '' });
  assert.equal((await findProjectRoot(fs, path.join(dir, 'a/b/c'))).dir, dir);
  const empty = mkdtempSync(path.join(scratch, 'strata-none-'));
  await assert.rejects(findProjectRoot(fs, empty), (e: unknown) => isStrataError(e) && e.code === 'PROJECT_NOT_FOUND');
});

test('signing extension: paths relative to the declaring file', async () => {
  const p = await load({ 'azldev.toml': `includes = ["keys/keys.toml"]\n${DISTRO}`, 'keys/keys.toml': '[signing]\nkey-file = "secret.asc"\npublic-key-file = "public.asc"\nkey-id = "0123456789ABCDEF"\n' });
  assert.equal(p.signing?.keyFile, path.join(p.dir, 'keys/secret.asc'));
  assert.equal(p.signing?.publicKeyFile, path.join(p.dir, 'keys/public.asc'));
  assert.equal(p.signing?.keyId, '0123456789ABCDEF');
  assert.deepEqual([...p.signing!.origins].map(([k, v]) => [k, path.basename(v.file), v.line, v.col]), [['key-file', 'keys.toml', 2, 12], ['key-id', 'keys.toml', 4, 10], ['public-key-file', 'keys.toml', 3, 19]]);
});

test('every overlay type parses into its union member', async () => {
  const p = await load({
    'azldev.toml': `${DISTRO}
[components.a]
overlays = [
  { type = "spec-add-tag", tag = "BuildRequires", value = "make" },
  { type = "spec-insert-tag", tag = "Requires", value = "b", package = "devel" },
  { type = "spec-set-tag", tag = "Version", value = "1" },
  { type = "spec-update-tag", tag = "Release", value = "2%{?dist}" },
  { type = "spec-remove-tag", tag = "Recommends" },
  { type = "spec-prepend-lines", lines = ["%global x 1"] },
  { type = "spec-append-lines", section = "%files", package = "devel", lines = ["/x"] },
  { type = "spec-search-replace", regex = "^make\\\\s+check$", replacement = "true", section = "%check" },
  { type = "spec-remove-section", section = "%check" },
  { type = "spec-remove-subpackage", package = "docs" },
  { type = "patch-add", source = "fix.patch" },
  { type = "patch-remove", file = "old-*.patch" },
  { type = "file-prepend-lines", file = "conf/*.conf", lines = ["# x"] },
  { type = "file-search-replace", file = "configure", regex = "-Werror", replacement = "", archive = "a-1.tar.gz" },
  { type = "file-add", file = "extra.conf", source = "extra.conf" },
  { type = "file-remove", file = "bundled/**" },
  { type = "file-rename", file = "a.conf", replacement = "b.conf" },
]
source-files = [{ filename = "a-1.tar.gz", origin = { type = "overlay" }, replace-upstream = true, replace-reason = "patched in place" }]
`,
    'fix.patch': '--- a\n+++ b\n',
    'extra.conf': 'x=1\n',
  });
  const a = p.components.get('a')!;
  assert.equal(a.overlays.length, 17);
  const patch = a.overlays[10]!;
  assert.equal(patch.type, 'patch-add');
  if (patch.type === 'patch-add') {
    assert.equal(patch.source, path.join(p.dir, 'fix.patch'));
    assert.equal(patch.file, 'fix.patch');
  }
  assert.equal(a.overlays[7]!.type === 'spec-search-replace' && a.overlays[7]!.regex, '^make\\s+check$');
  assert.equal(a.overlays[16]!.definedAt.line, 39);
});

test('warnings are returned, not thrown: a field the overlay type does not use', async () => {
  const dir = writeProject({ 'azldev.toml': `${DISTRO}\n[[components.a.overlays]]\ntype = "spec-add-tag"\ntag = "A"\nvalue = "b"\nsection = "%files"\n` });
  const r = await loadProject({ fs, projectDir: dir });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.span?.line]), [['CONFIG_UNUSED_KEY', 'warning', 25]]);
});

test('[project] values record where they were written; defaults have no origin', async () => {
  const p = await load({ 'azldev.toml': `includes = ["dirs.toml"]\n${DISTRO}`, 'dirs.toml': '[project]\nwork-dir = "w"\n\noutput-dir = "o"\nlock-dir = "l"\n' });
  assert.deepEqual([...p.project.origins].map(([k, s]) => [k, path.basename(s.file), s.line, s.col]), [['default-distro', 'azldev.toml', 4, 18], ['lock-dir', 'dirs.toml', 5, 12], ['output-dir', 'dirs.toml', 4, 14], ['work-dir', 'dirs.toml', 2, 12]]);
  assert.equal(p.project.origins.get('log-dir'), undefined);
  assert.equal(p.project.outputDir, path.join(p.dir, 'o'));
});

test('a later file can set a project value back to empty/false', async () => {
  const p = await load({
    'azldev.toml': `includes = ["more.toml"]\n${DISTRO}\n[distros.other]\ndisable-origins = true\ndescription = "Other"\n`,
    'more.toml': '[distros.other]\ndisable-origins = false\ndescription = ""\n',
  });
  assert.equal(p.distros.get('other')!.disableOrigins, false);
  assert.equal(p.distros.get('other')!.description, '');
});

test('selectComponents: -a, globs, groups, and coded errors for misses', async () => {
  const p = await load({ 'azldev.toml': `${DISTRO}\n[components.bash]\n[components.bash-completion]\n[components.zsh]\n[component-groups.shells]\ncomponents = ["zsh"]\n` });
  assert.equal(selectComponents(p, { all: true }).length, 3);
  assert.deepEqual(selectComponents(p, { patterns: ['bash*'] }).map((c) => c.name), ['bash', 'bash-completion']);
  assert.deepEqual(selectComponents(p, { patterns: ['bash'], groups: ['shells'] }).map((c) => c.name), ['bash', 'zsh']);
  assert.throws(() => selectComponents(p, { patterns: ['bsh', 'nomatch*'] }), (e: unknown) => isStrataError(e) && e.diagnostics.length === 2 && e.diagnostics[0]!.code === 'COMPONENT_NOT_FOUND' && /bash/.test(e.diagnostics[0]!.hint ?? ''));
  assert.throws(() => selectComponents(p, { groups: ['shell'] }), (e: unknown) => isStrataError(e) && e.code === 'UNKNOWN_GROUP');
  assert.throws(() => selectComponents(p, {}), (e: unknown) => isStrataError(e) && e.code === 'NO_COMPONENT_SELECTED');
});

test('loadSelected: -C relative to cwd and searched upward; names and groups; warnings are returned', async () => {
  const dir = writeProject({
    'azldev.toml': `${DISTRO}\n[components.bash]\n[[components.bash.overlays]]\ntype = "spec-add-tag"\ntag = "A"\nvalue = "b"\nsection = "%files"\n[components.zsh]\n[components.fish]\n[component-groups.shells]\ncomponents = ["zsh"]\n`,
    'sub/dir/.keep': '',
  });
  const r = await loadSelected({ fs }, { cwd: dir, projectDir: 'sub/dir', all: false, names: ['bash'], groups: ['shells'] });
  assert.equal(r.project.dir, dir);
  assert.deepEqual(r.components.map((c) => c.name), ['bash', 'zsh']);
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.code, d.span?.line]), [['warning', 'CONFIG_UNUSED_KEY', 26]]);
  await assert.rejects(loadSelected({ fs }, { cwd: path.join(dir, 'sub'), all: false, names: [], groups: ['shell'] }), (e: unknown) => isStrataError(e) && e.code === 'UNKNOWN_GROUP');
});

const globCases: { name: string; input: [string, string]; expected: boolean }[] = [
  { name: 'star', input: ['python-*', 'python-foo'], expected: true },
  { name: 'star is whole-name', input: ['python-*', 'xpython-foo'], expected: false },
  { name: 'question mark', input: ['rust-a?', 'rust-ab'], expected: true },
  { name: 'class', input: ['[a-c]*', 'bash'], expected: true },
  { name: 'negated class', input: ['[!a-c]*', 'bash'], expected: false },
  { name: 'dots are literal', input: ['a.b', 'axb'], expected: false },
];
for (const c of globCases) {
  test(`globToRegExp: ${c.name}`, () => assert.equal(globToRegExp(c.input[0]).test(c.input[1]), c.expected));
}

test('errors are collected across files, each with file:line:col', async () => {
  const ds = await loadErrors({
    'azldev.toml': `includes = ["x.toml"]\n${DISTRO}\n[components.a]\nrelease = { calculation = "never" }\n`,
    'x.toml': '[components.b]\nbuild = { wiht = ["x"] }\n',
  });
  assert.deepEqual(
    ds.map((d) => [d.code, path.basename(d.span!.file), d.span!.line, d.span!.col]),
    [
      ['CONFIG_VALUE', 'azldev.toml', 23, 27],
      ['CONFIG_UNKNOWN_KEY', 'x.toml', 2, 11],
    ],
  );
  assert.equal(ds[1]!.hint, 'did you mean `with`?');
  assert.equal(ds[1]!.includeChain?.length, 1);
});

test('projectToJson is deterministic and path-relative', async () => {
  const files = { 'azldev.toml': `${DISTRO}\n[components.b]\n[components.a]\nbuild = { defines = { z = "1", a = "2" } }\n` };
  const a = JSON.stringify(projectToJson(await load(files)));
  const b = JSON.stringify(projectToJson(await load(files)));
  assert.equal(a.replace(/"dir":"[^"]*"/, ''), b.replace(/"dir":"[^"]*"/, ''));
  assert.ok(a.indexOf('"a":{') < a.indexOf('"b":{'), 'components sorted');
  assert.ok(!a.includes(scratch) || a.startsWith('{"dir"'), 'paths are project-relative');
});

/** azldev's required fields per overlay type (research §3.7), written out independently of OVERLAY_FIELDS. */
const REQUIRED: Record<string, string[]> = {
  'spec-add-tag': ['tag', 'value'],
  'spec-insert-tag': ['tag', 'value'],
  'spec-set-tag': ['tag', 'value'],
  'spec-update-tag': ['tag', 'value'],
  'spec-remove-tag': ['tag'],
  'spec-prepend-lines': ['lines'],
  'spec-append-lines': ['lines'],
  'spec-search-replace': ['regex'],
  'spec-remove-section': ['section'],
  'spec-remove-subpackage': ['package'],
  'patch-add': ['source'],
  'patch-remove': ['file'],
  'file-prepend-lines': ['file', 'lines'],
  'file-search-replace': ['file', 'regex'],
  'file-add': ['file', 'source'],
  'file-remove': ['file'],
  'file-rename': ['file', 'replacement'],
};
const SAMPLE: Record<string, string> = { tag: '"Requires"', value: '"x"', lines: '["x"]', regex: '"x+"', section: '"%check"', package: '"docs"', source: '"p.patch"', file: '"a.conf"', replacement: '"b.conf"' };

for (const [type, required] of Object.entries(REQUIRED)) {
  test(`overlay ${type}: complete is accepted; each required field missing is OVERLAY_MISSING_FIELD`, async () => {
    const body = (omit?: string) => required.filter((f) => f !== omit).map((f) => `${f} = ${SAMPLE[f]}`).join('\n');
    const ok = await load({ 'azldev.toml': `${DISTRO}\n[[components.a.overlays]]\ntype = "${type}"\n${body()}\n`, 'p.patch': '' });
    assert.equal(ok.components.get('a')!.overlays[0]!.type, type);
    for (const f of required) {
      const ds = await loadErrors({ 'azldev.toml': `${DISTRO}\n[[components.a.overlays]]\ntype = "${type}"\n${body(f)}\n`, 'p.patch': '' });
      assert.deepEqual(ds.filter((d) => d.severity === 'error').map((d) => [d.code, d.span?.line]), [['OVERLAY_MISSING_FIELD', 21]], `${type} without ${f}`);
      assert.match(ds[0]!.message, new RegExp(`\`${f}\``));
    }
  });
}

test('attestation extension: paths relative to the declaring file, origins, merge, JSON dump', async () => {
  const p = await load({
    'azldev.toml': `includes = ["keys/keys.toml"]\n${DISTRO}\n[attestation]\ntrusted-keys = ["old.pub.pem"]\n`,
    'keys/keys.toml': '[attestation]\nkey-file = "attestation-key.pem"\npublic-key-file = "attestation-key.pub.pem"\ntrusted-keys = ["release.pub.pem", "../builder.pub.pem"]\n',
  });
  const a = p.attestation!;
  assert.equal(a.keyFile, path.join(p.dir, 'keys/attestation-key.pem'));
  assert.equal(a.publicKeyFile, path.join(p.dir, 'keys/attestation-key.pub.pem'));
  // an included file merges after the file that includes it: its trusted-keys replaces the list (and the list's origins)
  assert.deepEqual(a.trustedKeys, [path.join(p.dir, 'keys/release.pub.pem'), path.join(p.dir, 'builder.pub.pem')]);
  assert.deepEqual([...a.origins].map(([k, v]) => [k, path.basename(v.file), v.line, v.col]), [['key-file', 'keys.toml', 2, 12], ['public-key-file', 'keys.toml', 3, 19], ['trusted-keys', 'keys.toml', 4, 16], ['trusted-keys[0]', 'keys.toml', 4, 17], ['trusted-keys[1]', 'keys.toml', 4, 36]]);
  assert.deepEqual([path.basename(a.definedAt.file), a.definedAt.line], ['keys.toml', 1]);
  const json = projectToJson(p) as { attestation: Record<string, unknown> };
  assert.deepEqual(json.attestation, { keyFile: 'keys/attestation-key.pem', publicKeyFile: 'keys/attestation-key.pub.pem', trustedKeys: ['keys/release.pub.pem', 'builder.pub.pem'], definedAt: 'keys/keys.toml:1:1' });

  const only = await load({ 'azldev.toml': `${DISTRO}\n[attestation]\ntrusted-keys = ["keys/a.pem", "keys/b.pem"]\n` });
  assert.deepEqual(only.attestation?.trustedKeys.map((k) => path.relative(only.dir, k)), ['keys/a.pem', 'keys/b.pem']);
  assert.equal(only.attestation?.keyFile, undefined);
  assert.equal((await load({ 'azldev.toml': DISTRO })).attestation, undefined);
});

test('attestation extension: paths may not leave the project; unknown keys and wrong types are coded', async () => {
  const d = await loadErrors({ 'azldev.toml': `${DISTRO}\n[attestation]\nkey-file = "../secret.pem"\npublic-key-file = "/etc/key.pem"\ntrusted-keys = ["ok.pem", "../../x.pem", 3]\nkey-id = "x"\n` });
  assert.deepEqual(
    d.map((x) => [x.code, x.span?.line, x.span?.col]),
    [
      ['PATH_ESCAPES_PROJECT', 22, 12],
      ['PATH_ESCAPES_PROJECT', 23, 19],
      ['CONFIG_TYPE', 24, 42],
      ['PATH_ESCAPES_PROJECT', 24, 27],
      ['CONFIG_UNKNOWN_KEY', 25, 1],
    ],
  );
});

test('includes that are not regular files: a FIFO, a symlink loop, a symlink out of the project, each coded at the include; a glob skips what it cannot read', async () => {
  const { symlinkSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const base = '[project]\n';
  for (const [name, make, code] of [
    ['fifo', (d: string) => spawnSync('mkfifo', [path.join(d, 'x.toml')]), 'INCLUDE_NOT_A_FILE'],
    ['loop', (d: string) => (symlinkSync('y.toml', path.join(d, 'x.toml')), symlinkSync('x.toml', path.join(d, 'y.toml'))), 'INCLUDE_NOT_A_FILE'],
    ['outside', (d: string) => symlinkSync('/etc/hostname', path.join(d, 'x.toml')), 'PATH_ESCAPES_PROJECT'],
  ] as const) {
    const dir = writeProject({ 'azldev.toml': `includes = ["x.toml"]\n${base}` });
    make(dir);
    let diags: readonly Diagnostic[] = [];
    try {
      await loadProject({ fs, projectDir: dir });
      assert.fail(`${name}: expected the load to fail`);
    } catch (e) {
      assert.ok(isStrataError(e), `${name}: ${String(e)}`);
      diags = e.diagnostics;
    }
    assert.equal(diags[0]?.code, code, `${name}: ${JSON.stringify(diags)}`);
    assert.equal(diags[0]?.span?.line, 1, name);
  }
  // a glob: a FIFO is not read (no hang), nor a symlink loop; the regular file beside them is loaded
  const dir = writeProject({ 'azldev.toml': `includes = ["inc/*.toml"]\n${base}`, 'inc/a.toml': '[components.a]\nspec = { type = "local", path = "a.spec" }\n', 'inc/a.spec': 'Name: a\n' });
  spawnSync('mkfifo', [path.join(dir, 'inc', 'b.toml')]);
  symlinkSync('c.toml', path.join(dir, 'inc', 'c.toml'));
  const r = await loadProject({ fs, projectDir: dir });
  assert.deepEqual([...r.project.components.keys()], ['a']);
  // whatever the glob lister returns of them, nothing but regular files is read, and nothing is an error
  assert.ok(r.diagnostics.every((d) => d.severity !== 'error' && (d.code !== 'INCLUDE_NOT_A_FILE' || d.severity === 'warning')), JSON.stringify(r.diagnostics));
});
