/**
 * A JSON Schema (draft-07) of an in-toto Statement (v1 or v0.1) carrying an SLSA Provenance v1
 * predicate. in-toto and SLSA publish none (only markdown, protobuf and CUE); this one encodes
 * their rules: every subject has a digest; a ResourceDescriptor has at least one of uri, digest
 * or content; digests are hex of the algorithm's length; buildType, externalParameters and
 * builder.id are required; unknown fields are allowed (consumers must ignore them).
 * `parseProvenanceStatement` checks the same rules without a schema engine.
 */
const hex = (n: string) => ({ type: 'string', pattern: `^[0-9a-fA-F]{${n}}$` });

const digestSet = {
  type: 'object',
  properties: { sha1: hex('40'), sha224: hex('56'), sha256: hex('64'), sha384: hex('96'), sha512: hex('128'), sha3_256: hex('64'), sha3_512: hex('128'), md5: hex('32'), gitCommit: { anyOf: [hex('40'), hex('64')] }, gitTree: { anyOf: [hex('40'), hex('64')] }, gitBlob: { anyOf: [hex('40'), hex('64')] } },
  additionalProperties: { type: 'string', pattern: '^[0-9a-fA-F]+$' },
} as const;

export const PROVENANCE_STATEMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://strata.dev/schemas/in-toto-slsa-provenance-v1.json',
  title: 'in-toto Statement with SLSA Provenance v1',
  definitions: {
    digestSet,
    resourceDescriptor: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        uri: { type: 'string', minLength: 1 },
        digest: { $ref: '#/definitions/digestSet' },
        content: { type: 'string', contentEncoding: 'base64' },
        downloadLocation: { type: 'string' },
        mediaType: { type: 'string' },
        annotations: { type: 'object' },
      },
      anyOf: [{ required: ['uri'] }, { required: ['digest'] }, { required: ['content'] }],
    },
    subject: {
      allOf: [{ $ref: '#/definitions/resourceDescriptor' }, { type: 'object', required: ['digest'], properties: { digest: { minProperties: 1 } } }],
    },
  },
  type: 'object',
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { enum: ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'] },
    subject: { type: 'array', minItems: 1, items: { $ref: '#/definitions/subject' } },
    predicateType: { const: 'https://slsa.dev/provenance/v1' },
    predicate: {
      type: 'object',
      required: ['buildDefinition', 'runDetails'],
      properties: {
        buildDefinition: {
          type: 'object',
          required: ['buildType', 'externalParameters'],
          properties: {
            buildType: { type: 'string', format: 'uri' },
            externalParameters: { type: 'object' },
            internalParameters: { type: 'object' },
            resolvedDependencies: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
          },
        },
        runDetails: {
          type: 'object',
          required: ['builder'],
          properties: {
            builder: {
              type: 'object',
              required: ['id'],
              properties: {
                id: { type: 'string', format: 'uri' },
                version: { type: 'object', additionalProperties: { type: 'string' } },
                builderDependencies: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
              },
            },
            metadata: {
              type: 'object',
              properties: { invocationId: { type: 'string' }, startedOn: { type: 'string', format: 'date-time' }, finishedOn: { type: 'string', format: 'date-time' } },
            },
            byproducts: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
          },
        },
      },
    },
  },
} as const;
