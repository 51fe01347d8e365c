// The kiwi reader on the real Azure Linux definitions (../shared/fixtures/azurelinux/base/images)
// and on broken ones: every problem a code at the XML's line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseKiwi, selectKiwi, type KiwiDefinition } from './kiwi.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const images = path.resolve(root, '../shared/fixtures/azurelinux/base/images');
const vmFile = path.join(images, 'vm-base/vm-base.kiwi');
const ctFile = path.join(images, 'container-base/container-base.kiwi');

function load(file: string): KiwiDefinition {
  const r = parseKiwi(readFileSync(file, 'utf8'), file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return r.definition;
}

/** The 1-based line of the first line of `file` containing `needle`. */
function lineOf(file: string, needle: string): number {
  return readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

test('vm-base.kiwi: the oem vhd-fixed ext4 UEFI type, its image and bootstrap packages per arch', () => {
  const d = load(vmFile);
  assert.equal(d.name, 'azl4-vm-base');
  assert.equal(d.schemaVersion, '8.3');
  assert.deepEqual(d.profiles, []);
  const x86 = selectKiwi(d, undefined, 'x86_64');
  assert.ok(x86.ok);
  const t = x86.selection.type!;
  assert.equal(t.image, 'oem');
  assert.equal(t.format, 'vhd-fixed');
  assert.equal(t.formatOptions, 'force_size');
  assert.equal(t.filesystem, 'ext4');
  assert.equal(t.firmware, 'uefi');
  assert.equal(t.kernelCmdline, 'console=ttyS0 rd.shell=0');
  assert.equal(t.efiPartSize, 200);
  assert.equal(t.bootPartition, false);
  assert.deepEqual(t.size, { value: 5, unit: 'G' });
  assert.equal(t.bootloader?.name, 'grub2');
  assert.equal(t.bootloader?.attrs.console, 'serial');
  assert.equal(t.span.line, lineOf(vmFile, '<type'));
  assert.equal(x86.selection.preferences.packageManager, 'dnf5');
  assert.equal(x86.selection.preferences.releaseVersion, '4.0');
  // every <package> of the image section, in order (the XML read independently, line by line)
  const text = readFileSync(vmFile, 'utf8');
  const section = (type: string) => text.slice(text.indexOf(`<packages type="${type}">`), text.indexOf('</packages>', text.indexOf(`<packages type="${type}">`)));
  const names = (s: string) => [...s.matchAll(/<package name="([^"]+)"(?: arch="([^"]+)")?/g)];
  assert.deepEqual(x86.selection.imagePackages.map((p) => p.name), names(section('image')).map((m) => m[1]));
  assert.ok(x86.selection.imagePackages.length > 60);
  const forArch = (arch: string) => [...new Set(names(section('bootstrap')).filter((m) => !m[2] || m[2] === arch).map((m) => m[1]))];
  assert.deepEqual(x86.selection.bootstrapPackages.map((p) => p.name), forArch('x86_64'));
  assert.ok(x86.selection.bootstrapPackages.some((p) => p.name === 'grub2-efi-x64'));
  const arm = selectKiwi(d, undefined, 'aarch64');
  assert.ok(arm.ok);
  assert.deepEqual(arm.selection.bootstrapPackages.map((p) => p.name), forArch('aarch64'));
  assert.ok(arm.selection.bootstrapPackages.some((p) => p.name === 'grub2-efi-aa64') && !arm.selection.bootstrapPackages.some((p) => p.name === 'grub2-efi-x64'));
  // each package keeps its XML line
  const kernel = x86.selection.imagePackages.find((p) => p.name === 'kernel')!;
  assert.equal(kernel.span.line, lineOf(vmFile, '<package name="kernel" />'));
  assert.equal(kernel.span.col, readFileSync(vmFile, 'utf8').split('\n')[kernel.span.line - 1]!.indexOf('<') + 1);
});

test('container-base.kiwi: four import profiles, OCI containerconfig per profile, package sections by profile', () => {
  const d = load(ctFile);
  assert.deepEqual(d.profiles.map((p) => [p.name, p.import]), [['core', true], ['distroless-minimal', true], ['distroless-base', true], ['distroless-debug', true]]);
  const sel = (p: string) => {
    const r = selectKiwi(d, [p], 'x86_64');
    assert.ok(r.ok);
    return r.selection;
  };
  const core = sel('core');
  assert.deepEqual(core.imagePackages.map((p) => p.name), ['filesystem', 'bash', 'azurelinux-release-container']);
  assert.deepEqual(core.bootstrapPackages.map((p) => p.name), ['filesystem', 'azurelinux-release-container']);
  const cc = core.type!.containerConfig!;
  assert.equal(core.type!.image, 'oci');
  assert.equal(cc.name, 'microsoft/azurelinux/base/core');
  assert.equal(cc.tag, '4.0');
  assert.deepEqual(cc.additionalNames, [':latest']);
  assert.equal(cc.user, 'root');
  assert.equal(cc.workingDir, '/');
  assert.deepEqual(cc.subcommand, { execute: '/bin/bash', arguments: [], clear: false });
  assert.equal(sel('distroless-minimal').type!.containerConfig!.name, 'microsoft/azurelinux/distroless/minimal');
  assert.deepEqual(sel('distroless-minimal').type!.containerConfig!.subcommand, { arguments: [], clear: true });
  assert.deepEqual(sel('distroless-minimal').imagePackages.map((p) => p.name), ['filesystem', 'azurelinux-release-container', 'tzdata']);
  assert.deepEqual(sel('distroless-base').imagePackages.map((p) => p.name), ['filesystem', 'azurelinux-release-container', 'tzdata', 'glibc', 'libgcc', 'openssl-libs', 'setup']);
  const debug = sel('distroless-debug');
  assert.deepEqual(debug.imagePackages.map((p) => p.name), ['filesystem', 'azurelinux-release-container', 'tzdata', 'glibc', 'libgcc', 'openssl-libs', 'setup', 'busybox']);
  assert.deepEqual(debug.bootstrapPackages.map((p) => p.name), ['filesystem', 'azurelinux-release-container', 'busybox']);
  assert.equal(debug.preferences.packageManager, 'dnf5');
  // no profile named: the import="true" ones, all four
  const all = selectKiwi(d, undefined, 'x86_64');
  assert.ok(all.ok);
  assert.deepEqual(all.selection.profiles, ['core', 'distroless-minimal', 'distroless-base', 'distroless-debug']);
  assert.ok(all.selection.imagePackages.some((p) => p.name === 'busybox') && all.selection.imagePackages.some((p) => p.name === 'bash'));
});

test('an unknown profile: KIWI_UNKNOWN_PROFILE at the requesting position, with the XML <profiles> related', () => {
  const d = load(ctFile);
  const asked = { file: '/p/images.toml', line: 7, col: 1 };
  const r = selectKiwi(d, ['distroless-debgu'], 'x86_64', asked);
  assert.ok(!r.ok);
  assert.equal(r.diagnostics[0]!.code, 'KIWI_UNKNOWN_PROFILE');
  assert.deepEqual(r.diagnostics[0]!.span, asked);
  assert.equal(r.diagnostics[0]!.related?.[0]?.span?.line, lineOf(ctFile, '<profile name="core"'));
  assert.match(r.diagnostics[0]!.hint ?? '', /did you mean "distroless-debug"/);
  // from the command line: at the XML's first profile
  const cli = selectKiwi(d, ['nope'], 'x86_64');
  assert.ok(!cli.ok);
  assert.equal(cli.diagnostics[0]!.span?.file, ctFile);
  assert.equal(cli.diagnostics[0]!.span?.line, lineOf(ctFile, '<profile name="core"'));
  // vm-base has no profiles at all
  const vm = selectKiwi(load(vmFile), ['core'], 'x86_64', asked);
  assert.ok(!vm.ok);
  assert.match(vm.diagnostics[0]!.hint ?? '', /declared profiles: none/);
});

const cases: { name: string; xml: string; code: string; line: number; col: number }[] = [
  { name: 'unclosed element', xml: '<image name="x">\n  <packages type="image">\n    <package name="a">\n  </packages>\n</image>\n', code: 'KIWI_XML_MALFORMED', line: 4, col: 13 }, // the `>` of </packages>
  { name: 'garbage after the root', xml: '<image name="x"/>\n<image name="y"/>\n', code: 'KIWI_XML_MALFORMED', line: 2, col: 7 },
  { name: 'unquoted attribute', xml: '<image name=x/>\n', code: 'KIWI_XML_MALFORMED', line: 1, col: 13 },
  { name: 'not an image', xml: '<?xml version="1.0"?>\n<config>\n</config>\n', code: 'KIWI_NOT_AN_IMAGE', line: 2, col: 1 },
  { name: 'package without name', xml: '<image name="x">\n  <packages type="image">\n    <package arch="x86_64"/>\n  </packages>\n</image>\n', code: 'KIWI_MISSING_ATTRIBUTE', line: 3, col: 5 },
  { name: 'profiles= names an undeclared profile', xml: '<image name="x">\n  <profiles><profile name="a"/></profiles>\n  <packages type="image" profiles="a,b">\n  </packages>\n</image>\n', code: 'KIWI_UNKNOWN_PROFILE', line: 3, col: 3 },
];

for (const c of cases) {
  test(`broken kiwi: ${c.name} → ${c.code} at ${c.line}:${c.col}`, () => {
    const r = parseKiwi(c.xml, '/defs/x.kiwi');
    assert.ok(!r.ok);
    const d = r.diagnostics[0]!;
    assert.equal(d.code, c.code, d.message);
    assert.equal(d.severity, 'error');
    assert.deepEqual([d.span?.file, d.span?.line, d.span?.col], ['/defs/x.kiwi', c.line, c.col], d.message);
  });
}

test('users, repositories and several types: primary wins, later preferences override', () => {
  const xml = `<image schemaversion="7.5" name="t">
  <profiles><profile name="p" description="P"/></profiles>
  <preferences><version>1</version><packagemanager>dnf</packagemanager>
    <type image="iso"/>
    <type image="oem" filesystem="xfs" primary="true"><size unit="M">900</size></type>
  </preferences>
  <preferences profiles="p"><packagemanager>dnf5</packagemanager></preferences>
  <users><user name="root" password="$1$x" home="/root" groups="root"/><user name="svc" id="990" groups="svc,wheel" shell="/sbin/nologin"/></users>
  <repository type="rpm-md" alias="r"><source path="https://example.invalid/repo/"/></repository>
  <packages type="image"><package name="a"/><namedCollection name="core"/><package name="a"/></packages>
</image>`;
  const r = parseKiwi(xml, '/t.kiwi');
  assert.ok(r.ok);
  const none = selectKiwi(r.definition, [], 'x86_64');
  assert.ok(none.ok);
  assert.equal(none.selection.type?.image, 'oem');
  assert.deepEqual(none.selection.type?.size, { value: 900, unit: 'M' });
  assert.equal(none.selection.preferences.packageManager, 'dnf');
  const p = selectKiwi(r.definition, ['p'], 'x86_64');
  assert.ok(p.ok);
  assert.equal(p.selection.preferences.packageManager, 'dnf5');
  assert.deepEqual(p.selection.imagePackages.map((x) => x.name), ['a']);
  assert.deepEqual(p.selection.collections, ['core']);
  assert.deepEqual(p.selection.users.map((u) => [u.name, u.groups, u.hasPassword, u.id ?? '']), [['root', ['root'], true, ''], ['svc', ['svc', 'wheel'], false, '990']]);
  assert.equal(r.definition.repositories[0]?.source, 'https://example.invalid/repo/');
});
