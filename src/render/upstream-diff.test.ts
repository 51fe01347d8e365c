import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { SystemGit } from '../adapters/git.js';
import { FakeDistGit } from '../testing/git-fixtures.js';
import { writeTestProject } from '../testing/project.js';
import { loadSelected, type ProjectSelection } from '../config/load-selected.js';
import { formatDiagnostic } from '../diag/index.js';
import { updateLocks } from '../sources/update.js';
import { updateCommandResult } from '../cli/commands/component-update.js';
import { diffSourcesCommandResult } from '../cli/commands/component-diff-sources.js';
import { diffSources, type UpstreamDiff } from './upstream-diff.js';

const proc = new NodeProcessRunner();
const deps = { fs: new NodeFileSystem(), git: new SystemGit(proc), proc, clock: { now: () => new Date('2026-03-01T00:00:00Z') }, sink: () => {} };

/** What `strata component update [--check-only]` does: load and select, update the locks, print. */
async function runUpdateCommand(d: typeof deps, opts: ProjectSelection & { checkOnly: boolean }) {
  const { project, components } = await loadSelected(d, opts);
  return updateCommandResult(await updateLocks(d, project, components, { checkOnly: opts.checkOnly, pruneOrphans: opts.all }), { cwd: opts.cwd, projectDir: project.dir, checkOnly: opts.checkOnly });
}

/** What `strata component diff-sources` does: load and select, diff, print. */
async function runDiffSourcesCommand(d: typeof deps, opts: ProjectSelection) {
  const { project, components } = await loadSelected(d, opts);
  return diffSourcesCommandResult(await diffSources(d, project, components, { all: opts.all }), { cwd: opts.cwd, renderFailure: (x) => formatDiagnostic(x) });
}

const spec = (v: string) => `Name: bash\nVersion: ${v}\nRelease: 1%{?dist}\nSummary: shell\nLicense: GPLv3+\n\n%description\nshell\n\n%changelog\n* Thu Jan 01 2026 P <p@example.org> - 5.2-1\n- first\n`;

test('update reports exactly the component whose branch moved; diff-sources shows the rendered spec diff', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strata-diffsrc-'));
  try {
    const bash = new FakeDistGit(root, 'bash');
    const zlib = new FakeDistGit(root, 'zlib');
    const b1 = bash.commit('f43', { 'bash.spec': spec('5.2') }, 'bash 5.2', '2026-01-01T00:00:00Z');
    zlib.commit('f43', { 'zlib.spec': 'Name: zlib\nVersion: 1.3\nRelease: 1\nSummary: z\nLicense: Zlib\n\n%description\nz\n\n%changelog\n' }, 'zlib', '2026-01-01T00:00:00Z');
    const project = path.join(root, 'project');
    writeTestProject(project, {
      distGitDir: path.join(root, 'rpms'),
      components: {
        bash: '[components.bash]\n\n[[components.bash.overlays]]\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "sh-compat"\n',
        zlib: '[components.zlib]\n',
      },
    });
    const sel = { cwd: project, all: true, names: [] as string[] };
    const first = await runUpdateCommand(deps, { ...sel, checkOnly: false });
    assert.equal(first.exitCode, 0);
    const locks = ['bash', 'zlib'].map((n) => readFileSync(path.join(project, 'locks', `${n}.lock`), 'utf8'));

    const up = await runDiffSourcesCommand(deps, { ...sel, all: false, names: ['bash'] });
    assert.equal((up.json as UpstreamDiff[])[0]!.from, b1);
    assert.match(up.text ?? '', /up to date/);

    const b2 = bash.commit('f43', { 'bash.spec': spec('5.3') }, 'bash 5.3', '2026-01-05T00:00:00Z');
    const check = await runUpdateCommand(deps, { ...sel, checkOnly: true });
    assert.equal(check.exitCode, 1);
    const rows = (check.json as { results: { component: string; status: string; upstreamCommit: string }[] }).results;
    assert.deepEqual(rows.filter((r) => r.status !== 'unchanged').map((r) => [r.component, r.upstreamCommit]), [['bash', b2]]);
    assert.deepEqual(['bash', 'zlib'].map((n) => readFileSync(path.join(project, 'locks', `${n}.lock`), 'utf8')), locks, 'check-only writes nothing');

    const diff = await runDiffSourcesCommand(deps, { ...sel, all: false, names: ['bash'] });
    const d = (diff.json as UpstreamDiff[])[0]!;
    assert.deepEqual([d.from, d.to, d.commits.map((c) => c.subject)], [b1, b2, ['bash 5.3']]);
    assert.equal(d.rendered?.[0]?.path, 'bash.spec');
    assert.match(d.rendered![0]!.diff!, /^-Version: 5\.2$/m);
    assert.match(d.rendered![0]!.diff!, /^\+Version: 5\.3$/m);
    // The overlay is applied on both sides, so it is not part of the diff.
    assert.doesNotMatch(d.rendered![0]!.diff!, /^[+-]Provides: sh-compat$/m);
    assert.match(d.upstreamSpecDiff, /^\+Version: 5\.3$/m);
    assert.match(diff.text ?? '', /\+Version: 5\.3/);

    // After the update, nothing is left to show.
    await runUpdateCommand(deps, { ...sel, checkOnly: false });
    const after = await runDiffSourcesCommand(deps, { ...sel, all: false, names: ['bash'] });
    assert.equal((after.json as UpstreamDiff[])[0]!.commits.length, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
