import * as path from 'node:path';
import type { Command } from 'commander';
import { loadProjectForCli } from '../load-project.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

interface VerifyFlags {
  key?: string[];
  attestationKey?: string[];
  render?: boolean;
  rebuild?: boolean;
  standalone?: boolean;
}

export function register(program: Command, host: CommandHost): void {
  const cmd = program
    .command('verify')
    .description('verify packages back to their sources: RPM signature, signed provenance, SBOMs, recorded inputs (and --render, --rebuild)')
    .argument('<target>', 'an RPM, an SRPM, a directory of them (a repository or the repositories root), or a .intoto.jsonl envelope')
    .option('--key <file...>', 'trusted OpenPGP key(s) of the packages (default: RPM-GPG-KEY* beside the repository)')
    .option('--attestation-key <file...>', 'trusted attestation public key(s), PEM (default: the project [attestation] key, else ATTESTATION-KEY.pem beside the repository)')
    .option('--render', 're-render each component from its recorded inputs and compare the spec')
    .option('--rebuild', 'rebuild each component from its recorded inputs and compare the packages byte for byte')
    .option('--standalone', 'do not look for a project: check the packages and their evidence only (a third party without the project)');
  host.withOutput(cmd);
  cmd.action(
    host.action(async (target: string, flags: VerifyFlags, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const abs = path.resolve(ctx.cwd, target);
      const [{ verifyTarget, projectChecks, loadAttestationKey, targetMissing }, { keyVerifier }, { readPublicKeys }, { StrataError, error }] = await Promise.all([
        import('../../attest/index.js'),
        import('../../trust/key-signer.js'),
        import('../../trust/openpgp-verifier.js'),
        import('../../diag/index.js'),
      ]);
      // The target first: a mistyped path is the first thing to say, before any key or project.
      if (!(await ctx.fs.stat(abs))) throw targetMissing(target);
      // The project, when there is one (it supplies the attestation key and the input checks).
      let project;
      if (!flags.standalone) {
        const { findProjectRoot } = await import('../../config/index.js');
        const root = await findProjectRoot(ctx.fs, path.resolve(ctx.cwd, g.project ?? '.')).catch(() => undefined);
        // its warnings are reported like every command's; errors stop here (--standalone skips the project)
        if (root) project = (await loadProjectForCli(ctx, { ...g, project: root.dir })).project;
      }
      const near = async (pred: (n: string) => boolean): Promise<string[]> => {
        let d = (await ctx.fs.stat(abs))?.isDirectory ? abs : path.dirname(abs);
        for (let i = 0; i < 4; i++, d = path.dirname(d)) {
          const names = (await ctx.fs.readdir(d).catch(() => [] as string[])).filter(pred).sort();
          if (names.length) return names.map((n) => path.join(d, n));
        }
        return [];
      };
      const rpmKeyFiles = flags.key?.map((k) => path.resolve(ctx.cwd, k)) ?? (await near((n) => n.startsWith('RPM-GPG-KEY')));
      // A key file that is not a key is the user's to fix: a coded diagnostic at the file, not a stack trace.
      const keyFile = async <T>(f: string, what: string, read: () => Promise<T>): Promise<T> => {
        try {
          return await read();
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOENT') throw e;
          throw new StrataError(error('ATTEST_KEY_INVALID', `${f} is not ${what}: ${(e as Error).message}`, { span: { file: f, line: 1, col: 1 }, hint: what === 'an OpenPGP public key' ? 'give the armored public key (gpg --armor --export KEYID)' : 'give a PEM public key (openssl pkey -pubout)' }), { cause: e });
        }
      };
      const pemVerifier = (files: readonly string[]) => keyFile(files.join(', '), 'a PEM Ed25519 or P-256 public key', async () => keyVerifier(await Promise.all(files.map((f) => ctx.fs.readText(f)))));
      const rpmKeys = (await Promise.all(rpmKeyFiles.map((f) => keyFile(f, 'an OpenPGP public key', async () => readPublicKeys(await ctx.fs.readFile(f)))))).flat();
      let verifier;
      let attestationFrom: string;
      if (flags.attestationKey?.length) {
        const files = flags.attestationKey.map((k) => path.resolve(ctx.cwd, k));
        verifier = await pemVerifier(files);
        attestationFrom = files.join(', ');
      } else if (project?.attestation?.publicKeyFile) {
        const a = project.attestation;
        verifier = await pemVerifier([a.publicKeyFile!, ...a.trustedKeys]);
        attestationFrom = path.relative(ctx.cwd, a.publicKeyFile!);
      } else if (project?.attestation) {
        verifier = (await loadAttestationKey(ctx.fs, project.attestation)).verifier;
        attestationFrom = 'the project [attestation] key';
      } else {
        const files = await near((n) => n === 'ATTESTATION-KEY.pem');
        if (!files.length) throw new StrataError(error('ATTEST_NO_EVIDENCE', `no attestation key to verify ${target} with`, { hint: 'pass --attestation-key FILE, or run inside a project with an [attestation] table' }));
        verifier = await pemVerifier(files);
        attestationFrom = files.map((f) => path.relative(ctx.cwd, f)).join(', ');
      }
      const sink = makeSink(ctx, g);
      const { NodeHttp, NodeFileHasher } = await import('../../adapters/http.js');
      const checks = project ? projectChecks({ fs: ctx.fs, git: ctx.git, proc: ctx.proc, lock: ctx.lock, clock: ctx.clock, sink, http: new NodeHttp(), hasher: new NodeFileHasher() }, project) : undefined;
      const v = await verifyTarget(ctx.fs, abs, { rpmKeys, attestation: verifier, ...(checks ? { project: checks } : {}), render: !!flags.render, rebuild: !!flags.rebuild });
      const rows: unknown[][] = [];
      for (const s of v.steps) rows.push([path.relative(ctx.cwd, s.subject ?? v.target), s.step, s.status, s.problems.map((p) => `${p.code}: ${p.message}`).join('; ') || (s.reason ?? '')]);
      for (const p of v.packages) for (const s of p.steps) rows.push([path.basename(p.file), s.step, s.status, s.problems.map((x) => `${x.code}: ${x.message}`).join('; ') || (s.reason ?? '')]);
      const bad = v.packages.filter((p) => !p.ok).length;
      return {
        json: v,
        table: { columns: ['package', 'step', 'status', 'problems'], rows },
        text: v.ok
          ? `${v.packages.length || 1} target(s) verified: RPM keys ${rpmKeyFiles.map((f) => path.relative(ctx.cwd, f)).join(', ') || '(none)'}, attestation key from ${attestationFrom}`
          : `verification FAILED: ${bad} of ${v.packages.length} package(s)${v.steps.some((s) => s.status === 'failed') ? ', and the target itself' : ''}`,
        exitCode: v.ok ? 0 : 1,
      };
    }),
  );
}
