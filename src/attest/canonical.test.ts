import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleBuildRecord } from '../testing/build-record-fixture.js';
import { isoSeconds, recordDigest, uuidV5 } from './canonical.js';
import { canonicalJson } from '../util/canonical-json.js';

test('canonicalJson sorts keys at every depth, drops undefined members and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"x":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
});

test('recordDigest is stable under key order and changes with any fact', () => {
  const r = sampleBuildRecord();
  const reordered = Object.fromEntries(Object.entries(r).reverse()) as typeof r;
  assert.equal(recordDigest(reordered), recordDigest(r));
  assert.match(recordDigest(r), /^[0-9a-f]{64}$/);
  const changed = { ...r, build: { ...r.build, flags: { ...r.build.flags, optflags: '-O3' } } };
  assert.notEqual(recordDigest(changed), recordDigest(r));
});

test('uuidV5 is RFC 4122 name-based (the value Python uuid.uuid5(NAMESPACE_URL, …) gives)', () => {
  assert.equal(uuidV5('strata:test'), 'eb9f1877-76e5-587a-8b44-4d603c6f8bfe');
});

test('isoSeconds has no fractional seconds', () => {
  assert.equal(isoSeconds(1751328000), '2025-07-01T00:00:00Z');
});
