import * as path from 'node:path';
import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { makeSink } from '../progress.js';

export function register(program: Command, host: CommandHost): void {
  const repoCmd = host.group(program, 'repo', 'signed package repositories');

  const publish = repoCmd
    .command('publish')
    .description('sign the built RPMs with the project key and publish one rpm-md repository per channel')
    .option('--channel <channel...>', 'publish only these channels')
    .option('--repo-dir <dir>', 'where to write the repositories (default <output-dir>/repos)')
    .option('--no-source', 'do not publish out/srpms as the `source` channel');
  host.withOutput(publish);
  publish.action(
    host.action(async (flags: { channel?: string[]; repoDir?: string; source?: boolean }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const sink = makeSink(ctx, g);
      const { loadProject } = await import('../../config/index.js');
      const repo = await import('../../repo/index.js');
      const start = g.project ? path.resolve(ctx.cwd, g.project) : ctx.cwd;
      const { project } = await loadProject({ fs: ctx.fs, startDir: start });
      const s = project.signing;
      if (s?.publicKeyFile && !(await ctx.fs.stat(s.publicKeyFile).catch(() => undefined))?.isFile) {
        const { StrataError, error } = await import('../../diag/index.js');
        const at = s.origins.get('public-key-file') ?? s.definedAt;
        throw new StrataError(error('SIGN_KEY_MISSING', `public key file ${s.publicKeyFile} does not exist or is not a file`, { span: at, hint: 'public-key-file names the exported public key (gpg --armor --export KEYID > public.asc)' }));
      }
      const { loadGpgKey } = await import('../../trust/gpg-signer.js');
      const key = await loadGpgKey(ctx.fs, ctx.proc, {
        ...(s?.keyFile ? { keyFile: s.keyFile } : {}),
        ...(s?.gpgHome ? { gpgHome: s.gpgHome } : {}),
        ...(s?.keyId ? { keyId: s.keyId } : {}),
        ...(s?.definedAt ? { definedAt: s.definedAt } : { definedAt: { file: project.rootFile, line: 1, col: 1 } }),
        // loadGpgKey uses gpg-home when set, else imports key-file: point at the one in use
        ...(s?.origins.get(s.gpgHome ? 'gpg-home' : 'key-file') ? { keyFileAt: s.origins.get(s.gpgHome ? 'gpg-home' : 'key-file')! } : {}),
        ...(s?.origins.get('key-id') ? { keyIdAt: s.origins.get('key-id')! } : {}),
      });
      try {
        const keyName = (project.defaultDistro?.name ?? path.basename(project.dir)).replace(/[^\w.-]+/g, '-') || 'strata';
        // With an [attestation] key, the build evidence of every built component goes beside the repositories.
        const attest = project.attestation ? await (await import('../../attest/attestation-key.js')).loadAttestationKey(ctx.fs, project.attestation) : undefined;
        const records = attest ? await (await import('../../build/build-state.js')).loadBuildRecords(ctx.fs, project.project.workDir) : [];
        const r = await repo.publishRepos(
          { fs: ctx.fs, proc: ctx.proc, sink, lock: ctx.lock },
          {
            outDir: project.project.outputDir,
            ...(flags.repoDir ? { repoDir: path.resolve(ctx.cwd, flags.repoDir) } : {}),
            ...(flags.channel ? { channels: flags.channel } : {}),
            key,
            keyName,
            includeSource: flags.source !== false,
            // The configured public key must verify what was signed with the secret key.
            ...(s?.publicKeyFile ? { verifyWith: [s.publicKeyFile] } : {}),
            ...(attest ? { evidence: { records, signer: attest.signer, keyId: attest.keyId, publicKeyPem: attest.publicKeyPem } } : {}),
          },
        );
        return {
          json: { ok: true, repoDir: r.repoDir, keyFile: r.keyFile, fingerprint: r.fingerprint, channels: r.channels.map((ch) => ({ channel: ch.channel, dir: ch.dir, packages: ch.packages, revision: ch.revision, verified: ch.verdict.ok })), ...(r.evidence ? { evidence: { dir: r.evidence.dir, attestationKey: r.evidence.index.attestationKey, packages: r.evidence.index.packages.length } } : {}) },
          table: { columns: ['channel', 'packages', 'revision', 'verified', 'directory'], rows: r.channels.map((ch) => [ch.channel, ch.packages, ch.revision, ch.verdict.ok ? 'yes' : 'NO', path.relative(ctx.cwd, ch.dir)]) },
          text: `signed with ${r.fingerprint}; public key: ${path.relative(ctx.cwd, r.keyFile)}\nrepositories in ${path.relative(ctx.cwd, r.repoDir) || '.'}/${r.evidence ? `\nevidence (SBOMs, signed provenance) of ${r.evidence.index.packages.length} package(s) in ${path.relative(ctx.cwd, r.evidence.dir)}/, attestation key ${r.evidence.index.attestationKey}` : ''}`,
        };
      } finally {
        await key.dispose();
      }
    }),
  );

  const verify = repoCmd
    .command('verify')
    .description('verify a repository in-process: metadata signature, checksums, every package signature and digest')
    .argument('<dir>', 'repository directory (holding repodata/)')
    .option('--key <file...>', 'trusted public key(s) (default: the RPM-GPG-KEY* file next to the repository)')
    .option('--deep', "also unpack every payload and check each file against the header's digests and modes");
  host.withOutput(verify);
  verify.action(
    host.action(async (dir: string, flags: { key?: string[]; deep?: boolean }): Promise<CommandResult> => {
      const ctx = host.ctx;
      const { verifyRepo } = await import('../../repo/verify.js');
      const { toolDecompressor } = await import('../../rpm/payload.js');
      const v = await verifyRepo(ctx.fs, path.resolve(ctx.cwd, dir), { ...(flags.key ? { keyFiles: flags.key.map((k) => path.resolve(ctx.cwd, k)) } : {}), deep: !!flags.deep, decompress: toolDecompressor(ctx.proc) });
      const rows: unknown[][] = [['repodata/repomd.xml', v.metadata.ok ? 'ok' : 'BAD', v.metadata.signedBy ?? '', v.metadata.problems.map((p) => `${p.code}: ${p.message}`).join('; ')]];
      for (const p of v.packages) rows.push([p.file, p.ok ? 'ok' : 'BAD', p.keyId ?? '', p.problems.map((x) => `${x.code}: ${x.message}`).join('; ')]);
      const bad = v.packages.filter((p) => !p.ok).length;
      return {
        json: v,
        table: { columns: ['file', 'status', 'key', 'problems'], rows },
        text: v.ok ? `${v.packages.length} package(s) and the metadata verify against ${v.keyFiles.map((f) => path.relative(ctx.cwd, f)).join(', ')}` : `verification FAILED: ${v.metadata.ok ? 'metadata ok' : 'metadata bad'}, ${bad} bad package(s) of ${v.packages.length}`,
        exitCode: v.ok ? 0 : 1,
      };
    }),
  );
}
