/**
 * `strata spec check PATH... [--roundtrip]`, `strata spec sources FILE [--define 'n v']...`,
 * `strata spec show FILE` — thin commands over src/spec.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { diagnosticsToJson, diagnosticTextRenderer } from '../diagnostics.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

interface EvalFlags { define: string[]; undefine: string[]; with: string[]; without: string[]; arch?: string; fedora?: string; dist?: string }

async function evaluateFile(host: CommandHost, file: string, o: EvalFlags) {
  const spec = await import('../../spec/index.js');
  const abs = path.resolve(host.ctx.cwd, file);
  const { doc, ev } = await spec.evaluateSpecFile(host.ctx.fs, file, abs, o);
  return { spec, doc, ev, abs };
}

function addEvalOptions(cmd: Command): Command {
  return cmd
    .option('-D, --define <def>', "define a macro, 'NAME VALUE' (repeatable)", collect, [])
    .option('--undefine <name>', 'undefine a macro (repeatable)', collect, [])
    .option('--with <name>', 'enable a bcond (repeatable)', collect, [])
    .option('--without <name>', 'disable a bcond (repeatable)', collect, [])
    .option('--arch <arch>', 'target architecture for %ifarch (default x86_64)')
    .option('--fedora <n>', 'Fedora release for %fedora and %dist (default 43)')
    .option('--dist <dist>', 'value of %dist');
}

export function register(program: Command, host: CommandHost): void {
  const spec = program.command('spec').description('inspect RPM spec files (lossless parser, macro evaluator)');

  host.withOutput(
    spec
      .command('check')
      .description('parse spec files or directories of them and print diagnostics')
      .argument('<paths...>', 'spec files or directories (searched for *.spec)')
      .option('--roundtrip', 'also verify that printing the parsed tree gives back the same bytes'),
  ).action(host.action(async (paths: string[], o: { roundtrip?: boolean }): Promise<CommandResult> => {
    const s = await import('../../spec/index.js');
    const files = await s.resolveSpecPaths(host.ctx.fs, paths, host.ctx.cwd);
    if (files.length === 0) {
      const { StrataError, error } = await import('../../diag/index.js');
      throw new StrataError(error('SPEC_NONE_FOUND', `no *.spec files in ${paths.join(', ')}`, { hint: 'pass spec files, or directories that contain *.spec files (searched recursively)' }));
    }
    const results = await s.checkSpecs(host.ctx.fs, files, { roundtrip: !!o.roundtrip });
    const all = results.flatMap((r) => r.diagnostics);
    const errors = all.filter((d) => d.severity === 'error').length;
    const warnings = all.filter((d) => d.severity === 'warning').length;
    const failedRoundtrip = results.filter((r) => r.roundtrip === false);
    const filesWithErrors = results.filter((r) => r.diagnostics.some((d) => d.severity === 'error')).length;
    const rel = host.ctx.cwd;
    // the diagnostics are the report itself: on stdout, in the house text format
    const text = await diagnosticTextRenderer(host.ctx, all, host.ctx.color);
    const lines = all.map(text);
    for (const r of failedRoundtrip) lines.push(`${path.relative(rel, r.file)}: error[SPEC_ROUNDTRIP]: printing the parsed spec does not give back the same bytes (first difference at byte ${r.firstDifference})`);
    lines.push(`${results.length} spec file(s): ${errors} error(s), ${warnings} warning(s)${o.roundtrip ? `, ${results.length - failedRoundtrip.length} round-trip byte-identical, ${failedRoundtrip.length} failed` : ''}`);
    return {
      json: {
        files: results.length,
        errors,
        warnings,
        filesWithErrors,
        ...(o.roundtrip ? { roundtrip: { identical: results.length - failedRoundtrip.length, failed: failedRoundtrip.map((r) => ({ file: path.relative(rel, r.file), firstDifference: r.firstDifference })) } } : {}),
        diagnostics: diagnosticsToJson(host.ctx, all),
      },
      text: lines.join('\n'),
      exitCode: errors > 0 || failedRoundtrip.length > 0 ? 1 : 0,
    };
  }));

  host.withOutput(addEvalOptions(
    spec
      .command('sources')
      .description('the expanded Source/Patch list (like spectool -l -a)')
      .argument('<file>', 'spec file'),
  )).action(host.action(async (file: string, o: EvalFlags): Promise<CommandResult> => {
    const { spec: s, ev, abs } = await evaluateFile(host, file, o);
    const d = s.displayText;
    const entry = (r: (typeof ev.sources)[number]) => ({ tag: `${r.kind === 'source' ? 'Source' : 'Patch'}${r.number}`, kind: r.kind, number: r.number, explicit: r.explicit, origin: r.origin, value: d(r.value), fileName: d(r.fileName), line: r.line, complete: r.complete });
    const all = [...ev.sources, ...ev.patches].map(entry);
    const notes = ev.diagnostics.filter((x) => x.code === 'SPEC_CANNOT_EXPAND' || x.code === 'SPEC_CANNOT_DECIDE' || x.code === 'SPEC_INCLUDE_NOT_FOLLOWED' || x.severity === 'error');
    const note = await diagnosticTextRenderer(host.ctx, notes, host.ctx.color);
    const text = [...all.map((e) => `${e.tag}: ${e.value}`), ...notes.map(note)].join('\n');
    return {
      json: { file: path.relative(host.ctx.cwd, abs) || abs, complete: all.every((e) => e.complete) && !ev.diagnostics.some((x) => x.code === 'SPEC_CANNOT_EXPAND' || x.code === 'SPEC_CANNOT_DECIDE' || x.code === 'SPEC_INCLUDE_NOT_FOLLOWED'), sources: all.filter((e) => e.kind === 'source'), patches: all.filter((e) => e.kind === 'patch'), diagnostics: diagnosticsToJson(host.ctx, notes) },
      text: text || '(no sources)',
    };
  }));

  host.withOutput(addEvalOptions(
    spec
      .command('show')
      .description('packages, tags, sections, conditionals and sources of a spec as a tree')
      .argument('<file>', 'spec file'),
  )).action(host.action(async (file: string, o: EvalFlags): Promise<CommandResult> => {
    const { spec: s, doc, ev, abs } = await evaluateFile(host, file, o);
    const d = s.displayText;
    const where = (b: Parameters<typeof s.branchChain>[0]) => s.branchChain(b).map((x) => `%${x.directive.directive}${x.directive.expression ? ` ${d(x.directive.expression)}` : ''}@${x.directive.line}`);
    const own = ev.packages.flatMap((p) => p.tags.filter((t) => !t.generatedBy));
    const activeTag = new Set(own.map((t) => t.node.index));
    const expanded = new Map(own.map((t) => [t.node.index, t.value] as const));
    const packages = doc.packages.map((p) => {
      const evp = ev.packages.find((x) => x.section === p.section);
      return {
        key: p.key, absolute: p.absolute, name: evp ? d(evp.name) : undefined, line: doc.sections[p.section]!.header?.line ?? 1,
        conditions: where(doc.sections[p.section]!.branch), active: evp !== undefined,
        tags: p.tags.map((t) => ({ name: t.name, ...(t.qualifier !== undefined ? { qualifier: t.qualifier } : {}), value: d(t.value), ...(expanded.has(t.index) ? { expanded: d(expanded.get(t.index)!) } : {}), line: t.line, active: activeTag.has(t.index), conditions: where(t.branch) })),
      };
    });
    const sections = doc.sections.map((x) => ({ name: x.name, keyword: x.keyword, package: x.package, absolute: x.absolute, options: x.options.map((op) => op.flag + (op.value !== undefined ? ` ${d(op.value)}` : '')), line: x.header?.line ?? 1, endLine: s.spanOf(doc, { start: x.start, end: Math.max(x.start + 1, x.end) }).endLine, active: ev.active[x.header?.index ?? 0] ?? true, conditions: where(x.branch), ...(x.straddles.length ? { straddles: x.straddles.map((c) => c.branches[0]!.directive.line) } : {}) }));
    const conditionals = doc.conditionals.map((c) => ({ line: c.branches[0]!.directive.line, endLine: c.endif?.line, depth: c.depth, branches: c.branches.map((b) => ({ directive: b.directive.directive, expression: d(b.directive.expression), line: b.directive.line })) }));
    const sources = [...ev.sources, ...ev.patches].map((r) => ({ tag: `${r.kind === 'source' ? 'Source' : 'Patch'}${r.number}`, value: d(r.value), line: r.line, complete: r.complete }));
    const json = { file: path.relative(host.ctx.cwd, abs) || abs, name: ev.name && d(ev.name), epoch: ev.epoch, version: ev.version && d(ev.version), release: ev.release && d(ev.release), packages, sections, conditionals, sources, macros: doc.macroDefinitions.map((m) => ({ keyword: m.keyword, name: m.name, ...(m.params !== undefined ? { params: m.params } : {}), line: m.line })), diagnostics: diagnosticsToJson(host.ctx, [...doc.diagnostics, ...ev.diagnostics]) };
    const out: string[] = [`${json.file}: ${json.name ?? '?'}-${json.epoch ? `${json.epoch}:` : ''}${json.version ?? '?'}-${json.release ?? '?'}`];
    out.push('packages');
    for (const p of packages) {
      out.push(`  ${p.key === '' ? '(main)' : p.absolute ? `-n ${p.key}` : p.key} → ${p.name ?? '(inactive)'}  line ${p.line}${p.conditions.length ? `  [${p.conditions.join(' > ')}]` : ''}`);
      for (const t of p.tags) out.push(`    ${t.active ? ' ' : '-'} ${t.name}${t.qualifier !== undefined ? `(${t.qualifier})` : ''}: ${t.expanded ?? t.value}  :${t.line}${t.conditions.length ? `  [${t.conditions.join(' > ')}]` : ''}`);
    }
    out.push('sections');
    for (const x of sections) out.push(`  ${x.keyword || '(preamble)'}${x.package ? ` ${x.absolute ? '-n ' : ''}${x.package}` : ''}${x.options.length ? ` ${x.options.join(' ')}` : ''}  lines ${x.line}-${x.endLine}${x.active ? '' : '  (inactive)'}${x.conditions.length ? `  [${x.conditions.join(' > ')}]` : ''}${x.straddles ? `  straddles %if at ${x.straddles.join(',')}` : ''}`);
    out.push('conditionals');
    for (const c of conditionals) out.push(`  ${'  '.repeat(c.depth)}${c.branches.map((b) => `%${b.directive}${b.expression ? ` ${b.expression}` : ''} @${b.line}`).join(' | ')} … %endif @${c.endLine ?? '?'}`);
    out.push('sources');
    for (const x of sources) out.push(`  ${x.tag}: ${x.value}${x.complete ? '' : '  (cannot fully expand)'}`);
    if (json.diagnostics.length) {
      out.push('diagnostics');
      for (const x of json.diagnostics) out.push(`  ${String(x.line ?? '')}: ${String(x.severity)}[${String(x.code)}] ${String(x.message)}`);
    }
    return { json, text: out.join('\n') };
  }));
}
