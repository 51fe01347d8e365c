/**
 * `evaluateSpecFile`: load one spec file and evaluate it the way `strata spec sources|show` do —
 * Fedora's default macros, the user's `--define`/`--undefine`/`--with`/`--without`/`--arch`/
 * `--fedora`/`--dist`, `%_sourcedir` at the spec's directory, and `%include`s of files inside that
 * directory followed. Returns the document and the evaluation; user mistakes are coded errors.
 */
import * as path from 'node:path';
import { error, StrataError } from '../diag/index.js';
import type { FileSystem } from '../adapters/types.js';
import type { SpecDocument } from './cst.js';
import { fedoraContext, parseDefineArg } from './defaults.js';
import { evaluateSpec, type EvaluatedSpec } from './evaluate.js';
import { loadSpec } from './load.js';
import { decodeSpecBytes, displayText, toSpecBytesString } from './text.js';

export interface SpecFileOptions {
  /** `NAME VALUE` (or `NAME(OPTS) VALUE`) per `--define`. */
  readonly define: readonly string[];
  readonly undefine: readonly string[];
  readonly with: readonly string[];
  readonly without: readonly string[];
  readonly arch?: string;
  /** Fedora release number, as text (checked here). */
  readonly fedora?: string;
  readonly dist?: string;
}

/** `file` as the user wrote it (for messages); `abs` is where it is. */
export async function evaluateSpecFile(fs: FileSystem, file: string, abs: string, o: SpecFileOptions): Promise<{ doc: SpecDocument; ev: EvaluatedSpec }> {
  const st = await fs.stat(abs);
  if (st?.isDirectory) throw new StrataError(error('SPEC_IS_DIRECTORY', `${file} is a directory, not a spec file`, { hint: `name the spec file (e.g. ${path.join(file, `${path.basename(abs)}.spec`)}); \`strata spec check ${file}\` checks every spec in a directory` }));
  if (!st) throw new StrataError(error('SPEC_PATH_NOT_FOUND', `no such file: ${file}`, { hint: 'pass the path of a .spec file (relative to the current directory)' }));
  const doc = await loadSpec(fs, abs);
  const overrides: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (const d of o.define) {
    const p = parseDefineArg(d);
    if (!p) throw new StrataError(error('SPEC_BAD_DEFINE', `--define '${d}' is not 'NAME VALUE'`, { hint: "write --define 'dist .azl4'" }));
    overrides[p.name] = toSpecBytesString(p.body);
    if (p.params !== undefined) params[p.name] = p.params;
  }
  if (o.fedora !== undefined && !/^\d+$/.test(o.fedora)) throw new StrataError(error('SPEC_BAD_FEDORA', `--fedora expects a release number, not ${JSON.stringify(o.fedora)}`, { hint: 'write --fedora 43' }));
  const ctx = fedoraContext({
    ...(o.arch ? { arch: o.arch } : {}),
    ...(o.fedora ? { fedora: Number(o.fedora) } : {}),
    ...(o.dist !== undefined ? { dist: o.dist } : {}),
    undefines: o.undefine, with: o.with, without: o.without,
  });
  // sources live next to the spec (dist-git layout), so %{SOURCEn} and %include find them
  if (!('_sourcedir' in overrides)) ctx.set('_sourcedir', toSpecBytesString(path.dirname(abs)));
  for (const [k, v] of Object.entries(overrides)) ctx.set(k, v, params[k]);
  for (const n of o.undefine) ctx.delete(n);
  let ev = evaluateSpec(doc, ctx.clone());
  // follow %include of files inside the spec's directory (read first, then evaluate again)
  const wanted = ev.diagnostics.filter((x) => x.code === 'SPEC_INCLUDE_NOT_FOLLOWED').map((x) => /^%include (.*) was not followed$/.exec(x.message)?.[1]).filter((x): x is string => !!x);
  if (wanted.length) {
    const files = new Map<string, string>();
    const dir = path.dirname(abs);
    for (const w of wanted) {
      const p = path.resolve(dir, displayText(w));
      if (p !== dir && !p.startsWith(dir + path.sep)) continue;
      try { files.set(w, decodeSpecBytes(await fs.readFile(p))); } catch { /* stays not followed */ }
    }
    ev = evaluateSpec(doc, ctx.clone(), { include: (p) => files.get(p) });
  }
  return { doc, ev };
}
