/**
 * Test helpers: local dist-git repositories with commits at chosen dates. Uses the system git
 * directly (test support only; domain code goes through the Git adapter).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Fedora Packager',
  GIT_AUTHOR_EMAIL: 'packager@example.org',
  GIT_COMMITTER_NAME: 'Fedora Packager',
  GIT_COMMITTER_EMAIL: 'packager@example.org',
  LC_ALL: 'C',
};

export function sh(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: { ...ENV, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A work repository whose branches are pushed to a bare "dist-git" repository at `bare`. */
export class FakeDistGit {
  readonly work: string;
  readonly bare: string;

  constructor(readonly root: string, readonly name: string) {
    this.work = path.join(root, 'work', name);
    this.bare = path.join(root, 'rpms', `${name}.git`);
    mkdirSync(this.work, { recursive: true });
    mkdirSync(this.bare, { recursive: true });
    sh(this.bare, ['init', '-q', '--bare']);
    sh(this.work, ['init', '-q', '-b', 'rawhide']);
  }

  get url(): string {
    return `file://${this.bare}`;
  }

  /** Commit `files` (null deletes) on `branch` with committer/author date `date` (ISO); pushes; returns the SHA. */
  commit(branch: string, files: Record<string, string | null>, message: string, date = '2026-01-01T00:00:00Z'): string {
    let has = true;
    try {
      sh(this.work, ['rev-parse', '--verify', '--quiet', 'HEAD']);
    } catch {
      has = false;
    }
    if (has) {
      const exists = sh(this.work, ['branch', '--list', branch]).trim() !== '';
      sh(this.work, ['checkout', '-q', ...(exists ? [branch] : ['-b', branch])]);
    } else {
      sh(this.work, ['checkout', '-q', '-B', branch]);
    }
    for (const [f, c] of Object.entries(files)) {
      const p = path.join(this.work, f);
      if (c === null) rmSync(p, { force: true });
      else {
        mkdirSync(path.dirname(p), { recursive: true });
        writeFileSync(p, c);
      }
    }
    sh(this.work, ['add', '-A']);
    sh(this.work, ['commit', '-q', '--allow-empty', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    sh(this.work, ['push', '-q', '-f', this.bare, `${branch}:refs/heads/${branch}`]);
    return sh(this.work, ['rev-parse', 'HEAD']).trim();
  }

  /** Rewrite `branch` in the bare repo to `sha` (simulates a force-push). */
  forcePush(branch: string, sha: string): void {
    sh(this.work, ['push', '-q', '-f', this.bare, `${sha}:refs/heads/${branch}`]);
  }
}
