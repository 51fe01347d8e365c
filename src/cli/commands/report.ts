import * as path from 'node:path';
import type { Command } from 'commander';
import { loadProjectForCli } from '../load-project.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';

/**
 * `strata report [-o table|json|html] [FILE]`: the audit report. `-o html FILE` writes one
 * self-contained HTML file (atomically); the terminal summary is printed after it.
 */
export function register(program: Command, host: CommandHost): void {
  const cmd = program
    .command('report')
    .description('audit report: Fedora-intact vs altered components, overlays, drift, builds, SBOM/provenance coverage, CVE status, images')
    .argument('[file]', 'with -o html: the HTML file to write')
    .option('--no-drift', 'do not look into the dist-git mirrors for commits behind (lock commits only)');
  host.withOutput(cmd, { formats: ['table', 'json', 'html'] });
  cmd.action(
    host.action(async (file: string | undefined, flags: { drift?: boolean }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const { StrataError, error } = await import('../../diag/index.js');
      if (g.output === 'html' && !file) throw new StrataError(error('REPORT_NO_FILE', '`strata report -o html` needs the file to write', { hint: 'strata report -o html report.html' }));
      if (g.output !== 'html' && file) throw new StrataError(error('REPORT_NO_FILE', `a file (${file}) is only written with -o html`, { hint: `strata report -o html ${file}` }));
      const { project } = await loadProjectForCli(ctx, g);
      const { computeReport, printReportHtml, reportSummaryRows } = await import('../../report/index.js');
      const r = await computeReport({ fs: ctx.fs, git: ctx.git, now: ctx.clock.now() }, project, { drift: flags.drift !== false });
      const table = { columns: ['section', 'figure', 'value'], rows: reportSummaryRows(r) };
      if (g.output === 'html') {
        const abs = path.resolve(ctx.cwd, file!);
        await ctx.fs.writeFileAtomic(abs, printReportHtml(r));
        return { json: r, table, text: `wrote ${path.relative(ctx.cwd, abs) || abs}` };
      }
      return { json: r, table };
    }),
  );
}
