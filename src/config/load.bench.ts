// Cold load+resolve time of the Azure Linux tree (target < 1.5 s on 2 cores). Each sample is a
// fresh Node process (cold module cache, cold JIT), timing loadProject() only; the CLI figure is
// the wall time of a whole `strata config check` process.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileSystem } from '../adapters/types.js';

const root = process.env.STRATA_ROOT ?? path.resolve(import.meta.dirname, '../..');
const azl = path.resolve(root, '../shared/fixtures/azurelinux');
const self = fileURLToPath(import.meta.url);

/**
 * The read-only part of the real file system that loading needs. (Domain folders may not import
 * src/adapters/node-fs.ts — the layering lint covers benches too — so the bench carries its own.)
 */
async function benchFileSystem(): Promise<FileSystem> {
  const fsp = await import('node:fs/promises');
  const { glob } = await import('tinyglobby');
  const no = () => Promise.reject(new Error('read-only bench file system'));
  return {
    readFile: (p) => fsp.readFile(p),
    readText: (p) => fsp.readFile(p, 'utf8'),
    readdir: async (p) => (await fsp.readdir(p)).sort(),
    stat: async (p) => {
      const s = await fsp.lstat(p).catch(() => undefined);
      return s && { isFile: s.isFile(), isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(), size: s.size, mode: s.mode, mtimeMs: s.mtimeMs };
    },
    realpath: (p) => fsp.realpath(p),
    glob: async (patterns, cwd) => (await glob([...patterns], { cwd, absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: true, expandDirectories: false })).map((f) => path.resolve(f)).sort(),
    writeFileAtomic: no,
    mkdir: no,
    remove: no,
    rename: no,
    copyFile: no,
    chmod: no,
    setTimes: no,
    mkdtemp: no,
  };
}

if (process.argv[2] === '--once') {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { loadProject } = await import('./load.js');
  const { project } = await loadProject({ fs: await benchFileSystem(), startDir: azl });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, components: project.components.size, rssMb: process.memoryUsage().rss / 1048576 }) + '\n');
} else {
  const runs = 5;
  const samples: { ms: number; cpuMs: number; components: number; rssMb: number }[] = [];
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
  const cpu = samples.map((s) => s.cpuMs).sort((a, b) => a - b);
  console.log(`  CPU time (all threads, incl. GC): median ${f(cpu[Math.floor(runs / 2)]!)}; load average now ${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} CPUs`);
  console.log(`  peak RSS ~${Math.max(...samples.map((s) => s.rssMb)).toFixed(0)} MB`);
  console.log(`  \`strata config check\` whole process: median ${f(cli[1]!)}`);
  if (ms[Math.floor(runs / 2)]! > 1500) process.exitCode = 1;
}
