/**
 * Changelog entries as rpmautospec 0.8.4 writes them: the header line
 * `* Www Mmm DD YYYY Author <email> - [E:]V-R`, then one `- item` per changelog item taken from the
 * commit message, wrapped at 75 columns with a two-space hanging indent, `%` doubled.
 */
import { fillText, pyLstrip, pyStrip } from './textwrap.js';

/** One entry of a generated changelog. */
export interface ChangelogEntry {
  readonly commitId: string | null;
  /** `Name <email>` of the author. */
  readonly authorBlurb: string;
  /** Unix seconds (the committer time); printed as a UTC day. */
  readonly timestamp: number;
  readonly commitLog: string;
  readonly epochVersion: string | null;
  readonly releaseComplete: string | null;
  /** Verbatim text from a changed `changelog` file: printed instead of a header and items. */
  readonly data?: string;
  /** Printed as `- RPMAUTOSPEC: <error>` items instead of the commit message. */
  readonly error?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `%a %b %d %Y` (C locale) of a Unix timestamp, in UTC. */
export function formatChangelogDate(timestamp: number): string {
  const d = new Date(timestamp * 1000);
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${dd} ${d.getUTCFullYear()}`;
}

/** A leading `...`/`…` run on the first body line continues the subject. */
const ELLIPSIS_RE = /^(?:\.{3,}|…+)\s*([^\n]*)$/u;

type ParseState = 'before-subject' | 'subject' | 'before-body' | 'in-continuation' | 'body';

/**
 * Turn a commit message into changelog items:
 * - the subject is the first paragraph (lines joined with a space), a leading `-` removed;
 * - a first body paragraph starting with `...`/`…` continues the subject;
 * - if the body (after that) starts with `-` lines, each `-` line starts an item and following
 *   non-blank lines continue it; a body starting with anything else is ignored, and the first
 *   blank line inside the item list ends it;
 * - `%` is doubled, every line is stripped.
 */
export function commitLogToChangelogItems(commitLog: string): string[] {
  const items: string[][] = [[]];
  let state: ParseState = 'before-subject';
  for (const raw of commitLog.split('\n')) {
    let line = pyStrip(raw.replaceAll('%', '%%'));
    if (state === 'before-subject') {
      if (!line) continue;
      state = 'subject';
      if (line.startsWith('-')) line = pyLstrip(line.slice(1));
    }
    if (state === 'subject') {
      if (line) {
        items[0]!.push(line);
        continue;
      }
      state = 'before-body';
    }
    if (state === 'before-body') {
      if (!line) continue;
      const m = ELLIPSIS_RE.exec(line);
      if (m) {
        state = 'in-continuation';
        items[0]!.push(m[1]!);
        continue;
      }
      if (!line.startsWith('-')) break;
      state = 'body';
    }
    if (state === 'in-continuation') {
      if (!line || line.startsWith('-')) state = 'body';
      else {
        items[0]!.push(line);
        continue;
      }
    }
    // body
    if (!line) break;
    if (line.startsWith('-')) {
      line = pyLstrip(line.slice(1));
      items.push([]);
    }
    items[items.length - 1]!.push(line);
  }
  return items.map((lines) => lines.join(' '));
}

/** Width and hanging indent rpmautospec wraps changelog items with. */
export const CHANGELOG_WRAP = { width: 75, subsequentIndent: '  ' } as const;

/** The text of one entry (no trailing newline; `data` entries verbatim). */
export function formatChangelogEntry(entry: ChangelogEntry): string {
  if (entry.data !== undefined) return entry.data;
  let evr = '';
  if (entry.epochVersion) {
    evr = ` - ${entry.epochVersion}`;
    if (entry.releaseComplete) evr += `-${entry.releaseComplete}`;
  }
  const header = `* ${formatChangelogDate(entry.timestamp)} ${entry.authorBlurb}${evr}`;
  const items = entry.error !== undefined ? [`RPMAUTOSPEC: ${entry.error}`] : commitLogToChangelogItems(entry.commitLog);
  const body = items.map((item) => fillText(`- ${item}`, CHANGELOG_WRAP)).join('\n');
  return `${header}\n${body}`;
}

/** The generated changelog: entries separated by blank lines. */
export function formatChangelog(entries: readonly ChangelogEntry[]): string {
  return entries.map(formatChangelogEntry).join('\n\n');
}
