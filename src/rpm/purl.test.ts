import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { readJson, sharedDir } from '../testing/evidence-validators.js';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { genericPurl, rpmPurl, splitReleaseFileName } from './purl.js';

interface PurlTest {
  readonly test_type: string;
  readonly input: string | { type: string; namespace: string; name: string; version: string; qualifiers: Record<string, string> };
  readonly expected_output?: string;
  readonly expected_failure: boolean;
}
const vectors = (readJson(path.join(sharedDir, 'corpus/purl/rpm-test.json')) as { tests: PurlTest[] }).tests;

test('rpmPurl builds every purl-spec rpm "build" test vector', () => {
  const builds = vectors.filter((t) => t.test_type === 'build' && !t.expected_failure);
  assert.ok(builds.length >= 2);
  for (const t of builds) {
    assert.ok(typeof t.input === 'object');
    const dash = t.input.version.lastIndexOf('-');
    const q = t.input.qualifiers;
    const got = rpmPurl({ vendor: t.input.namespace, name: t.input.name, version: t.input.version.slice(0, dash), release: t.input.version.slice(dash + 1), arch: q['arch']!, distro: q['distro']!, ...(q['epoch'] ? { epoch: Number(q['epoch']) } : {}) });
    assert.equal(got, t.expected_output);
  }
});

test('the canonical form of every "validate" vector is what rpmPurl writes for its parts', () => {
  for (const t of vectors.filter((v) => v.test_type === 'validate' && !v.expected_failure && typeof v.input === 'string')) {
    const p = PackageURL.fromString(t.input as string);
    const dash = p.version!.lastIndexOf('-');
    const q = p.qualifiers ?? {};
    const got = rpmPurl({ vendor: p.namespace!, name: p.name, version: p.version!.slice(0, dash), release: p.version!.slice(dash + 1), arch: q['arch']!, distro: q['distro']!, ...(q['epoch'] ? { epoch: Number(q['epoch']) } : {}) });
    assert.equal(got, t.expected_output);
  }
});

test('rpmPurl agrees with packageurl-js (vendor lower-cased, qualifiers sorted, odd characters encoded)', () => {
  const cases = [
    { vendor: 'Strata', name: 'openssl', epoch: 1, version: '3.5.1', release: '4.azl4', arch: 'x86_64', distro: 'strata-4.0' },
    { vendor: 'strata', name: 'Foo_bar+x', version: '1.0~rc1^git2', release: '1.fc43', arch: 'noarch', distro: 'fedora 43' },
  ];
  for (const c of cases) {
    const ref = new PackageURL('rpm', c.vendor.toLowerCase(), c.name, `${c.version}-${c.release}`, { arch: c.arch, distro: c.distro, ...(c.epoch ? { epoch: String(c.epoch) } : {}) }).toString();
    assert.equal(rpmPurl(c), ref);
  }
  for (const p of [sampleBuildRecord().outputs.srpm, ...sampleBuildRecord().outputs.rpms]) {
    assert.equal(rpmPurl({ vendor: 'strata', name: p.name, epoch: p.epoch!, version: p.version, release: p.release, arch: p.arch, distro: 'strata-4.0' }), p.purl);
  }
});

test('epoch 0 and an absent epoch are not written', () => {
  const base = { vendor: 'fedora', name: 'bash', version: '5.2.37', release: '1.fc43', arch: 'x86_64', distro: 'fedora-43' };
  assert.equal(rpmPurl({ ...base, epoch: 0 }), 'pkg:rpm/fedora/bash@5.2.37-1.fc43?arch=x86_64&distro=fedora-43');
  assert.equal(rpmPurl(base), rpmPurl({ ...base, epoch: 0 }));
  assert.match(rpmPurl({ ...base, epoch: 2 }), /&epoch=2$/);
});

test('genericPurl matches packageurl-js, and release file names split into name and version', () => {
  const url = 'https://www.openssl.org/source/openssl-3.5.1.tar.gz';
  const sha = 'a'.repeat(64);
  assert.equal(genericPurl({ name: 'openssl', version: '3.5.1', downloadUrl: url, sha256: sha }), new PackageURL('generic', null, 'openssl', '3.5.1', { download_url: url, checksum: `sha256:${sha}` }).toString());
  assert.deepEqual(splitReleaseFileName('openssl-3.5.1.tar.gz'), { name: 'openssl', version: '3.5.1' });
  assert.deepEqual(splitReleaseFileName('zlib-ng-2.2.4.tar.xz'), { name: 'zlib-ng', version: '2.2.4' });
  assert.deepEqual(splitReleaseFileName('README'), { name: 'README' });
});
