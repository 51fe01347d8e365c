/**
 * Validators of the evidence formats for tests, over the official schemas in ../shared/schemas
 * (read in place): SPDX 2.3 (ajv draft-07), SPDX 3.0.1 (Ajv2020, strict) and its SHACL shapes
 * (rdf-validate-shacl, offline), CycloneDX 1.6 (the library's strict validator). Also the build
 * record variants the generator tests run on.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { BuildRecord } from '../build/build-record.js';
import { sampleBuildRecord } from './build-record-fixture.js';

const addFormats = addFormatsModule.default;

export const repoRoot = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

export type Validate = (doc: unknown) => string[];

const messages = (errors: readonly ErrorObject[] | null | undefined): string[] => (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

/** SPDX 2.3 JSON against spdx-schema.json (draft-07), plus documentNamespace (required by the spec, not the schema). */
export function spdx23Validator(): Validate {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(readJson(path.join(sharedDir, 'schemas/spdx/2.3/spdx-schema.json')) as object);
  return (doc) => {
    const out = validate(doc) ? [] : messages(validate.errors);
    const ns = (doc as { documentNamespace?: unknown }).documentNamespace;
    if (typeof ns !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(ns) || ns.includes('#')) out.push(`/documentNamespace missing or not an absolute URI without #: ${String(ns)}`);
    return out;
  };
}

/**
 * SPDX 3.0.1 JSON-LD against spdx-json-schema.json (Ajv2020, strict). The schema's errors come
 * out of a big oneOf: only those at the deepest instance paths are kept.
 */
export function spdx3Validator(): Validate {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(readJson(path.join(sharedDir, 'schemas/spdx/3.0.1/spdx-json-schema.json')) as object);
  return (doc) => {
    if (validate(doc)) return [];
    const errors = validate.errors ?? [];
    const depth = Math.max(...errors.map((e) => e.instancePath.split('/').length));
    return messages(errors.filter((e) => e.instancePath.split('/').length >= depth - 1 && e.keyword !== 'oneOf' && e.keyword !== 'anyOf'));
  };
}

/** Build record variants: the sample, a local spec with no patches and no epoch, one with a cherry-pick. */
export function recordVariants(): { name: string; record: BuildRecord }[] {
  const sample = sampleBuildRecord();
  const noEpoch = (p: BuildRecord['outputs']['srpm']) => {
    const { epoch: _e, purl: _p, ...rest } = p;
    return { ...rest, nevra: `${p.name}-${p.version}-${p.release}.${p.arch}` };
  };
  const { upstream: _u, ...noUpstream } = sample;
  const local: BuildRecord = {
    ...noUpstream,
    component: 'hello',
    overlays: [],
    lockFingerprint: undefined,
    project: { dirty: true },
    macrosFile: undefined,
    sources: sample.sources.filter((s) => s.kind === 'source' && s.origin.kind !== 'dist-git').map((s) => (s.origin.kind === 'lookaside' ? { ...s, origin: { kind: 'download' as const, url: 'https://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz' }, name: 'hello-2.12.tar.gz' } : s)),
    signatures: [],
    build: { ...sample.build, without: [], with: ['docs'], buildroot: [], hostTools: [] },
    outputs: { srpm: noEpoch({ ...sample.outputs.srpm, name: 'hello' }), rpms: [noEpoch({ ...sample.outputs.rpms[0]!, name: 'hello' })] },
  };
  return [
    { name: 'sample', record: sample },
    { name: 'local spec, no patches, no epoch', record: local },
  ];
}

/** A SHACL result, reduced to what a test reads. */
export interface ShaclFinding {
  readonly focusNode: string;
  readonly path: string;
  readonly message: string;
}

/**
 * SHACL validation of SPDX 3.0.1 JSON-LD against spdx-model.ttl, offline (shared/research
 * supply-chain.md §2.2): every owl:Class is also an rdfs:Class (so implicit class targets fire),
 * the document is turned into RDF with the local context, and the model's triples are added to
 * the data graph (pyshacl's -e).
 */
export async function shaclValidator(): Promise<(doc: unknown) => Promise<ShaclFinding[]>> {
  const { Parser, Store, DataFactory } = await import('n3');
  const jsonld = (await import('jsonld')).default;
  const { default: SHACLValidator } = await import('rdf-validate-shacl');
  const dir = path.join(sharedDir, 'schemas/spdx/3.0.1');
  const model = new Parser({ format: 'text/turtle' }).parse(readFileSync(path.join(dir, 'spdx-model.ttl'), 'utf8'));
  const { namedNode, quad } = DataFactory;
  const rdfType = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');
  const owlClass = 'http://www.w3.org/2002/07/owl#Class';
  const extra = model.filter((q) => q.predicate.equals(rdfType) && q.object.value === owlClass).map((q) => quad(q.subject, rdfType, namedNode('http://www.w3.org/2000/01/rdf-schema#Class')));
  const shapes = new Store([...model, ...extra]);
  const context = readJson(path.join(dir, 'spdx-context.jsonld'));
  const documentLoader = async (url: string) => {
    if (url !== 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld') throw new Error(`offline: refusing to load ${url}`);
    return { contextUrl: null, documentUrl: url, document: context };
  };
  return async (doc) => {
    const nquads = await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader });
    const data = new Store([...new Parser({ format: 'application/n-quads' }).parse(nquads), ...model, ...extra]);
    const report = await new SHACLValidator(shapes).validate(data);
    return report.results.map((r) => ({ focusNode: r.focusNode?.value ?? '', path: r.path?.value ?? '', message: r.message.map((m) => m.value).join('; ') }));
  };
}
