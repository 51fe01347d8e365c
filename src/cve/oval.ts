/**
 * OVAL 5.x definitions (as Azure Linux publishes them): `definition`s whose `criteria` name
 * `rpminfo_test`s, each an `rpminfo_object` (the package name) and `rpminfo_state`s with an
 * `evr` (datatype `evr_string`) and an operation (`less than`, …). Parsed with saxes so every
 * record keeps its line. A record that is malformed (an EVR without a release, a dangling
 * reference, an unsupported test) is reported with its position and skipped, never guessed.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { error, warning, type Diagnostic, type SourceSpan } from '../diag/index.js';
import type { EVR } from '../spec/rpmver.js';
import type { Advisory, Criteria, EvrOp, EvrTest, PackageCheck, Severity } from './types.js';

const OPS: Readonly<Record<string, EvrOp>> = {
  'less than': '<', 'less than or equal': '<=', equals: '=', 'not equal': '!=', 'greater than or equal': '>=', 'greater than': '>',
};

/** OVAL's evr_string: `EPOCH:VERSION-RELEASE`, all three present. */
export function parseOvalEvr(s: string): EVR | undefined {
  const m = /^([0-9]+):([^:\s-][^:\s]*)-([^-\s]+)$/.exec(s.trim());
  if (!m) return undefined;
  return { epoch: m[1]!, version: m[2]!, release: m[3]! };
}

interface RawCriteria { operator: 'AND' | 'OR'; negate: boolean; children: Array<RawCriteria | { ref: string; negate: boolean; span: SourceSpan }> }
interface RawDefinition { id: string; cls: string; span: SourceSpan; title?: string; severity?: string; date?: string; cves: string[]; criteria?: RawCriteria }
interface RawTest { id: string; type: string; check: string; object?: string; states: string[]; span: SourceSpan }
interface RawState { id: string; span: SourceSpan; evr?: { datatype: string; operation: string; text: string; span: SourceSpan }; other: string[] }

export interface OvalParse {
  readonly advisories: Advisory[];
  readonly diagnostics: Diagnostic[];
  /** Definitions in the file (parsed or skipped). */
  readonly definitions: number;
}

function severityOf(s: string | undefined): Severity {
  const k = (s ?? '').trim().toLowerCase();
  const m: Record<string, Severity> = { critical: 'Critical', important: 'High', high: 'High', moderate: 'Medium', medium: 'Medium', low: 'Low', none: 'None' };
  return m[k] ?? 'Unknown';
}

export function parseOval(text: string, file: string): OvalParse {
  const diagnostics: Diagnostic[] = [];
  const defs: RawDefinition[] = [];
  const tests = new Map<string, RawTest>();
  const objects = new Map<string, { name?: string; span: SourceSpan }>();
  const states = new Map<string, RawState>();
  const p = new SaxesParser({ xmlns: true, position: true });
  const at = (): SourceSpan => ({ file, line: p.line, col: Math.max(1, p.column) });
  const stack: string[] = [];
  let def: RawDefinition | undefined;
  const crit: RawCriteria[] = [];
  let test: RawTest | undefined;
  let obj: { id: string; name?: string; span: SourceSpan } | undefined;
  let state: RawState | undefined;
  let textBuf = '';
  let fatal = false;
  const attr = (t: SaxesTagNS, n: string): string | undefined => t.attributes[n]?.value;
  p.on('error', (e) => {
    if (fatal) return;
    fatal = true;
    diagnostics.push(error('CVE_OVAL_MALFORMED_XML', `${file} is not well-formed XML: ${e.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')}`, { span: at(), hint: 'the feed is damaged or truncated: download it again' }));
  });
  p.on('opentag', (t) => {
    const n = t.local;
    const parent = stack[stack.length - 1];
    stack.push(n);
    textBuf = '';
    if (n === 'definition' && parent === 'definitions') {
      def = { id: attr(t, 'id') ?? '', cls: attr(t, 'class') ?? '', span: at(), cves: [] };
    } else if (def && n === 'reference') {
      const src = (attr(t, 'source') ?? '').toUpperCase();
      const id = attr(t, 'ref_id');
      if (id && (src === 'CVE' || /^CVE-\d+-\d+$/.test(id)) && !def.cves.includes(id)) def.cves.push(id);
    } else if (def && n === 'criteria') {
      const c: RawCriteria = { operator: (attr(t, 'operator') ?? 'AND').toUpperCase() === 'OR' ? 'OR' : 'AND', negate: attr(t, 'negate') === 'true', children: [] };
      if (crit.length) crit[crit.length - 1]!.children.push(c);
      else def.criteria = c;
      crit.push(c);
    } else if (def && n === 'criterion') {
      const ref = attr(t, 'test_ref') ?? '';
      if (crit.length) crit[crit.length - 1]!.children.push({ ref, negate: attr(t, 'negate') === 'true', span: at() });
    } else if (def && n === 'extend_definition') {
      // a reference to another definition: not evaluated, so the definition cannot be decided
      if (crit.length) crit[crit.length - 1]!.children.push({ ref: `extend:${attr(t, 'definition_ref') ?? ''}`, negate: attr(t, 'negate') === 'true', span: at() });
    } else if (parent === 'tests') {
      test = { id: attr(t, 'id') ?? '', type: n, check: attr(t, 'check') ?? 'at least one', states: [], span: at() };
    } else if (test && n === 'object') {
      test.object = attr(t, 'object_ref');
    } else if (test && n === 'state') {
      const s = attr(t, 'state_ref');
      if (s) test.states.push(s);
    } else if (parent === 'objects') {
      obj = { id: attr(t, 'id') ?? '', span: at() };
    } else if (parent === 'states') {
      state = { id: attr(t, 'id') ?? '', span: at(), other: [] };
    } else if (state && n === 'evr') {
      state.evr = { datatype: attr(t, 'datatype') ?? 'string', operation: attr(t, 'operation') ?? 'equals', text: '', span: at() };
    } else if (state && parent?.endsWith('_state')) {
      state.other.push(n);
    }
  });
  p.on('text', (s) => { textBuf += s; });
  p.on('cdata', (s) => { textBuf += s; });
  p.on('closetag', (t) => {
    const n = t.local;
    stack.pop();
    const parent = stack[stack.length - 1];
    if (def && parent === 'metadata') {
      if (n === 'title') def.title = textBuf.trim();
      else if (n === 'severity') def.severity = textBuf.trim();
      else if (n === 'advisory_date') def.date = textBuf.trim();
    }
    if (def && n === 'criteria') crit.pop();
    if (def && n === 'definition' && parent === 'definitions') { defs.push(def); def = undefined; }
    if (test && parent === 'tests') { tests.set(test.id, test); test = undefined; }
    if (obj && n === 'name') obj.name = textBuf.trim();
    if (obj && parent === 'objects') { objects.set(obj.id, obj); obj = undefined; }
    if (state?.evr && n === 'evr') state.evr.text = textBuf.trim();
    if (state && parent === 'states') { states.set(state.id, state); state = undefined; }
    textBuf = '';
  });
  try {
    p.write(text).close();
  } catch {
    // reported through the error handler
  }
  if (fatal) return { advisories: [], diagnostics, definitions: defs.length };
  if (!stack.length && !defs.length && !text.includes('oval_definitions')) {
    diagnostics.push(error('CVE_FEED_UNKNOWN_FORMAT', `${file} is not an OVAL definitions document`, { span: { file, line: 1, col: 1 }, hint: 'give an OVAL 5 definitions file (…-oval.xml) or OSV JSON' }));
  }

  const advisories: Advisory[] = [];
  for (const d of defs) {
    const problems: Diagnostic[] = [];
    const toCheck = (ref: string, negate: boolean, span: SourceSpan): PackageCheck | undefined => {
      if (ref.startsWith('extend:')) {
        problems.push(warning('CVE_OVAL_UNSUPPORTED', `definition ${d.id} extends another definition (${ref.slice(7)}), which is not evaluated`, { span, hint: 'the definition is skipped' }));
        return undefined;
      }
      const t = tests.get(ref);
      if (!t) { problems.push(error('CVE_OVAL_BAD_REF', `definition ${d.id} names test ${ref}, which the feed does not define`, { span, hint: 'the definition is skipped' })); return undefined; }
      if (t.type !== 'rpminfo_test') { problems.push(warning('CVE_OVAL_UNSUPPORTED', `definition ${d.id}: test ${t.id} is a ${t.type}; only rpminfo_test is evaluated`, { span: t.span, hint: 'the definition is skipped' })); return undefined; }
      const o = t.object ? objects.get(t.object) : undefined;
      if (!o?.name) { problems.push(error('CVE_OVAL_BAD_REF', `test ${t.id} names object ${t.object ?? '(none)'}, which the feed does not define with a package name`, { span: t.span, hint: 'the definition is skipped' })); return undefined; }
      const evrTests: EvrTest[] = [];
      let fixed: string | undefined;
      for (const sr of t.states) {
        const s = states.get(sr);
        if (!s) { problems.push(error('CVE_OVAL_BAD_REF', `test ${t.id} names state ${sr}, which the feed does not define`, { span: t.span, hint: 'the definition is skipped' })); return undefined; }
        if (!s.evr || s.other.length) { problems.push(warning('CVE_OVAL_UNSUPPORTED', `state ${s.id} tests ${s.other.join(', ') || 'nothing'}${s.evr ? '' : ' and no evr'}; only an evr state is evaluated`, { span: s.span, hint: 'the definition is skipped' })); return undefined; }
        const op = OPS[s.evr.operation];
        if (!op || s.evr.datatype !== 'evr_string') { problems.push(warning('CVE_OVAL_UNSUPPORTED', `state ${s.id}: evr with datatype ${s.evr.datatype} and operation '${s.evr.operation}' is not evaluated`, { span: s.evr.span, hint: 'only datatype="evr_string" with the OVAL comparison operations is evaluated; the definition is skipped' })); return undefined; }
        const evr = parseOvalEvr(s.evr.text);
        if (!evr) { problems.push(error('CVE_OVAL_BAD_EVR', `definition ${d.id} (${o.name}): evr '${s.evr.text}' is not EPOCH:VERSION-RELEASE`, { span: s.evr.span, hint: 'a missing part cannot be guessed: the definition is skipped until the feed is fixed' })); return undefined; }
        evrTests.push({ op, evr, text: s.evr.text });
        if (op === '<') fixed = s.evr.text;
      }
      if (!evrTests.length) { problems.push(warning('CVE_OVAL_UNSUPPORTED', `test ${t.id} has no state: it only asks whether ${o.name} is installed`, { span: t.span, hint: 'the definition is skipped' })); return undefined; }
      return { kind: 'check', name: o.name, nameKind: 'source', tests: evrTests, ...(fixed ? { fixed } : {}), ...(negate ? { negate } : {}), span: t.span };
    };
    const build = (c: RawCriteria): Criteria => ({
      kind: 'criteria', operator: c.operator, ...(c.negate ? { negate: true } : {}),
      children: c.children.map((x) => ('ref' in x ? toCheck(x.ref, x.negate, x.span) : build(x))).filter((x): x is Criteria | PackageCheck => x !== undefined),
    });
    if (!d.id) problems.push(error('CVE_OVAL_BAD_REF', 'a definition has no id', { span: d.span, hint: 'the definition is skipped' }));
    if (!d.criteria) problems.push(error('CVE_OVAL_BAD_REF', `definition ${d.id} has no criteria`, { span: d.span, hint: 'the definition is skipped' }));
    const criteria = d.criteria ? build(d.criteria) : undefined;
    if (problems.length || !criteria) { diagnostics.push(...problems); continue; }
    advisories.push({ id: d.id, feed: 'oval', cves: d.cves, severity: severityOf(d.severity), ...(d.title ? { title: d.title } : {}), ...(d.date ? { published: d.date } : {}), criteria, span: d.span });
  }
  return { advisories, diagnostics, definitions: defs.length };
}
