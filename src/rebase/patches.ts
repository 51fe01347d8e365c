/**
 * Does a patch still apply to new upstream sources, or does it apply in reverse (its change is
 * already there)? In process, with the `diff` package (no fuzz): every file of the patch must
 * apply for `forward`, every file must apply reversed for `reverse`.
 */
import { applyPatch, parsePatch, reversePatch, type StructuredPatch } from 'diff';

/** The unpacked upstream sources: path (relative, `/`-separated) → text. */
export type SourceTree = ReadonlyMap<string, string>;

export type PatchFit = 'forward' | 'reverse' | 'neither' | 'unknown';

function stripPrefix(p: string): string[] {
  const clean = p.replace(/^"|"$/g, '').replace(/\t.*$/, '');
  const parts = clean.split('/').filter((s) => s !== '' && s !== '.');
  const out: string[] = [];
  for (let k = 0; k < Math.min(parts.length, 4); k++) out.push(parts.slice(k).join('/'));
  return out;
}

/** The tree file a patch path names: exact after stripping 0–3 leading directories, else a unique suffix match. */
function lookup(tree: SourceTree, name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  const cands = stripPrefix(name);
  for (const c of cands) if (tree.has(c)) return c;
  for (const c of cands) {
    if (!c.includes('/') && cands.length > 1) continue;
    const hits = [...tree.keys()].filter((k) => k.endsWith(`/${c}`));
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

function applies(tree: SourceTree, p: StructuredPatch): boolean {
  const creates = p.oldFileName === '/dev/null';
  const deletes = p.newFileName === '/dev/null';
  const at = lookup(tree, creates ? p.newFileName : p.oldFileName) ?? lookup(tree, p.newFileName);
  if (creates) return at === undefined;
  if (at === undefined) return false;
  const r = applyPatch(tree.get(at)!, p);
  return r !== false && (!deletes || r === '');
}

/** How `patchText` fits `tree`. `unknown` when the text holds no file diff or names no file of the tree. */
export function patchFit(patchText: string, tree: SourceTree): PatchFit {
  let files: StructuredPatch[];
  try {
    files = parsePatch(patchText).filter((p) => p.hunks.length > 0);
  } catch {
    return 'unknown';
  }
  if (files.length === 0) return 'unknown';
  const known = files.filter((p) => lookup(tree, p.oldFileName) !== undefined || lookup(tree, p.newFileName) !== undefined);
  if (known.length === 0) return 'unknown';
  if (files.every((p) => applies(tree, p))) return 'forward';
  if (files.every((p) => applies(tree, reversePatch(p) as StructuredPatch))) return 'reverse';
  return 'neither';
}
