// Cold load+resolve time of the Azure Linux tree (target < 1.5 s on 2 cores). Each sample is a
// fresh Node process (cold module cache, cold JIT), timing loadProject() only; the CLI figure is
// the wall time of a whole `strata config check` process.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--once') {
  const t0 = performance.now();
  const { NodeFileSystem } = await import('../adapters/node-fs.js');
  const { loadProject } = await import('./load.js');
  const { project } = await loadProject({ fs: new NodeFileSystem(), startDir: azl });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, components: project.components.size, rssMb: process.memoryUsage().rss / 1048576 }) + '\n');
} else {
  const runs = 5;
  const samples: { ms: number; components: number; rssMb: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [self, '--once'], { encoding: 'utf8', env: { ...process.env, STRATA_ROOT: root } });
    if (r.status !== 0) throw new Error(r.stderr);
    samples.push(JSON.parse(r.stdout));
  }
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const cli: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(root, 'bin/strata'), 'config', 'check'], { cwd: azl, encoding: 'utf8' });
    cli.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  cli.sort((a, b) => a - b);
  const f = (x: number) => `${(x / 1000).toFixed(3)} s`;
  console.log(`config load+resolve, Azure Linux tree (${samples[0]!.components} components), cold, ${runs} fresh processes:`);
  console.log(`  min ${f(ms[0]!)}  median ${f(ms[Math.floor(runs / 2)]!)}  max ${f(ms[runs - 1]!)}  (target < 1.500 s)`);
  console.log(`  peak RSS ~${Math.max(...samples.map((s) => s.rssMb)).toFixed(0)} MB`);
  console.log(`  \`strata config check\` whole process: median ${f(cli[1]!)}`);
  if (ms[Math.floor(runs / 2)]! > 1500) process.exitCode = 1;
}
