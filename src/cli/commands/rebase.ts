import * as path from 'node:path';
import type { Command } from 'commander';
import { diagnosticToJson, type Diagnostic } from '../../diag/index.js';
import type { ApplyPlan, RebaseReport } from '../../rebase/index.js';
import type { CommandHost } from '../host.js';
import { loadSelectedForCli } from '../load-project.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';
import { parseJobs } from '../flags.js';

interface CheckFlags {
  withSources?: boolean;
  all?: boolean;
  package?: string[];
  to?: string;
  snapshot?: string;
  upstreamSpecs?: string;
  offline?: boolean;
  jobs?: string;
}

interface ApplyFlags extends CheckFlags {
  write?: boolean;
  dryRun?: boolean;
}

/** The current time as an RFC 3339 snapshot (seconds, UTC). */
const nowSnapshot = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

const short = (s?: string) => (s ? s.slice(0, 12) : '');

function vr(x: { version?: string; release?: string } | undefined): string {
  if (!x || (!x.version && !x.release)) return '?';
  return `${x.version ?? '?'}-${x.release ?? '?'}`;
}

/** The check as the CLI prints it: one row per overlay, the upstream move per component, a summary, JSON with one entry per overlay. */
export function rebaseCheckResult(r: RebaseReport, v: { readonly cwd: string }): CommandResult {
  const rel = (f: string) => path.relative(v.cwd, f) || f;
  const lines: string[] = [];
  for (const c of r.components) {
    const m = c.move;
    if (c.status !== 'ok' || !m) {
      lines.push(`${c.component}: ${c.status === 'missing' ? 'not in the new upstream' : 'error'}`);
      continue;
    }
    const commits = m.commits !== undefined ? `, ${m.commits} commit(s) between${m.diverged ? ' (branches diverged)' : ''}` : '';
    lines.push(`${c.component}: ${m.from ? `${vr(m.from)} (${m.from.commit ? short(m.from.commit) + ' ' : ''}${m.from.where})` : 'old upstream unknown'} → ${vr(m.to)} (${m.to.commit ? short(m.to.commit) + ' ' : ''}${m.to.where})${commits}`);
  }
  const ok = r.components.filter((c) => c.status === 'ok');
  const total = ok.reduce((n, c) => n + c.overlays.length, 0);
  lines.push(
    `${total} overlay(s) in ${ok.length} component(s): ${r.counts.applies} applies, ${r.counts['no-longer-applies']} no longer applies, ${r.counts.redundant} redundant, ${r.counts['already-upstream']} already upstream` +
      (r.unverified ? ` (${r.unverified} kept as applies without the sources to check them)` : '') +
      (r.components.length > ok.length ? `; ${r.components.length - ok.length} component(s) not checked (missing upstream spec or error)` : '') +
      (r.skipped.length ? `; ${r.skipped.length} selected component(s) without overlays skipped` : ''),
  );
  const diagnostics: Diagnostic[] = r.components.flatMap((c) => [...c.diagnostics, ...c.overlays.flatMap((o) => (o.diagnostic ? [o.diagnostic] : []))]);
  const failed = r.components.some((c) => c.status === 'error') || r.counts['no-longer-applies'] > 0;
  return {
    json: {
      target: r.target.upstreamSpecs ? { upstreamSpecs: rel(r.target.upstreamSpecs) } : r.target,
      summary: { components: ok.length, overlays: total, ...r.counts, unverified: r.unverified, notChecked: r.components.length - ok.length, skipped: r.skipped.length },
      components: r.components.map((c) => ({
        component: c.component,
        status: c.status,
        ...(c.move ? { move: c.move } : {}),
        counts: Object.fromEntries(['applies', 'no-longer-applies', 'redundant', 'already-upstream'].map((k) => [k, c.overlays.filter((o) => o.class === k).length])),
        diagnostics: c.diagnostics.map((d) => diagnosticToJson(d, v.cwd)),
      })),
      overlays: r.components.flatMap((c) =>
        c.overlays.map((o) => ({
          component: c.component,
          file: rel(o.definedAt.file),
          line: o.definedAt.line,
          type: o.type,
          ...(o.description ? { description: o.description } : {}),
          class: o.class,
          reason: o.reason,
          basis: o.basis,
          ...(o.unverified ? { unverified: true } : {}),
          ...(o.candidates ? { candidates: o.candidates } : {}),
          ...(o.upstreamStatus ? { upstreamStatus: o.upstreamStatus, category: o.category } : {}),
        })),
      ),
    },
    table: {
      columns: ['component', 'overlay', 'type', 'class', 'why'],
      rows: r.components.flatMap((c) => c.overlays.map((o) => [c.component, `${rel(o.definedAt.file)}:${o.definedAt.line}`, o.type, o.class, o.reason])),
    },
    text: lines.join('\n'),
    ...(diagnostics.length ? { diagnostics } : {}),
    exitCode: failed ? 1 : 0,
  };
}

/** The apply as the CLI prints it: the diff, what is dropped, what was written and rendered. */
export function rebaseApplyResult(r: RebaseReport, plan: ApplyPlan, v: { readonly cwd: string; readonly written: boolean; readonly render?: { readonly failed: number; readonly changed: number; readonly rendered: number } }): CommandResult {
  const rel = (f: string) => path.relative(v.cwd, f) || f;
  const lines: string[] = plan.edits.map((e) => e.diff.replace(/^=+\n/, ''));
  if (!plan.edits.length) lines.push('nothing to change');
  lines.push(
    v.written
      ? `${plan.edits.length} file(s) written; ${plan.dropped.length} overlay(s) dropped${v.render ? `; re-rendered ${v.render.rendered} component(s), ${v.render.changed} changed, ${v.render.failed} failed` : ''}`
      : `dry run: ${plan.edits.length} file(s) would change, ${plan.dropped.length} overlay(s) would be dropped; run with --write to apply`,
  );
  return {
    json: {
      target: r.target,
      written: v.written,
      files: plan.edits.map((e) => ({ file: rel(e.file), changes: e.changes, diff: e.diff })),
      dropped: plan.dropped.map((d) => ({ component: d.component, overlay: d.overlay, file: rel(d.at.file), line: d.at.line, class: d.class })),
      ...(v.render ? { render: v.render } : {}),
      summary: r.counts,
    },
    table: { columns: ['component', 'overlay', 'class', 'dropped from'], rows: plan.dropped.map((d) => [d.component, d.overlay, d.class, `${rel(d.at.file)}:${d.at.line}`]) },
    text: lines.join('\n'),
    ...(plan.diagnostics.length ? { diagnostics: [...plan.diagnostics] } : {}),
    exitCode: v.render && v.render.failed ? 1 : 0,
  };
}

function common(cmd: Command): Command {
  return cmd
    .argument('[names...]', 'components (same as -p)')
    .option('-a, --all', 'every component with overlays')
    .option('-p, --package <name...>', 'components (names or glob patterns)')
    .option('--to <version>', 'the target: another version of the distro table (VERSION or DISTRO/VERSION), e.g. rawhide')
    .option('--snapshot <time>', 'the snapshot on the target branch (RFC 3339; default: now, for components that have a snapshot)')
    .option('--offline', 'never fetch dist-git; use the mirror cache only')
    .option('-j, --jobs <n>', 'components checked in parallel (default 4)');
}

export function register(program: Command, host: CommandHost): void {
  const group = host.group(program, 'rebase', 'move the project to a new upstream: what breaks, what becomes unnecessary');
  const check = common(group.command('check').description('re-apply every overlay to the new upstream and classify it: applies, no-longer-applies, redundant, already-upstream'))
    .option('--upstream-specs <dir>', 'a directory of new upstream specs named NAME.spec (instead of --to; no dist-git needed)')
    .option('--with-sources', 'with --to: fetch the new source archives from the lookaside and check overlay patches against them (forward, or in reverse: already upstream)');
  host.withOutput(check);
  check.action(
    host.action(async (names: string[], flags: CheckFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      if (flags.withSources && !flags.to) {
        const { StrataError, error } = await import('../../diag/index.js');
        throw new StrataError(error('CLI_USAGE', '--with-sources needs --to (a directory of specs has no sources)', { hint: 'strata rebase check --to rawhide --with-sources -a' }));
      }
      const { project, components } = await loadSelectedForCli(ctx, g, { all: !!flags.all, names: [...(flags.package ?? []), ...names] });
      const { runRebaseCheck, lookasideArchives } = await import('../../rebase/index.js');
      const jobs = parseJobs(flags.jobs);
      const sink = makeSink(ctx, g);
      let fetchArchives: ReturnType<typeof lookasideArchives> | undefined;
      if (flags.withSources) {
        const { NodeHttp, NodeFileHasher } = await import('../../adapters/http.js');
        fetchArchives = lookasideArchives({ fs: ctx.fs, http: new NodeHttp(), hasher: new NodeFileHasher(), sink }, project);
      }
      const r = await runRebaseCheck({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, sink, lock: ctx.lock, ...(fetchArchives ? { fetchArchives } : {}) }, project, components, {
        ...(flags.to ? { to: flags.to } : {}),
        ...(flags.snapshot ? { snapshot: flags.snapshot } : { defaultSnapshot: nowSnapshot(ctx.clock.now()) }),
        ...(flags.upstreamSpecs ? { upstreamSpecs: path.resolve(ctx.cwd, flags.upstreamSpecs) } : {}),
        ...(flags.offline ? { refresh: 'never' as const } : {}),
        ...(jobs ? { jobs } : {}),
      });
      return rebaseCheckResult(r, { cwd: ctx.cwd });
    }),
  );
  const apply = common(group.command('apply').description('switch the project to the new version and drop the overlays the check finds redundant or already upstream (TOML edited losslessly; a diff first; --dry-run is the default)'))
    .option('--dry-run', 'show the diff only (the default)')
    .option('--write', 'write the edits (atomically), update the locks and re-render');
  host.withOutput(apply);
  apply.action(
    host.action(async (names: string[], flags: ApplyFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const { StrataError, error } = await import('../../diag/index.js');
      if (!flags.to) throw new StrataError(error('CLI_USAGE', 'rebase apply needs --to DISTRO-VERSION', { hint: 'strata rebase apply --to rawhide -a (add --write to apply)' }));
      if (flags.write && flags.dryRun) throw new StrataError(error('CLI_USAGE', '--write and --dry-run exclude each other'));
      const sel = { all: !!flags.all, names: [...(flags.package ?? []), ...names] };
      const { project, components } = await loadSelectedForCli(ctx, g, sel);
      const { runRebaseCheck, planRebaseApply, writeRebaseEdits, resolveTarget } = await import('../../rebase/index.js');
      const sink = makeSink(ctx, g);
      const jobs = parseJobs(flags.jobs);
      const refresh = flags.offline ? ('never' as const) : ('if-needed' as const);
      const report = await runRebaseCheck({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, sink, lock: ctx.lock }, project, components, {
        to: flags.to,
        ...(flags.snapshot ? { snapshot: flags.snapshot } : { defaultSnapshot: nowSnapshot(ctx.clock.now()) }),
        refresh,
        ...(jobs ? { jobs } : {}),
      });
      const t = resolveTarget(project, components, flags.to);
      const plan = await planRebaseApply((f) => ctx.fs.readText(f), project, components, report, { distro: t.distro, version: t.version, ...(flags.snapshot ? { snapshot: flags.snapshot } : { defaultSnapshot: nowSnapshot(ctx.clock.now()) }) });
      if (!flags.write) return rebaseApplyResult(report, plan, { cwd: ctx.cwd, written: false });
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.on('SIGINT', onSigint);
      try {
        await writeRebaseEdits(ctx.fs, plan.edits, abort.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
      // Re-lock and re-render the selection on the new upstream.
      const again = await loadSelectedForCli(ctx, g, sel);
      const { updateLocks } = await import('../../sources/update.js');
      const locks = await updateLocks({ fs: ctx.fs, git: ctx.git, sink, lock: ctx.lock }, again.project, again.components, { refresh, force: true });
      const { runRender, withDefaultEngines } = await import('../../render/command.js');
      const { NodeScratchWriter } = await import('../../adapters/scratch-fs.js');
      const deps = await withDefaultEngines({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, clock: ctx.clock, sink, scratch: new NodeScratchWriter(), lock: ctx.lock });
      const run = await runRender(deps, again.project, again.components, { cwd: ctx.cwd, checkOnly: false, cleanStale: false, dryRun: false, refresh });
      const res = rebaseApplyResult(report, plan, { cwd: ctx.cwd, written: true, render: { rendered: run.results.length, changed: run.changed.length, failed: run.failed.length } });
      const diags = [...(res.diagnostics ?? []), ...locks.diagnostics, ...run.failed.flatMap((x) => x.diagnostics)];
      return { ...res, ...(diags.length ? { diagnostics: diags } : {}) };
    }),
  );
}
