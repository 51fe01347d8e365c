// Acceptance: the real Azure Linux 4 tree (../shared/fixtures/azurelinux) loads with the numbers of
// issue 2, through the library and through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadProject } from './load.js';
import { projectToJson } from './to-json.js';
import { mapPool } from '../util/pool.js';
import { runCommand } from '../testing/run-command.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const bin = path.join(root, 'bin/strata');

/** The first load of the tree, shared by the first two tests (the second compares it with a fresh load). */
let firstLoad: ReturnType<typeof loadProject> | undefined;
const loadOnce = (): ReturnType<typeof loadProject> => (firstLoad ??= loadProject({ fs: new NodeFileSystem(), startDir: azl }));

test('Azure Linux tree: components, overlays, the check-skip group, no diagnostics', async () => {
  const { project, diagnostics } = await loadOnce();
  assert.deepEqual(diagnostics, []);
  const comps = [...project.components.values()];
  assert.equal(comps.length, 7583);
  assert.equal(comps.filter((c) => c.file.endsWith('/base/comps/components.toml')).length, 7382);
  assert.equal(comps.filter((c) => c.file.endsWith('.comp.toml')).length, 201);
  assert.equal(comps.reduce((n, c) => n + c.overlays.length, 0), 233);
  assert.equal(comps.filter((c) => c.overlays.length > 0).length, 97);
  assert.equal(comps.reduce((n, c) => n + c.overlays.filter((o) => 'package' in o && o.package).length, 0), 23);
  const group = project.componentGroups.get('check-skip-initial-failures');
  assert.equal(group?.members.length, 182);
  const members = comps.filter((c) => c.groups.includes('check-skip-initial-failures'));
  assert.equal(members.length, 182);
  for (const c of members) {
    assert.equal(c.build.check.skip, true, c.name);
    assert.ok(c.build.check.skipReason, c.name);
  }
  // the distro default supplies Fedora 43 with its snapshot
  const git = project.components.get('git')!;
  assert.equal(git.spec.type === 'upstream' && `${git.spec.upstreamDistro.name}/${git.spec.upstreamDistro.version}/${git.spec.branch}/${git.spec.upstreamDistro.snapshot}`, 'fedora/43/f43/2026-02-24T00:00:00-08:00');
  assert.equal(git.spec.type === 'upstream' && git.spec.distGitUri, 'https://src.fedoraproject.org/rpms/git.git');
  assert.equal(project.project.renderedSpecsDir, path.join(azl, 'specs'));
  assert.equal(comps.filter((c) => c.spec.type === 'local').length, 3);
  assert.equal(comps.filter((c) => c.spec.type === 'upstream' && c.spec.upstreamCommit).length, 54);
  assert.equal(comps.filter((c) => c.origin('spec.upstream-name')).length, 13);
  assert.deepEqual(comps.filter((c) => c.spec.type === 'upstream' && c.spec.upstreamName !== c.name).map((c) => c.name), ['azurelinux-rpm-config']);
  assert.equal(comps.filter((c) => c.spec.type === 'upstream' && c.spec.branch === 'rawhide').length, 2);
  assert.equal(project.images.size, 5);
  assert.equal(project.defaultPackageConfig.publish.channel, 'rpm-sdk');
});

test('Azure Linux tree: projectToJson is deterministic across loads', async () => {
  const a = JSON.stringify(projectToJson((await loadOnce()).project));
  const b = JSON.stringify(projectToJson((await loadProject({ fs: new NodeFileSystem(), startDir: azl })).project));
  assert.equal(a, b);
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCommand(process.execPath, [bin, ...args], { cwd: azl });
}

test('CLI on the Azure Linux tree: component list, config check, config dump', async () => {
  // independent runs, a few at a time (each loads the whole tree)
  const [list, check, d1, d2, t, q] = await mapPool([
    ['component', 'list', '-a', '-o', 'json'],
    ['config', 'check'],
    ['config', 'dump', '-o', 'json'],
    ['config', 'dump', '-o', 'json'],
    ['config', 'dump', '-o', 'toml'],
    ['component', 'query', 'kernel-headers', '--origin', '-o', 'json'],
  ], 3, cli);
  assert.ok(list && check && d1 && d2 && t && q);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { name: string; overlays: number; groups: string[] }[];
  assert.equal(rows.length, 7583);
  assert.equal(rows.reduce((n, r) => n + r.overlays, 0), 233);
  assert.equal(rows.filter((r) => r.groups.includes('check-skip-initial-failures')).length, 182);

  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stderr, '');
  assert.match(check.stdout, /7583 components/);

  assert.equal(d1.code, 0, d1.stderr);
  assert.ok(d1.stdout.length > 1_000_000);
  assert.equal(d1.stdout, d2.stdout, 'two dumps are byte-identical');
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(JSON.parse(JSON.stringify(parseToml(t.stdout))), JSON.parse(d1.stdout), 'the TOML dump is valid TOML with the same content');

  assert.equal(q.code, 0, q.stderr);
  const comp = JSON.parse(q.stdout) as { origins: Record<string, string>; overlays: unknown[] };
  assert.equal(comp.overlays.length, 11);
  assert.equal(comp.origins['release.calculation'], 'base/comps/kernel-headers/kernel-headers.comp.toml:9:27');
  assert.equal(comp.origins['spec.upstream-distro.version'], 'distro/azurelinux.distro.toml:38:76');
});

test('CLI: unknown component and broken project give coded diagnostics, exit 1, no stack trace', async () => {
  const q = await cli(['component', 'query', 'kernel-headrs']);
  assert.equal(q.code, 1);
  assert.match(q.stderr, /error\[COMPONENT_NOT_FOUND\]: no component matches "kernel-headrs"/);
  assert.match(q.stderr, /did you mean "kernel-headers"\?/);
  const broken = path.join(root, 'src/config/testdata/broken/many-errors-collected');
  const r = spawnSync(process.execPath, [bin, '-C', broken, 'config', 'check'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal((r.stderr.match(/error\[/g) ?? []).length, 3);
  assert.match(r.stderr, /comps\.toml:2:1: error\[CONFIG_UNKNOWN_KEY\]/);
  assert.match(r.stderr, /included from \S*many-errors-collected\/azldev\.toml:1:13/);
  assert.doesNotMatch(r.stderr, /    at /);
});
