/**
 * `strata image …`: the project's images.
 *
 * - `image list [PATTERN…]` — every image with its definition (kiwi file, profiles, type), its
 *   layers and package counts, and the kiwi definitions they use.
 * - `image query NAME [--profile P] [--arch A]` — one image: the kiwi type, container config,
 *   users, hooks, and each layer's package requests with where each was written.
 * - `image build NAME` — closure + rpm install of every layer into `<out>/images/NAME/trees/`.
 *
 * Other image subcommands (compose, verify, scan, …) attach to the same group: `imageCommand`.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { ResolvedProject } from '../../config/index.js';
import type { SourceSpan } from '../../diag/index.js';
import type { ImageDefinition, KiwiFile } from '../../image/definitions.js';
import type { KiwiType } from '../../image/kiwi.js';
import type { ImagePlan, RequestOrigin } from '../../image/layers-config.js';
import type { BuiltTrees } from '../../image/build-trees.js';
import type { CommandHost } from '../host.js';
import type { CommandResult } from '../output.js';
import { loadProjectForCli } from '../load-project.js';
import { makeSink } from '../progress.js';

/** The `image` command group (created on first use): every image subcommand hangs off it. */
export function imageCommand(program: Command, host: CommandHost): Command {
  return host.group(program, 'image', 'OS images: kiwi definitions, layers, package closure, layer trees');
}

/** rpm's name of the machine's architecture. */
export function hostRpmArch(): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64' } as Record<string, string>)[process.arch] ?? process.arch;
}

const where = (s: SourceSpan | undefined, cwd: string) => (s ? `${path.relative(cwd, s.file) || s.file}:${s.line}` : '');
const originText = (o: RequestOrigin) => (o.kind === 'group' ? `group:${o.group}` : o.kind === 'packages' ? 'packages' : o.kind === 'kiwi-image' ? 'kiwi:image' : 'kiwi:bootstrap');

function typeText(t: KiwiType | undefined): string {
  if (!t) return '';
  return [t.image, t.format, t.filesystem].filter(Boolean).join(' ');
}

function typeJson(t: KiwiType | undefined) {
  if (!t) return undefined;
  const { span: _s, attrs: _a, containerConfig, ...rest } = t;
  void _s;
  void _a;
  if (!containerConfig) return rest;
  const { span: _c, ...cc } = containerConfig;
  void _c;
  return { ...rest, containerConfig: cc };
}

/** The image list (data; the view is `imageListResult`). */
export interface ImageListView {
  readonly images: readonly { def: ImageDefinition; plan?: ImagePlan; problem?: string }[];
  readonly kiwiFiles: readonly KiwiFile[];
}

export function imageListResult(v: ImageListView, project: ResolvedProject, cwd: string): CommandResult {
  const rel = (f: string) => path.relative(project.dir, f) || f;
  const images = v.images.map(({ def, plan }) => {
    const k = def.kiwi;
    return {
      name: def.image.name,
      ...(def.image.description ? { description: def.image.description } : {}),
      ...(def.image.definition ? { definition: { type: def.image.definition.type, ...(def.image.definition.path ? { path: rel(def.image.definition.path) } : {}), ...(def.image.definition.profile ? { profile: def.image.definition.profile } : {}) } } : {}),
      ...(k ? { profiles: k.selection.profiles, type: typeJson(k.selection.type), packages: { image: k.selection.imagePackages.map((p) => p.name), bootstrap: k.selection.bootstrapPackages.map((p) => p.name) }, hooks: k.file.hooks } : {}),
      layers: (plan?.layers ?? []).map((l) => ({ name: l.name, kind: l.kind, packages: l.requests.map((r) => r.name) })),
    };
  });
  const definitions = v.kiwiFiles.map((f) => ({
    path: rel(f.path),
    name: f.definition.name,
    ...(f.definition.schemaVersion ? { schemaVersion: f.definition.schemaVersion } : {}),
    profiles: f.definition.profiles.map((p) => ({ name: p.name, ...(p.description ? { description: p.description } : {}), import: p.import })),
    hooks: f.hooks,
    images: v.images.filter((i) => i.def.kiwi?.file === f).map((i) => i.def.image.name),
  }));
  const text = definitions.length
    ? 'kiwi definitions:\n' +
      definitions
        .map((d) => `  ${d.path} (${d.name}${d.schemaVersion ? `, schema ${d.schemaVersion}` : ''}): ${d.profiles.length ? `profiles ${d.profiles.map((p) => p.name + (p.import ? '*' : '')).join(', ')}` : 'no profiles'}; ${d.hooks.configSh ? 'config.sh' : 'no config.sh'}; used by ${d.images.join(', ')}`)
        .join('\n') +
      (definitions.some((d) => d.profiles.some((p) => p.import)) ? '\n  (* import="true": selected when an image names no profile)' : '')
    : undefined;
  return {
    json: { images, definitions },
    table: {
      columns: ['image', 'definition', 'profile', 'type', 'layers', 'packages', 'description'],
      rows: v.images.map(({ def, plan }) => [
        def.image.name,
        def.image.definition?.path ? path.relative(cwd, def.image.definition.path) : '',
        def.kiwi?.selection.profiles.join(',') ?? '',
        typeText(def.kiwi?.selection.type),
        plan ? plan.layers.map((l) => l.name).join(',') : '',
        plan ? plan.layers.reduce((n, l) => n + l.requests.length, 0) : '',
        def.image.description ?? '',
      ]),
    },
    ...(text ? { text } : {}),
  };
}

export function imageQueryResult(def: ImageDefinition, plan: ImagePlan, cwd: string): CommandResult {
  const k = def.kiwi;
  const sel = k?.selection;
  const layers = plan.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    ...(l.extensionRelease ? { extensionRelease: l.extensionRelease } : {}),
    packages: l.requests.map((r) => ({ name: r.name, from: originText(r.origin), at: where(r.span, cwd) })),
  }));
  const json = {
    name: def.image.name,
    ...(def.image.description ? { description: def.image.description } : {}),
    arch: plan.arch,
    ...(k && sel
      ? {
          definition: { type: 'kiwi', path: path.relative(cwd, k.file.path), name: k.file.definition.name, ...(k.file.definition.schemaVersion ? { schemaVersion: k.file.definition.schemaVersion } : {}) },
          profiles: sel.profiles,
          declaredProfiles: k.file.definition.profiles.map((p) => p.name),
          preferences: sel.preferences,
          ...(sel.type ? { type: typeJson(sel.type) } : {}),
          users: sel.users.map(({ span: _s, profiles: _p, ...u }) => (void _s, void _p, u)),
          collections: sel.collections,
          hooks: k.file.hooks,
          packages: { image: sel.imagePackages.map((p) => p.name), bootstrap: sel.bootstrapPackages.map((p) => p.name) },
        }
      : {}),
    capabilities: def.image.capabilities,
    layers,
  };
  const lines: string[] = [];
  lines.push(`image ${def.image.name}${def.image.description ? ` — ${def.image.description}` : ''} (${plan.arch})`);
  if (k && sel) {
    lines.push(`definition: ${path.relative(cwd, k.file.path)} (${k.file.definition.name}), profiles: ${sel.profiles.join(', ') || '(none)'}`);
    const t = sel.type;
    if (t) {
      const parts = [`image=${t.image}`, t.format && `format=${t.format}`, t.formatOptions && `formatoptions=${t.formatOptions}`, t.filesystem && `filesystem=${t.filesystem}`, t.size && `size=${t.size.value}${t.size.unit}`, t.firmware && `firmware=${t.firmware}`, t.efiPartSize !== undefined && `efipartsize=${t.efiPartSize}M`, t.bootloader && `bootloader=${t.bootloader.name}`, t.kernelCmdline !== undefined && `kernelcmdline="${t.kernelCmdline}"`].filter(Boolean);
      lines.push(`type: ${parts.join(' ')}`);
      const cc = t.containerConfig;
      if (cc) {
        const cmd = (c: typeof cc.subcommand) => (c ? (c.clear && !c.execute ? '(cleared)' : [c.execute, ...c.arguments].filter(Boolean).join(' ')) : '');
        lines.push(`container: ${cc.name ?? ''}:${cc.tag ?? ''}${cc.additionalNames?.length ? ` (+${cc.additionalNames.join(',')})` : ''} user=${cc.user ?? ''} workingdir=${cc.workingDir ?? ''}${cc.entrypoint ? ` entrypoint=${cmd(cc.entrypoint)}` : ''}${cc.subcommand ? ` cmd=${cmd(cc.subcommand)}` : ''}`);
      }
    }
    if (sel.users.length) lines.push(`users: ${sel.users.map((u) => `${u.name}${u.groups.length ? `(${u.groups.join(',')})` : ''}`).join(', ')}`);
    lines.push(`hooks: config.sh ${k.file.hooks.configSh ? 'present' : 'absent'}${k.file.hooks.imagesSh ? ', images.sh' : ''}${k.file.hooks.postBootstrapSh ? ', post_bootstrap.sh' : ''}${k.file.hooks.rootOverlay ? ', root/ overlay' : ''} (Strata runs no kiwi hook)`);
  }
  for (const l of plan.layers) {
    const er = l.extensionRelease;
    lines.push(`layer ${l.name} (${l.kind}): ${l.requests.length} package(s)${er ? `; extension-release ID=${er.id}${er.versionId ? ` VERSION_ID=${er.versionId}` : ''}${er.sysextLevel ? ` SYSEXT_LEVEL=${er.sysextLevel}` : ''} ARCHITECTURE=${er.architecture}` : ''}`);
  }
  return {
    json,
    table: { columns: ['layer', 'package', 'from', 'at'], rows: layers.flatMap((l) => l.packages.map((p) => [l.name, p.name, p.from, p.at])) },
    text: lines.join('\n'),
  };
}

export function imageBuildResult(b: BuiltTrees, cwd: string): CommandResult {
  const layers = b.trees.map((t) => ({
    name: t.name,
    kind: t.kind,
    root: path.relative(cwd, t.root),
    packages: t.packages.map((p) => p.nevra),
    files: t.packages.reduce((n, p) => n + p.files.length, 0),
    ...(t.extensionRelease ? { extensionRelease: t.extensionRelease } : {}),
    seconds: b.timings[t.name],
  }));
  return {
    json: { ok: true, image: b.plan.image, arch: b.plan.arch, dir: path.relative(cwd, b.dir), layersFile: path.relative(cwd, path.join(b.dir, 'layers.json')), sourceDateEpoch: b.trees[0]?.sourceDateEpoch, layers },
    table: { columns: ['layer', 'kind', 'packages', 'files', 'seconds', 'root'], rows: layers.map((l) => [l.name, l.kind, l.packages.length, l.files, l.seconds?.toFixed(2), l.root]) },
    text: `${layers.length} layer tree(s) of ${b.plan.image} in ${path.relative(cwd, b.dir) || '.'}/ (described in layers.json), SOURCE_DATE_EPOCH=${b.trees[0]?.sourceDateEpoch ?? ''}`,
    ...(b.diagnostics.length ? { diagnostics: b.diagnostics } : {}),
  };
}

export function register(program: Command, host: CommandHost): void {
  const image = imageCommand(program, host);

  const list = image.command('list').description('list the images with their definitions, profiles and layers').argument('[patterns...]', 'image names or globs').option('--arch <arch>', 'architecture the package lists are for (default: this machine)');
  host.withOutput(list);
  list.action(
    host.action(async (patterns: string[], flags: { arch?: string }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { project } = await loadProjectForCli(host.ctx, g);
      const { KiwiCache, resolveImageDefinition } = await import('../../image/definitions.js');
      const { planImageLayers } = await import('../../image/layers-config.js');
      const { globToRegExp } = await import('../../config/index.js');
      const { StrataError } = await import('../../diag/index.js');
      const arch = flags.arch ?? hostRpmArch();
      const res = patterns.map((p) => globToRegExp(p));
      const cache = new KiwiCache(host.ctx.fs);
      const images: ImageListView['images'][number][] = [];
      const files = new Set<KiwiFile>();
      const diagnostics: import('../../diag/index.js').Diagnostic[] = [];
      for (const im of project.images.values()) {
        if (res.length && !res.some((r) => r.test(im.name))) continue;
        const r = await resolveImageDefinition(cache, im, { arch });
        if (!r.ok) {
          diagnostics.push(...r.diagnostics.filter((d) => !diagnostics.includes(d)));
          continue;
        }
        if (r.definition.kiwi) files.add(r.definition.kiwi.file);
        try {
          images.push({ def: r.definition, plan: planImageLayers(r.definition, project, arch) });
        } catch (e) {
          if (!(e instanceof StrataError)) throw e;
          diagnostics.push(...e.diagnostics);
          images.push({ def: r.definition });
        }
      }
      const result = imageListResult({ images, kiwiFiles: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)) }, project, host.ctx.cwd);
      return { ...result, ...(diagnostics.length ? { diagnostics, exitCode: diagnostics.some((d) => d.severity === 'error') ? 1 : 0 } : {}) };
    }),
  );

  const query = image.command('query').description("one image: its kiwi type, container config, users, hooks and each layer's packages").argument('<name>', 'image name').option('--profile <profile...>', "kiwi profile(s) instead of the image's").option('--arch <arch>', 'architecture (default: this machine)');
  host.withOutput(query);
  query.action(
    host.action(async (name: string, flags: { profile?: string[]; arch?: string }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const { project } = await loadProjectForCli(host.ctx, g);
      const { loadImageDefinition } = await import('../../image/definitions.js');
      const { planImageLayers } = await import('../../image/layers-config.js');
      const arch = flags.arch ?? hostRpmArch();
      const def = await loadImageDefinition(host.ctx.fs, project, name, { arch, ...(flags.profile ? { profiles: flags.profile.flatMap((p) => p.split(',')) } : {}) });
      return imageQueryResult(def, planImageLayers(def, project, arch), host.ctx.cwd);
    }),
  );

  const build = image
    .command('build')
    .description("resolve each layer's package closure against the published repositories and install it into its own tree (<out>/images/NAME/trees/)")
    .argument('<name>', 'image name')
    .option('--profile <profile...>', "kiwi profile(s) instead of the image's")
    .option('--arch <arch>', 'architecture (default: this machine)')
    .option('--channel <channel...>', 'take packages from these channels only (default: every published channel but source)')
    .option('--key <file...>', 'trusted public key(s) (default: [signing] public-key-file, else the RPM-GPG-KEY* beside the repositories)')
    .option('--source-date-epoch <seconds>', 'timestamp of every file (default: the newest build time of the packages)');
  host.withOutput(build);
  build.action(
    host.action(async (name: string, flags: { profile?: string[]; arch?: string; channel?: string[]; key?: string[]; sourceDateEpoch?: string }, c: Command): Promise<CommandResult> => {
      const g = host.globals(c);
      const ctx = host.ctx;
      const { project } = await loadProjectForCli(ctx, g);
      const { buildImageTrees } = await import('../../image/build-trees.js');
      const { findImage } = await import('../../image/definitions.js');
      findImage(project, name);
      let sde: number | undefined;
      if (flags.sourceDateEpoch !== undefined) {
        sde = Number(flags.sourceDateEpoch);
        if (!Number.isInteger(sde) || sde < 0) {
          const { StrataError, error } = await import('../../diag/index.js');
          throw new StrataError(error('CLI_USAGE', `--source-date-epoch must be a non-negative integer, got "${flags.sourceDateEpoch}"`, { hint: 'pass seconds since 1970-01-01 UTC' }));
        }
      }
      const keyFiles = flags.key?.map((k) => path.resolve(ctx.cwd, k)) ?? (project.signing?.publicKeyFile ? [project.signing.publicKeyFile] : undefined);
      const out = project.project.outputDir;
      const built = await buildImageTrees({ fs: ctx.fs, proc: ctx.proc, sink: makeSink(ctx, g) }, project, {
        image: name,
        arch: flags.arch ?? hostRpmArch(),
        ...(flags.profile ? { profiles: flags.profile.flatMap((p) => p.split(',')) } : {}),
        repoDir: path.join(out, 'repos'),
        ...(keyFiles ? { keyFiles } : {}),
        ...(flags.channel ? { channels: flags.channel } : {}),
        imageDir: path.join(out, 'images', name),
        ...(sde !== undefined ? { sourceDateEpoch: sde } : {}),
      });
      return imageBuildResult(built, ctx.cwd);
    }),
  );
}
