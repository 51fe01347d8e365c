/**
 * SPDX 3.0.1 JSON-LD of one build (Core + Software + Build profiles): the complete record. Every
 * fact of the build record is in the graph — as an element (packages, files, agents), a
 * relationship, a `build_Build` property, an annotation or a comment.
 *
 * - One CreationInfo blank node (`_:creationinfo`): created = SOURCE_DATE_EPOCH, createdBy the
 *   vendor (an Organization), createdUsing Strata (a Tool — a Tool in createdBy is invalid).
 * - `software_Package`s: the SRPM (the Sbom's root), the binary RPMs, the upstream dist-git, the
 *   buildroot packages and host tools; `software_File`s: each Source and Patch, the rendered spec
 *   (and the macros file when it is not among the sources).
 * - One `build_Build` of type `STRATA_RPM_BUILD_TYPE`, with the dist-git URL and commit and the
 *   rendered spec as its config source, the defines, with/without, flags, overlays and the other
 *   inputs as `build_parameter`, SOURCE_DATE_EPOCH as `build_environment`, and the
 *   LifecycleScopedRelationships (scope `build`) hasInput, hasOutput, invokedBy and usesTool.
 *
 * Element ids are `<namespaceBase>/spdx3/<component>-<version>-<release>.<arch>-<digest>#<local>`
 * with the digest of `documentDigest(record, options, 'spdx-3.0.1')`; the output is deterministic.
 */
import type { BuildRecord, PackageRecord, SourceRecord } from '../build/build-record.js';
import { isoSeconds } from './canonical.js';
import { canonicalJson } from '../util/canonical-json.js';
import { genericPurl, splitReleaseFileName } from '../rpm/purl.js';
import {
  describeOrigin,
  describeOverlay,
  distGitLocator,
  documentDigest,
  documentName,
  IdAllocator,
  invocationId,
  packagePurl,
  patchFacts,
  resolveOptions,
  sourceLocation,
  STRATA_RPM_BUILD_TYPE,
  versionRelease,
  type EvidenceOptions,
} from './record-view.js';

export const SPDX3_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';

export interface Spdx3Hash {
  readonly type: 'Hash';
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly hashValue: string;
}
export interface Spdx3DictionaryEntry {
  readonly type: 'DictionaryEntry';
  readonly key: string;
  readonly value: string;
}
/** A node of the graph: an element, or the CreationInfo blank node. */
export type Spdx3Node = { readonly type: string } & Readonly<Record<string, unknown>>;
export interface Spdx3Document {
  readonly '@context': typeof SPDX3_CONTEXT;
  readonly '@graph': readonly Spdx3Node[];
}

const CI = '_:creationinfo';

/** The SPDX 3.0.1 JSON-LD document of one build record. */
export function spdx301(record: BuildRecord, opts: EvidenceOptions = {}): Spdx3Document {
  const o = resolveOptions(record, opts);
  const ns = `${o.namespaceBase}/spdx3/${documentName(record)}.${record.arch}-${documentDigest(record, o, 'spdx-3.0.1')}`;
  const ids = new IdAllocator((s) => `${ns}#${s.replace(/[^A-Za-z0-9._-]+/g, '-')}`);
  const graph: Spdx3Node[] = [];
  const elements: string[] = [];
  const add = (node: Spdx3Node & { readonly spdxId: string }): string => {
    graph.push({ ...node, creationInfo: CI });
    elements.push(node.spdxId);
    return node.spdxId;
  };
  const hash = (algorithm: Spdx3Hash['algorithm'], hashValue: string): Spdx3Hash => ({ type: 'Hash', algorithm, hashValue });
  const entry = (key: string, value: string): Spdx3DictionaryEntry => ({ type: 'DictionaryEntry', key, value });
  const relate = (from: string, relationshipType: string, to: readonly string[], scope?: 'build') => {
    if (to.length === 0) return;
    const id = ids.take(`rel-${relationshipType}-${elements.length}`);
    add({ type: scope ? 'LifecycleScopedRelationship' : 'Relationship', spdxId: id, from, relationshipType, to, completeness: 'complete', ...(scope ? { scope } : {}) });
  };
  const annotate = (subject: string, statement: string) => add({ type: 'Annotation', spdxId: ids.take('annotation'), annotationType: 'other', subject, statement });

  // Agents and the tool.
  const vendor = add({ type: 'Organization', spdxId: ids.take('agent-vendor'), name: record.vendor });
  const tool = add({ type: 'Tool', spdxId: ids.take('tool-strata'), name: `${o.toolName}-${o.toolVersion}` });
  const builder = add({ type: 'SoftwareAgent', spdxId: ids.take('agent-builder'), name: o.builderId, comment: `Strata's ${record.build.backend.name} backend ${record.build.backend.version} (rpm ${record.build.rpmVersion}) on ${record.build.hostOs}` });

  // Packages of RPM files.
  const rpm = (local: string, p: PackageRecord, purpose: string): string => {
    const id = add({
      type: 'software_Package',
      spdxId: ids.take(local),
      name: p.name,
      software_packageVersion: versionRelease(p),
      software_packageUrl: packagePurl(record, p),
      software_primaryPurpose: purpose,
      suppliedBy: vendor,
      ...(p.sha256 ? { verifiedUsing: [hash('sha256', p.sha256)] } : {}),
      comment: [`NEVRA ${p.nevra}`, ...(p.epoch !== undefined ? [`epoch ${p.epoch}`] : []), `arch ${p.arch}`, ...(p.file ? [`file ${p.file}`] : [])].join('; '),
    });
    if (p.sigmd5) annotate(id, `sigmd5: ${p.sigmd5}`);
    if (p.sha256header) annotate(id, `sha256header: ${p.sha256header}`);
    if (p.signer) annotate(id, `signer: ${p.signer}`);
    return id;
  };
  const srpm = rpm('SRPM', record.outputs.srpm, 'source');
  const rpms = record.outputs.rpms.map((p) => rpm(`RPM-${p.arch}-${p.name}`, p, 'install'));
  relate(srpm, 'generates', rpms);

  let distGit: string | undefined;
  const locator = distGitLocator(record);
  if (record.upstream && locator) {
    distGit = add({
      type: 'software_Package',
      spdxId: ids.take('dist-git'),
      name: record.component,
      software_downloadLocation: locator,
      software_primaryPurpose: 'source',
      externalRef: [{ type: 'ExternalRef', externalRefType: 'vcs', locator: [record.upstream.url] }],
      comment: `upstream dist-git ${record.upstream.url}${record.upstream.branch ? ` branch ${record.upstream.branch}` : ''} commit ${record.upstream.commit}`,
    });
    relate(srpm, 'descendantOf', [distGit]);
  }

  // Files: the rendered spec, the sources and patches.
  const spec = add({ type: 'software_File', spdxId: ids.take('spec'), name: record.spec.name, software_primaryPurpose: 'specification', verifiedUsing: [hash('sha256', record.spec.sha256)], comment: 'the rendered spec' });
  let macros: string | undefined;
  if (record.macrosFile && !record.sources.some((s) => s.name === record.macrosFile?.name)) {
    macros = add({ type: 'software_File', spdxId: ids.take('macros'), name: record.macrosFile.name, software_primaryPurpose: 'configuration', verifiedUsing: [hash('sha256', record.macrosFile.sha256)], comment: 'the macros file render wrote' });
  }
  const facts = new Map(patchFacts(record).map((p) => [p.source, p]));
  const sourceIds: string[] = [];
  const patchIds: string[] = [];
  const idOfSource = new Map<SourceRecord, string>();
  for (const s of record.sources) {
    const p = facts.get(s);
    const at = sourceLocation(record, s);
    const externalRef: { type: 'ExternalRef'; externalRefType: string; locator: string[] }[] = [];
    if (s.origin.kind === 'lookaside' || s.origin.kind === 'download') externalRef.push({ type: 'ExternalRef', externalRefType: 'altDownloadLocation', locator: [s.origin.url] });
    else if (s.origin.kind === 'dist-git' && at) externalRef.push({ type: 'ExternalRef', externalRefType: 'vcs', locator: [at] });
    for (const u of p?.references ?? []) externalRef.push({ type: 'ExternalRef', externalRefType: p && p.cves.length ? 'securityFix' : 'other', locator: [u] });
    const externalIdentifier =
      s.origin.kind === 'lookaside' || s.origin.kind === 'download'
        ? [{ type: 'ExternalIdentifier', externalIdentifierType: 'packageUrl', identifier: genericPurl({ ...splitReleaseFileName(s.name), downloadUrl: s.origin.url, sha256: s.sha256 }) }]
        : [];
    const comment = [
      `${s.tag ? `${s.tag}: ` : ''}${s.kind} ${s.name}, ${s.size} bytes; ${describeOrigin(s)}`,
      ...(s.patchFrom ? [`patch from ${s.patchFrom}`] : []),
      ...(p && p.cves.length ? [`resolves ${p.cves.join(', ')}`] : []),
      ...(p?.overlay ? [`overlay: ${describeOverlay(p.overlay)}`] : []),
    ].join('; ');
    const id = add({
      type: 'software_File',
      spdxId: ids.take(s.tag ?? `${s.kind}-${s.name}`),
      name: s.name,
      software_primaryPurpose: s.kind === 'patch' ? 'patch' : /\.(tar\.[a-z0-9]+|tgz|zip)$/i.test(s.name) ? 'archive' : 'source',
      verifiedUsing: [hash('sha256', s.sha256), hash('sha512', s.sha512)],
      ...(externalRef.length ? { externalRef } : {}),
      ...(externalIdentifier.length ? { externalIdentifier } : {}),
      comment,
    });
    idOfSource.set(s, id);
    (s.kind === 'patch' ? patchIds : sourceIds).push(id);
  }
  relate(srpm, 'contains', [spec, ...(macros ? [macros] : []), ...sourceIds, ...patchIds]);
  for (const r of rpms) relate(r, 'patchedBy', patchIds);
  for (const sg of record.signatures) {
    const file = record.sources.find((s) => s.name === sg.file);
    const statement = `upstream signature checked (%gpgverify): ${sg.file} verified by ${sg.signature} with key ${sg.keyFingerprints.join(', ')}`;
    annotate((file && idOfSource.get(file)) ?? srpm, statement);
  }

  // The buildroot and host tools.
  const buildroot = record.build.buildroot.map((p) => rpm(`buildroot-${p.nevra}`, p, 'install'));
  const hostTools = record.build.hostTools.map((t) =>
    add({
      type: 'software_Package',
      spdxId: ids.take(`host-tool-${t.requires}`),
      name: t.package ?? t.requires,
      ...(t.version ? { software_packageVersion: t.version } : {}),
      software_primaryPurpose: 'application',
      comment: [`host tool for BuildRequires: ${t.requires}`, ...(t.path ? [`path ${t.path}`] : []), ...(t.package ? [`package ${t.package}`] : ['package unknown'])].join('; '),
    }),
  );

  // The build.
  const b = record.build;
  const parameter: Spdx3DictionaryEntry[] = [
    entry('component', record.component),
    entry('arch', record.arch),
    entry('vendor', record.vendor),
    entry('distro', record.distro),
    entry('recordVersion', String(record.version)),
    ...(record.upstream ? [entry('distGit.uri', record.upstream.url), entry('distGit.commit', record.upstream.commit), ...(record.upstream.branch ? [entry('distGit.branch', record.upstream.branch)] : [])] : []),
    ...(record.project.commit ? [entry('project.commit', record.project.commit)] : []),
    entry('project.dirty', String(record.project.dirty)),
    ...(record.lockFingerprint ? [entry('lockFingerprint', record.lockFingerprint)] : []),
    entry('spec', `${record.spec.name} sha256:${record.spec.sha256}`),
    ...(record.macrosFile ? [entry('macrosFile', `${record.macrosFile.name} sha256:${record.macrosFile.sha256}`)] : []),
    ...record.overlays.map((ov, i) => entry(`overlay.${i}`, canonicalJson(ov))),
    ...Object.keys(b.defines).sort().map((k) => entry(`define.${k}`, b.defines[k]!)),
    ...b.with.map((w) => entry(`with.${w}`, 'true')),
    ...b.without.map((w) => entry(`without.${w}`, 'true')),
    ...Object.keys(b.flags).sort().map((k) => entry(`flag.${k}`, b.flags[k]!)),
    entry('backend', `${b.backend.name} ${b.backend.version}`),
    entry('rpmVersion', b.rpmVersion),
    entry('hostOs', b.hostOs),
  ];
  const build = add({
    type: 'build_Build',
    spdxId: ids.take('build'),
    build_buildType: STRATA_RPM_BUILD_TYPE,
    build_buildId: invocationId(record),
    ...(record.upstream ? { build_configSourceUri: [record.upstream.url] } : {}),
    build_configSourceDigest: [...(record.upstream ? [hash('sha1', record.upstream.commit)] : []), hash('sha256', record.spec.sha256)],
    build_configSourceEntrypoint: [record.spec.name],
    build_parameter: parameter,
    build_environment: [entry('SOURCE_DATE_EPOCH', String(b.sourceDateEpoch))],
    comment: `rpmbuild -bs then --rebuild of ${record.spec.name} for ${record.arch}; see ${STRATA_RPM_BUILD_TYPE}`,
  });
  relate(build, 'hasInput', [...(distGit ? [distGit] : []), spec, ...(macros ? [macros] : []), ...sourceIds, ...patchIds, ...buildroot], 'build');
  relate(build, 'usesTool', hostTools, 'build');
  relate(build, 'hasOutput', [srpm, ...rpms], 'build');
  relate(build, 'invokedBy', [builder], 'build');

  // The SBOM and the document.
  const sbom = ids.take('sbom');
  const docId = ids.take('document');
  const members = [...elements];
  graph.push({ type: 'software_Sbom', spdxId: sbom, creationInfo: CI, name: `${documentName(record)}.${record.arch}`, software_sbomType: ['build'], rootElement: [srpm], element: members });
  graph.push({ type: 'SpdxDocument', spdxId: docId, creationInfo: CI, name: `${documentName(record)}.${record.arch}`, profileConformance: ['core', 'software', 'build'], rootElement: [sbom], element: [sbom, ...members] });
  const creationInfo: Spdx3Node = { type: 'CreationInfo', '@id': CI, specVersion: '3.0.1', created: isoSeconds(b.sourceDateEpoch), createdBy: [vendor], createdUsing: [tool] };
  return { '@context': SPDX3_CONTEXT, '@graph': [creationInfo, ...graph] };
}
