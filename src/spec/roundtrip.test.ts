import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSpec, printSpec, type SpecDocument } from './cst.js';
import { fedoraContext } from './defaults.js';
import { evaluateSpec } from './evaluate.js';
import { decodeSpecBytes, encodeSpecText } from './text.js';
import { mapChunksInWorkers } from '../testing/worker-pool.js';
import { testJobs } from '../testing/test-jobs.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const corpus = path.resolve(root, '../shared/corpus/fedora-specs');
const haveCorpus = existsSync(corpus);
const WORKERS = testJobs(3);

/** Structural invariants: nodes tile the text, sections tile the text, spans are in range. */
function checkInvariants(doc: SpecDocument): void {
  let pos = 0;
  for (const n of doc.nodes) {
    assert.equal(n.start, pos);
    assert.ok(n.end > n.start && n.contentEnd <= n.end && n.contentEnd >= n.start);
    pos = n.end;
  }
  assert.equal(pos, doc.text.length);
  let s = 0;
  for (const sec of doc.sections) {
    assert.equal(sec.start, s);
    s = sec.end;
  }
  assert.equal(s, doc.text.length);
}

const SPEC_WORDS = ['%(echo ', ' | sed s/a/b/g', '%[', ']', '%{lua:', '%{?', '%bcond x ', '%{sub ', '%{rep x 99999999}', '%if ', '%else\n', '%endif\n', '%ifarch x86_64\n', '%package devel\n', '%files\n', '%{', '}', '%(', ')', '\\\n', '%global x ', '%define y(n:) ', 'Name: ', 'Source0: ', '\n', '\r\n', '#', '%%', '%description -n', '%changelog\n* ', '%sourcelist\n', '%{expand:', '%include ', '%{load:', ' ', '\t'];

describe('round-trip', () => {
  it('holds for random byte strings', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const t = decodeSpecBytes(bytes);
      const doc = parseSpec(t);
      assert.deepEqual([...encodeSpecText(printSpec(doc))], [...bytes]);
      checkInvariants(doc);
    }), { numRuns: 2000 });
  });
  it('holds for random strings of spec syntax', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...SPEC_WORDS), fc.string({ maxLength: 6 })), { maxLength: 80 }), (parts) => {
      const t = parts.join('');
      const doc = parseSpec(t);
      assert.equal(printSpec(doc), t);
      checkInvariants(doc);
      evaluateSpec(doc, fedoraContext()); // never throws
    }), { numRuns: 2000 });
  });
  it('holds for random mutations of real specs, and evaluation never throws', { skip: !haveCorpus && 'no corpus' }, () => {
    const files = readdirSync(corpus).sort().filter((_, i) => i % 997 === 0).map((f) => decodeSpecBytes(readFileSync(path.join(corpus, f))));
    fc.assert(fc.property(
      fc.constantFrom(...files),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(fc.constantFrom(...SPEC_WORDS), fc.string({ maxLength: 10 }))), { minLength: 1, maxLength: 8 }),
      (text, edits) => {
        let t = text;
        for (const [at, del, ins] of edits) {
          const p = at % (t.length + 1);
          t = t.slice(0, p) + ins + t.slice(p + del);
        }
        const doc = parseSpec(t);
        assert.equal(printSpec(doc), t);
        checkInvariants(doc);
        evaluateSpec(doc, fedoraContext());
      },
    ), { numRuns: 300 });
  });
  it('is byte-identical for every spec of the Fedora corpus', { skip: !haveCorpus && 'no corpus' }, async () => {
    const names = readdirSync(corpus).filter((f) => f.endsWith('.spec'));
    assert.ok(names.length >= 23000, `corpus has ${names.length} specs`);
    // CPU-bound: the specs are split over worker threads (src/testing/roundtrip-worker.ts).
    const failed = await mapChunksInWorkers<string, string>(new URL('../testing/roundtrip-worker.js', import.meta.url), names, WORKERS, corpus);
    assert.deepEqual(failed.sort(), []);
  });
});
