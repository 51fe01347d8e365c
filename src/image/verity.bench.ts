// dm-verity tree of a 1 GiB file: Strata's TypeScript (`computeVerityTree`, 4 MiB chunked reads,
// the next read overlapping the hashing) vs `veritysetup format` (cryptsetup 2.6.1), alternating
// rounds on the same file after a warm-up read (page cache), both with a fixed salt and UUID;
// the hash devices are compared byte for byte. Target: Strata ≤ 1.2× veritysetup.
// BENCH_VERITY_MIB (default 1024) and BENCH_ROUNDS (default 3) change the size and the rounds.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NodeBlockFiles } from '../adapters/node-block-files.js';
import { NodeProcessRunner } from '../adapters/node-process.js';
import { computeVerityTree } from './verity.js';

const MIB = Number(process.env.BENCH_VERITY_MIB ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const tmp = mkdtempSync(path.join(tmpdir(), 'strata-verity-bench-'));
const files = new NodeBlockFiles();
const proc = new NodeProcessRunner();
const salt = createHash('sha256').update('bench salt').digest('hex');
const uuid = '6a1b7c3e-0d2f-4e5a-8b9c-1d2e3f405162';

try {
  const data = path.join(tmp, 'data.img');
  const fd = openSync(data, 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < MIB; i++) {
    for (let j = 0; j < chunk.length; j += 32) createHash('sha256').update(`${i}:${j}`).digest().copy(chunk, j);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const ours = async (): Promise<{ ms: number; root: string; tree: Uint8Array }> => {
    const t = performance.now();
    const r = await files.openRead(data);
    const tree = await computeVerityTree(r, { salt: Buffer.from(salt, 'hex'), uuid });
    await r.close();
    return { ms: performance.now() - t, root: tree.rootHash, tree: tree.hashTree };
  };
  const theirs = async (): Promise<{ ms: number; root: string }> => {
    const t = performance.now();
    const r = await proc.run('veritysetup', ['format', '--hash', 'sha256', '--salt', salt, '--uuid', uuid, data, path.join(tmp, 'data.hash')]);
    const ms = performance.now() - t;
    if (r.code !== 0) throw new Error(r.stderr);
    return { ms, root: /Root hash:\s+([0-9a-f]{64})/.exec(r.stdout)![1]! };
  };
  await ours(); // warm-up: the file is in the page cache for both
  const times = { strata: [] as number[], veritysetup: [] as number[] };
  let same = true;
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 ? [ours, theirs] : [theirs, ours];
    let a: Awaited<ReturnType<typeof ours>> | undefined;
    let b: Awaited<ReturnType<typeof theirs>> | undefined;
    for (const f of order) {
      if (f === ours) a = await ours();
      else b = await theirs();
    }
    times.strata.push(a!.ms);
    times.veritysetup.push(b!.ms);
    same &&= a!.root === b!.root && Buffer.from(a!.tree).equals(readFileSync(path.join(tmp, 'data.hash')));
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) => `median ${(med(xs) / 1000).toFixed(2)} s (min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)})`;
  console.log(`verity tree of a ${MIB} MiB file, ${ROUNDS} alternating rounds`);
  console.log(`  strata       ${fmt(times.strata)}`);
  console.log(`  veritysetup  ${fmt(times.veritysetup)}`);
  const ratio = med(times.strata) / med(times.veritysetup);
  console.log(`  ratio ${ratio.toFixed(2)}× (target ≤ 1.20×) ${ratio <= 1.2 ? 'met' : 'NOT met'}; hash devices identical: ${same ? 'yes' : 'NO'}; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  if (!same) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
