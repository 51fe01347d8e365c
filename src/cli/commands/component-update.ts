import * as path from 'node:path';
import type { Command } from 'commander';
import type { UpdateResult } from '../../sources/update.js';
import { diagnosticToJson } from '../../diag/index.js';
import type { CommandHost } from '../host.js';
import { loadSelectedForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface UpdateFlags {
  all?: boolean;
  package?: string[];
  checkOnly?: boolean;
  offline?: boolean;
  force?: boolean;
}

const short = (s?: string) => (s ? s.slice(0, 12) : '');

/** The lock update as the CLI prints it: table, summary line, JSON (paths relative to the project), exit code. */
export function updateCommandResult(r: UpdateResult, v: { readonly cwd: string; readonly projectDir: string; readonly checkOnly: boolean }): CommandResult {
  const changed = r.results.filter((x) => x.status !== 'unchanged');
  const lines: string[] = [];
  if (v.checkOnly && r.changed) {
    lines.push(`locks are stale; ${changed.length} component(s) would change: ${changed.map((x) => x.component).join(', ')}`);
    for (const o of r.orphans) lines.push(`  orphan lock: ${path.relative(v.cwd, o)}`);
    lines.push('hint: run `strata component update` to rewrite them');
  } else if (!v.checkOnly) {
    lines.push(`${changed.length} lock(s) written, ${r.results.length - changed.length} unchanged${r.removed.length ? `, ${r.removed.length} orphan(s) removed` : ''}`);
  }
  return {
    json: {
      checkOnly: v.checkOnly,
      changed: r.changed,
      results: r.results.map((x) => ({
        component: x.component,
        lock: path.relative(v.projectDir, x.lockPath),
        status: x.status,
        ...(x.upstreamCommit ? { upstreamCommit: x.upstreamCommit } : {}),
        ...(x.previousCommit ? { previousCommit: x.previousCommit } : {}),
        ...(x.rule ? { rule: x.rule } : {}),
        commitChanged: x.commitChanged,
        fingerprintChanged: x.fingerprintChanged,
        changedInputs: x.changedInputs,
        inputFingerprint: x.lock.inputFingerprint,
      })),
      orphans: r.orphans.map((o) => path.relative(v.projectDir, o)),
      removed: r.removed.map((o) => path.relative(v.projectDir, o)),
      diagnostics: r.diagnostics.map((d) => diagnosticToJson(d, v.cwd)),
    },
    table: {
      columns: ['component', 'status', 'commit', 'rule', 'changed inputs'],
      rows: r.results.map((x) => [
        x.component,
        v.checkOnly && x.status !== 'unchanged' ? `stale (${x.status === 'created' ? 'missing' : 'outdated'})` : x.status,
        x.commitChanged && x.previousCommit ? `${short(x.previousCommit)} → ${short(x.upstreamCommit)}` : short(x.upstreamCommit),
        x.rule ?? '',
        x.changedInputs.join(','),
      ]),
    },
    ...(lines.length ? { text: lines.join('\n') } : {}),
    ...(r.diagnostics.length ? { diagnostics: r.diagnostics } : {}),
    exitCode: v.checkOnly && r.changed ? 1 : 0,
  };
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('update')
    .description('resolve upstream commits and write locks/<name>.lock (commit, import commit, input fingerprint)')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every component (also removes locks of components that no longer exist)')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--check-only', 'write nothing; exit 1 when any lock is missing or stale')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('--force', 're-resolve pinned/snapshotted components even when their resolution inputs did not change');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: UpdateFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const all = !!flags.all;
      const checkOnly = !!flags.checkOnly;
      const { project, components } = await loadSelectedForCli(ctx, g, { all, names: [...(flags.package ?? []), ...names] });
      const [{ updateLocks }, { checkOutputDir }] = await Promise.all([import('../../sources/update.js'), import('../../util/paths.js')]);
      if (!checkOnly) await checkOutputDir(ctx.fs, project.project.lockDir, 'lock-dir (in [project])', project.project.origins.get('lock-dir'));
      const r = await updateLocks({ fs: ctx.fs, git: ctx.git, sink: makeSink(ctx, g), lock: ctx.lock }, project, components, {
        checkOnly,
        pruneOrphans: all,
        ...(flags.offline ? { refresh: 'never' as const } : {}),
        ...(flags.force ? { force: true } : {}),
      });
      return updateCommandResult(r, { cwd: ctx.cwd, projectDir: project.dir, checkOnly });
    }),
  );
}
