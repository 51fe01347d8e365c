/**
 * Evaluating a rendered spec into SpecFacts (name, EVR, BuildRequires, per-package Provides and
 * Requires) under the build's macros and --with/--without. The default inspector asks rpm's own
 * `rpmspec -q` (the same parser rpmbuild will use, so the graph sees exactly what the build
 * sees); another inspector (e.g. Strata's pure spec evaluator) can be passed instead.
 */
import * as path from 'node:path';
import { StrataError, error } from '../diag/index.js';
import type { FileSystem, ProcessRunner } from '../adapters/types.js';
import { evaluateSpec, expandMacros, fedoraContext, parseSpec, type EvaluatedSpec, type SpecDocument } from '../spec/index.js';
import { fromDependency, parseDep } from './deps.js';
import type { BuildUnit, Dep, PackageFacts, SpecFacts } from './types.js';

export interface SpecInspector {
  inspect(unit: BuildUnit, macros: Readonly<Record<string, string>>): Promise<SpecFacts>;
}

/** `--define`/`--with`/`--without`/`--undefine` arguments shared by rpmspec and rpmbuild. */
export function macroArgs(unit: Pick<BuildUnit, 'defines' | 'undefines' | 'with' | 'without'>, macros: Readonly<Record<string, string>>): string[] {
  const args: string[] = [];
  const all = { ...macros, ...(unit.defines ?? {}) };
  for (const k of Object.keys(all).sort()) args.push('--define', `${k} ${all[k]}`);
  for (const u of unit.undefines ?? []) args.push('--undefine', u);
  for (const w of unit.with ?? []) args.push('--with', w);
  for (const w of unit.without ?? []) args.push('--without', w);
  return args;
}

const SEP = '\u001f';

export function rpmspecInspector(proc: ProcessRunner): SpecInspector {
  return {
    async inspect(unit, macros) {
      const base = [...macroArgs(unit, macros), '--define', `_sourcedir ${unit.dir}`, '--define', '_dbpath /nonexistent-strata'];
      const fail = (what: string, stderr: string): never => {
        const lines = stderr.split('\n').filter((l) => l.trim());
        throw new StrataError(
          error('BUILD_SPEC_EVAL', `${unit.name}: rpmspec could not ${what}: ${lines.filter((l) => /error/i.test(l)).slice(0, 3).join('; ') || lines.slice(-2).join('; ')}`, {
            span: { file: unit.spec, line: 1, col: 1 },
            hint: 'check the rendered spec with `rpmspec -P`; the build macros and --with/--without are passed the same way rpmbuild gets them',
          }),
        );
      };
      const qf = `@@${SEP}%{NAME}${SEP}%{EPOCH}${SEP}%{VERSION}${SEP}%{RELEASE}${SEP}%{ARCH}\n[P${SEP}%{PROVIDENEVRS}\n][R${SEP}%{REQUIRENEVRS}\n]`;
      const [bin, src, br] = await Promise.all([
        proc.run('rpmspec', ['-q', ...base, '--qf', qf, unit.spec]),
        proc.run('rpmspec', ['-q', '--srpm', ...base, '--qf', `%{NAME}${SEP}%{EPOCH}${SEP}%{VERSION}${SEP}%{RELEASE}\n`, unit.spec]),
        proc.run('rpmspec', ['-q', '--buildrequires', ...base, unit.spec]),
      ]);
      if (bin.code !== 0) fail('evaluate the packages', bin.stderr);
      if (src.code !== 0) fail('evaluate the source package', src.stderr);
      if (br.code !== 0) fail('list BuildRequires', br.stderr);
      const packages: { name: string; arch: string; provides: Dep[]; requires: Dep[]; files: string[] }[] = [];
      for (const line of bin.stdout.split('\n')) {
        const f = line.split(SEP);
        if (f[0] === '@@') packages.push({ name: f[1]!, arch: f[5] ?? '', provides: [], requires: [], files: [] });
        else if (f[0] === 'P' && packages.length) packages[packages.length - 1]!.provides.push(parseDep(f[1] ?? ''));
        else if (f[0] === 'R' && packages.length) packages[packages.length - 1]!.requires.push(parseDep(f[1] ?? ''));
      }
      const s = src.stdout.trim().split(SEP);
      const epoch = s[1] && s[1] !== '(none)' ? Number(s[1]) : undefined;
      return {
        name: s[0] ?? unit.name,
        ...(epoch !== undefined ? { epoch } : {}),
        version: s[2] ?? '',
        release: s[3] ?? '',
        buildRequires: br.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .map(parseDep),
        packages: packages as PackageFacts[],
      };
    },
  };
}

/**
 * SpecFacts from Strata's own spec model (src/spec: lossless CST + pure macro evaluator), under
 * a Fedora-like context with the build's macros, defines, undefines and --with/--without.
 * `%{load:}` of macro files in the prepared directory is followed. When the evaluation is
 * incomplete (undecidable conditionals, unexpandable BuildRequires/Provides) it asks `fallback`
 * (rpmspec) instead, so the graph is never built from a guess.
 */
export function specModelInspector(fs: FileSystem, fallback?: SpecInspector, arch = 'x86_64'): SpecInspector {
  return {
    async inspect(unit, macros) {
      const text = await fs.readText(unit.spec);
      const files = new Map<string, string>();
      for (const name of await fs.readdir(unit.dir)) {
        if (/\.(macros|inc)$/.test(name) || name.startsWith('macros.')) files.set(path.join(unit.dir, name), await fs.readText(path.join(unit.dir, name)));
      }
      const overrides = { ...macros, ...(unit.defines ?? {}), _sourcedir: unit.dir };
      const ctx = fedoraContext({
        arch,
        overrides,
        undefines: unit.undefines ?? [],
        with: unit.with ?? [],
        without: unit.without ?? [],
        hooks: { load: (p) => files.get(path.resolve(unit.dir, p)), exists: (p) => files.has(path.resolve(unit.dir, p)) },
      });
      const doc = parseSpec(text, unit.spec);
      const ev = evaluateSpec(doc, ctx, { include: (p) => files.get(path.resolve(unit.dir, p)) });
      const owned = filesSections(doc, ev);
      const incomplete =
        ev.undecided.length > 0 ||
        !ev.name ||
        !ev.version ||
        ev.packages.some((p) => p.tags.some((t) => !t.complete && /^(buildrequires|provides|requires|name|version|release|epoch)$/i.test(t.name)));
      if (incomplete && fallback) return fallback.inspect(unit, macros);
      const epoch = ev.epoch !== undefined && /^\d+$/.test(ev.epoch) ? Number(ev.epoch) : undefined;
      const mainArch = ev.packages.find((p) => p.key === '')?.buildArch ?? arch;
      return {
        name: ev.name ?? unit.name,
        ...(epoch !== undefined ? { epoch } : {}),
        version: ev.version ?? '',
        release: ev.release ?? '',
        buildRequires: ev.buildRequires.map(fromDependency),
        packages: ev.packages.map((p) => ({ name: p.name, arch: p.buildArch ?? mainArch, provides: p.provides.map(fromDependency), requires: p.requires.map(fromDependency), files: owned.get(p.name) ?? [] })),
      };
    },
  };
}

const FILE_DIRECTIVES = /%(?:attr|defattr|config|verify|lang|caps)\([^)]*\)\s*|%(?:config|doc|license|dir|ghost|readme|missingok|artifact)\b\s*/g;

/**
 * Paths each package's `%files` section lists (active branches only), macros expanded: what the
 * package will own, for file BuildRequires before anything was built. Entries may be globs or
 * directories (which own everything below them); `%files -f list` contents are unknown here.
 */
export function filesSections(doc: SpecDocument, ev: EvaluatedSpec): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const mainName = ev.name ?? '';
  for (const sec of doc.sections) {
    if (sec.kind !== 'files') continue;
    if (sec.header && !ev.active[sec.header.index]) continue;
    const key = sec.package;
    const pkgName = ev.packages.find((p) => p.key === key && p.absolute === sec.absolute)?.name ?? (key === '' ? mainName : sec.absolute ? key : `${mainName}-${key}`);
    const list = out.get(pkgName) ?? [];
    for (let i = sec.nodeStart + 1; i < sec.nodeEnd; i++) {
      const n = doc.nodes[i]!;
      if (n.kind !== 'text' || !ev.active[i]) continue;
      let line = doc.text.slice(n.start, n.contentEnd).trim();
      if (!line || line.startsWith('%exclude') || line.startsWith('%defattr') || line.startsWith('%docdir')) continue;
      line = line.replace(FILE_DIRECTIVES, '').trim();
      const x = expandMacros(line, ev.context);
      if (!x.complete) continue;
      for (const p of x.text.split(/\s+/)) if (p.startsWith('/')) list.push(p.replace(/\/+$/, ''));
    }
    out.set(pkgName, list);
  }
  return out;
}
