/**
 * Step 1: the upstream commit of a component (lock → pin → snapshot → HEAD), through the mirror
 * cache. On a warm cache the branch head is read from the refs files and the resolution is cached
 * beside the mirror per (branch head, rule inputs), so no git process runs for it.
 */
import * as path from 'node:path';
import type { FileSystem } from '../adapters/types.js';
import { error, StrataError, type Diagnostic } from '../diag/index.js';
import type { ResolvedComponent } from '../config/types.js';
import { loadLock, lockPathFor, readBranchHead, resolveUpstreamCommit, type DistGitDeps, type MirrorCache } from '../sources/index.js';
import type { RenderContext } from './context.js';

export interface Resolved {
  readonly mirror: { readonly url: string; readonly path: string };
  readonly commit: string;
  readonly rule: string;
  readonly diagnostics: readonly Diagnostic[];
}

const SHA = /^[0-9a-f]{40}$/;
const CACHE = 'strata-resolved.json';

async function readResolveCache(fs: FileSystem, repo: string, key: string): Promise<{ commit: string; rule: string } | undefined> {
  const p = path.join(repo, CACHE);
  if (!(await fs.stat(p))?.isFile) return undefined;
  try {
    const all = JSON.parse(await fs.readText(p)) as Record<string, { commit: string; rule: string }>;
    const v = all[key];
    return v && SHA.test(v.commit) ? v : undefined;
  } catch {
    return undefined;
  }
}

async function writeResolveCache(fs: FileSystem, repo: string, key: string, v: { commit: string; rule: string }): Promise<void> {
  const p = path.join(repo, CACHE);
  let all: Record<string, unknown> = {};
  try {
    if ((await fs.stat(p))?.isFile) all = JSON.parse(await fs.readText(p)) as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[key] = v;
  await fs.writeFileAtomic(p, JSON.stringify(all));
}

/** The upstream commit of `c`; undefined for a local component. */
export async function resolveComponentCommit(ctx: RenderContext, mirrors: MirrorCache, c: ResolvedComponent): Promise<Resolved | undefined> {
  const { fs } = ctx.deps;
  const diagnostics: Diagnostic[] = [];
  if (c.spec.type === 'local') return undefined;
  const up = c.spec;
  if (!up.distGitUri || !up.branch) {
    throw new StrataError(
      error('RENDER_NO_DIST_GIT', `component ${c.name}: distro ${up.upstreamDistro.name} ${up.upstreamDistro.version} has no dist-git ${!up.distGitUri ? 'base URI' : 'branch'}`, {
        span: c.definedAt,
        hint: 'set dist-git-base-uri on the distro and dist-git-branch on its version',
      }),
    );
  }
  // A lock that does not parse is a LOCK_* diagnostic, not a silent fall-back to the branch head.
  const lock = (await loadLock(fs, lockPathFor(ctx.project.project.lockDir, c.name)))?.lock.upstreamCommit;
  const refresh = ctx.opts.refresh ?? 'if-needed';
  // Warm-cache fast path: the mirror already has the branch (read from the refs, no git process).
  const mirrorPath = mirrors.pathFor(up.distGitUri);
  const head = refresh !== 'always' && !lock ? await readBranchHead(fs, mirrorPath, up.branch) : undefined;
  const mirror = head
    ? { url: up.distGitUri, path: mirrorPath, diagnostics: [] as Diagnostic[] }
    : await mirrors.ensure({
        url: up.distGitUri,
        branch: up.branch,
        component: c.name,
        refresh,
        ...(lock ? { commits: [lock] } : {}),
        spans: { component: c.definedAt, ...(c.origin('spec.upstream-commit') ? { pin: c.origin('spec.upstream-commit')! } : {}) },
      });
  diagnostics.push(...mirror.diagnostics);
  const req = {
    ...(lock ? { lock } : {}),
    ...(up.upstreamCommit ? { pin: up.upstreamCommit } : {}),
    branch: up.branch,
    ...(up.upstreamDistro.snapshot ? { snapshot: up.upstreamDistro.snapshot } : {}),
    component: c.name,
    spans: { component: c.definedAt },
  };
  // Commit resolution is a function of (branch head, rule inputs): cached beside the mirror.
  const cacheKey = head ? JSON.stringify([up.branch, head, req.lock ?? '', req.pin ?? '', req.snapshot ?? '']) : undefined;
  const cached = cacheKey ? await readResolveCache(fs, mirrorPath, cacheKey) : undefined;
  const resolved = cached ?? (await resolveUpstreamCommit(distGitDeps(ctx), mirror, req));
  if (cacheKey && !cached) await writeResolveCache(fs, mirrorPath, cacheKey, { commit: resolved.commit, rule: resolved.rule });
  if ('diagnostics' in resolved) diagnostics.push(...resolved.diagnostics);
  return { mirror, commit: resolved.commit, rule: resolved.rule, diagnostics };
}

/** The dist-git functions' view of the render deps. */
export function distGitDeps(ctx: RenderContext): DistGitDeps {
  return { git: ctx.deps.git, fs: ctx.deps.fs, sink: ctx.deps.sink, ...(ctx.deps.lock ? { lock: ctx.deps.lock } : {}) };
}
