/**
 * Upstream signature checks: find Fedora's `%gpgverify` calls in a spec's active `%prep` (and
 * other build sections), map their `--keyring/--signature/--data` (or `-k/-s/-d`) Source numbers
 * to file names through the spec evaluator, and verify the detached signature in-process with
 * OpenPGP.js before the sources are handed to rpmbuild.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, warning, StrataError, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { parseSpec, evaluateSpec, fedoraContext, spanOf, type SpecDocument } from '../spec/index.js';

export interface GpgVerifyCall {
  /** File names (as placed next to the spec) of the three inputs. */
  readonly keyring: string;
  readonly signature: string;
  readonly data: string;
  /** The data is piped through this decompressor first (`xzcat '%{SOURCE0}' | %{gpgverify} … --data=-`). */
  readonly decompress?: Decompressor;
  readonly span: SourceSpan;
}

export type Decompressor = 'gzip' | 'xz' | 'zstd' | 'bzip2';

/** Decompresses a file to bytes (e.g. by running `xz -dc` through a ProcessRunner). */
export type DecompressFn = (file: string, kind: Decompressor) => Promise<Uint8Array>;

const PIPE_RE = /(?:^|[;&|(]\s*)(?:%\{_bindir\}\/|\/usr\/bin\/)?(xzcat|zstdcat|bzcat|zcat|xz|gzip|zstd|bzip2)\b([^|;&]*)\|\s*$/;
const TOOL: Record<string, Decompressor> = { xzcat: 'xz', xz: 'xz', zstdcat: 'zstd', zstd: 'zstd', bzcat: 'bzip2', bzip2: 'bzip2', zcat: 'gzip', gzip: 'gzip' };

/** `xz -dc '%{SOURCE0}' |` before the call → the decompressor and the Source number. */
function pipedSource(before: string): { kind: Decompressor; n: number } | undefined {
  const m = PIPE_RE.exec(before);
  if (!m) return undefined;
  const tool = m[1]!;
  const args = m[2]!;
  if (!tool.endsWith('cat') && !/(^|\s)-[a-z]*d/.test(args)) return undefined;
  const src = /(?:^|\s)['"]?%\{?(?:SOURCE|S:)(\d+)\}?['"]?(?=\s|$)/.exec(args);
  return src ? { kind: TOOL[tool]!, n: Number(src[1]) } : undefined;
}

export interface SignatureScan {
  readonly calls: readonly GpgVerifyCall[];
  /** Calls Strata cannot check (piped data, unexpandable arguments): warnings. */
  readonly diagnostics: readonly Diagnostic[];
}

const ARG_RE = /(?:--(keyring|signature|data)(?:=|\s+)|(?<=^|\s)-([ksd])\s*)('[^']*'|"[^"]*"|\S+)/g;

function unquote(s: string): string {
  return (s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"')) ? s.slice(1, -1) : s;
}

/**
 * Source number named by an argument: `%{SOURCE2}`, `%SOURCE2`, `%{S:2}`, `%{_sourcedir}/…` is
 * handled by the caller; bare digits for `-k2` style. Undefined when it is something else.
 */
function sourceNumber(arg: string, shortForm: boolean): number | undefined {
  const a = unquote(arg);
  if (shortForm && /^\d+$/.test(a)) return Number(a);
  const m = /^%\{?(?:SOURCE|S:)(\d+)\}?$/.exec(a);
  return m ? Number(m[1]) : undefined;
}

/** Find `%gpgverify` calls in the active parts of a spec (latin1/UTF-8 text). */
export function findGpgVerifyCalls(specText: string, specFile: string, defines: Readonly<Record<string, string>> = {}): SignatureScan {
  if (!/gpgverify/.test(specText)) return { calls: [], diagnostics: [] };
  const doc: SpecDocument = parseSpec(specText, specFile);
  const ev = evaluateSpec(doc, fedoraContext({ overrides: { ...defines } }));
  const byNumber = new Map<number, string>();
  for (const s of ev.sources) byNumber.set(s.number, s.fileName);
  const calls: GpgVerifyCall[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const node of doc.nodes) {
    if (!ev.active[node.index]) continue;
    const section = doc.sections[node.section];
    if (!section || section.name === 'changelog' || section.name === 'preamble' || section.name === 'description' || section.name === 'files') continue;
    if (node.kind === 'comment') continue;
    // Shell lines continue with a trailing backslash; the CST may keep them as separate nodes.
    let end = node.end;
    while (/\\\r?\n$/.test(specText.slice(node.start, end)) && end < specText.length) {
      const nl = specText.indexOf('\n', end);
      end = nl < 0 ? specText.length : nl + 1;
    }
    const raw = specText.slice(node.start, end).replace(/\\\r?\n/g, ' ');
    const at = raw.search(/%\{?\??gpgverify(?![A-Za-z0-9_])/);
    if (at < 0) continue;
    const span = spanOf(doc, { start: node.start + at, end: node.contentEnd });
    let args = raw.slice(at);
    // `%{?gpgverify:%gpgverify -k 2 -s 1 -d 0}`: the call is the conditional's body.
    const cond = /^%\{\?gpgverify:([\s\S]*)\}\s*$/.exec(args.trimEnd());
    if (cond) args = cond[1]!.trim();
    args = args.replace(/^%\{?gpgverify\}?/, '');
    const found: Partial<Record<'keyring' | 'signature' | 'data', string>> = {};
    let decompress: Decompressor | undefined;
    let problem: string | undefined;
    for (const m of args.matchAll(ARG_RE)) {
      const long = m[1] as 'keyring' | 'signature' | 'data' | undefined;
      const key = long ?? ({ k: 'keyring', s: 'signature', d: 'data' } as const)[m[2] as 'k' | 's' | 'd'];
      const value = m[3]!;
      if (unquote(value) === '-') {
        const piped = key === 'data' ? pipedSource(raw.slice(0, at)) : undefined;
        const file = piped ? byNumber.get(piped.n) : undefined;
        if (!piped || file === undefined) {
          problem = `the ${key} comes from a pipe Strata cannot follow`;
          continue;
        }
        found.data = file;
        decompress = piped.kind;
        continue;
      }
      const n = sourceNumber(value, !long);
      const file = n !== undefined ? byNumber.get(n) : undefined;
      if (file === undefined) {
        problem = `the ${key} argument ${value} is not a Source of this spec`;
        continue;
      }
      found[key] = file;
    }
    if (found.keyring && found.signature && found.data && !problem) {
      calls.push({ keyring: found.keyring, signature: found.signature, data: found.data, ...(decompress ? { decompress } : {}), span });
    } else {
      diagnostics.push(
        warning('SIGNATURE_NOT_CHECKED', `%gpgverify here is not checked by Strata: ${problem ?? 'it does not name a keyring, signature and data Source'}`, {
          span,
          hint: 'rpmbuild still runs it in %prep; Strata checks only calls whose inputs are Source files',
        }),
      );
    }
  }
  return { calls, diagnostics };
}

export interface VerifyResult {
  readonly call: GpgVerifyCall;
  /** Key IDs (hex) of the signatures that verified. */
  readonly keyIds: readonly string[];
}

function looksArmored(b: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(b.subarray(0, 200));
  return head.includes('-----BEGIN PGP');
}

/**
 * Verify every call against the files in `dir`. Throws SIGNATURE_INVALID (bad signature or key
 * mismatch), SIGNATURE_KEYRING_INVALID / SIGNATURE_UNREADABLE (unreadable inputs) or
 * SIGNATURE_FILE_MISSING, all with the span of the `%gpgverify` line.
 */
export async function verifyGpgCalls(fs: FileSystem, dir: string, calls: readonly GpgVerifyCall[], decompress?: DecompressFn): Promise<VerifyResult[]> {
  if (calls.length === 0) return [];
  const openpgp = await import('openpgp');
  const config = { ...openpgp.config, minRSABits: 1024, rejectHashAlgorithms: new Set<number>([openpgp.enums.hash.md5, openpgp.enums.hash.ripemd]), rejectMessageHashAlgorithms: new Set<number>([openpgp.enums.hash.md5, openpgp.enums.hash.ripemd]) };
  const out: VerifyResult[] = [];
  const diags: Diagnostic[] = [];
  for (const call of calls) {
    const read = async (name: string): Promise<Uint8Array | undefined> => {
      const p = path.join(dir, name);
      if (!(await fs.stat(p))?.isFile) {
        diags.push(error('SIGNATURE_FILE_MISSING', `%gpgverify input ${name} is not among the prepared sources`, { span: call.span }));
        return undefined;
      }
      return fs.readFile(p);
    };
    const [kr, sig, raw] = [await read(call.keyring), await read(call.signature), await read(call.data)];
    if (!kr || !sig || !raw) continue;
    let data = raw;
    if (call.decompress) {
      if (!decompress) {
        diags.push(error('SIGNATURE_DATA_UNREADABLE', `the signature covers ${call.data} decompressed with ${call.decompress}, and no decompressor was provided`, { span: call.span }));
        continue;
      }
      try {
        data = await decompress(path.join(dir, call.data), call.decompress);
      } catch (e) {
        diags.push(error('SIGNATURE_DATA_UNREADABLE', `${call.data} cannot be decompressed with ${call.decompress}: ${(e as Error).message}`, { span: call.span }));
        continue;
      }
    }
    let keys: Awaited<ReturnType<typeof openpgp.readKeys>>;
    try {
      keys = looksArmored(kr) ? await openpgp.readKeys({ armoredKeys: new TextDecoder().decode(kr), config }) : await openpgp.readKeys({ binaryKeys: kr, config });
    } catch (e) {
      diags.push(error('SIGNATURE_KEYRING_INVALID', `keyring ${call.keyring} cannot be read: ${(e as Error).message}`, { span: call.span, hint: 'an OpenPGP public key (armored or binary) or a keyring of them is expected; GnuPG keybox (.kbx) files are not supported' }));
      continue;
    }
    let signature: Awaited<ReturnType<typeof openpgp.readSignature>>;
    try {
      signature = looksArmored(sig) ? await openpgp.readSignature({ armoredSignature: new TextDecoder().decode(sig), config }) : await openpgp.readSignature({ binarySignature: sig, config });
    } catch (e) {
      diags.push(error('SIGNATURE_UNREADABLE', `signature ${call.signature} cannot be read: ${(e as Error).message}`, { span: call.span }));
      continue;
    }
    const message = await openpgp.createMessage({ binary: data });
    const res = await openpgp.verify({ message, signature, verificationKeys: keys, config, format: 'binary' });
    const good: string[] = [];
    const reasons: string[] = [];
    for (const s of res.signatures) {
      try {
        await s.verified;
        good.push(s.keyID.toHex());
      } catch (e) {
        reasons.push(`${s.keyID.toHex()}: ${(e as Error).message}`);
      }
    }
    if (good.length === 0) {
      diags.push(
        error('SIGNATURE_INVALID', `the signature ${call.signature} of ${call.data} does not verify with keyring ${call.keyring}: ${reasons.join('; ') || 'no signature found'}`, {
          span: call.span,
          hint: 'the tarball or its signature was altered, or the keyring does not hold the signing key; do not build from it',
        }),
      );
      continue;
    }
    out.push({ call, keyIds: good });
  }
  if (diags.some((d) => d.severity === 'error')) throw new StrataError(diags);
  return out;
}
