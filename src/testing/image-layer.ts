// Fixtures for the image-layer tests: an RSA key and self-signed certificate made with openssl,
// and a small LayerTree (files, a setuid binary, symlinks, directories, a fifo, a hard link) with
// a made-up package list, built on disk without installing any package.
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ProcessRunner } from '../adapters/types.js';
import type { LayerPackage, LayerTree } from '../image/types.js';

export interface TestCertificate {
  readonly keyFile: string;
  readonly certFile: string;
}

/** An RSA-2048 key (PKCS#8 PEM) and a self-signed certificate for `cn`, in `dir`. */
export async function makeTestCertificate(proc: ProcessRunner, dir: string, cn: string): Promise<TestCertificate> {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const r = await proc.run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${cn}`, '-days', '36500']);
  if (r.code !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return { keyFile, certFile };
}

function pkg(name: string, version: string, release: string, arch: string, files: string[], sbom?: string): LayerPackage {
  return { name, version, release, arch, nevra: `${name}-${version}-${release}.${arch}`, files, ...(sbom ? { sbom } : {}), sha256header: '0'.repeat(64) };
}

/**
 * A layer tree under `root`: `variant` changes one file's content, so two variants give two
 * different layers. kind 'extension' adds usr/lib/extension-release.d/extension-release.NAME.
 */
export function makeTestLayerTree(root: string, opts: { readonly name?: string; readonly kind?: 'base' | 'extension'; readonly variant?: string; readonly epoch?: number; readonly extraFiles?: Record<string, string> } = {}): LayerTree {
  const name = opts.name ?? 'greet';
  const kind = opts.kind ?? 'extension';
  const w = (rel: string, content: string | Buffer, mode = 0o644) => {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  };
  mkdirSync(root, { recursive: true });
  w('usr/bin/greet', `#!/bin/sh\necho hello ${opts.variant ?? ''}\n`, 0o755);
  w('usr/bin/su-greet', Buffer.alloc(5000, 7), 0o4755);
  w('usr/share/greet/words.txt', 'hello\nworld\n'.repeat(1000));
  w('usr/share/doc/greet/README', 'greet: says hello\n');
  w('etc/greet.conf', 'greeting=hello\n');
  mkdirSync(path.join(root, 'usr/share/greet/empty'), { recursive: true });
  mkdirSync(path.join(root, 'var/lib/greet'), { recursive: true });
  chmodSync(path.join(root, 'var/lib/greet'), 0o1777);
  symlinkSync('greet', path.join(root, 'usr/bin/hello'));
  symlinkSync('../../etc/greet.conf', path.join(root, 'usr/share/greet/greet.conf'));
  symlinkSync('/nonexistent/outside', path.join(root, 'usr/share/greet/dangling'));
  linkSync(path.join(root, 'usr/share/greet/words.txt'), path.join(root, 'usr/share/greet/words-link.txt'));
  execFileSync('mkfifo', [path.join(root, 'var/lib/greet/fifo')]);
  for (const [rel, content] of Object.entries(opts.extraFiles ?? {})) w(rel, content);
  const extensionRelease = kind === 'extension' ? { id: 'exampleos', sysextLevel: '1.0', architecture: 'x86-64' } : { id: 'exampleos', versionId: '1', sysextLevel: '1.0', architecture: 'x86-64' };
  if (kind === 'extension') w(`usr/lib/extension-release.d/extension-release.${name}`, `ID=exampleos\nSYSEXT_LEVEL=1.0\nARCHITECTURE=x86-64\n`);
  else w('usr/lib/os-release', 'ID=exampleos\nVERSION_ID=1\nSYSEXT_LEVEL=1.0\n');
  const packages = [
    pkg('greet', '1.0', '1.exl1', 'x86_64', ['/usr/bin/greet', '/usr/bin/hello', '/usr/bin/su-greet', '/usr/share/greet', '/usr/share/greet/words.txt', '/usr/share/greet/words-link.txt', '/usr/share/greet/greet.conf', '/usr/share/greet/dangling', '/usr/share/greet/empty', '/etc/greet.conf', '/var/lib/greet'], 'sbom/greet-1.0-1.exl1.x86_64.spdx.json'),
    pkg('greet-doc', '1.0', '1.exl1', 'noarch', ['/usr/share/doc/greet', '/usr/share/doc/greet/README', '/usr/share/greet']),
  ];
  return { name, kind, root, packages, extensionRelease, sourceDateEpoch: opts.epoch ?? 1_700_000_000 };
}
