#!/usr/bin/env node
// The main job on the example distribution (examples/), end to end:
//   upstream dist-git + lookaside (created here) → update → render → build in graph order
//   → sign → publish → verify → dnf --installroot with gpgcheck=1 repo_gpgcheck=1 → run it.
// `predemo` runs setup and the TypeScript build first. Everything lands in build/demo/.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ex = await import(path.join(root, 'dist/testing/example.js'));
const demo = path.join(root, 'build', 'demo');
const project = path.join(demo, 'project');
const strata = path.join(root, 'bin', 'strata');
const tty = process.stdout.isTTY;
const bold = (s) => (tty ? `\u001b[1m${s}\u001b[0m` : s);
const step = (n, s) => console.log(`\n${bold(`[${n}] ${s}`)}`);
const t0 = Date.now();

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    console.log(`$ ${[cmd === strata ? 'strata' : cmd, ...args].join(' ')}`);
    const child = spawn(cmd, args, { stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', cwd: opts.cwd ?? project, env: { ...process.env, ...(opts.env ?? {}) } });
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      if (!opts.quiet) process.stdout.write(c);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && !opts.allowFail) reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} exited with ${code}`));
      else resolve({ code, out });
    });
  });
}

// ---------------------------------------------------------------------------------------------
step(1, 'create the upstream "dist-git" repositories and the lookaside (loopback HTTP)');
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });
const tarballs = ex.makeTarballs(path.join(demo, 'tarballs'));
ex.createLookaside(path.join(demo, 'lookaside'), tarballs);
const distgit = ex.createDistGit(path.join(demo, 'distgit'), tarballs);
for (const [pkg, url] of distgit) console.log(`  dist-git ${pkg.padEnd(14)} ${url}`);

const lookasideRoot = path.join(demo, 'lookaside');
const server = createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = path.join(lookasideRoot, rel);
  if (!file.startsWith(lookasideRoot + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-length': statSync(file).size });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const lookasideUrl = `http://127.0.0.1:${server.address().port}`;
console.log(`  lookaside ${lookasideUrl}/repo/pkgs/…  (${tarballs.length} tarballs)`);

let exitCode = 0;
try {
  // -------------------------------------------------------------------------------------------
  step(2, 'the project: examples/project with the upstream URLs filled in, and a throw-away signing key');
  cpSync(path.join(ex.exampleRoot(), 'project'), project, { recursive: true });
  for (const f of ['distro/upstream.distro.toml']) {
    const p = path.join(project, f);
    writeFileSync(p, readFileSync(p, 'utf8').replaceAll('@DISTGIT@', `file://${path.join(demo, 'distgit')}`).replaceAll('@LOOKASIDE@', lookasideUrl));
  }
  const key = ex.generateSigningKey(path.join(project, 'keys'));
  console.log(`  signing key ${key.fingerprint} (generated now; only the public half is published)`);
  const attestationKey = ex.generateAttestationKey(path.join(project, 'keys'));
  console.log(`  attestation key ${attestationKey.keyId} (Ed25519, generated now)`);
  await run(strata, ['component', 'list', '-a']);

  // -------------------------------------------------------------------------------------------
  step(3, 'update: lock every component to its upstream commit');
  await run(strata, ['component', 'update', '-a']);

  // -------------------------------------------------------------------------------------------
  step(4, 'render: upstream spec + overlays → specs/');
  await run(strata, ['component', 'render', '-a']);

  // -------------------------------------------------------------------------------------------
  step(5, 'prepare sources: rendered files + tarballs fetched from the lookaside and verified');
  const prepared = path.join(project, 'build', 'work', 'prepared');
  await run(strata, ['component', 'prepare-sources', '-a', '-o', prepared]);

  // -------------------------------------------------------------------------------------------
  step(6, 'build in dependency order, 2 at a time');
  await run(strata, ['component', 'build', '-a', '-j', '2', '--prepared', prepared]);
  console.log('\n  again, preparing sources afresh: nothing changed, so nothing is rebuilt (incremental no-op):');
  await run(strata, ['component', 'build', '-a', '-j', '2']);

  console.log('\n  and once more from scratch, every component built twice in different directories and compared:');
  await run(strata, ['component', 'build', '-a', '-j', '2', '--force', '--verify-reproducible', '--prepared', prepared]);

  // -------------------------------------------------------------------------------------------
  step(7, 'sign and publish one repository per channel');
  await run(strata, ['repo', 'publish']);
  const repos = path.join(project, 'out', 'repos');

  // -------------------------------------------------------------------------------------------
  step(8, 'verify the published repository in-process (no gpg, no rpmdb)');
  await run(strata, ['repo', 'verify', '--deep', path.join(repos, 'base')]);

  // -------------------------------------------------------------------------------------------
  step(9, 'verify every package back to its sources: RPM signature, signed provenance (DSSE), SBOMs, recorded inputs');
  console.log(`  evidence: ${readdirSync(path.join(repos, 'evidence')).filter((f) => f !== 'index.json').length} component(s) in ${path.join(repos, 'evidence')}/ (SPDX 2.3, SPDX 3.0.1, CycloneDX 1.6, in-toto/SLSA in DSSE)`);
  await run(strata, ['verify', repos]);
  const greetRpm = path.join(repos, 'base', readdirSync(path.join(repos, 'base')).find((f) => /^greet-\d.*\.x86_64\.rpm$/.test(f)));
  console.log('\n  and one package rebuilt from its recorded inputs and compared byte for byte (--rebuild):');
  const chain = await run(strata, ['-o', 'json', 'verify', '--render', '--rebuild', greetRpm], { capture: true, quiet: true });
  const verdict = JSON.parse(chain.out);
  const pkg = verdict.packages[0];
  for (const st of pkg.steps) console.log(`  ${st.status === 'passed' ? 'ok  ' : st.status.padEnd(4)} ${st.step}${st.problems.length ? `: ${st.problems.map((x) => x.code).join(', ')}` : ''}`);
  if (!verdict.ok) throw new Error('strata verify --rebuild failed');
  const r = pkg.record;
  console.log(`\n  the chain of ${path.basename(greetRpm)}:`);
  console.log(`    Fedora dist-git ${r.upstream ? `${r.upstream.url} @ ${r.upstream.commit.slice(0, 12)} (${r.upstream.branch ?? 'no branch'})` : '(local spec)'}`);
  for (const o of r.overlays) console.log(`    overlay ${o.type}${o.at ? ` at ${o.at.file}:${o.at.line}` : ` (${o.synthetic})`}${o.description ? `: ${o.description}` : ''}  sha256 ${o.digest.slice(0, 12)}…`);
  for (const x of r.sources) console.log(`    ${x.tag ?? x.kind} ${x.name} from ${x.origin.kind}${x.origin.url ? ` ${x.origin.url.replace(/\/sha512\/[0-9a-f]+\//, '/sha512/…/')}` : ''}  sha512 ${x.sha512.slice(0, 12)}…${x.patchFrom ? ` (${x.patchFrom} patch)` : ''}`);
  console.log(`    flags: optflags="${r.build.flags.optflags ?? ''}" _smp_build_ncpus=${r.build.flags._smp_build_ncpus ?? '?'}; SOURCE_DATE_EPOCH=${r.build.sourceDateEpoch}; ${r.build.backend.name} ${r.build.backend.version} on ${r.build.hostOs}`);
  console.log(`    buildroot: ${r.build.buildroot.map((b) => b.nevra).join(', ') || '(none)'}; host tools: ${r.build.hostTools.map((h) => `${h.requires}${h.package ? `=${h.package} ${h.version ?? ''}` : ''}`).join(', ')}`);
  const out = r.outputs.rpms.find((x) => x.file === path.basename(greetRpm));
  console.log(`    → ${out.nevra}  sha256 ${out.sha256.slice(0, 12)}…  sha256header ${out.sha256header?.slice(0, 12)}…  ${out.purl}`);

  // -------------------------------------------------------------------------------------------
  step(10, 'dnf --installroot from the signed repository with gpgcheck=1 and repo_gpgcheck=1');
  const installroot = path.join(demo, 'installroot');
  const keyFile = readdirSync(repos).find((f) => f.startsWith('RPM-GPG-KEY'));
  const dnfArgs = [
    '-y', '-q',
    '--setopt=reposdir=/dev/null',
    `--setopt=cachedir=${path.join(demo, 'dnf-cache')}`,
    `--installroot=${installroot}`,
    '--releasever=1',
    '--forcearch=x86_64',
    '--setopt=install_weak_deps=False',
    `--repofrompath=example,file://${path.join(repos, 'base')}`,
    '--setopt=example.gpgcheck=1',
    '--setopt=example.repo_gpgcheck=1',
    `--setopt=example.gpgkey=file://${path.join(repos, keyFile)}`,
    'install', 'greet', 'greet-banner',
  ];
  await run('dnf', dnfArgs, { cwd: demo });
  // Debian's dnf keeps the rpmdb at the Debian location inside the install root.
  const q = await run('rpm', ['--root', installroot, '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}  %{RSAHEADER:pgpsig}\n'], { cwd: demo, capture: true, quiet: true, allowFail: true });
  console.log(q.out.trim().split('\n').filter((l) => !l.startsWith('gpg-pubkey')).map((l) => `  installed: ${l}`).join('\n'));

  // -------------------------------------------------------------------------------------------
  step(11, 'run the installed program (the example distro has no libc of its own: the host loader runs it)');
  const runEnv = { LD_LIBRARY_PATH: path.join(installroot, 'usr/lib64'), GREET_DATADIR: path.join(installroot, 'usr/share') };
  await run(path.join(installroot, 'usr/bin/greet'), ['Strata'], { cwd: demo, env: runEnv });
  await run(path.join(installroot, 'usr/bin/greet-banner'), ['Strata'], { cwd: demo, env: runEnv });

  console.log(`\n${bold('done')} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  console.log(`  signed repositories: ${repos}/<channel>/  (public key ${path.join(repos, keyFile)})`);
  console.log(`  install root:        ${installroot}`);
} catch (e) {
  console.error(`\ndemo failed: ${e.message}`);
  exitCode = 1;
} finally {
  server.close();
}
process.exit(exitCode);
