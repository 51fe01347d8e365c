/**
 * CPU-bound corpus checks on several cores: the items are dealt round-robin into `workers`
 * chunks, each chunk goes to a worker thread running `script` (a module that reads
 * `workerData.items` / `workerData.context` and posts one array of results), and the results come
 * back concatenated in chunk order.
 */
import { Worker } from 'node:worker_threads';

export async function mapChunksInWorkers<T, R>(script: URL, items: readonly T[], workers: number, context?: unknown): Promise<R[]> {
  const n = Math.max(1, Math.min(workers, items.length));
  const chunks = Array.from({ length: n }, (_, i) => items.filter((_, j) => j % n === i));
  const results = await Promise.all(chunks.map((chunk) => new Promise<R[]>((resolve, reject) => {
    const w = new Worker(script, { workerData: { items: chunk, context } });
    let got: R[] | undefined;
    w.once('message', (m: R[]) => { got = m; });
    w.once('error', reject);
    w.once('exit', (code) => (got !== undefined ? resolve(got) : reject(new Error(`worker ${script.pathname} exited with ${code} without a result`))));
  })));
  return results.flat();
}
