/**
 * Loading spec files through the FileSystem adapter (byte-faithful) and checking them.
 */
import * as path from 'node:path';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { FileSystem } from '../adapters/types.js';
import { parseSpec, printSpec, type SpecDocument } from './cst.js';
import { decodeSpecBytes, encodeSpecText } from './text.js';

/** Read and parse a spec; the text is the file's bytes decoded as latin1 (see text.ts). */
export async function loadSpec(fs: FileSystem, file: string): Promise<SpecDocument> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new StrataError(error('SPEC_READ_FAILED', `cannot read ${file}: ${(e as Error).message}`, { span: { file, line: 1, col: 1 }, hint: 'check the path' }), { cause: e });
  }
  return parseSpec(decodeSpecBytes(bytes), file);
}

/** Expand files and directories (recursively, `*.spec`) into a sorted list of spec files. */
export async function resolveSpecPaths(fs: FileSystem, paths: readonly string[], cwd: string): Promise<string[]> {
  const out = new Set<string>();
  const bag: Diagnostic[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const st = await fs.stat(abs);
    if (!st) { bag.push(error('SPEC_PATH_NOT_FOUND', `no such file or directory: ${p}`, { hint: 'pass spec files or directories containing *.spec files' })); continue; }
    if (st.isDirectory) for (const f of await fs.glob(['**/*.spec'], abs)) out.add(f);
    else out.add(abs);
  }
  if (bag.length) throw new StrataError(bag);
  return [...out].sort();
}

export interface SpecCheckResult {
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
  /** undefined when the round-trip was not checked. */
  readonly roundtrip: boolean | undefined;
  /** Offset of the first differing byte when the round-trip fails. */
  readonly firstDifference?: number;
  readonly bytes: number;
}

/** Parse each file, collect its diagnostics, and optionally verify print(parse(x)) === x byte for byte. */
export async function checkSpecs(fs: FileSystem, files: readonly string[], opts: { roundtrip?: boolean } = {}): Promise<SpecCheckResult[]> {
  const results: SpecCheckResult[] = [];
  for (const file of files) {
    const bytes = await fs.readFile(file);
    const text = decodeSpecBytes(bytes);
    const doc = parseSpec(text, file);
    let roundtrip: boolean | undefined;
    let firstDifference: number | undefined;
    if (opts.roundtrip) {
      const back = encodeSpecText(printSpec(doc));
      roundtrip = Buffer.compare(back, Buffer.from(bytes)) === 0;
      if (!roundtrip) {
        let k = 0;
        while (k < back.length && k < bytes.length && back[k] === bytes[k]) k++;
        firstDifference = k;
      }
    }
    results.push({ file, diagnostics: doc.diagnostics, roundtrip, ...(firstDifference !== undefined ? { firstDifference } : {}), bytes: bytes.length });
  }
  return results;
}
