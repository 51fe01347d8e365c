/**
 * OSV records (https://ossf.github.io/osv-schema/): `affected[]` entries with a package
 * (`ecosystem`, `name`) and `ECOSYSTEM` ranges of rpm EVRs (`introduced`, `fixed`,
 * `last_affected`), or an explicit `versions` list. Each interval becomes a package check; the
 * record is their OR. Which ecosystems belong to the distro being scanned, and whether the names
 * are binary or source packages, is the feed's configuration (`OsvOptions`). A record that is
 * malformed is reported with its file and position and skipped.
 */
import { error, warning, positionAt, type Diagnostic, type SourceSpan } from '../diag/index.js';
import { parseEVR, type EVR } from '../spec/rpmver.js';
import { jsonErrorOffset } from '../attest/dsse.js';
import type { Advisory, EvrTest, NameKind, PackageCheck, Severity } from './types.js';

export interface OsvOptions {
  /** Ecosystems mapped to the distro (exact, or a prefix ending in `:`, e.g. `AlmaLinux:`); undefined: all. */
  readonly ecosystems?: readonly string[];
  /** What the package names are (AlmaLinux's are binary package names). */
  readonly names: NameKind;
}

export interface OsvParse {
  readonly advisory: Advisory | undefined;
  readonly diagnostics: Diagnostic[];
  /** Whether the record has packages of a mapped ecosystem. */
  readonly mapped: boolean;
}

/** An rpm EVR as OSV writes it: `[epoch:]version-release` (epoch 0 may be left out); the release is required. */
export function parseOsvEvr(s: string): EVR | undefined {
  if (!/^([0-9]+:)?[^:\s-][^:\s]*-[^-\s:]+$/.test(s)) return undefined;
  return parseEVR(s);
}

const position = positionAt;

function spanOfValue(file: string, text: string, needle: string | undefined, lines?: readonly number[], from = 0): SourceSpan {
  if (needle !== undefined) {
    let i = text.indexOf(JSON.stringify(needle), from);
    if (i < 0 && from > 0) i = text.indexOf(JSON.stringify(needle));
    if (i >= 0) return { file, ...(lines ? lineCol(lines, i) : position(text, i)), offset: i };
  }
  return { file, line: 1, col: 1 };
}

/** Offsets where each line starts. */
function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function lineCol(lines: readonly number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - lines[lo]! + 1 };
}

function spanOfKey(file: string, text: string, key: string): SourceSpan {
  const i = text.indexOf(`${JSON.stringify(key)}:`);
  return i >= 0 ? { file, ...positionAt(text, i) } : { file, line: 1, col: 1 };
}

const SEVERITY_WORDS: Readonly<Record<string, Severity>> = { critical: 'Critical', important: 'High', high: 'High', moderate: 'Medium', medium: 'Medium', low: 'Low' };

function severityOf(rec: Record<string, unknown>): Severity {
  const ds = rec['database_specific'] as Record<string, unknown> | undefined;
  const word = typeof ds?.['severity'] === 'string' ? ds['severity'] : typeof rec['summary'] === 'string' ? /^(\w+):/.exec(rec['summary'])?.[1] : undefined;
  return (word && SEVERITY_WORDS[word.toLowerCase()]) || 'Unknown';
}

function ecosystemMapped(eco: string, o: OsvOptions): boolean {
  if (!o.ecosystems) return true;
  return o.ecosystems.some((e) => e === eco || (e.endsWith(':') && eco.startsWith(e)));
}

export function parseOsv(text: string, file: string, o: OsvOptions): OsvParse {
  const diagnostics: Diagnostic[] = [];
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch (e) {
    const pos = positionAt(text, jsonErrorOffset(text));
    diagnostics.push(error('CVE_OSV_BAD_JSON', `${file} is not JSON: ${(e as Error).message}`, { span: { file, ...pos }, hint: 'the record is skipped; fix or re-download it' }));
    return { advisory: undefined, diagnostics, mapped: false };
  }
  const bad = (msg: string, needle?: string): OsvParse => {
    diagnostics.push(error('CVE_OSV_BAD_RECORD', `${file}: ${msg}`, { span: spanOfValue(file, text, needle), hint: 'an OSV record needs an id and affected[] entries with package.ecosystem, package.name and ranges or versions; the record is skipped' }));
    return { advisory: undefined, diagnostics, mapped: false };
  };
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return bad('not an OSV record (a JSON object)');
  const r = rec as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || !r['id']) return bad('no "id"', 'id');
  const id = r['id'];
  if (r['affected'] !== undefined && !Array.isArray(r['affected'])) return bad(`${id}: "affected" is not a list`, 'affected');
  const checks: PackageCheck[] = [];
  let mapped = false;
  let ecosystem: string | undefined;
  let lines: number[] | undefined;
  let cursor = 0;
  for (const [ai, a] of ((r['affected'] as unknown[] | undefined) ?? []).entries()) {
    const pkg = (a as Record<string, unknown> | null)?.['package'] as Record<string, unknown> | undefined;
    const eco = pkg?.['ecosystem'];
    const name = pkg?.['name'];
    if (typeof eco !== 'string' || typeof name !== 'string' || !name) return bad(`${id}: affected[${ai}] has no package.ecosystem and package.name`, typeof name === 'string' ? name : 'package');
    if (!ecosystemMapped(eco, o)) continue;
    mapped = true;
    ecosystem ??= eco;
    lines ??= lineStartsOf(text);
    const span = spanOfValue(file, text, name, lines, cursor);
    cursor = span.offset ?? cursor;
    const entry = a as Record<string, unknown>;
    for (const v of Array.isArray(entry['versions']) ? entry['versions'] : []) {
      const evr = typeof v === 'string' ? parseOsvEvr(v) : undefined;
      if (!evr) return bad(`${id}: ${name}: version ${JSON.stringify(v)} is not an rpm EVR (version-release)`, typeof v === 'string' ? v : undefined);
      checks.push({ kind: 'check', name, nameKind: o.names, tests: [{ op: '=', evr, text: v as string }], span });
    }
    for (const rg of Array.isArray(entry['ranges']) ? entry['ranges'] : []) {
      const g = rg as Record<string, unknown>;
      if (g['type'] !== 'ECOSYSTEM') {
        diagnostics.push(warning('CVE_OSV_UNSUPPORTED', `${id}: ${name}: a ${String(g['type'])} range is not an rpm version range`, { span, hint: 'only ECOSYSTEM ranges are evaluated for rpm packages; this range is skipped' }));
        continue;
      }
      const events = Array.isArray(g['events']) ? (g['events'] as Array<Record<string, unknown>>) : undefined;
      if (!events?.length) return bad(`${id}: ${name}: a range without events`, name);
      // OSV: sorted events; each `introduced` opens an interval that the next fixed/last_affected closes
      let open: EvrTest | null | undefined; // null: introduced "0"
      const close = (t: EvrTest | undefined, fixed?: string): void => {
        const tests = [...(open ? [open] : []), ...(t ? [t] : [])];
        checks.push({ kind: 'check', name, nameKind: o.names, tests, ...(fixed ? { fixed } : {}), span });
        open = undefined;
      };
      for (const ev of events) {
        const [k, v] = Object.entries(ev ?? {})[0] ?? [];
        if (typeof v !== 'string') return bad(`${id}: ${name}: an event without a version`, name);
        if (k === 'introduced') {
          if (v === '0') { open = null; continue; }
          const evr = parseOsvEvr(v);
          if (!evr) return bad(`${id}: ${name}: introduced '${v}' is not an rpm EVR (version-release)`, v);
          open = { op: '>=', evr, text: v };
        } else if (k === 'fixed' || k === 'last_affected' || k === 'limit') {
          const evr = parseOsvEvr(v);
          if (!evr) {
            diagnostics.push(error('CVE_OSV_BAD_EVR', `${id}: ${name}: ${k} '${v}' is not an rpm EVR ([epoch:]version-release)`, { span: spanOfValue(file, text, v), hint: 'a missing part cannot be guessed: the record is skipped' }));
            return { advisory: undefined, diagnostics, mapped };
          }
          if (open === undefined) continue; // no open interval (a limit after a fix)
          if (k === 'fixed' || k === 'limit') close({ op: '<', evr, text: v }, k === 'fixed' ? v : undefined);
          else close({ op: '<=', evr, text: v });
        } else {
          diagnostics.push(error('CVE_OSV_BAD_RECORD', `${file}: ${id}: ${name}: unknown event '${String(k)}'`, { span: spanOfKey(file, text, String(k)), hint: 'OSV range events are introduced, fixed, last_affected and limit; the record is skipped' }));
          return { advisory: undefined, diagnostics, mapped };
        }
      }
      if (open !== undefined) close(undefined); // introduced and never fixed: every later version
    }
  }
  if (!mapped) return { advisory: undefined, diagnostics, mapped };
  const cves = new Set<string>();
  for (const x of [id, ...(Array.isArray(r['aliases']) ? r['aliases'] : []), ...(Array.isArray(r['related']) ? r['related'] : [])]) if (typeof x === 'string' && /^CVE-\d+-\d+$/.test(x)) cves.add(x);
  const advisory: Advisory = {
    id, feed: 'osv', cves: [...cves].sort(), severity: severityOf(r),
    ...(typeof r['summary'] === 'string' ? { title: r['summary'] } : {}),
    ...(typeof r['published'] === 'string' ? { published: r['published'] } : {}),
    ...(ecosystem ? { ecosystem } : {}),
    criteria: { kind: 'criteria', operator: 'OR', children: checks },
    span: spanOfValue(file, text, id, lines),
  };
  return { advisory, diagnostics, mapped };
}
