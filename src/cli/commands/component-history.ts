import type { Command } from 'commander';
import { diagnosticToJson } from '../../diag/index.js';
import type { ComponentHistory } from '../../sources/upstream-changes.js';
import type { CommandHost } from '../host.js';
import { loadSelectedForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface HistoryFlags {
  package?: string[];
  all?: boolean;
  offline?: boolean;
}

const short = (s?: string) => (s ? s.slice(0, 12) : '');

/** Lock history and upstream commits as the CLI prints them: one table row per upstream commit, a summary per component. */
export function historyCommandResult(history: readonly ComponentHistory[], v: { readonly cwd: string }): CommandResult {
  const lines: string[] = [];
  for (const h of history) {
    if (!h.lockHistory.length) continue;
    lines.push(`${h.component}: lock history in the project:`);
    for (const l of h.lockHistory) lines.push(`  ${l.commit.slice(0, 12)} ${l.authorDate.slice(0, 10)} ${l.change.padEnd(15)} ${short(l.upstreamCommit)}  ${l.subject}`);
  }
  const upstream = history.flatMap((h) => (h.upstream ? [h.upstream] : []));
  for (const u of upstream) {
    if (u.diverged) lines.push(`${u.component}: warning: ${short(u.from)} (${u.fromRule}) is not on ${u.branch} any more (force-push?)`);
    else if (u.commits.length === 0) lines.push(`${u.component}: up to date at ${short(u.from)} (${u.fromRule}) on ${u.branch}`);
    else lines.push(`${u.component}: ${u.commits.length} new commit(s) on ${u.branch} since ${short(u.from)} (${u.fromRule})`);
  }
  const diagnostics = upstream.flatMap((u) => u.diagnostics);
  return {
    json: history.map((h) => {
      const u = h.upstream;
      return {
        component: h.component,
        ...(u ? { url: u.url, branch: u.branch, from: u.from, fromRule: u.fromRule, to: u.to, diverged: u.diverged, commits: u.commits, diagnostics: u.diagnostics.map((d) => diagnosticToJson(d, v.cwd)) } : {}),
        lockHistory: h.lockHistory,
      };
    }),
    table: {
      columns: ['component', 'commit', 'date', 'author', 'subject'],
      rows: upstream.flatMap((u) => u.commits.map((c) => [u.component, short(c.commit), c.committerDate.slice(0, 10), c.authorName, c.subject])),
    },
    text: lines.join('\n'),
    ...(diagnostics.length ? { diagnostics } : {}),
    exitCode: 0,
  };
}

export function register(program: Command, host: CommandHost): void {
  const cmd = host.group(program, 'component', 'work with components')
    .command('history')
    .description('upstream dist-git commits between the locked commit and the newest one on the branch')
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every upstream component')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (names: string[], flags: HistoryFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const { project, components } = await loadSelectedForCli(ctx, g, { all: !!flags.all, names: [...(flags.package ?? []), ...names] });
      const { findHistory } = await import('../../sources/upstream-changes.js');
      const history = await findHistory({ fs: ctx.fs, git: ctx.git, sink: makeSink(ctx, g), lock: ctx.lock }, project, components, flags.offline ? { refresh: 'never' } : {});
      return historyCommandResult(history, { cwd: ctx.cwd });
    }),
  );
}
