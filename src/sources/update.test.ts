import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { loadProject } from '../config/load.js';
import type { ResolvedProject } from '../config/types.js';
import { StrataError } from '../diag/index.js';
import { FakeDistGit } from '../testing/git-fixtures.js';
import { writeTestProject } from '../testing/project.js';
import { updateLocks, type UpdateDeps } from './update.js';
import { computeFingerprint } from './fingerprint.js';
import { parseLockFile, printLockFile } from './lockfile.js';

const fs = new NodeFileSystem();
const deps: UpdateDeps = { git: new SystemGit(new NodeProcessRunner()), fs, sleep: async () => {} };

async function load(dir: string): Promise<ResolvedProject> {
  return (await loadProject({ fs, projectDir: dir })).project;
}

const BASH = `[components.bash]

[[components.bash.overlays]]
type = "spec-add-tag"
tag = "Provides"
value = "bash-compat"
description = "compat provide"
metadata = { category = "azl-compatibility", upstream-status = "inapplicable" }

[[components.bash.overlays]]
type = "patch-add"
source = "fix.patch"
description = "a fix"
`;
const ZLIB = `[components.zlib]\n`;

function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-update-'));
  const distGitDir = path.join(root, 'rpms');
  const bash = new FakeDistGit(root, 'bash');
  const zlib = new FakeDistGit(root, 'zlib');
  const b1 = bash.commit('f43', { 'bash.spec': 'Name: bash\nVersion: 5.2\nRelease: 1%{?dist}\n' }, 'bash 5.2', '2026-01-01T00:00:00Z');
  const z1 = zlib.commit('f43', { 'zlib.spec': 'Name: zlib\nVersion: 1.3\nRelease: 1%{?dist}\n' }, 'zlib 1.3', '2026-01-01T00:00:00Z');
  const project = path.join(root, 'project');
  writeTestProject(project, { distGitDir, components: { bash: BASH, zlib: ZLIB }, files: { 'base/comps/bash/fix.patch': '--- a\n+++ b\n' } });
  return { root, project, bash, zlib, b1, z1 };
}

test('component update: creates locks, no-op is byte-identical, a new upstream commit changes exactly that component, check-only', async () => {
  const { root, project, bash, b1, z1 } = setup();
  try {
    let p = await load(project);
    const first = await updateLocks(deps, p, [...p.components.values()]);
    assert.deepEqual(first.results.map((r) => [r.component, r.status, r.upstreamCommit, r.rule]), [
      ['bash', 'created', b1, 'head'],
      ['zlib', 'created', z1, 'head'],
    ]);
    const lockDir = path.join(project, 'locks');
    assert.deepEqual(readdirSync(lockDir), ['bash.lock', 'zlib.lock']);
    const bashLock = readFileSync(path.join(lockDir, 'bash.lock'), 'utf8');
    const parsed = parseLockFile(bashLock, 'bash.lock');
    assert.equal(parsed.upstreamCommit, b1);
    assert.equal(parsed.importCommit, b1);
    assert.match(parsed.inputFingerprint!, /^v1:sha256:[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(parsed.inputs), ['build', 'overlays', 'release', 'render', 'source', 'source-files', 'spec']);
    assert.equal(printLockFile(parsed), bashLock, 'print(parse(x)) == x');
    const zlibLock = readFileSync(path.join(lockDir, 'zlib.lock'), 'utf8');

    // Twice more with no upstream change: byte-identical, nothing written.
    for (let i = 0; i < 2; i++) {
      p = await load(project);
      const again = await updateLocks(deps, p, [...p.components.values()]);
      assert.deepEqual(again.written, []);
      assert.equal(again.changed, false);
      assert.equal(readFileSync(path.join(lockDir, 'bash.lock'), 'utf8'), bashLock);
      assert.equal(readFileSync(path.join(lockDir, 'zlib.lock'), 'utf8'), zlibLock);
    }

    // The branch gains a commit: check-only reports exactly bash, writes nothing.
    const b2 = bash.commit('f43', { 'bash.spec': 'Name: bash\nVersion: 5.3\nRelease: 1%{?dist}\n' }, 'bash 5.3', '2026-01-05T00:00:00Z');
    const check = await updateLocks(deps, p, [...p.components.values()], { checkOnly: true });
    assert.equal(check.changed, true);
    assert.deepEqual(check.results.filter((r) => r.status !== 'unchanged').map((r) => [r.component, r.previousCommit, r.upstreamCommit, r.changedInputs]), [['bash', b1, b2, ['source']]]);
    assert.deepEqual(check.written, []);
    assert.equal(readFileSync(path.join(lockDir, 'bash.lock'), 'utf8'), bashLock);
    const upd = await updateLocks(deps, p, [...p.components.values()]);
    assert.deepEqual(upd.written, [path.join(lockDir, 'bash.lock')]);
    const newLock = parseLockFile(readFileSync(path.join(lockDir, 'bash.lock'), 'utf8'), 'x');
    assert.equal(newLock.upstreamCommit, b2);
    assert.equal(newLock.importCommit, b1, 'import-commit is write-once');
    assert.equal(readFileSync(path.join(lockDir, 'zlib.lock'), 'utf8'), zlibLock);

    // An orphan lock is reported with pruneOrphans and removed unless check-only.
    writeFileSync(path.join(lockDir, 'gone.lock'), zlibLock);
    const orphanCheck = await updateLocks(deps, p, [...p.components.values()], { checkOnly: true, pruneOrphans: true });
    assert.deepEqual(orphanCheck.orphans, [path.join(lockDir, 'gone.lock')]);
    assert.equal(orphanCheck.changed, true);
    await updateLocks(deps, p, [...p.components.values()], { pruneOrphans: true });
    assert.equal(existsSync(path.join(lockDir, 'gone.lock')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('component update: errors cancel the run and write nothing; unknown pin names the config line', async () => {
  const { root, project } = setup();
  try {
    writeFileSync(path.join(project, 'base/comps/zlib/zlib.comp.toml'), `[components.zlib]\nspec = { type = "upstream", upstream-commit = "deadbeef" }\n`);
    const p = await load(project);
    await assert.rejects(updateLocks(deps, p, [...p.components.values()]), (e: StrataError) => {
      assert.equal(e.code, 'DISTGIT_COMMIT_NOT_FOUND');
      assert.match(e.diagnostics[0]!.span!.file, /zlib\.comp\.toml$/);
      assert.equal(e.diagnostics[0]!.span!.line, 2);
      return true;
    });
    assert.equal(existsSync(path.join(project, 'locks')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fingerprint: stable under description/metadata edits and unrelated keys; changes with overlays, build options, pins', async () => {
  const { root, project, b1 } = setup();
  try {
    const fp = async () => {
      const p = await load(project);
      const out: Record<string, string> = {};
      for (const c of p.components.values()) out[c.name] = (await computeFingerprint(fs, c, { upstreamCommit: b1 })).value;
      return out;
    };
    const bashFile = path.join(project, 'base/comps/bash/bash.comp.toml');
    const zlibFile = path.join(project, 'base/comps/zlib/zlib.comp.toml');
    const base = await fp();
    assert.notEqual(base['bash'], base['zlib']);
    const same = [
      { name: 'overlay description edited', file: bashFile, text: BASH.replace('compat provide', 'a different description') },
      { name: 'overlay description removed', file: bashFile, text: BASH.replace('description = "a fix"\n', '') },
      { name: 'overlay metadata edited', file: bashFile, text: BASH.replace('category = "azl-compatibility", upstream-status = "inapplicable"', 'category = "azl-pruning", upstream-status = "unknown"') },
      { name: 'metadata-only build hint added', file: bashFile, text: BASH + '\n[components.bash.build.hints]\nexpensive = true\n' },
      { name: 'publish channel added', file: bashFile, text: BASH + '\n[components.bash.publish]\nrpm-channel = "base"\n' },
    ];
    const changed = [
      { name: 'overlay value', file: bashFile, text: BASH.replace('bash-compat', 'bash-compat2') },
      { name: 'overlay removed', file: bashFile, text: BASH.split('[[components.bash.overlays]]\ntype = "patch-add"')[0]! },
      { name: 'overlay source content', file: path.join(project, 'base/comps/bash/fix.patch'), text: '--- a\n+++ c\n' },
      { name: 'build with', file: bashFile, text: BASH + '\n[components.bash.build]\nwith = ["tests"]\n' },
      { name: 'build define', file: bashFile, text: BASH + '\n[components.bash.build]\ndefines = { foo = "1" }\n' },
      { name: 'check skip', file: bashFile, text: BASH + '\n[components.bash.build.check]\nskip = true\nskip_reason = "flaky"\n' },
      { name: 'release calculation', file: bashFile, text: BASH + '\n[components.bash.release]\ncalculation = "manual"\n' },
      { name: 'pin', file: bashFile, text: BASH.replace('[components.bash]\n', `[components.bash]\nspec = { type = "upstream", upstream-commit = "${b1.slice(0, 10)}" }\n`) },
    ];
    for (const c of [...same, ...changed]) {
      const before = readFileSync(c.file, 'utf8');
      writeFileSync(c.file, c.text);
      try {
        const got = await fp();
        const expectSame = same.includes(c);
        assert.equal(got['bash'] === base['bash'], expectSame, `${c.name}: bash fingerprint ${expectSame ? 'unchanged' : 'changed'}`);
        assert.equal(got['zlib'], base['zlib'], `${c.name}: zlib untouched`);
      } finally {
        writeFileSync(c.file, before);
      }
    }
    // An unrelated key on another component never moves bash's fingerprint.
    writeFileSync(zlibFile, ZLIB + '\n[components.zlib.build]\nwith = ["x"]\n');
    const other = await fp();
    assert.equal(other['bash'], base['bash']);
    assert.notEqual(other['zlib'], base['zlib']);
    assert.deepEqual(await fp(), other, 'deterministic');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('component update: snapshot-pinned components reuse the lock without network until a resolution input changes', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-update-snap-'));
  try {
    const dg = new FakeDistGit(root, 'bash');
    const c1 = dg.commit('f43', { 'bash.spec': 'Name: bash\n' }, 'one', '2026-01-01T00:00:00Z');
    const c2 = dg.commit('f43', { 'bash.spec': 'Name: bash\nVersion: 2\n' }, 'two', '2026-01-10T00:00:00Z');
    const project = path.join(root, 'project');
    const write = (snapshot: string) => writeTestProject(project, { distGitDir: path.join(root, 'rpms'), snapshot, components: { bash: '[components.bash]\n' } });
    write('2026-01-05T00:00:00Z');
    let p = await load(project);
    const first = await updateLocks(deps, p, [...p.components.values()]);
    assert.deepEqual(first.results.map((r) => [r.upstreamCommit, r.rule]), [[c1, 'snapshot']]);
    const lock = readFileSync(path.join(project, 'locks', 'bash.lock'), 'utf8');

    // Dist-git gone: nothing to resolve, nothing fetched, lock byte-identical.
    const { renameSync } = await import('node:fs');
    renameSync(dg.bare, dg.bare + '.gone');
    let fetches = 0;
    const counting: UpdateDeps = { ...deps, git: { run: (a, o) => (a[0] === 'fetch' && fetches++, deps.git.run(a, o)), ok: (a, o) => deps.git.ok(a, o) } };
    const again = await updateLocks(counting, p, [...p.components.values()]);
    assert.deepEqual(again.results.map((r) => [r.status, r.rule]), [['unchanged', 'locked']]);
    assert.equal(fetches, 0);
    assert.equal(readFileSync(path.join(project, 'locks', 'bash.lock'), 'utf8'), lock);

    // A later snapshot is a resolution change: re-resolved from the warm mirror (fetch fails → warning).
    write('2026-01-15T00:00:00Z');
    p = await load(project);
    const moved = await updateLocks(counting, p, [...p.components.values()]);
    assert.deepEqual(moved.results.map((r) => [r.status, r.upstreamCommit, r.rule, r.changedInputs]), [['updated', c2, 'snapshot', ['source']]]);
    assert.deepEqual(moved.diagnostics.map((d) => d.code), ['DISTGIT_FETCH_FAILED']);
    assert.ok(fetches > 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fingerprint: local specs hash their directory but not the config files in it', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-fp-local-'));
  try {
    const project = path.join(root, 'project');
    const comp = (desc: string) => `[components.tool]\nspec = { type = "local", path = "tool.spec" }\n\n[[components.tool.overlays]]\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "t"\ndescription = "${desc}"\n`;
    writeTestProject(project, { distGitDir: path.join(root, 'rpms'), components: { tool: comp('one') }, files: { 'base/comps/tool/tool.spec': 'Name: tool\n', 'base/comps/tool/extra.patch': 'p\n' } });
    const lockOf = async () => {
      const p = await load(project);
      const r = await updateLocks(deps, p, [...p.components.values()], { checkOnly: true });
      return r.results[0]!;
    };
    {
      const p = await load(project);
      await updateLocks(deps, p, [...p.components.values()]);
    }
    const base = await lockOf();
    assert.equal(base.status, 'unchanged');
    assert.equal(base.upstreamCommit, undefined);
    assert.equal(base.lock.importCommit, undefined);
    const edits = [
      { name: 'description in the comp.toml beside the spec', file: 'base/comps/tool/tool.comp.toml', text: comp('two'), same: true },
      { name: 'the spec', file: 'base/comps/tool/tool.spec', text: 'Name: tool\nVersion: 2\n', same: false },
      { name: 'a sidecar file', file: 'base/comps/tool/extra.patch', text: 'q\n', same: false },
      { name: 'a new file', file: 'base/comps/tool/new.txt', text: 'n\n', same: false },
    ];
    for (const e of edits) {
      const abs = path.join(project, e.file);
      const before = existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
      writeFileSync(abs, e.text);
      try {
        const got = await lockOf();
        assert.equal(got.lock.inputFingerprint === base.lock.inputFingerprint, e.same, e.name);
        assert.deepEqual([got.status, got.changedInputs], e.same ? ['unchanged', []] : ['updated', ['source']], e.name);
      } finally {
        if (before === undefined) rmSync(abs);
        else writeFileSync(abs, before);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fingerprint: every field of the resolved component model has a decision', async () => {
  // When the config model grows a field, decide whether it changes rendered output (then add it to
  // fingerprintParts) or not, and record the decision here. Unknown overlay fields are included.
  const decided = {
    component: ['name', 'definedAt', 'file', 'groups', 'spec', 'overlays', 'overlayFiles', 'build', 'release', 'render', 'sourceFiles', 'publish', 'packages', 'origin', 'origins'],
    build: ['with', 'without', 'defines', 'undefines', 'emitUpstreamProvenance', 'check', 'failure', 'hints'],
    upstream: ['type', 'upstreamName', 'upstreamCommit', 'upstreamDistro', 'distGitUri', 'branch', 'lookasideBaseUri', 'releaseVer'],
    sourceFile: ['filename', 'hash', 'hashType', 'origin', 'replaceUpstream', 'replaceReason', 'definedAt'],
  };
  const { root, project } = setup();
  try {
    writeFileSync(
      path.join(project, 'base/comps/zlib/zlib.comp.toml'),
      `[components.zlib]\n\n[[components.zlib.source-files]]\nfilename = "a.tar.gz"\nhash = "${'a'.repeat(128)}"\nhash-type = "SHA512"\norigin = { type = "download", uri = "https://example.org/a.tar.gz" }\n`,
    );
    const p = await load(project);
    for (const c of p.components.values()) {
      const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
      const extra = (have: string[], known: string[]) => have.filter((k) => !known.includes(k));
      const proto = Object.getPrototypeOf(c) === Object.prototype ? [] : Object.getOwnPropertyNames(Object.getPrototypeOf(c)).filter((k) => k !== 'constructor');
      assert.deepEqual(extra([...keys(c), ...proto], decided.component), [], `component ${c.name}`);
      assert.deepEqual(extra(keys(c.build), decided.build), [], 'build');
      if (c.spec.type === 'upstream') assert.deepEqual(extra(keys(c.spec), decided.upstream), [], 'spec');
      for (const f of c.sourceFiles) assert.deepEqual(extra(keys(f), decided.sourceFile), [], 'source-files');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
