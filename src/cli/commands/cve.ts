/**
 * `strata cve scan [--feed PATH…] [--specs DIR] [--define 'NAME VALUE'…]`,
 * `strata cve plan CVE-ID|RECORD`, `strata cve vex` — thin commands over src/cve.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

interface ScanFlags { feed?: string[]; specs?: string; define: string[]; ecosystem?: string[]; names?: string }

/** The scan request from flags and (without --specs, or without --feed) the project. */
async function scanFromFlags(host: CommandHost, c: Command, flags: ScanFlags) {
  const ctx = host.ctx;
  const g = host.globals(c);
  const [cve, { StrataError, error }] = await Promise.all([import('../../cve/index.js'), import('../../diag/index.js')]);
  const names = flags.names === 'source' ? 'source' : 'binary';
  if (flags.names !== undefined && flags.names !== 'source' && flags.names !== 'binary') throw new StrataError(error('CVE_CONFIG_INVALID', `--names must be binary or source, not ${JSON.stringify(flags.names)}`, { hint: 'AlmaLinux OSV names binary packages: --names binary' }));
  const osv = { names, ...(flags.ecosystem?.length ? { ecosystems: flags.ecosystem } : {}) } as const;
  let feeds: import('../../cve/index.js').FeedSource[] = (flags.feed ?? []).map((f) => ({ shown: f, abs: path.resolve(ctx.cwd, f), osv }));
  let specs: import('../../cve/index.js').SpecSpec[];
  let project: import('../../config/index.js').ResolvedProject | undefined;
  let extraInventory: import('../../cve/index.js').InventoryComponent[] | undefined;
  const extraDiagnostics: import('../../diag/index.js').Diagnostic[] = [];
  let overlays: Map<string, { text: string; span: import('../../diag/index.js').SourceSpan }[]> | undefined;
  if (flags.specs === undefined || !feeds.length) {
    const { loadProject, findProjectRoot } = await import('../../config/index.js');
    const root = await findProjectRoot(ctx.fs, path.resolve(ctx.cwd, g.project ?? '.')).catch(() => undefined);
    if (root) project = (await loadProject({ fs: ctx.fs, startDir: root.dir })).project;
  }
  if (!feeds.length && project) feeds = cve.feedsOfProject(project, ctx.cwd);
  if (!feeds.length) throw new StrataError(error('CVE_NO_FEED', 'no advisory feed to scan against', { hint: 'pass --feed PATH (an OVAL file, an OSV record or a directory of them), or configure [[cve.feeds]] in the project' }));
  if (flags.specs !== undefined) {
    specs = await cve.findSpecs(ctx.fs, path.resolve(ctx.cwd, flags.specs), flags.specs);
  } else {
    if (!project) throw new StrataError(error('CVE_SPECS_NOT_FOUND', 'no --specs and no project here to take the rendered specs from', { hint: 'pass --specs DIR, or run inside a project (after `strata component render -a`)' }));
    const p = cve.projectSpecs(project, ctx.cwd);
    specs = await cve.findSpecs(ctx.fs, project.project.renderedSpecsDir, path.relative(ctx.cwd, project.project.renderedSpecsDir) || '.').then((all) => all.filter((s) => p.components.has(s.component)).map((s) => ({ ...s, define: p.components.get(s.component)!.define })));
    overlays = p.overlays;
    // the published repositories, when there are any
    const repos = await cve.inventoryFromRepos(ctx.fs, path.join(project.project.outputDir, 'repos'), ctx.cwd);
    if (repos.rpms) { extraInventory = repos.components; extraDiagnostics.push(...repos.diagnostics); }
  }
  return { cve, req: { feeds, specs, define: flags.define, cwd: ctx.cwd, ...(overlays ? { overlays } : {}), ...(extraInventory ? { extraInventory } : {}) }, project, extraDiagnostics };
}

export function register(program: Command, host: CommandHost): void {
  const group = host.group(program, 'cve', 'advisories: scan specs against OVAL/OSV feeds, plan the smallest rebuild, write VEX');
  const addScanOptions = (cmd: Command): Command => cmd
    .option('--feed <path...>', 'OVAL definitions file, OSV record, or a directory of them (default: the project [[cve.feeds]])')
    .option('--specs <dir>', 'scan this directory of spec files (NAME.spec or NAME/NAME.spec) instead of the project\'s rendered specs')
    .option('-D, --define <def>', "define a macro for evaluating the specs, 'NAME VALUE' (repeatable)", collect, [])
    .option('--ecosystem <name...>', 'OSV ecosystems that map to this distro (exact, or a prefix ending in ":"); default: all')
    .option('--names <kind>', 'what OSV package names are: binary (default) or source');

  const scan = addScanOptions(group.command('scan').description('every affected component and package, with feed record, EVRs, severity and evidence of a fix'));
  host.withOutput(scan);
  scan.action(
    host.action(async (flags: ScanFlags, c: Command): Promise<CommandResult> => {
      const { cve, req, extraDiagnostics } = await scanFromFlags(host, c, flags);
      const r = await cve.runScan(host.ctx.fs, req);
      return cveScanResult({ ...r, diagnostics: [...r.diagnostics, ...extraDiagnostics] });
    }),
  );

  const plan = addScanOptions(group.command('plan').description('the smallest rebuild for a CVE or feed record: components, dependents that must rebuild, repos, layers, commands').argument('<id>', 'a CVE id (CVE-2024-1234) or a feed record id'));
  host.withOutput(plan);
  plan.action(
    host.action(async (id: string, flags: ScanFlags, c: Command): Promise<CommandResult> => {
      const { cve, req, project } = await scanFromFlags(host, c, flags);
      // the plan needs the whole build graph: every spec evaluated
      const r = await cve.runScan(host.ctx.fs, { ...req, evaluateAll: true });
      const p = await cve.planRebuild(host.ctx.fs, r, id, { ...(project ? { project } : {}), cwd: host.ctx.cwd });
      const rows: unknown[][] = p.rebuild.map((x) => [x.component, x.reason]);
      return {
        json: p,
        table: { columns: ['component', 'reason'], rows },
        text: [`${p.id}: ${p.findings.length} affected package(s) in ${p.rebuild.filter((x) => x.affected).length} component(s); ${p.rebuild.length} to rebuild`, ...p.repos.map((x) => `republish: ${x}`), ...p.commands.map((x) => `$ ${x}`)].join('\n'),
        diagnostics: r.diagnostics.filter((d) => d.severity === 'error'),
      };
    }),
  );

  const vex = addScanOptions(group.command('vex').description('an OpenVEX 0.2.0 document of the scan verdicts, DSSE-signed with the project attestation key'))
    .requiredOption('--out <file>', 'where to write the signed envelope (.vex.dsse.json)')
    .option('--author <name>', 'the VEX author', 'Strata');
  host.withOutput(vex);
  vex.action(
    host.action(async (flags: ScanFlags & { out: string; author: string }, c: Command): Promise<CommandResult> => {
      const { cve, req, project } = await scanFromFlags(host, c, flags);
      const { StrataError, error } = await import('../../diag/index.js');
      if (!project?.attestation) throw new StrataError(error('CVE_VEX_INVALID', 'signing VEX needs the project [attestation] key', { hint: 'run inside a project with an [attestation] table' }));
      const { loadAttestationKey } = await import('../../attest/index.js');
      const key = await loadAttestationKey(host.ctx.fs, project.attestation);
      const r = await cve.runScan(host.ctx.fs, req);
      const doc = cve.buildVex(r, { author: flags.author, timestamp: new Date().toISOString() });
      const env = await cve.signVex(doc, key.signer);
      const out = path.resolve(host.ctx.cwd, flags.out);
      await host.ctx.fs.writeFileAtomic(out, JSON.stringify(env, null, 2) + '\n');
      return { json: { file: path.relative(host.ctx.cwd, out), statements: doc.statements.length, document: doc }, text: `${doc.statements.length} VEX statement(s) signed into ${path.relative(host.ctx.cwd, out)}` };
    }),
  );
}

export function cveScanResult(r: import('../../cve/index.js').ScanResult): CommandResult {
  const rows = r.findings.map((f) => [f.component, f.package, f.record, f.cves.join(','), f.severity, f.evr, f.fixed ?? '', f.evidence.map((e) => `${e.kind}:${e.text}`).join('; ')]);
  const s = r.stats;
  return {
    json: { findings: r.findings, stats: s },
    table: { columns: ['component', 'package', 'record', 'cves', 'severity', 'evr', 'fixed', 'evidence'], rows },
    text: `${s.findings} affected package(s) in ${s.affectedComponents} component(s); ${s.records} record(s) from ${s.feedFiles} feed file(s) (${s.recordsSkipped} skipped as malformed), ${s.specsEvaluated} of ${s.specs} spec(s) evaluated`,
    diagnostics: r.diagnostics,
  };
}
