/**
 * Step 2 of loading a project: the include tree. Loads the root file, follows `includes`
 * depth-first in pre-order (azldev's order, `**` globs sorted), parses each file once into a
 * per-file model, and then the extra config files (azldev's `--config-file`) in order.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, warning, type SourceSpan } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import type { Collector } from './collector.js';
import { parseConfigFile, type ConfigFileModel } from './config-file.js';
import { statFollowingLinks } from './discover.js';
import { parseTomlDoc, TomlDoc } from './toml-read.js';
import type { LoadedFile } from './types.js';

export const hasGlobChars = (p: string): boolean => /[*?[{]/.test(p);

/** The parsed files of a project, in load order. */
export interface IncludeTree {
  readonly models: readonly ConfigFileModel[];
  /** Every file that was read, with how it was reached. */
  readonly files: readonly LoadedFile[];
}

/** Load `rootFile`, its include tree, then each of `extraConfigFiles` (relative to `projectDir`). */
export async function loadIncludeTree(fs: FileSystem, projectDir: string, rootFile: string, extraConfigFiles: readonly string[], diags: Collector): Promise<IncludeTree> {
  const loader = new IncludeLoader(fs, projectDir, diags);
  await loader.load(rootFile, [], []);
  for (const extra of extraConfigFiles) {
    const abs = path.resolve(projectDir, extra);
    if (!(await statFollowingLinks(fs, abs))?.isFile) {
      diags.add(error('CONFIG_FILE_NOT_FOUND', `config file ${abs} does not exist`, { hint: 'check the --config-file path' }));
      continue;
    }
    await loader.load(abs, [], []);
  }
  return { models: loader.models, files: loader.files };
}

/** Depth-first pre-order include traversal (azldev's order), loading each file once. */
class IncludeLoader {
  readonly models: ConfigFileModel[] = [];
  readonly files: LoadedFile[] = [];
  private readonly loaded = new Set<string>();
  private readonly texts = new Map<string, Promise<string | Error>>();
  private realProjectDir: Promise<string> | undefined;

  constructor(
    private readonly fs: FileSystem,
    private readonly projectDir: string,
    private readonly diags: Collector,
  ) {}

  private read(file: string): Promise<string | Error> {
    let p = this.texts.get(file);
    if (!p) {
      p = this.fs.readText(file).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      this.texts.set(file, p);
    }
    return p;
  }

  /** What an include path is, after symbolic links (which may not lead out of the project). */
  private async includeTarget(abs: string): Promise<{ kind: 'file' | 'dir' | 'missing' | 'loop' | 'special' } | { kind: 'outside'; real: string }> {
    const st = await this.fs.stat(abs).catch(() => undefined);
    if (!st) return { kind: 'missing' };
    if (st.isFile) return { kind: 'file' };
    if (st.isDirectory) return { kind: 'dir' };
    if (!st.isSymbolicLink) return { kind: 'special' };
    let real: string;
    try {
      real = await this.fs.realpath(abs);
    } catch {
      return { kind: 'loop' };
    }
    this.realProjectDir ??= this.fs.realpath(this.projectDir).catch(() => this.projectDir);
    const [realProject, t] = await Promise.all([this.realProjectDir, this.fs.stat(real).catch(() => undefined)]);
    if (!isInside(realProject, real)) return { kind: 'outside', real };
    if (!t) return { kind: 'loop' };
    return t.isFile ? { kind: 'file' } : t.isDirectory ? { kind: 'dir' } : { kind: 'special' };
  }

  async load(file: string, chain: readonly SourceSpan[], stack: readonly string[]): Promise<void> {
    if (this.loaded.has(file)) return; // a diamond: already loaded through another path
    this.loaded.add(file);
    const text = await this.read(file);
    const chainExtra = chain.length ? { includeChain: chain } : {};
    if (text instanceof Error) {
      this.diags.add(error('CONFIG_READ', `cannot read ${file}: ${text.message}`, { ...(chain.length ? { span: chain[chain.length - 1]! } : {}), ...chainExtra, hint: 'check that the file exists and is readable (permissions of the file and its directories)' }));
      return;
    }
    this.files.push({ path: file, includeChain: chain });
    const doc = parseTomlDoc(file, text, chain);
    if (!(doc instanceof TomlDoc)) {
      this.diags.add(doc);
      return;
    }
    const model = parseConfigFile(doc, this.projectDir, this.diags);
    this.models.push(model);
    for (const inc of model.includes) {
      const pattern = inc.value;
      const incChain = [...chain, inc.span];
      if (path.isAbsolute(pattern)) {
        this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" is an absolute path`, { span: inc.span, hint: 'write includes relative to the including file', ...chainExtra }));
        continue;
      }
      let matches: string[];
      if (!hasGlobChars(pattern)) {
        const abs = path.resolve(doc.dir, pattern);
        if (!isInside(this.projectDir, abs)) {
          this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" points outside the project`, { span: inc.span, hint: `keep included files inside ${this.projectDir}`, ...chainExtra }));
          continue;
        }
        const target = await this.includeTarget(abs);
        if (target.kind === 'outside') {
          this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" is a symbolic link to ${target.real}, outside the project`, { span: inc.span, hint: `keep included files inside ${this.projectDir}`, ...chainExtra }));
          continue;
        }
        if (target.kind === 'loop' || target.kind === 'special') {
          const what = target.kind === 'loop' ? 'a symbolic link that resolves to nothing (a loop or a dangling link)' : 'not a regular file (a FIFO, device or socket)';
          this.diags.add(error('INCLUDE_NOT_A_FILE', `included path "${pattern}" is ${what} (${abs})`, { span: inc.span, hint: 'include regular TOML files only', ...chainExtra }));
          continue;
        }
        const st = target.kind === 'missing' ? undefined : { isDirectory: target.kind === 'dir', isFile: target.kind === 'file' };
        if (st?.isDirectory) {
          const glob = `${pattern.replace(/\/+$/, '')}/*.toml`;
          this.diags.add(error('INCLUDE_IS_DIRECTORY', `included path "${pattern}" is a directory, not a TOML file (${abs})`, { span: inc.span, hint: `include the files in it, e.g. with a glob: includes = ["${glob}"]`, ...chainExtra }));
          continue;
        }
        if (!st?.isFile) {
          this.diags.add(error('INCLUDE_NOT_FOUND', `included file "${pattern}" does not exist (${abs})`, { span: inc.span, hint: 'fix the path (relative to the including file), or use a glob if the file is optional', ...chainExtra }));
          continue;
        }
        matches = [abs];
      } else {
        matches = [];
        for (const m of await this.fs.glob([pattern], doc.dir)) {
          if (!isInside(this.projectDir, m)) {
            this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" matches ${m}, outside the project`, { span: inc.span, ...chainExtra }));
            continue;
          }
          const target = await this.includeTarget(m);
          if (target.kind === 'file') matches.push(m);
          else if (target.kind === 'outside') this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" matches ${m}, a symbolic link to ${target.real}, outside the project`, { span: inc.span, ...chainExtra }));
          else if (target.kind === 'loop' || target.kind === 'special') {
            // a glob picks what is there: something it cannot read is reported, not read (a FIFO would block)
            this.diags.add(warning('INCLUDE_NOT_A_FILE', `include "${pattern}" matches ${m}, which is ${target.kind === 'loop' ? 'a symbolic link that resolves to nothing' : 'not a regular file'}: skipped`, { span: inc.span, hint: 'include regular TOML files only', ...chainExtra }));
          }
        }
      }
      for (const m of matches) void this.read(m); // read siblings in parallel, process in order
      for (const m of matches) {
        const at = stack.indexOf(m) !== -1 || m === file;
        if (at) {
          const cycle = [...stack, file, m].map((f) => path.relative(this.projectDir, f)).join(' -> ');
          this.diags.add(error('INCLUDE_CYCLE', `include cycle: ${cycle}`, { span: inc.span, hint: 'remove one of the includes in the cycle', includeChain: incChain.slice(0, -1) }));
          continue;
        }
        await this.load(m, incChain, [...stack, file]);
      }
    }
  }
}
