/**
 * A realistic build record (an openssl-like component: Fedora lookaside tarball, Fedora patches
 * in dist-git, a distro patch added by an overlay with security metadata, the flags rpm evaluated),
 * for tests of the evidence formats before a real build produces one.
 */
import type { BuildRecord } from '../build/build-record.js';

const hex = (c: string, n: number) => c.repeat(n).slice(0, n);

export function sampleBuildRecord(): BuildRecord {
  return {
    version: 1,
    component: 'openssl',
    arch: 'x86_64',
    vendor: 'strata',
    distro: 'strata-4.0',
    upstream: { url: 'https://src.fedoraproject.org/rpms/openssl.git', branch: 'f43', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
    lockFingerprint: hex('4f', 64),
    project: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    overlays: [
      {
        type: 'file-add',
        at: { file: 'comps/openssl/openssl.comp.toml', line: 12 },
        description: 'Fix CVE-2025-9230: out-of-bounds read in CMS decryption',
        category: 'security',
        upstreamStatus: 'backport',
        references: ['https://github.com/openssl/openssl/commit/9c4f3a1b', 'https://nvd.nist.gov/vuln/detail/CVE-2025-9230'],
        digest: hex('ab', 64),
      },
      {
        type: 'spec-add-tag',
        at: { file: 'comps/openssl/openssl.comp.toml', line: 18 },
        description: 'apply the CVE fix',
        digest: hex('cd', 64),
      },
      { type: 'spec-prepend-lines', synthetic: 'macros load', digest: hex('ef', 64) },
    ],
    spec: { name: 'openssl.spec', sha256: hex('12', 64) },
    macrosFile: { name: 'openssl.azl.macros', sha256: hex('34', 64) },
    sources: [
      { name: 'openssl-3.5.1.tar.gz', tag: 'Source0', kind: 'source', origin: { kind: 'lookaside', url: 'https://src.fedoraproject.org/repo/pkgs/rpms/openssl/openssl-3.5.1.tar.gz/sha512/' + hex('aa', 128) + '/openssl-3.5.1.tar.gz' }, sha256: hex('56', 64), sha512: hex('aa', 128), size: 53200123 },
      { name: 'openssl-3.5.1.tar.gz.asc', tag: 'Source1', kind: 'source', origin: { kind: 'dist-git', path: 'openssl-3.5.1.tar.gz.asc' }, sha256: hex('57', 64), sha512: hex('ab', 128), size: 833 },
      { name: '0001-Use-system-ciphers.patch', tag: 'Patch1', kind: 'patch', origin: { kind: 'dist-git', path: '0001-Use-system-ciphers.patch' }, patchFrom: 'fedora', sha256: hex('58', 64), sha512: hex('ac', 128), size: 4021 },
      { name: 'CVE-2025-9230.patch', tag: 'Patch100', kind: 'patch', origin: { kind: 'project', path: 'comps/openssl/CVE-2025-9230.patch', addedBy: { file: 'comps/openssl/openssl.comp.toml', line: 12 } }, patchFrom: 'distro', sha256: hex('59', 64), sha512: hex('ad', 128), size: 2210 },
      { name: 'openssl.azl.macros', kind: 'source', origin: { kind: 'generated' }, sha256: hex('34', 64), sha512: hex('ae', 128), size: 120 },
    ],
    signatures: [{ file: 'openssl-3.5.1.tar.gz', signature: 'openssl-3.5.1.tar.gz.asc', keyFingerprints: ['BA5473A2B0587B07FB27CF2D216094DFD0CB81EF'] }],
    build: {
      flags: {
        optflags: '-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe -Wall -Werror=format-security -Wp,-U_FORTIFY_SOURCE,-D_FORTIFY_SOURCE=3 -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong -m64 -march=x86-64 -mtune=generic -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection',
        build_cflags: '-O2 -flto=auto -ffat-lto-objects -fexceptions -g -pipe -Wall -fstack-protector-strong -fcf-protection',
        build_cxxflags: '-O2 -flto=auto -ffat-lto-objects -fexceptions -g -pipe -Wall -fstack-protector-strong -fcf-protection',
        build_fflags: '-O2 -flto=auto -ffat-lto-objects -fexceptions -g -pipe -Wall -fstack-protector-strong -fcf-protection -I/usr/lib64/gfortran/modules',
        build_ldflags: '-Wl,-z,relro -Wl,--as-needed -Wl,-z,pack-relative-relocs -Wl,-z,now -flto=auto -ffat-lto-objects',
        _hardened_build: '1',
        _lto_cflags: '-flto=auto -ffat-lto-objects',
        _smp_build_ncpus: '2',
      },
      defines: { dist: '.azl4', _buildhost: 'strata.build', use_source_date_epoch_as_buildtime: '1' },
      with: [],
      without: ['fips'],
      sourceDateEpoch: 1751328000,
      backend: { name: 'rpmbuild', version: '4.18.0' },
      rpmVersion: '4.18.0',
      hostOs: 'Debian GNU/Linux 12 (bookworm)',
      buildroot: [
        { name: 'zlib-ng-compat-devel', version: '2.2.4', release: '2.azl4', arch: 'x86_64', nevra: 'zlib-ng-compat-devel-2.2.4-2.azl4.x86_64', file: 'zlib-ng-compat-devel-2.2.4-2.azl4.x86_64.rpm', sha256: hex('61', 64), sha256header: hex('62', 64), sigmd5: hex('63', 32), signer: '216094DFD0CB81EF', purl: 'pkg:rpm/strata/zlib-ng-compat-devel@2.2.4-2.azl4?arch=x86_64&distro=strata-4.0' },
      ],
      hostTools: [
        { requires: 'gcc', path: '/usr/bin/gcc', package: 'gcc-12', version: '12.2.0-14+deb12u1' },
        { requires: 'perl(FindBin)' },
      ],
    },
    outputs: {
      srpm: { name: 'openssl', epoch: 1, version: '3.5.1', release: '4.azl4', arch: 'src', nevra: 'openssl-1:3.5.1-4.azl4.src', file: 'openssl-3.5.1-4.azl4.src.rpm', sha256: hex('71', 64), sha256header: hex('72', 64), sigmd5: hex('73', 32), purl: 'pkg:rpm/strata/openssl@3.5.1-4.azl4?arch=src&distro=strata-4.0&epoch=1' },
      rpms: [
        { name: 'openssl', epoch: 1, version: '3.5.1', release: '4.azl4', arch: 'x86_64', nevra: 'openssl-1:3.5.1-4.azl4.x86_64', file: 'openssl-3.5.1-4.azl4.x86_64.rpm', sha256: hex('81', 64), sha256header: hex('82', 64), sigmd5: hex('83', 32), purl: 'pkg:rpm/strata/openssl@3.5.1-4.azl4?arch=x86_64&distro=strata-4.0&epoch=1' },
        { name: 'openssl-libs', epoch: 1, version: '3.5.1', release: '4.azl4', arch: 'x86_64', nevra: 'openssl-libs-1:3.5.1-4.azl4.x86_64', file: 'openssl-libs-3.5.1-4.azl4.x86_64.rpm', sha256: hex('91', 64), sha256header: hex('92', 64), sigmd5: hex('93', 32), purl: 'pkg:rpm/strata/openssl-libs@3.5.1-4.azl4?arch=x86_64&distro=strata-4.0&epoch=1' },
      ],
    },
  };
}
