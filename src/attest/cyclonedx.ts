/**
 * CycloneDX 1.6 JSON of one build, written as typed objects (the library has no model for
 * `pedigree` or `formulation`; tests validate the result with its strict validator).
 *
 * - `metadata.component` is the SRPM, `components` the binary RPMs; each carries its purl, file
 *   SHA-256 and, as `strata:` properties, its NEVRA, header digests and signer.
 * - Each of them has a `pedigree`: the upstream Fedora package at the dist-git commit as ancestor
 *   (and the commit in `commits`), every Patch in `patches`, the overlays in `notes`.
 * - A patch's `type` comes from the metadata of the overlay that added it (`cdxPatchType`:
 *   backport / upstream-backport / upstreamed → `backport`, cherry-pick → `cherry-pick`, anything
 *   else and every Fedora patch → `unofficial`); `diff.url` is where the patch file is (a
 *   `git+<dist-git>@<commit>#<path>` locator or the project-relative path); `resolves` lists a
 *   `security` issue for every CVE id in the patch name, the overlay description or references.
 * - `formulation`: one formula whose components are the build's inputs (spec, sources, patches,
 *   buildroot packages, host tools) and whose workflow (taskTypes `build`, uid the invocation id)
 *   has the steps (prepare sources, rpmbuild -bs, rpmbuild --rebuild with the exact arguments),
 *   the inputs (resources, parameters, SOURCE_DATE_EPOCH) and the outputs.
 *
 * `serialNumber` is `urn:uuid:` + the UUID v5 of `documentDigest(record, options, 'cyclonedx-1.6')`.
 */
import type { BuildRecord, PackageRecord, SourceRecord } from '../build/build-record.js';
import { isoSeconds, uuidV5 } from './canonical.js';
import {
  describeOrigin,
  describeOverlay,
  documentDigest,
  invocationId,
  packagePurl,
  patchFacts,
  resolveOptions,
  rpmbuildCommands,
  sourceLocation,
  versionRelease,
  type CdxPatchType,
  type EvidenceOptions,
  type PatchFacts,
} from './record-view.js';

export interface CdxProperty {
  readonly name: string;
  readonly value: string;
}
export interface CdxHash {
  readonly alg: 'SHA-256' | 'SHA-512';
  readonly content: string;
}
export interface CdxExternalReference {
  readonly type: 'vcs' | 'distribution' | 'advisories' | 'other';
  readonly url: string;
  readonly comment?: string;
}
export interface CdxIssue {
  readonly type: 'security' | 'defect' | 'enhancement';
  readonly id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly source?: { readonly name: string; readonly url: string };
  readonly references?: readonly string[];
}
export interface CdxPatch {
  readonly type: CdxPatchType;
  readonly diff?: { readonly url: string };
  readonly resolves?: readonly CdxIssue[];
}
export interface CdxComponent {
  readonly type: 'library' | 'file' | 'application' | 'operating-system';
  readonly 'bom-ref': string;
  readonly name: string;
  readonly version?: string;
  readonly supplier?: { readonly name: string };
  readonly purl?: string;
  readonly hashes?: readonly CdxHash[];
  readonly externalReferences?: readonly CdxExternalReference[];
  readonly pedigree?: {
    readonly ancestors?: readonly CdxComponent[];
    readonly commits?: readonly { readonly uid: string; readonly url?: string }[];
    readonly patches?: readonly CdxPatch[];
    readonly notes?: string;
  };
  readonly description?: string;
  readonly properties?: readonly CdxProperty[];
}
export interface CdxWorkflow {
  readonly 'bom-ref': string;
  readonly uid: string;
  readonly name: string;
  readonly description: string;
  readonly taskTypes: readonly ['build'];
  readonly steps: readonly { readonly name: string; readonly description?: string; readonly commands?: readonly { readonly executed: string }[] }[];
  readonly inputs: readonly (
    | { readonly resource: { readonly ref: string } }
    | { readonly parameters: readonly { readonly name: string; readonly value: string }[] }
    | { readonly environmentVars: readonly CdxProperty[] }
  )[];
  readonly outputs: readonly { readonly type: 'artifact'; readonly resource: { readonly ref: string } }[];
  readonly properties: readonly CdxProperty[];
}
export interface CdxBom {
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.6';
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly tools: { readonly components: readonly CdxComponent[] };
    readonly component: CdxComponent;
    readonly supplier: { readonly name: string };
    readonly properties: readonly CdxProperty[];
  };
  readonly components: readonly CdxComponent[];
  readonly formulation: readonly { readonly 'bom-ref': string; readonly components: readonly CdxComponent[]; readonly workflows: readonly CdxWorkflow[] }[];
}

const prop = (name: string, value: string): CdxProperty => ({ name, value });

/** The CycloneDX patch of one patch of the record. */
export function cdxPatch(record: BuildRecord, p: PatchFacts): CdxPatch {
  const url = sourceLocation(record, p.source);
  const resolves: CdxIssue[] = p.cves.map((id) => ({
    type: 'security',
    id,
    name: id,
    ...(p.overlay?.description ? { description: p.overlay.description } : {}),
    source: { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` },
    ...(p.references.length ? { references: p.references } : {}),
  }));
  return { type: p.patchType, ...(url ? { diff: { url } } : {}), ...(resolves.length ? { resolves } : {}) };
}

/** The CycloneDX 1.6 BOM of one build record. */
export function cyclonedx16(record: BuildRecord, opts: EvidenceOptions = {}): CdxBom {
  const o = resolveOptions(record, opts);
  const b = record.build;
  const supplier = { name: record.vendor };
  const patches = patchFacts(record);
  const cdxPatches = patches.map((p) => cdxPatch(record, p));
  const notes = record.overlays.length ? record.overlays.map((ov) => `overlay: ${describeOverlay(ov)}`).join('\n') : undefined;

  const rpmComponent = (p: PackageRecord, ref: string, withPedigree: boolean): CdxComponent => {
    const ancestor: CdxComponent | undefined = record.upstream
      ? {
          type: 'library',
          'bom-ref': `${ref}#upstream`,
          name: record.component,
          description: `the Fedora package at dist-git commit ${record.upstream.commit}`,
          externalReferences: [{ type: 'vcs', url: record.upstream.url, comment: `commit ${record.upstream.commit}${record.upstream.branch ? ` on branch ${record.upstream.branch}` : ''}` }],
          properties: [prop('strata:dist-git:commit', record.upstream.commit), ...(record.upstream.branch ? [prop('strata:dist-git:branch', record.upstream.branch)] : [])],
        }
      : undefined;
    const pedigree = {
      ...(ancestor ? { ancestors: [ancestor] } : {}),
      ...(record.upstream ? { commits: [{ uid: record.upstream.commit, url: record.upstream.url }] } : {}),
      ...(cdxPatches.length ? { patches: cdxPatches } : {}),
      ...(notes ? { notes } : {}),
    };
    return {
      type: 'library',
      'bom-ref': ref,
      name: p.name,
      version: versionRelease(p),
      supplier,
      purl: packagePurl(record, p),
      ...(p.sha256 ? { hashes: [{ alg: 'SHA-256', content: p.sha256 }] } : {}),
      ...(withPedigree && Object.keys(pedigree).length ? { pedigree } : {}),
      properties: [
        prop('strata:nevra', p.nevra),
        ...(p.epoch !== undefined ? [prop('strata:epoch', String(p.epoch))] : []),
        prop('strata:arch', p.arch),
        ...(p.file ? [prop('strata:file', p.file)] : []),
        ...(p.sha256header ? [prop('strata:sha256header', p.sha256header)] : []),
        ...(p.sigmd5 ? [prop('strata:sigmd5', p.sigmd5)] : []),
        ...(p.signer ? [prop('strata:signer', p.signer)] : []),
      ],
    };
  };
  const srpm = rpmComponent(record.outputs.srpm, packagePurl(record, record.outputs.srpm), true);
  const rpms = record.outputs.rpms.map((p) => rpmComponent(p, packagePurl(record, p), true));

  // The build's inputs.
  const fileComponent = (s: SourceRecord): CdxComponent => {
    const at = sourceLocation(record, s);
    const p = patches.find((x) => x.source === s);
    return {
      type: 'file',
      'bom-ref': `input:${s.kind}:${s.name}`,
      name: s.name,
      hashes: [
        { alg: 'SHA-256', content: s.sha256 },
        { alg: 'SHA-512', content: s.sha512 },
      ],
      ...(at && /^[a-z][a-z0-9+.-]*:/i.test(at) ? { externalReferences: [{ type: s.origin.kind === 'dist-git' ? 'vcs' : 'distribution', url: at } as const] } : {}),
      description: `${s.tag ? `${s.tag}: ` : ''}${s.kind}; ${describeOrigin(s)}`,
      properties: [
        prop('strata:size', String(s.size)),
        ...(s.tag ? [prop('strata:tag', s.tag)] : []),
        ...(at ? [prop('strata:location', at)] : []),
        ...(s.patchFrom ? [prop('strata:patch-from', s.patchFrom)] : []),
        ...(p?.cves.length ? [prop('strata:resolves', p.cves.join(' '))] : []),
        ...record.signatures.filter((sg) => sg.file === s.name).map((sg) => prop('strata:signature-check', `verified by ${sg.signature} with key ${sg.keyFingerprints.join(', ')}`)),
      ],
    };
  };
  const spec: CdxComponent = { type: 'file', 'bom-ref': 'input:spec', name: record.spec.name, hashes: [{ alg: 'SHA-256', content: record.spec.sha256 }], description: 'the rendered spec' };
  const macros: CdxComponent[] =
    record.macrosFile && !record.sources.some((s) => s.name === record.macrosFile?.name)
      ? [{ type: 'file', 'bom-ref': 'input:macros', name: record.macrosFile.name, hashes: [{ alg: 'SHA-256', content: record.macrosFile.sha256 }], description: 'the macros file render wrote' }]
      : [];
  const sources = record.sources.map(fileComponent);
  const buildroot = b.buildroot.map((p) => rpmComponent(p, `buildroot:${packagePurl(record, p)}`, false));
  const hostTools: CdxComponent[] = b.hostTools.map((t) => ({
    type: 'application',
    'bom-ref': `host-tool:${t.requires}`,
    name: t.package ?? t.requires,
    ...(t.version ? { version: t.version } : {}),
    description: `host tool for BuildRequires: ${t.requires}`,
    properties: [prop('strata:requires', t.requires), ...(t.path ? [prop('strata:path', t.path)] : []), ...(t.package ? [prop('strata:package', t.package)] : [])],
  }));
  const inputs = [spec, ...macros, ...sources, ...buildroot, ...hostTools];
  const [sourceCommand, rebuildCommand] = rpmbuildCommands(record);
  const parameters = [
    { name: 'component', value: record.component },
    { name: 'arch', value: record.arch },
    ...(record.upstream ? [{ name: 'dist-git.uri', value: record.upstream.url }, { name: 'dist-git.commit', value: record.upstream.commit }, ...(record.upstream.branch ? [{ name: 'dist-git.branch', value: record.upstream.branch }] : [])] : []),
    ...Object.keys(b.defines).sort().map((k) => ({ name: `define:${k}`, value: b.defines[k]! })),
    ...b.with.map((w) => ({ name: 'with', value: w })),
    ...b.without.map((w) => ({ name: 'without', value: w })),
  ];
  const workflow: CdxWorkflow = {
    'bom-ref': 'workflow:build',
    uid: invocationId(record),
    name: `build ${record.component} for ${record.arch}`,
    description: `Strata ${o.toolVersion}: prepare sources, render, then rpmbuild (${b.backend.name} backend)`,
    taskTypes: ['build'],
    steps: [
      { name: 'prepare sources', description: `check out dist-git, apply ${record.overlays.length} overlays, fetch and verify the sources` },
      { name: 'source package', commands: [{ executed: sourceCommand! }] },
      { name: 'binary packages', commands: [{ executed: rebuildCommand! }] },
    ],
    inputs: [...inputs.map((c) => ({ resource: { ref: c['bom-ref'] } })), { parameters }, { environmentVars: [prop('SOURCE_DATE_EPOCH', String(b.sourceDateEpoch))] }],
    outputs: [srpm, ...rpms].map((c) => ({ type: 'artifact', resource: { ref: c['bom-ref'] } })),
    properties: [
      ...Object.keys(b.flags).sort().map((k) => prop(`strata:flag:${k}`, b.flags[k]!)),
      prop('strata:backend', `${b.backend.name} ${b.backend.version}`),
      prop('strata:rpm-version', b.rpmVersion),
      prop('strata:host-os', b.hostOs),
      ...(record.project.commit ? [prop('strata:project:commit', record.project.commit)] : []),
      prop('strata:project:dirty', String(record.project.dirty)),
      ...(record.lockFingerprint ? [prop('strata:lock-fingerprint', record.lockFingerprint)] : []),
      ...(record.macrosFile ? [prop('strata:macros-file', `${record.macrosFile.name} sha256:${record.macrosFile.sha256}`)] : []),
      ...record.overlays.map((ov) => prop('strata:overlay', describeOverlay(ov))),
    ],
  };

  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidV5(`strata:cyclonedx:${documentDigest(record, o, 'cyclonedx-1.6')}`)}`,
    version: 1,
    metadata: {
      timestamp: isoSeconds(b.sourceDateEpoch),
      tools: { components: [{ type: 'application', 'bom-ref': 'tool:strata', name: o.toolName, version: o.toolVersion }] },
      component: srpm,
      supplier,
      properties: [prop('strata:component', record.component), prop('strata:distro', record.distro), prop('strata:record-version', String(record.version))],
    },
    components: rpms,
    formulation: [{ 'bom-ref': 'formula:build', components: inputs, workflows: [workflow] }],
  };
}
