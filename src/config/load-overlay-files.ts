/**
 * Step 6 of loading a project: overlay files. A component's `overlay-files` patterns expand in
 * azldev's order (literal paths as given, glob matches sorted by base name) and each document —
 * `[metadata]` plus one or more `[[overlays]]` — is loaded once, however many components use it.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, type SourceSpan } from '../diag/index.js';
import { isInside } from '../util/paths.js';
import type { Collector } from './collector.js';
import type { OverlayFilesValue } from './component-config.js';
import { statFollowingLinks } from './discover.js';
import { hasGlobChars } from './load-includes.js';
import { compareStrings } from './order.js';
import { parseOverlay, parseOverlayMetadata } from './overlay.js';
import { parseTomlDoc, TableReader, TomlDoc } from './toml-read.js';
import type { Overlay } from './types.js';

/** Loaded overlay documents by absolute path, shared by the components of one load. */
export type OverlayDocCache = Map<string, Promise<Overlay[] | undefined>>;

/** Expand `overlay-files` patterns (relative to `value.dir`) in azldev's order and load each document. */
export async function loadOverlayFiles(
  fs: FileSystem,
  projectDir: string,
  value: OverlayFilesValue,
  span: SourceSpan,
  cache: OverlayDocCache,
  diags: Collector,
): Promise<{ overlays: Overlay[]; files: string[] }> {
  const files: string[] = [];
  const seen = new Set<string>();
  for (const pattern of value.patterns) {
    if (path.isAbsolute(pattern) || pattern.split(/[\\/]/).includes('..')) {
      const abs = path.resolve(value.dir, pattern);
      if (path.isAbsolute(pattern) || !isInside(projectDir, abs)) {
        diags.add(error('PATH_ESCAPES_PROJECT', `overlay-files pattern "${pattern}" points outside the project`, { span, hint: 'write overlay-files relative to the component config' }));
        continue;
      }
    }
    let matches: string[];
    if (!hasGlobChars(pattern)) {
      const abs = path.resolve(value.dir, pattern);
      if (!(await statFollowingLinks(fs, abs))?.isFile) {
        diags.add(error('OVERLAY_FILES_NO_MATCH', `overlay file "${pattern}" does not exist (${abs})`, { span, hint: 'fix the path (relative to the component config), or use a glob if it is optional' }));
        continue;
      }
      matches = [abs];
    } else {
      matches = (await fs.glob([pattern], value.dir)).filter((m) => isInside(projectDir, m));
      matches.sort((a, b) => compareStrings(path.basename(a), path.basename(b)) || compareStrings(a, b));
    }
    for (const m of matches) {
      if (seen.has(m)) continue;
      seen.add(m);
      files.push(m);
    }
  }
  const overlays: Overlay[] = [];
  for (const f of files) {
    let p = cache.get(f);
    if (!p) {
      p = loadOverlayDoc(fs, projectDir, f, span, diags);
      cache.set(f, p);
    }
    const list = await p;
    if (list) overlays.push(...list);
  }
  return { overlays, files };
}

/** One overlay-files document: `[metadata]` + one or more `[[overlays]]`. */
async function loadOverlayDoc(fs: FileSystem, projectDir: string, file: string, from: SourceSpan, diags: Collector): Promise<Overlay[] | undefined> {
  let text: string;
  try {
    text = await fs.readText(file);
  } catch (e) {
    diags.add(error('CONFIG_READ', `cannot read overlay file ${file}: ${e instanceof Error ? e.message : String(e)}`, { span: from, hint: 'check that the file exists and is readable (permissions of the file and its directories)' }));
    return undefined;
  }
  if (text.trim() === '' || /^\s*(#[^\n]*\n?\s*)*$/.test(text)) {
    diags.add(error('OVERLAY_FILE_EMPTY', `overlay file ${path.relative(projectDir, file)} is empty`, { span: { file, line: 1, col: 1 }, hint: 'add a [metadata] table and at least one [[overlays]] entry, or delete the file', includeChain: [from] }));
    return undefined;
  }
  const doc = parseTomlDoc(file, text, [from]);
  if (!(doc instanceof TomlDoc)) {
    diags.add(doc);
    return undefined;
  }
  const root = new TableReader(doc, [], doc.value, diags);
  root.string('$schema');
  const mt = root.table('metadata');
  const metadata = mt ? parseOverlayMetadata(mt) : undefined;
  const list = root.tableArray('overlays');
  root.finish();
  if (!mt && root.value['metadata'] === undefined) {
    diags.add(error('OVERLAY_FILE_NO_METADATA', `overlay file ${path.relative(projectDir, file)} has no [metadata] table`, { span: { file, line: 1, col: 1 }, hint: 'add [metadata] with category and upstream-status', includeChain: [from] }));
  }
  if (!list || list.length === 0) {
    if (root.value['overlays'] === undefined || (Array.isArray(root.value['overlays']) && root.value['overlays'].length === 0)) {
      diags.add(error('OVERLAY_FILE_NO_OVERLAYS', `overlay file ${path.relative(projectDir, file)} has no [[overlays]]`, { span: { file, line: 1, col: 1 }, hint: 'add at least one [[overlays]] entry', includeChain: [from] }));
    }
    return undefined;
  }
  const out: Overlay[] = [];
  for (const t of list) {
    const ov = parseOverlay(t, { projectDir, overlayFile: file, ...(metadata ? { fileMetadata: metadata } : {}), allowInlineMetadata: false });
    if (ov) out.push(ov);
  }
  return out;
}
