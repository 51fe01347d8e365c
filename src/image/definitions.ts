/**
 * The project's images with their definitions: azldev's `[images.NAME]` with `definition = {
 * type = "kiwi", path, profile }` resolved to the kiwi description it names (read once per file,
 * shared by the images that use it), the profile and architecture applied, and the hooks kiwi
 * would run beside it (`config.sh`, `images.sh`, `post_bootstrap.sh`, the `root/` overlay).
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import type { ImageConfig, ResolvedProject } from '../config/types.js';
import { StrataError, didYouMean, error, type Diagnostic } from '../diag/index.js';
import { parseKiwi, selectKiwi, type KiwiDefinition, type KiwiSelection } from './kiwi.js';

/** What kiwi would run or copy beside the description (presence only: Strata runs none of them). */
export interface KiwiHooks {
  readonly configSh: boolean;
  readonly imagesSh: boolean;
  readonly postBootstrapSh: boolean;
  /** A `root/` directory overlaid onto the image. */
  readonly rootOverlay: boolean;
}

export interface KiwiFile {
  readonly path: string;
  readonly definition: KiwiDefinition;
  readonly hooks: KiwiHooks;
}

export interface ImageDefinition {
  readonly image: ImageConfig;
  /** The kiwi description and this image's build of it (absent for a Strata-only image). */
  readonly kiwi?: { readonly file: KiwiFile; readonly selection: KiwiSelection };
}

/** Reads each kiwi file once. */
export class KiwiCache {
  private readonly files = new Map<string, Promise<{ ok: true; file: KiwiFile } | { ok: false; diagnostics: readonly Diagnostic[] }>>();
  constructor(private readonly fs: FileSystem) {}

  load(file: string, requestedAt: ImageConfig['definedAt']): Promise<{ ok: true; file: KiwiFile } | { ok: false; diagnostics: readonly Diagnostic[] }> {
    let p = this.files.get(file);
    if (!p) {
      p = this.read(file, requestedAt);
      this.files.set(file, p);
    }
    return p;
  }

  private async read(file: string, requestedAt: ImageConfig['definedAt']): Promise<{ ok: true; file: KiwiFile } | { ok: false; diagnostics: readonly Diagnostic[] }> {
    const st = await this.fs.stat(file);
    if (!st?.isFile) {
      return { ok: false, diagnostics: [error('KIWI_DEFINITION_NOT_FOUND', `image definition ${file} ${st ? 'is not a file' : 'does not exist'}`, { span: requestedAt, hint: 'definition.path is relative to the file that declares the image' })] };
    }
    const r = parseKiwi(await this.fs.readText(file), file);
    if (!r.ok) return { ok: false, diagnostics: r.diagnostics };
    const dir = path.dirname(file);
    const has = async (name: string, dirOk = false) => {
      const s = await this.fs.stat(path.join(dir, name));
      return !!s && (dirOk ? s.isDirectory : s.isFile);
    };
    const hooks: KiwiHooks = { configSh: await has('config.sh'), imagesSh: await has('images.sh'), postBootstrapSh: await has('post_bootstrap.sh'), rootOverlay: await has('root', true) };
    return { ok: true, file: { path: file, definition: r.definition, hooks } };
  }
}

/** The profiles an image's config asks for (`profile = "a,b"` is allowed, as kiwi's --profile). */
function configProfiles(image: ImageConfig): string[] | undefined {
  const p = image.definition?.profile;
  if (!p) return undefined;
  return p.split(',').map((s) => s.trim()).filter(Boolean);
}

export interface LoadImageOptions {
  /** Build architecture (rpm's name: `x86_64`, `aarch64`). */
  readonly arch: string;
  /** Profiles instead of the image config's (the `--profile` flag). */
  readonly profiles?: readonly string[];
}

/** One image with its definition; every problem is in `diagnostics` (no throw). */
export async function resolveImageDefinition(cache: KiwiCache, image: ImageConfig, o: LoadImageOptions): Promise<{ ok: true; definition: ImageDefinition } | { ok: false; diagnostics: readonly Diagnostic[] }> {
  const def = image.definition;
  if (!def?.path) return { ok: true, definition: { image } };
  const loaded = await cache.load(def.path, image.definedAt);
  if (!loaded.ok) return loaded;
  // a profile the image config names is reported at the image; one from --profile at the XML's <profiles>
  const explicit = !!o.profiles?.length;
  const profiles = explicit ? o.profiles : configProfiles(image);
  const sel = selectKiwi(loaded.file.definition, profiles, o.arch, explicit ? undefined : image.definedAt);
  if (!sel.ok) return sel;
  return { ok: true, definition: { image, kiwi: { file: loaded.file, selection: sel.selection } } };
}

/** The image named `name`, or IMAGE_NOT_FOUND with a did-you-mean. */
export function findImage(project: ResolvedProject, name: string): ImageConfig {
  const image = project.images.get(name);
  if (image) return image;
  const dym = didYouMean(name, project.images.keys());
  throw new StrataError(error('IMAGE_NOT_FOUND', `no image "${name}" in the project`, { hint: dym ? `did you mean "${dym}"?` : `images: ${[...project.images.keys()].join(', ') || 'none (add an [images.NAME] table)'}` }));
}

/** One image by name with its definition; throws a StrataError carrying every diagnostic. */
export async function loadImageDefinition(fs: FileSystem, project: ResolvedProject, name: string, o: LoadImageOptions): Promise<ImageDefinition> {
  const r = await resolveImageDefinition(new KiwiCache(fs), findImage(project, name), o);
  if (!r.ok) throw new StrataError(r.diagnostics);
  return r.definition;
}

export interface ImageDefinitions {
  /** Every image that resolved, sorted by name. */
  readonly images: readonly ImageDefinition[];
  /** Every kiwi file read, sorted by path. */
  readonly kiwiFiles: readonly KiwiFile[];
  /** Problems of the images that did not resolve (the others are still listed). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Every image of the project with its definition (`image list`). */
export async function loadImageDefinitions(fs: FileSystem, project: ResolvedProject, o: LoadImageOptions): Promise<ImageDefinitions> {
  const cache = new KiwiCache(fs);
  const images: ImageDefinition[] = [];
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, KiwiFile>();
  for (const image of project.images.values()) {
    const r = await resolveImageDefinition(cache, image, { arch: o.arch });
    if (!r.ok) {
      for (const d of r.diagnostics) if (!diagnostics.includes(d)) diagnostics.push(d);
      continue;
    }
    images.push(r.definition);
    if (r.definition.kiwi) files.set(r.definition.kiwi.file.path, r.definition.kiwi.file);
  }
  return { images, kiwiFiles: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)), diagnostics };
}
