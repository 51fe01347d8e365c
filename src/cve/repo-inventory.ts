/**
 * The inventory of published repositories: every `.rpm` under a directory read with the RPM
 * header reader (src/rpm), grouped by source package (an SRPM, or a binary RPM's SOURCERPM), so
 * what was published is scanned beside what is rendered. An unreadable file is CVE_REPO_UNREADABLE
 * and is skipped.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { warning, type Diagnostic } from '../diag/index.js';
import { parseRpmHeaders, rpmInfo } from '../rpm/index.js';
import { mapPool } from '../util/pool.js';
import type { InventoryComponent, InventoryPackage } from './types.js';

/** `name-version-release.src.rpm` → its parts (name may contain dashes). */
function splitSrpm(file: string): { name: string; version: string; release: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  return m ? { name: m[1]!, version: m[2]!, release: m[3]! } : undefined;
}

export async function inventoryFromRepos(fs: FileSystem, dir: string, cwd: string): Promise<{ components: InventoryComponent[]; diagnostics: Diagnostic[]; rpms: number }> {
  const diagnostics: Diagnostic[] = [];
  const files = (await fs.stat(dir))?.isDirectory ? await fs.glob(['**/*.rpm'], dir) : [];
  const byComp = new Map<string, { file: string; packages: Map<string, InventoryPackage> }>();
  const add = (comp: string, file: string, p: InventoryPackage) => {
    let c = byComp.get(comp);
    if (!c) byComp.set(comp, (c = { file, packages: new Map() }));
    if (!c.packages.has(`${p.kind} ${p.name}`)) c.packages.set(`${p.kind} ${p.name}`, p);
  };
  await mapPool(files, 4, async (f) => {
    const rel = path.relative(cwd, f) || f;
    let info;
    try {
      info = rpmInfo(parseRpmHeaders(await fs.readFile(f), rel));
    } catch (e) {
      diagnostics.push(warning('CVE_REPO_UNREADABLE', `${rel} is not a readable RPM: ${(e as Error).message}`, { span: { file: rel, line: 1, col: 1 }, hint: 'the file is left out of the scan; `strata repo verify` checks the repository' }));
      return;
    }
    const epoch = info.epoch !== undefined ? String(info.epoch) : '0';
    if (info.isSource) {
      add(info.name, rel, { name: info.name, kind: 'source', evr: { epoch, version: info.version, release: info.release } });
      return;
    }
    const src = info.sourceRpm ? splitSrpm(info.sourceRpm) : undefined;
    const comp = src?.name ?? info.name;
    add(comp, rel, { name: info.name, kind: 'binary', evr: { epoch, version: info.version, release: info.release } });
    if (src) add(comp, rel, { name: src.name, kind: 'source', evr: { epoch, version: src.version, release: src.release } });
  });
  const components = [...byComp].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([component, c]) => ({ component, file: c.file, packages: [...c.packages.values()], patches: [], changelog: [] }));
  return { components, diagnostics, rpms: files.length };
}
