// Acceptance: `strata image list` and `image query` on the real Azure Linux 4 tree
// (../shared/fixtures/azurelinux) show both kiwi definitions and all five image entries with their
// profiles' package lists; through the library and through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NodeFileSystem } from '../adapters/node-fs.js';
import { loadProject } from '../config/load.js';
import { runCli } from '../testing/cli.js';
import { loadImageDefinition, loadImageDefinitions } from './definitions.js';
import { planImageLayers } from './layers-config.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const fs = new NodeFileSystem();
const strata = (args: string[]) => runCli(azl, args, { env: { ...process.env, NO_COLOR: '1' } });

/** Package names of the `<packages type=TYPE>` sections of a kiwi file whose profiles= include `profile`, read with a regex (independently of the reader). */
function kiwiNames(file: string, type: string, profile: string | undefined, arch = 'x86_64'): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/<packages type="([^"]+)"(?: profiles="([^"]+)")?>([\s\S]*?)<\/packages>/g)) {
    if (m[1] !== type) continue;
    if (m[2] && (!profile || !m[2].split(',').includes(profile))) continue;
    for (const p of m[3]!.matchAll(/<package name="([^"]+)"(?: arch="([^"]+)")?/g)) if ((!p[2] || p[2] === arch) && !out.includes(p[1]!)) out.push(p[1]!);
  }
  return out;
}

const IMAGES = [
  ['container-base', 'container-base/container-base.kiwi', 'core'],
  ['container-distroless-base', 'container-base/container-base.kiwi', 'distroless-base'],
  ['container-distroless-debug', 'container-base/container-base.kiwi', 'distroless-debug'],
  ['container-distroless-minimal', 'container-base/container-base.kiwi', 'distroless-minimal'],
  ['vm-base', 'vm-base/vm-base.kiwi', undefined],
] as const;

test('Azure Linux tree: five images on two kiwi definitions, each with its profile, type and package lists', async () => {
  const { project } = await loadProject({ fs, startDir: azl });
  const defs = await loadImageDefinitions(fs, project, { arch: 'x86_64' });
  assert.deepEqual(defs.diagnostics, []);
  assert.deepEqual(defs.kiwiFiles.map((f) => path.relative(azl, f.path)), ['base/images/container-base/container-base.kiwi', 'base/images/vm-base/vm-base.kiwi']);
  assert.deepEqual(defs.kiwiFiles.map((f) => f.hooks.configSh), [true, false]);
  assert.deepEqual(defs.images.map((d) => d.image.name), IMAGES.map((i) => i[0]));
  for (const [name, file, profile] of IMAGES) {
    const d = defs.images.find((x) => x.image.name === name)!;
    const kiwi = path.join(azl, 'base/images', file);
    assert.equal(d.kiwi?.file.path, kiwi, name);
    assert.deepEqual(d.kiwi?.selection.profiles, profile ? [profile] : [], name);
    assert.deepEqual(d.kiwi?.selection.imagePackages.map((p) => p.name), kiwiNames(kiwi, 'image', profile), name);
    assert.deepEqual(d.kiwi?.selection.bootstrapPackages.map((p) => p.name), kiwiNames(kiwi, 'bootstrap', profile), name);
    // a kiwi image without a layer table: one base layer, bootstrap then image packages
    const plan = planImageLayers(d, project, 'x86_64');
    assert.deepEqual(plan.layers.map((l) => [l.name, l.kind]), [[name, 'base']]);
    assert.deepEqual(plan.layers[0]!.requests.map((r) => r.name), [...new Set([...kiwiNames(kiwi, 'bootstrap', profile), ...kiwiNames(kiwi, 'image', profile)])]);
    assert.equal(d.kiwi?.selection.type?.image, name === 'vm-base' ? 'oem' : 'oci');
  }
  const vm = defs.images.find((x) => x.image.name === 'vm-base')!.kiwi!.selection.type!;
  assert.deepEqual([vm.format, vm.filesystem, vm.firmware, vm.size, vm.bootloader?.name], ['vhd-fixed', 'ext4', 'uefi', { value: 5, unit: 'G' }, 'grub2']);
  // the arch matters: aarch64 takes the aa64 boot loader
  const arm = await loadImageDefinition(fs, project, 'vm-base', { arch: 'aarch64' });
  assert.deepEqual(arm.kiwi?.selection.bootstrapPackages.map((p) => p.name), kiwiNames(path.join(azl, 'base/images/vm-base/vm-base.kiwi'), 'bootstrap', undefined, 'aarch64'));
});

test('strata image list on the Azure Linux tree: table and -o json', async () => {
  const r = await strata(['image', 'list', '--arch', 'x86_64']);
  assert.equal(r.code, 0, r.err);
  for (const [name, file, profile] of IMAGES) assert.match(r.out, new RegExp(`^${name}\\s+base/images/${file.replace(/[.]/g, '\\.')}\\s+${profile ?? ''}`, 'm'));
  assert.match(r.out, /^vm-base .*oem vhd-fixed ext4/m);
  assert.match(r.out, /container-base\.kiwi \(azl4-container-base, schema 8\.3\): profiles core\*, distroless-minimal\*, distroless-base\*, distroless-debug\*; config\.sh; used by container-base, container-distroless-base, container-distroless-debug, container-distroless-minimal/);
  assert.match(r.out, /vm-base\.kiwi \(azl4-vm-base, schema 8\.3\): no profiles; no config\.sh; used by vm-base/);
  const j = await strata(['image', 'list', '--arch', 'x86_64', '-o', 'json']);
  assert.equal(j.code, 0, j.err);
  const v = JSON.parse(j.out) as { images: { name: string; profiles: string[]; packages: { image: string[]; bootstrap: string[] } }[]; definitions: { path: string; profiles: { name: string }[]; images: string[] }[] };
  assert.equal(v.images.length, 5);
  assert.equal(v.definitions.length, 2);
  for (const [name, file, profile] of IMAGES) {
    const im = v.images.find((x) => x.name === name)!;
    assert.deepEqual(im.packages.image, kiwiNames(path.join(azl, 'base/images', file), 'image', profile), name);
  }
  assert.deepEqual(v.definitions[0]!.profiles.map((p) => p.name), ['core', 'distroless-minimal', 'distroless-base', 'distroless-debug']);
  const only = await strata(['image', 'list', 'container-distroless-*', '-o', 'json']);
  assert.deepEqual((JSON.parse(only.out) as { images: { name: string }[] }).images.map((x) => x.name), ['container-distroless-base', 'container-distroless-debug', 'container-distroless-minimal']);
});

test('strata image query on the Azure Linux tree: --profile, the container config, the XML line of each package', async () => {
  const r = await strata(['image', 'query', 'container-base', '--profile', 'distroless-debug', '--arch', 'x86_64']);
  assert.equal(r.code, 0, r.err);
  const kiwi = path.join(azl, 'base/images/container-base/container-base.kiwi');
  // busybox is listed twice; the bootstrap section (the last one) comes first in the layer
  const busyboxLine = readFileSync(kiwi, 'utf8').split('\n').findLastIndex((l) => l.includes('<package name="busybox" />')) + 1;
  assert.match(r.out, new RegExp(`^container-base\\s+busybox\\s+kiwi:bootstrap\\s+base/images/container-base/container-base\\.kiwi:${busyboxLine}$`, 'm'));
  assert.match(r.out, /container: microsoft\/azurelinux\/distroless\/debug:4\.0 \(\+:latest\) user=root workingdir=\/ cmd=\(cleared\)/);
  assert.match(r.out, /hooks: config\.sh present/);
  const j = await strata(['image', 'query', 'vm-base', '--arch', 'x86_64', '-o', 'json']);
  assert.equal(j.code, 0, j.err);
  const v = JSON.parse(j.out) as { profiles: string[]; type: { image: string; format: string; kernelCmdline: string; efiPartSize: number }; hooks: { configSh: boolean }; layers: { name: string; packages: { name: string; from: string; at: string }[] }[] };
  assert.deepEqual(v.profiles, []);
  assert.equal(v.type.image, 'oem');
  assert.equal(v.type.kernelCmdline, 'console=ttyS0 rd.shell=0');
  assert.equal(v.type.efiPartSize, 200);
  assert.equal(v.hooks.configSh, false);
  const vmKiwi = path.join(azl, 'base/images/vm-base/vm-base.kiwi');
  assert.deepEqual(v.layers[0]!.packages.filter((p) => p.from === 'kiwi:image').map((p) => p.name), kiwiNames(vmKiwi, 'image', undefined).filter((n) => !kiwiNames(vmKiwi, 'bootstrap', undefined).includes(n)));
  const bad = await strata(['image', 'query', 'container-base', '--profile', 'distroles-base']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /container-base\.kiwi:10:\d+: error\[KIWI_UNKNOWN_PROFILE\]: container-base\.kiwi has no profile "distroles-base"/);
  assert.match(bad.err, /did you mean "distroless-base"\?/);
  const none = await strata(['image', 'query', 'vm-bsae']);
  assert.equal(none.code, 1);
  assert.match(none.err, /error\[IMAGE_NOT_FOUND\]: no image "vm-bsae" in the project/);
  assert.match(none.err, /did you mean "vm-base"/);
});
