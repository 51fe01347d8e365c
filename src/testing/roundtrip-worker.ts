/**
 * Worker of the Fedora round trip (src/spec/roundtrip.test.ts): parses and prints each spec of
 * `workerData.items` (file names in the corpus directory `workerData.context`) and posts the names
 * whose printed bytes differ from the file.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { parseSpec, printSpec } from '../spec/cst.js';
import { decodeSpecBytes, encodeSpecText } from '../spec/text.js';

const { items, context } = workerData as { items: string[]; context: string };
const failed: string[] = [];
for (const f of items) {
  const bytes = readFileSync(path.join(context, f));
  const doc = parseSpec(decodeSpecBytes(bytes), f);
  if (Buffer.compare(encodeSpecText(printSpec(doc)), bytes) !== 0) failed.push(f);
}
parentPort?.postMessage(failed);
