/**
 * Step 2 of loading a project: the include tree. Loads the root file, follows `includes`
 * depth-first in pre-order (azldev's order, `**` globs sorted), parses each file once into a
 * per-file model, and then the extra config files (azldev's `--config-file`) in order.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, type SourceSpan } from '../diag/index.js';
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
        const st = await this.fs.stat(abs);
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
        matches = (await this.fs.glob([pattern], doc.dir)).filter((m) => {
          if (isInside(this.projectDir, m)) return true;
          this.diags.add(error('PATH_ESCAPES_PROJECT', `include "${pattern}" matches ${m}, outside the project`, { span: inc.span, ...chainExtra }));
          return false;
        });
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
