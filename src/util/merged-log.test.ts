/**
 * MergedLog: two streams merged whole lines at a time — scripted chunks first, then a real shell
 * whose unbuffered `set -x` trace and stdout race through two pipes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { MergedLog } from './merged-log.js';

const b = (s: string) => new TextEncoder().encode(s);

test('a half line of one stream is not split by a line of the other; notes close unfinished lines', () => {
  const log = new MergedLog();
  log.write('stderr', b('+ echo '));
  log.write('stdout', b('affinity: 0\n'));
  log.write('stderr', b("'affinity: 0'\n+ tru"));
  const m = log.mark();
  log.write('stdout', b('done'));
  log.note('strata: exited\n');
  assert.equal(log.text(), "affinity: 0\n+ echo 'affinity: 0'\n+ tru\ndone\nstrata: exited\n");
  assert.equal(log.since(m), '+ tru\ndone\nstrata: exited\n');
});

test('a UTF-8 character split between two chunks arrives whole', () => {
  const log = new MergedLog();
  const bytes = b('naïve ✓\n');
  log.write('stdout', bytes.subarray(0, 3));
  log.write('stdout', bytes.subarray(3, 9));
  log.write('stdout', bytes.subarray(9));
  assert.equal(log.text(), 'naïve ✓\n');
  assert.ok(!log.text().includes('\uFFFD'));
});

test('a real shell: a stdout line written while a stderr line is half done stays whole, and so does that stderr line', async () => {
  // The trace line is written in two parts with a whole stdout line between them, as an
  // unbuffered trace and a command's output can race; chunk-by-chunk appending glues them.
  const script = 'for i in $(seq 1 20); do printf "+ trace " >&2; sleep 0.01; echo "line $i ok"; sleep 0.01; echo "$i" >&2; done';
  const log = new MergedLog();
  const r = await new NodeProcessRunner().run('bash', ['-c', script], { onOutput: (s, c) => log.write(s, c) });
  assert.equal(r.code, 0);
  const lines = log.text().split('\n').filter(Boolean);
  assert.deepEqual(lines.filter((l) => !/^(line \d+ ok|\+ trace \d+)$/.test(l)), []);
  assert.deepEqual(lines.filter((l) => l.startsWith('line ')), Array.from({ length: 20 }, (_, i) => `line ${i + 1} ok`));
  assert.deepEqual(lines.filter((l) => l.startsWith('+ trace ')), Array.from({ length: 20 }, (_, i) => `+ trace ${i + 1}`));
});
