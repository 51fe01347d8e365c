/**
 * Magic comments in commit messages, as rpmautospec 0.8.4 reads them: a line that is one bracketed
 * list `[part, part, ...]` (surrounding whitespace allowed; case matters). A part starting with
 * `skip changelog` leaves the commit out of the changelog; a part starting with
 * `bump release: N` (colon optional) raises the release number of the commit to at least N (the largest N
 * of a message counts).
 */

export interface MagicComments {
  readonly skipChangelog: boolean;
  /** 0 when there is no bump. */
  readonly bumpRelease: number;
}

const MAGIC_LINE_RE = /^\s*\[([^\n]*)\]\s*$/u;
const SKIP_CHANGELOG_RE = /^\s*skip\s+changelog/u;
const BUMP_RELEASE_RE = /^\s*bump\s+release\s*(?::\s*)?(\d+)/u;

export function parseMagicComments(message: string): MagicComments {
  let skipChangelog = false;
  let bumpRelease = 0;
  for (const line of message.split('\n')) {
    const m = MAGIC_LINE_RE.exec(line);
    if (!m) continue;
    for (const part of m[1]!.split(',')) {
      if (SKIP_CHANGELOG_RE.test(part)) skipChangelog = true;
      const b = BUMP_RELEASE_RE.exec(part);
      if (b) bumpRelease = Math.max(bumpRelease, Number.parseInt(b[1]!, 10));
    }
  }
  return { skipChangelog, bumpRelease };
}
