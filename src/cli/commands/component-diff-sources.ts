import type { Command } from 'commander';
import { diagnosticToJson, type Diagnostic } from '../../diag/index.js';
import type { UpstreamDiff } from '../../render/upstream-diff.js';
import type { CommandHost } from '../host.js';
import { diagnosticTextRenderer } from '../diagnostics.js';
import { loadSelectedForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface DiffFlags {
  package?: string[];
  all?: boolean;
  offline?: boolean;
  raw?: boolean;
}

/**
 * The diffs as the CLI prints them: per component a header, the new commits and the rendered
 * (or raw upstream) diff; exit 1 when a render at either commit fails. The render failures are
 * findings of the diff, shown inside it; the diagnostics of reaching dist-git go to stderr.
 */
export function diffSourcesCommandResult(diffs: readonly UpstreamDiff[], v: { readonly cwd: string; readonly renderFailure: (d: Diagnostic) => string }): CommandResult {
  const lines: string[] = [];
  let failed = false;
  for (const u of diffs) {
    lines.push(`# ${u.component}: ${u.from.slice(0, 12)} (${u.fromRule}) → ${u.to.slice(0, 12)} (${u.branch})${u.diverged ? ' [diverged: the locked commit is not on the branch]' : ''}`);
    if (u.from === u.to) {
      lines.push('up to date: no upstream change', '');
      continue;
    }
    for (const c of u.commits) lines.push(`  ${c.commit.slice(0, 12)} ${c.committerDate.slice(0, 10)} ${c.authorName}: ${c.subject}`);
    if (u.renderErrors.to.length || u.renderErrors.from.length) {
      failed = true;
      for (const [which, ds] of [['locked', u.renderErrors.from], ['newest', u.renderErrors.to]] as const) {
        if (!ds.length) continue;
        lines.push(`render at the ${which} commit fails:`);
        for (const d of ds) lines.push(v.renderFailure(d));
      }
      lines.push('upstream spec diff (not rendered):', u.upstreamSpecDiff || '(none)');
    } else if (u.rendered) {
      if (!u.rendered.length) lines.push('rendered output would not change');
      for (const f of u.rendered) lines.push(f.diff ?? `${f.status}: ${f.path} (binary)`);
    } else {
      lines.push('upstream spec diff:', u.upstreamSpecDiff || '(none)');
    }
    lines.push('');
  }
  const toJson = (ds: readonly Diagnostic[]) => ds.map((d) => diagnosticToJson(d, v.cwd));
  const diagnostics = diffs.flatMap((u) => u.diagnostics);
  return {
    json: diffs.map((u) => ({ ...u, renderErrors: { from: toJson(u.renderErrors.from), to: toJson(u.renderErrors.to) }, diagnostics: toJson(u.diagnostics) })),
    text: lines.join('\n'),
    ...(diagnostics.length ? { diagnostics } : {}),
    exitCode: failed ? 1 : 0,
  };
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('diff-sources')
    .description('what updating the lock would change: upstream commits and the rendered-spec diff')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every upstream component')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('--raw', 'do not render; show the pristine upstream spec diff only');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: DiffFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const all = !!flags.all;
      const { project, components } = await loadSelectedForCli(ctx, g, { all, names: [...(flags.package ?? []), ...names] });
      const { diffSources } = await import('../../render/upstream-diff.js');
      const diffs = await diffSources({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, clock: ctx.clock, sink: makeSink(ctx, g), lock: ctx.lock }, project, components, {
        all,
        ...(flags.offline ? { refresh: 'never' as const } : {}),
        ...(flags.raw ? { raw: true } : {}),
      });
      const renderFailure = await diagnosticTextRenderer(ctx, diffs.flatMap((u) => [...u.renderErrors.from, ...u.renderErrors.to]), false);
      return diffSourcesCommandResult(diffs, { cwd: ctx.cwd, renderFailure });
    }),
  );
}
