// The parts of n3 and jsonld (which ship no types) the SHACL test helper uses.
declare module 'n3' {
  import type { Quad, DatasetCore } from '@rdfjs/types';
  export class Parser {
    constructor(options?: { format?: string });
    parse(input: string): Quad[];
  }
  export class Store implements DatasetCore {
    constructor(quads?: Quad[]);
    readonly size: number;
    add(quad: Quad): this;
    delete(quad: Quad): this;
    has(quad: Quad): boolean;
    match(...args: unknown[]): DatasetCore;
    getQuads(subject: unknown, predicate: unknown, object: unknown, graph: unknown): Quad[];
    [Symbol.iterator](): Iterator<Quad>;
  }
  export const DataFactory: import('@rdfjs/types').DataFactory;
}
declare module 'jsonld' {
  export interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export function toRDF(doc: unknown, options: { format: 'application/n-quads'; documentLoader: (url: string) => Promise<RemoteDocument> }): Promise<string>;
  const jsonld: { toRDF: typeof toRDF };
  export default jsonld;
}
