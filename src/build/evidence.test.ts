// Host facts of a build record: what dpkg says about the tools that satisfy BuildRequires, asked
// once per run in one batch and kept between runs until dpkg's status file changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DPKG_STATUS, loadHostFacts } from './evidence.js';
import { FakeProcessRunner } from '../testing/fakes/fake-process.js';
import { MemoryFileSystem } from '../testing/fakes/memory-fs.js';

function host(owner: Record<string, [string, string]>) {
  return new FakeProcessRunner({
    rpm: () => ({ stdout: 'RPM version 4.18.0\n' }),
    gcc: () => ({}),
    make: () => ({}),
    'dpkg-query': ({ args }) => {
      if (args[0] === '-S') {
        const files = args.slice(1);
        const found = files.filter((f) => owner[f]);
        return { code: found.length === files.length ? 0 : 1, stdout: found.map((f) => `${owner[f]![0]}: ${f}\n`).join(''), stderr: files.filter((f) => !owner[f]).map((f) => `dpkg-query: no path found matching pattern ${f}\n`).join('') };
      }
      const pkgs = args.slice(3);
      return { stdout: pkgs.map((p) => `${p} ${Object.values(owner).find(([q]) => q === p)![1]}\n`).join('') };
    },
  });
}
const dpkgCalls = (p: FakeProcessRunner) => p.calls.filter((c) => c.cmd === 'dpkg-query').map((c) => c.args.join(' '));

test('host tools: one dpkg batch, answers kept between runs, asked again after dpkg changed', async () => {
  const fs = new MemoryFileSystem();
  await fs.writeFileAtomic(DPKG_STATUS, 'Package: gcc\n');
  const cacheFile = '/work/.strata/host-tools.json';
  const owners: Record<string, [string, string]> = { '/fake/bin/gcc': ['gcc-12', '12.2.0-14'] };

  const p1 = host(owners);
  const h1 = await loadHostFacts(fs, p1, 'rpmbuild', { cacheFile });
  h1.prefetch(['gcc', 'make']);
  assert.deepEqual(await h1.hostTool('gcc'), { requires: 'gcc', path: '/fake/bin/gcc', package: 'gcc-12', version: '12.2.0-14' });
  assert.deepEqual(await h1.hostTool('make'), { requires: 'make', path: '/fake/bin/make' });
  assert.deepEqual(dpkgCalls(p1), ['-S /fake/bin/gcc /fake/bin/make', '-W -f ${Package} ${Version}\n gcc-12']);

  // a second run on the same host: dpkg is not asked, the answers are the same
  const p2 = host(owners);
  const h2 = await loadHostFacts(fs, p2, 'rpmbuild', { cacheFile });
  h2.prefetch(['gcc', 'make']);
  assert.deepEqual(await h2.hostTool('gcc'), await h1.hostTool('gcc'));
  assert.deepEqual(await h2.hostTool('make'), await h1.hostTool('make'));
  assert.deepEqual(dpkgCalls(p2), []);

  // a tool not asked before: only it is looked up
  const p3 = host({ ...owners, '/fake/bin/tar': ['tar', '1.34'] });
  p3.script('tar', () => ({}));
  const h3 = await loadHostFacts(fs, p3, 'rpmbuild', { cacheFile });
  assert.deepEqual(await h3.hostTool('tar'), { requires: 'tar', path: '/fake/bin/tar', package: 'tar', version: '1.34' });
  assert.deepEqual(dpkgCalls(p3), ['-S /fake/bin/tar', '-W -f ${Package} ${Version}\n tar']);

  // dpkg installed something (its status file changed): every answer is asked for again
  await new Promise((r) => setTimeout(r, 5));
  await fs.writeFileAtomic(DPKG_STATUS, 'Package: gcc\nPackage: make\n');
  const upgraded: Record<string, [string, string]> = { '/fake/bin/gcc': ['gcc-12', '12.2.0-15'], '/fake/bin/make': ['make', '4.3-4.1'] };
  const p4 = host(upgraded);
  const h4 = await loadHostFacts(fs, p4, 'rpmbuild', { cacheFile });
  h4.prefetch(['gcc', 'make']);
  assert.equal((await h4.hostTool('gcc')).version, '12.2.0-15');
  assert.equal((await h4.hostTool('make')).package, 'make');
  assert.equal(dpkgCalls(p4).length, 2);
});

test('host tools: without a cache file, or with a corrupt one, dpkg is asked every run', async () => {
  const fs = new MemoryFileSystem();
  await fs.writeFileAtomic(DPKG_STATUS, 'x');
  await fs.writeFileAtomic('/w/host-tools.json', '{ not json');
  const owners: Record<string, [string, string]> = { '/fake/bin/gcc': ['gcc-12', '12.2.0-14'] };
  for (const cacheFile of [undefined, '/w/host-tools.json']) {
    const p = host(owners);
    const h = await loadHostFacts(fs, p, 'rpmbuild', cacheFile ? { cacheFile } : {});
    assert.equal((await h.hostTool('gcc')).package, 'gcc-12');
    assert.equal(dpkgCalls(p).length, 2, String(cacheFile));
  }
});
