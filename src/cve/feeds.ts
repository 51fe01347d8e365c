/**
 * Loading advisory feeds through the FileSystem adapter: a path is an OVAL definitions file
 * (`.xml`), an OSV record (`.json`), or a directory searched for both. A path that does not exist
 * is an error (CVE_FEED_NOT_FOUND); a malformed record is a diagnostic and is skipped.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { StrataError, error, type Diagnostic } from '../diag/index.js';
import { mapPool } from '../util/pool.js';
import { parseOsv, type OsvOptions } from './osv.js';
import { parseOval } from './oval.js';
import type { Advisory } from './types.js';

export interface FeedSource {
  /** As the user or the config wrote it (for messages). */
  readonly shown: string;
  readonly abs: string;
  readonly osv: OsvOptions;
  /** Where the config names it (for CVE_FEED_NOT_FOUND). */
  readonly definedAt?: import('../diag/index.js').SourceSpan;
}

export interface LoadedFeeds {
  readonly advisories: Advisory[];
  readonly diagnostics: Diagnostic[];
  /** Files read, OVAL definitions and OSV records seen (mapped or not), records skipped as malformed. */
  readonly stats: { files: number; ovalDefinitions: number; osvRecords: number; osvMapped: number; skipped: number };
}

export async function loadFeeds(fs: FileSystem, sources: readonly FeedSource[], cwd: string): Promise<LoadedFeeds> {
  const advisories: Advisory[] = [];
  const diagnostics: Diagnostic[] = [];
  const stats = { files: 0, ovalDefinitions: 0, osvRecords: 0, osvMapped: 0, skipped: 0 };
  for (const src of sources) {
    const st = await fs.stat(src.abs);
    if (!st) throw new StrataError(error('CVE_FEED_NOT_FOUND', `no such feed: ${src.shown}`, { ...(src.definedAt ? { span: src.definedAt } : {}), hint: 'give an OVAL file (…-oval.xml), an OSV record (.json) or a directory of them' }));
    const files = st.isDirectory ? await fs.glob(['**/*.json', '**/*.xml'], src.abs) : [src.abs];
    if (st.isDirectory && !files.length) throw new StrataError(error('CVE_FEED_NOT_FOUND', `feed directory ${src.shown} holds no .json or .xml file`, { ...(src.definedAt ? { span: src.definedAt } : {}), hint: 'point --feed at the directory of OSV records or at the OVAL file' }));
    const parsed = await mapPool(files, 8, async (f) => {
      const rel = path.relative(cwd, f) || f;
      const text = await fs.readText(f);
      const xml = f.endsWith('.xml') || /^\s*</.test(text);
      if (xml) {
        const r = parseOval(text, rel);
        return { advisories: r.advisories, diagnostics: r.diagnostics, oval: r.definitions, osv: 0, mapped: 0, skipped: r.definitions - r.advisories.length + (r.diagnostics.some((d) => d.code === 'CVE_OVAL_MALFORMED_XML') ? 1 : 0) };
      }
      const r = parseOsv(text, rel, src.osv);
      const bad = r.diagnostics.some((d) => d.severity === 'error');
      return { advisories: r.advisory ? [r.advisory] : [], diagnostics: r.diagnostics, oval: 0, osv: 1, mapped: r.mapped ? 1 : 0, skipped: bad ? 1 : 0 };
    });
    for (const p of parsed) {
      advisories.push(...p.advisories);
      diagnostics.push(...p.diagnostics);
      stats.ovalDefinitions += p.oval;
      stats.osvRecords += p.osv;
      stats.osvMapped += p.mapped;
      stats.skipped += p.skipped;
    }
    stats.files += files.length;
  }
  return { advisories, diagnostics, stats };
}
