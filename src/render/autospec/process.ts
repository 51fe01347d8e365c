/**
 * `process-distgit` and `calculate-release` of rpmautospec 0.8.4, in-process.
 */
import * as path from 'node:path';
import type { FileSystem, Git } from '../../adapters/types.js';
import { error, warning, StrataError, type Diagnostic } from '../../diag/index.js';
import { formatChangelog, type ChangelogEntry } from './changelog.js';
import { detectSpecFeatures, splitUniversalLines, type SpecFeatures } from './features.js';
import { loadHistory, type History } from '../../sources/git/index.js';
import { evaluateSpecHeader } from './spec-eval.js';
import { makeVerflagsCache, type SpecHeaderEvaluator, type Verflags } from './verflags.js';
import { changelogVisitor, releaseNumberVisitor, runOnHistory, type CommitResult, type Visitor } from './walk.js';

/** The rpmautospec version whose output is reproduced (printed in the header block). */
export const RPMAUTOSPEC_VERSION = '0.8.4';

export type Defines = readonly (readonly [string, string])[];

export interface AutospecOptions {
  readonly git: Git;
  readonly fs: FileSystem;
  /**
   * The spec file: absolute, or relative to `cwd`. Its directory must be the root of the dist-git
   * repository (as for rpmautospec); the history is read from that repository's HEAD.
   */
  readonly specPath: string;
  readonly cwd?: string;
  /** `--define 'NAME VALUE'` pairs applied when evaluating every commit's spec. */
  readonly defines?: Defines;
  /** Refuse (AUTOSPEC_SPEC_UNPARSEABLE) when the current spec cannot be evaluated. Default true. */
  readonly errorOnUnparseableSpec?: boolean;
  /**
   * Account for uncommitted changes of tracked files as rpmautospec does (one more release and an
   * "Uncommitted changes" entry). Default true; the render pipeline, which commits everything,
   * passes false to save a git call.
   */
  readonly reflectWorktree?: boolean;
  /** `Name <email>` for the "Uncommitted changes" entry (default: the repository's user.name/email). */
  readonly worktreeAuthor?: string;
  /** Clock for the "Uncommitted changes" entry. */
  readonly now?: () => Date;
  /** Spec evaluator (default: the spec layer's). */
  readonly evaluator?: SpecHeaderEvaluator;
  /** Version printed in the header block (default `RPMAUTOSPEC_VERSION`; some renders show 0.8.3). */
  readonly rpmautospecVersion?: string;
  /**
   * An already loaded history (skips reading it with git); `head` must be the work tree's HEAD.
   * With a history, the work tree is compared with HEAD only when `reflectWorktree` is true.
   */
  readonly history?: History;
}

export interface AutospecRun {
  readonly specName: string;
  /** Result for the head commit, or for the work tree when it differs from the head. */
  readonly result: CommitResult;
  readonly history?: History;
}

/** Walk the history of the spec's repository (the core of both commands). */
export async function runAutospec(opts: AutospecOptions, withChangelog: boolean): Promise<AutospecRun> {
  const specFile = await resolveSpecFile(opts);
  const repoDir = path.dirname(specFile);
  const specName = path.basename(specFile);
  const defines = opts.defines ?? [];
  const verflagsCache = makeVerflagsCache(opts.evaluator ?? evaluateSpecHeader, defines);
  const isRepo = opts.history !== undefined || (await opts.fs.stat(path.join(repoDir, '.git'))) !== undefined;

  let history: History | undefined = opts.history;
  let dirty = false;
  if (isRepo && !history) {
    const [h, d] = await Promise.all([
      loadHistory({ git: opts.git, repoDir, specName }),
      opts.reflectWorktree === false ? Promise.resolve(false) : worktreeDiffers(opts.git, repoDir),
    ]);
    history = h;
    dirty = d;
  } else if (!isRepo) dirty = true;
  else if (opts.reflectWorktree === true) dirty = await worktreeDiffers(opts.git, repoDir);

  const verflagsOf = (c: { specBlob?: string }): Verflags => verflagsCache(c.specBlob ?? '', c.specBlob === undefined ? undefined : history!.blobs.get(c.specBlob));
  let headResult: CommitResult | undefined;
  let seedChangelogRemoved = false;
  if (history) {
    if (dirty && withChangelog) {
      const hasChangelogFile = (await opts.fs.stat(path.join(repoDir, 'changelog'))) !== undefined;
      const headCommit = history.commits.get(history.head);
      seedChangelogRemoved = !hasChangelogFile && headCommit?.changelogBlob !== undefined;
    }
    const visitors: Visitor[] = [releaseNumberVisitor(verflagsOf, history)];
    if (withChangelog) visitors.push(changelogVisitor(history));
    const results = runOnHistory(history, history.head, visitors, seedChangelogRemoved ? { changelogRemoved: true } : {});
    headResult = results.get(history.head);
  }
  if (!dirty && headResult) return { specName, result: headResult, ...(history ? { history } : {}) };

  // The work tree differs from HEAD (or there is no repository): one more release.
  const specText = await readTextOrUndefined(opts.fs, specFile);
  const vf = specText === undefined ? verflagsCache('', undefined) : verflagsCache(`worktree:${specText}`, specText);
  const flags = vf.ok ? vf : { epochVersion: null, prerelease: false, extraver: null, snapinfo: null, base: 1 };
  const epochVersion = flags.epochVersion;
  const releaseNumber = headResult && epochVersion === headResult.epochVersion ? headResult.releaseNumber! + 1 : 1;
  const tag = [flags.extraver, flags.snapinfo]
    .filter((t) => t)
    .map((t) => `.${t}`)
    .join('');
  const releaseComplete = `${flags.prerelease ? '0.' : ''}${releaseNumber + (flags.base ?? 1) - 1}${tag}`;
  let changelog: readonly ChangelogEntry[] = [];
  if (withChangelog && specText !== undefined) {
    const author = opts.worktreeAuthor ?? (history ? await repoAuthor(opts.git, repoDir) : 'John Doe <packager@example.com>');
    const now = opts.now ? opts.now() : new Date();
    changelog = [
      {
        commitId: null,
        authorBlurb: author,
        timestamp: Math.floor(now.getTime() / 1000),
        commitLog: 'Uncommitted changes',
        epochVersion,
        releaseComplete,
      },
      ...(headResult?.changelog ?? []),
    ];
  }
  return {
    specName,
    result: { commitId: null, verflags: vf, epochVersion, releaseNumber, releaseComplete, changelog },
    ...(history ? { history } : {}),
  };
}

async function readTextOrUndefined(fs: FileSystem, file: string): Promise<string | undefined> {
  try {
    return await fs.readText(file);
  } catch {
    return undefined;
  }
}

async function worktreeDiffers(git: Git, repoDir: string): Promise<boolean> {
  const r = await git.run(['diff', '--quiet', 'HEAD', '--'], { cwd: repoDir });
  return r.code === 1;
}

async function repoAuthor(git: Git, repoDir: string): Promise<string> {
  const [n, e] = await Promise.all([git.run(['config', 'user.name'], { cwd: repoDir }), git.run(['config', 'user.email'], { cwd: repoDir })]);
  const name = n.stdout.trim();
  const email = e.stdout.trim();
  if (n.code !== 0 || e.code !== 0 || !name || !email) return 'Unknown User <please-configure-git-user@example.com>';
  return `${name} <${email}>`;
}

function unparseable(specPath: string, specName: string, vf: Verflags | undefined): StrataError {
  const detail = vf && !vf.ok ? vf.detail : undefined;
  const line = vf && !vf.ok ? vf.line : undefined;
  return new StrataError(
    error('AUTOSPEC_SPEC_UNPARSEABLE', `Couldn’t parse spec file ${specName}`, {
      span: { file: specPath, line: line ?? 1, col: 1 },
      hint:
        vf && !vf.ok && vf.error === 'specfile-missing'
          ? `${specName} is not in the repository's last commit: commit it (git add ${specName} && git commit), as rpmautospec reads the spec of each commit`
          : detail
            ? `the spec could not be evaluated: ${detail}`
            : 'fix the spec, or pass --no-error-on-unparseable-spec to go on without its Version',
    }),
  );
}

/**
 * Warnings for the current spec: Version/Release values Strata could not fully expand because it
 * never runs `%(...)` or `%{lua:}` (rpmautospec, through rpm, does), so the release text may differ.
 */
export function autospecWarnings(specPath: string, vf: Verflags | undefined): Diagnostic[] {
  if (!vf || !vf.ok || !vf.unexpanded) return [];
  return vf.unexpanded.map((u) =>
    warning('AUTOSPEC_NOT_EXPANDED', `${u.tag} of ${path.basename(specPath)} needs ${u.what.map((w) => (w === 'shell' ? '%(...)' : w === 'lua' ? '%{lua:}' : w)).join(', ')}, which Strata does not run; the release text may differ from rpmautospec's`, {
      span: { file: specPath, line: u.line, col: 1 },
      hint: 'define the value literally (e.g. %global shortcommit 1a2b3c4) or pass it with --define',
    }),
  );
}

export interface CalculateReleaseResult {
  /** The bare release number (`calculate-release -n`). */
  readonly releaseNumber: number;
  /** The complete release without dist tag (`calculate-release`). */
  readonly release: string;
  readonly epochVersion: string | null;
  readonly warnings: readonly Diagnostic[];
}

/** `rpmautospec calculate-release`: the release of the next build. */
export async function calculateRelease(opts: AutospecOptions): Promise<CalculateReleaseResult> {
  await requireSpec(opts);
  const run = await runAutospec(opts, false);
  const r = run.result;
  if (opts.errorOnUnparseableSpec !== false && (r.epochVersion === null || r.epochVersion === undefined)) throw unparseable(opts.specPath, run.specName, r.verflags);
  return { releaseNumber: r.releaseNumber ?? 0, release: r.releaseComplete ?? String(r.releaseNumber ?? 0), epochVersion: r.epochVersion ?? null, warnings: autospecWarnings(opts.specPath, r.verflags) };
}

/** `rpmautospec generate-changelog`: the changelog entries of the history, newest first. */
export async function generateChangelog(opts: AutospecOptions): Promise<{ readonly text: string; readonly entries: readonly ChangelogEntry[]; readonly warnings: readonly Diagnostic[] }> {
  await requireSpec(opts);
  const run = await runAutospec(opts, true);
  const r = run.result;
  if (opts.errorOnUnparseableSpec !== false && (r.epochVersion === null || r.epochVersion === undefined)) throw unparseable(opts.specPath, run.specName, r.verflags);
  const entries = r.changelog ?? [];
  return { text: formatChangelog(entries), entries, warnings: autospecWarnings(opts.specPath, r.verflags) };
}

export interface ProcessDistgitResult {
  /** false: nothing to do (rpmautospec writes no output). */
  readonly changed: boolean;
  /** The processed spec text when changed. */
  readonly text?: string;
  readonly features: SpecFeatures;
  readonly releaseNumber?: number;
  readonly warnings: readonly Diagnostic[];
}

/** `rpmautospec process-distgit`: the spec with `%autorelease`/`%autochangelog` resolved. */
export async function processDistgit(opts: AutospecOptions): Promise<ProcessDistgitResult> {
  const specFile = await requireSpec(opts);
  const specText = await opts.fs.readText(specFile);
  const features = detectSpecFeatures(specText);
  const necessary = !features.isProcessed && (features.hasAutorelease || features.hasAutochangelog || features.changelogLine === null);
  if (!necessary) return { changed: false, features, warnings: [] };
  const needsAutochangelog = (features.changelogLine === null && features.autochangelogLine === null) || features.hasAutochangelog;
  const run = await runAutospec(opts, needsAutochangelog);
  const r = run.result;
  if (opts.errorOnUnparseableSpec !== false && (r.epochVersion === null || r.epochVersion === undefined)) throw unparseable(opts.specPath, run.specName, r.verflags);
  const text = renderProcessedSpec(specText, features, r.releaseNumber ?? 0, needsAutochangelog ? (r.changelog ?? []) : undefined, opts.rpmautospecVersion);
  return { changed: true, text, features, releaseNumber: r.releaseNumber ?? 0, warnings: autospecWarnings(opts.specPath, r.verflags) };
}

/** The `%define autorelease` block rpmautospec writes, for a release number. */
export function autoreleaseBlock(releaseNumber: number): string {
  return (
    '\n%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:\n' +
    `    release_number = ${releaseNumber};\n` +
    '    base_release_number = tonumber(rpm.expand("%{?-b*}%{!?-b:1}"));\n' +
    '    print(release_number + base_release_number - 1);\n' +
    '}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}'
  );
}

/**
 * Assemble the processed spec: header block, the spec's lines (line ends normalized to `\n`, as
 * rpmautospec reads in text mode) up to `%changelog` when the changelog is generated, then the
 * generated changelog block. `changelog` undefined: the changelog is not generated.
 */
export function renderProcessedSpec(
  specText: string,
  features: SpecFeatures,
  releaseNumber: number,
  changelog: readonly ChangelogEntry[] | undefined,
  version: string = RPMAUTOSPEC_VERSION,
): string {
  const needsAutochangelog = changelog !== undefined;
  let out = '';
  if (features.hasAutorelease || needsAutochangelog) {
    const used: string[] = [];
    if (features.hasAutorelease) used.push('autorelease');
    if (needsAutochangelog) used.push('autochangelog');
    out += '## START: Set by rpmautospec\n';
    out += `## (rpmautospec version ${version})\n`;
    out += `## RPMAUTOSPEC: ${used.join(', ')}${features.hasAutorelease ? autoreleaseBlock(releaseNumber) : ''}\n`;
    out += '## END: Set by rpmautospec\n\n';
  }
  const { lines, endsWithNewline } = splitUniversalLines(specText);
  for (let i = 0; i < lines.length; i++) {
    const lineno = i + 1;
    if (features.changelogLine !== null) {
      if (features.hasAutochangelog && lineno > features.changelogLine) break;
    } else if (features.hasAutochangelog && lineno === features.autochangelogLine) {
      out += '%changelog\n';
      break;
    }
    out += lines[i]! + (i < lines.length - 1 || endsWithNewline ? '\n' : '');
  }
  if (!features.hasAutochangelog && features.changelogLine === null) out += '\n%changelog\n';
  if (needsAutochangelog) {
    out += '## START: Generated by rpmautospec\n';
    out += formatChangelog(changelog) + '\n';
    out += '## END: Generated by rpmautospec\n';
  }
  return out;
}

/** The spec file named by `specPath`; a directory stands for `<dir>/<dir name>.spec`. */
async function resolveSpecFile(opts: AutospecOptions): Promise<string> {
  const p = path.resolve(opts.cwd ?? '/', opts.specPath);
  const st = await opts.fs.stat(p);
  return st?.isDirectory ? path.join(p, `${path.basename(p)}.spec`) : p;
}

async function requireSpec(opts: AutospecOptions): Promise<string> {
  const specFile = await resolveSpecFile(opts);
  const st = await opts.fs.stat(specFile);
  if (!st || !st.isFile) {
    throw new StrataError(
      error('AUTOSPEC_SPEC_MISSING', `Spec file or path '${specFile}' doesn't exist.`, {
        hint: 'run inside the dist-git checkout and name its spec file (e.g. `strata rpmautospec process-distgit foo.spec out/foo.spec`)',
      }),
    );
  }
  if (!specFile.endsWith('.spec')) {
    throw new StrataError(error('AUTOSPEC_NOT_A_SPEC', `File specified as spec must have '.spec' as an extension: ${specFile}`));
  }
  return specFile;
}
