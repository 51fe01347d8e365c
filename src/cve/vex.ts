/**
 * The scan's verdicts as an OpenVEX 0.2.0 document (https://github.com/openvex/spec), signed into
 * a DSSE envelope with the project's attestation key (the Signer the attestations use), and read
 * back: `verifyVex` checks the envelope signature, the payload type and the document shape as
 * named steps, each failure with its own code.
 */
import { signEnvelope, verifyEnvelopeSignature, checkPayloadType, parseEnvelope, type DsseEnvelope } from '../attest/dsse.js';
import { StrataError, error } from '../diag/index.js';
import type { Signer, SignatureVerifier } from '../trust/signer.js';
import type { ScanResult } from './scan.js';

export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';
export const VEX_PAYLOAD_TYPE = 'application/vnd.openvex+json';

export interface VexStatement {
  readonly vulnerability: { readonly name: string; readonly aliases?: readonly string[] };
  readonly products: readonly { readonly '@id': string; readonly identifiers?: { readonly purl?: string } }[];
  readonly status: 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
  readonly action_statement?: string;
  readonly status_notes?: string;
}

export interface VexDocument {
  readonly '@context': typeof OPENVEX_CONTEXT;
  readonly '@id': string;
  readonly author: string;
  readonly timestamp: string;
  readonly version: number;
  readonly tooling: string;
  readonly statements: readonly VexStatement[];
}

function purl(name: string, evr: string): string {
  const m = /^(\d+):(.*)$/.exec(evr);
  const epoch = m?.[1] ?? '0';
  const vr = m?.[2] ?? evr;
  return `pkg:rpm/strata/${encodeURIComponent(name)}@${encodeURIComponent(vr)}${epoch !== '0' ? `?epoch=${epoch}` : ''}`;
}

/**
 * One statement per (vulnerability, package) the scan found affected: `affected` with the fixed
 * EVR as the action, and the spec's evidence of a fix in the notes (evidence does not change the
 * version verdict; a reviewer reads it). Deterministic for a given scan and timestamp.
 */
export function buildVex(scan: ScanResult, o: { author: string; timestamp: string }): VexDocument {
  const statements: VexStatement[] = [];
  for (const f of scan.findings) {
    const names = f.cves.length ? f.cves : [f.record];
    for (const cve of names) {
      const ev = f.evidence.filter((e) => e.cve === cve);
      statements.push({
        vulnerability: { name: cve, ...(cve !== f.record ? { aliases: [f.record] } : {}) },
        products: [{ '@id': purl(f.package, f.evr), identifiers: { purl: purl(f.package, f.evr) } }],
        status: 'affected',
        action_statement: f.fixed ? `update ${f.component} to ${f.fixed} or later and rebuild (strata cve plan ${cve})` : `no fixed version published; see ${f.record}`,
        ...(ev.length ? { status_notes: `evidence of a fix in ${f.file}: ${ev.map((e) => `${e.kind} ${e.text} (line ${e.line})`).join('; ')}` } : {}),
      });
    }
  }
  return { '@context': OPENVEX_CONTEXT, '@id': `urn:strata:vex:${o.timestamp}`, author: o.author, timestamp: o.timestamp, version: 1, tooling: 'strata cve vex', statements };
}

export async function signVex(doc: VexDocument, signer: Signer): Promise<DsseEnvelope> {
  return signEnvelope(signer, VEX_PAYLOAD_TYPE, new TextEncoder().encode(JSON.stringify(doc)));
}

/** Parse, verify the signature, check the payload type and the document shape. */
export async function verifyVex(text: string, verifier: SignatureVerifier, file?: string): Promise<{ document: VexDocument; keyId: string }> {
  const env = parseEnvelope(text, file);
  const v = checkPayloadType(await verifyEnvelopeSignature(env, verifier, file), [VEX_PAYLOAD_TYPE], file);
  let doc: unknown;
  try { doc = JSON.parse(new TextDecoder().decode(v.payload)); } catch (e) {
    throw new StrataError(error('CVE_VEX_INVALID', `the signed VEX payload is not JSON: ${(e as Error).message}`, { ...(file ? { span: { file, line: 1, col: 1 } } : {}), hint: 'the envelope was signed over something other than a VEX document' }));
  }
  const d = doc as Partial<VexDocument>;
  const problems: string[] = [];
  if (d['@context'] !== OPENVEX_CONTEXT) problems.push(`@context is ${JSON.stringify(d['@context'])}, not ${OPENVEX_CONTEXT}`);
  for (const k of ['@id', 'author', 'timestamp'] as const) if (typeof d[k] !== 'string') problems.push(`${k} is missing`);
  if (!Array.isArray(d.statements)) problems.push('statements is not a list');
  else d.statements.forEach((s, i) => {
    if (typeof s?.vulnerability?.name !== 'string') problems.push(`statements[${i}].vulnerability.name is missing`);
    if (!['not_affected', 'affected', 'fixed', 'under_investigation'].includes(s?.status)) problems.push(`statements[${i}].status ${JSON.stringify(s?.status)} is not an OpenVEX status`);
    if (s?.status === 'affected' && typeof s.action_statement !== 'string') problems.push(`statements[${i}] is affected without an action_statement`);
  });
  if (problems.length) throw new StrataError(error('CVE_VEX_INVALID', `the signed document is not OpenVEX 0.2.0: ${problems.slice(0, 5).join('; ')}`, { ...(file ? { span: { file, line: 1, col: 1 } } : {}), hint: 'write it with `strata cve vex`' }));
  return { document: d as VexDocument, keyId: v.keyId };
}
