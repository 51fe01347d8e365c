import * as path from 'node:path';
import type { Command } from 'commander';
import { error, StrataError } from '../../diag/index.js';
import { reportDiagnostics } from '../diagnostics.js';
import type { CommandHost } from '../host.js';

/** `--define 'NAME VALUE'` (repeatable), as rpm/rpmbuild take it. */
export function parseDefine(value: string, previous: [string, string][] = []): [string, string][] {
  const m = /^\s*%?([A-Za-z_][A-Za-z0-9_]*)(?:\([^)]*\))?(?:\s+([\s\S]*))?$/.exec(value);
  if (!m) {
    throw new StrataError(
      error('AUTOSPEC_BAD_DEFINE', `--define '${value}': expected 'NAME VALUE'`, {
        hint: "quote name and value together, e.g. --define 'dist %{nil}'",
      }),
    );
  }
  return [...previous, [m[1]!, (m[2] ?? '').replace(/\s+$/, '')]];
}

interface CommonOpts {
  define?: [string, string][];
  errorOnUnparseableSpec?: boolean;
}

export function register(program: Command, host: CommandHost): void {
  const group = program
    .command('rpmautospec')
    .description('drop-in for rpmautospec 0.8.4 (%autorelease, %autochangelog), run inside a dist-git checkout');

  const processCmd = group
    .command('process-distgit')
    .description('write SPEC with %autorelease/%autochangelog resolved to OUT (nothing when there is nothing to do)')
    .argument('<spec>', 'spec file at the root of the dist-git checkout')
    .argument('<target>', 'where to write the processed spec')
    .option('--define <name value>', "define a macro for evaluating specs (repeatable), e.g. 'dist %{nil}'", parseDefine)
    .option('--no-error-on-unparseable-spec', 'go on when the current spec cannot be parsed');
  host.withOutput(processCmd);
  processCmd.action(
    host.action(async (spec: string, target: string, o: CommonOpts, cmd: Command) => {
      const ctx = host.ctx;
      const cwd = workDir(host, cmd);
      const { processDistgit } = await import('../../render/autospec/process.js');
      const r = await processDistgit({
        git: ctx.git,
        fs: ctx.fs,
        cwd,
        specPath: spec,
        defines: o.define ?? [],
        errorOnUnparseableSpec: o.errorOnUnparseableSpec !== false,
        now: () => ctx.clock.now(),
      });
      await reportDiagnostics(ctx, host.globals(cmd), r.warnings);
      const out = path.resolve(cwd, target);
      if (r.changed && r.text !== undefined) {
        await (await import('../../util/paths.js')).checkOutputFile(ctx.fs, out, 'target');
        const st = await ctx.fs.stat(out);
        const mode = st ? st.mode & 0o7777 : ((await ctx.fs.stat(path.resolve(cwd, spec)))?.mode ?? 0o644) & 0o7777;
        await ctx.fs.writeFileAtomic(out, r.text, mode);
      }
      const json = { changed: r.changed, target: r.changed ? out : null, releaseNumber: r.releaseNumber ?? null, features: r.features, warnings: r.warnings };
      const text = r.changed ? `wrote ${target}` : `nothing to do for ${spec}: ${r.features.isProcessed ? 'already processed' : 'no %autorelease or %autochangelog'}`;
      return { json, text };
    }),
  );

  const calcCmd = group
    .command('calculate-release')
    .description('print the release of the next build computed from the dist-git history')
    .argument('[spec]', 'spec file at the root of the dist-git checkout (default: <dir name>.spec)')
    .option('-c, --complete-release', 'print the complete release with flags, without dist tag (default)')
    .option('-n, --number-only', 'print only the release number')
    .option('--define <name value>', "define a macro for evaluating specs (repeatable), e.g. 'dist %{nil}'", parseDefine)
    .option('--no-error-on-unparseable-spec', 'go on when the current spec cannot be parsed');
  host.withOutput(calcCmd);
  calcCmd.action(
    host.action(async (spec: string | undefined, o: CommonOpts & { numberOnly?: boolean }, cmd: Command) => {
      const ctx = host.ctx;
      const cwd = workDir(host, cmd);
      const specPath = spec ?? `${path.basename(cwd)}.spec`;
      const { calculateRelease } = await import('../../render/autospec/process.js');
      const r = await calculateRelease({
        git: ctx.git,
        fs: ctx.fs,
        cwd,
        specPath,
        defines: o.define ?? [],
        errorOnUnparseableSpec: o.errorOnUnparseableSpec !== false,
        now: () => ctx.clock.now(),
      });
      await reportDiagnostics(ctx, host.globals(cmd), r.warnings);
      const shown = o.numberOnly ? String(r.releaseNumber) : r.release;
      return { json: r, text: `Calculated release number: ${shown}\n` };
    }),
  );

  registerGenerateChangelog(group, host);
}

function registerGenerateChangelog(group: Command, host: CommandHost): void {
  const cmd = group
    .command('generate-changelog')
    .description('print the changelog entries %autochangelog would generate')
    .argument('[spec]', 'spec file at the root of the dist-git checkout (default: <dir name>.spec)')
    .option('--define <name value>', "define a macro for evaluating specs (repeatable), e.g. 'dist %{nil}'", parseDefine)
    .option('--no-error-on-unparseable-spec', 'go on when the current spec cannot be parsed');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (spec: string | undefined, o: CommonOpts, c: Command) => {
      const ctx = host.ctx;
      const cwd = workDir(host, c);
      const { generateChangelog } = await import('../../render/autospec/process.js');
      const r = await generateChangelog({
        git: ctx.git,
        fs: ctx.fs,
        cwd,
        specPath: spec ?? `${path.basename(cwd)}.spec`,
        defines: o.define ?? [],
        errorOnUnparseableSpec: o.errorOnUnparseableSpec !== false,
        now: () => ctx.clock.now(),
      });
      await reportDiagnostics(ctx, host.globals(c), r.warnings);
      return { json: r.entries, text: r.text + '\n' };
    }),
  );
}

function workDir(host: CommandHost, cmd: Command): string {
  const g = host.globals(cmd);
  return g.project ? path.resolve(host.ctx.cwd, g.project) : host.ctx.cwd;
}
