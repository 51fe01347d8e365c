/**
 * SPDX 2.3 JSON of one build, in the shape of Red Hat's RPM SBOMs (security-data-guidelines): the
 * SRPM is the described package; each binary RPM is GENERATED_FROM it; the SRPM CONTAINS each
 * Source (a lookaside or download Source is GENERATED_FROM its upstream file, with a
 * `pkg:generic` purl) and the spec; purls are `PACKAGE-MANAGER`/`purl` external refs; the RPM
 * files carry their SHA-256 and `sigmd5`/`sha256header` annotations.
 *
 * Strata adds what Red Hat's have not: each Patch (CONTAINS, and PATCH_APPLIED to every binary
 * RPM, with its CVE ids and overlay), the buildroot packages (BUILD_DEPENDENCY_OF) and host tools
 * (BUILD_TOOL_OF), the upstream dist-git (the SRPM is DESCENDANT_OF it), the distribution (the
 * RPMs are PACKAGE_OF it), and the build's flags, defines, SOURCE_DATE_EPOCH, commits and
 * overlays as annotations of the SRPM.
 *
 * `documentNamespace` is `<namespaceBase>/spdx/<component>-<version>-<release>.<arch>-<digest>`
 * where the digest is `documentDigest(record, options, 'spdx-2.3')`. `created` is
 * SOURCE_DATE_EPOCH. The same record gives byte-identical JSON.
 */
import type { BuildRecord, PackageRecord, SourceRecord } from '../build/build-record.js';
import { isoSeconds } from './canonical.js';
import { genericPurl, splitReleaseFileName } from '../rpm/purl.js';
import {
  describeOrigin,
  describeOverlay,
  distGitLocator,
  documentDigest,
  documentName,
  IdAllocator,
  packagePurl,
  patchFacts,
  resolveOptions,
  sourceLocation,
  versionRelease,
  type EvidenceOptions,
} from './record-view.js';

export type Spdx23Purpose = 'OTHER' | 'INSTALL' | 'ARCHIVE' | 'FIRMWARE' | 'APPLICATION' | 'FRAMEWORK' | 'LIBRARY' | 'CONTAINER' | 'SOURCE' | 'DEVICE' | 'OPERATING_SYSTEM' | 'FILE';
export type Spdx23RelationshipType = 'DESCRIBES' | 'GENERATED_FROM' | 'CONTAINS' | 'PATCH_APPLIED' | 'BUILD_DEPENDENCY_OF' | 'BUILD_TOOL_OF' | 'DESCENDANT_OF' | 'PACKAGE_OF';

export interface Spdx23Checksum {
  readonly algorithm: 'SHA256' | 'SHA512';
  readonly checksumValue: string;
}
export interface Spdx23ExternalRef {
  readonly referenceCategory: 'PACKAGE-MANAGER' | 'SECURITY' | 'OTHER';
  readonly referenceType: string;
  readonly referenceLocator: string;
}
export interface Spdx23Annotation {
  readonly annotationType: 'OTHER';
  readonly annotator: string;
  readonly annotationDate: string;
  readonly comment: string;
}
export interface Spdx23Package {
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  readonly supplier?: string;
  readonly downloadLocation: string;
  readonly packageFileName?: string;
  readonly filesAnalyzed: false;
  readonly primaryPackagePurpose?: Spdx23Purpose;
  readonly checksums?: readonly Spdx23Checksum[];
  readonly externalRefs?: readonly Spdx23ExternalRef[];
  readonly sourceInfo?: string;
  readonly comment?: string;
  readonly annotations?: readonly Spdx23Annotation[];
}
export interface Spdx23Relationship {
  readonly spdxElementId: string;
  readonly relationshipType: Spdx23RelationshipType;
  readonly relatedSpdxElement: string;
  readonly comment?: string;
}
export interface Spdx23Document {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: { readonly created: string; readonly creators: readonly string[]; readonly comment?: string };
  readonly packages: readonly Spdx23Package[];
  readonly relationships: readonly Spdx23Relationship[];
}

const cleanId = (s: string) => `SPDXRef-${s.replace(/[^A-Za-z0-9.-]+/g, '-')}`;

/** The SPDX 2.3 document of one build record. */
export function spdx23(record: BuildRecord, opts: EvidenceOptions = {}): Spdx23Document {
  const o = resolveOptions(record, opts);
  const created = isoSeconds(record.build.sourceDateEpoch);
  const tool = `Tool: ${o.toolName}-${o.toolVersion}`;
  const supplier = `Organization: ${record.vendor}`;
  const note = (comment: string): Spdx23Annotation => ({ annotationType: 'OTHER', annotator: tool, annotationDate: created, comment });
  const ids = new IdAllocator(cleanId);
  const packages: Spdx23Package[] = [];
  const relationships: Spdx23Relationship[] = [];
  const rel = (a: string, t: Spdx23RelationshipType, b: string, comment?: string) => relationships.push({ spdxElementId: a, relationshipType: t, relatedSpdxElement: b, ...(comment ? { comment } : {}) });
  const purlRef = (locator: string): Spdx23ExternalRef => ({ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: locator });
  const headerNotes = (p: PackageRecord) => [
    ...(p.sigmd5 ? [note(`sigmd5: ${p.sigmd5}`)] : []),
    ...(p.sha256header ? [note(`sha256header: ${p.sha256header}`)] : []),
    ...(p.signer ? [note(`signer: ${p.signer}`)] : []),
  ];
  const rpmPackage = (id: string, p: PackageRecord, purpose: Spdx23Purpose, extra: Spdx23Annotation[] = []): Spdx23Package => {
    const annotations = [...headerNotes(p), ...extra];
    return {
      SPDXID: id,
      name: p.name,
      versionInfo: versionRelease(p),
      supplier,
      downloadLocation: 'NOASSERTION',
      ...(p.file ? { packageFileName: p.file } : {}),
      filesAnalyzed: false,
      primaryPackagePurpose: purpose,
      ...(p.sha256 ? { checksums: [{ algorithm: 'SHA256', checksumValue: p.sha256 }] } : {}),
      externalRefs: [purlRef(packagePurl(record, p))],
      comment: `NEVRA ${p.nevra}${p.epoch !== undefined ? `; epoch ${p.epoch}` : ''}`,
      ...(annotations.length ? { annotations } : {}),
    };
  };
  const fileChecksums = (s: { sha256: string; sha512?: string }): Spdx23Checksum[] => [
    { algorithm: 'SHA256', checksumValue: s.sha256 },
    ...(s.sha512 ? [{ algorithm: 'SHA512' as const, checksumValue: s.sha512 }] : []),
  ];

  // The SRPM: the described package, with the build's facts as annotations.
  const srpm = record.outputs.srpm;
  const b = record.build;
  const buildNotes: string[] = [
    `component: ${record.component}`,
    `arch: ${record.arch}`,
    `distro: ${record.distro}`,
    `build record version: ${record.version}`,
    ...(record.upstream ? [`dist-git: ${record.upstream.url}${record.upstream.branch ? ` branch ${record.upstream.branch}` : ''} commit ${record.upstream.commit}`] : ['dist-git: none (local spec)']),
    `project commit: ${record.project.commit ?? 'none (not a git tree)'}; dirty: ${record.project.dirty}`,
    ...(record.lockFingerprint ? [`lock fingerprint: ${record.lockFingerprint}`] : []),
    `spec: ${record.spec.name} sha256 ${record.spec.sha256}`,
    ...(record.macrosFile ? [`macros file: ${record.macrosFile.name} sha256 ${record.macrosFile.sha256}`] : []),
    ...record.overlays.map((ov, i) => `overlay ${i}: ${describeOverlay(ov)}`),
    ...record.signatures.map((sg) => `signature check: ${sg.file} verified by ${sg.signature} with key ${sg.keyFingerprints.join(', ')}`),
    ...Object.keys(b.flags).sort().map((k) => `flag %${k}: ${b.flags[k]}`),
    ...Object.keys(b.defines).sort().map((k) => `define %${k}: ${b.defines[k]}`),
    ...b.with.map((w) => `with: ${w}`),
    ...b.without.map((w) => `without: ${w}`),
    `SOURCE_DATE_EPOCH: ${b.sourceDateEpoch}`,
    `backend: ${b.backend.name} ${b.backend.version}`,
    `rpm version: ${b.rpmVersion}`,
    `host OS: ${b.hostOs}`,
  ];
  const srpmId = ids.take('SRPM');
  packages.push({
    ...rpmPackage(srpmId, srpm, 'SOURCE', buildNotes.map(note)),
    sourceInfo: record.upstream ? `rendered by Strata from ${record.upstream.url} at ${record.upstream.commit} with ${record.overlays.length} overlays` : `rendered by Strata from a local spec with ${record.overlays.length} overlays`,
  });
  rel('SPDXRef-DOCUMENT', 'DESCRIBES', srpmId);

  // The binary RPMs, GENERATED_FROM the SRPM and PACKAGE_OF the distribution.
  const distroId = ids.take('Distro');
  const rpmIds: string[] = [];
  for (const p of record.outputs.rpms) {
    const id = ids.take(`${p.arch}-${p.name}`);
    rpmIds.push(id);
    packages.push(rpmPackage(id, p, 'INSTALL'));
    rel(id, 'GENERATED_FROM', srpmId);
  }
  packages.push({ SPDXID: distroId, name: record.distro, supplier, downloadLocation: 'NOASSERTION', filesAnalyzed: false, primaryPackagePurpose: 'OPERATING_SYSTEM', comment: `the distribution the packages are built for (vendor ${record.vendor})` });
  for (const id of rpmIds) rel(id, 'PACKAGE_OF', distroId);

  // The upstream dist-git the spec descends from.
  const distGit = distGitLocator(record);
  if (record.upstream && distGit) {
    const id = ids.take('DistGit');
    packages.push({ SPDXID: id, name: record.component, downloadLocation: distGit, filesAnalyzed: false, primaryPackagePurpose: 'SOURCE', comment: `upstream dist-git${record.upstream.branch ? ` branch ${record.upstream.branch}` : ''} at commit ${record.upstream.commit}` });
    rel(srpmId, 'DESCENDANT_OF', id);
  }

  // The rendered spec.
  const specId = ids.take('Spec');
  packages.push({ SPDXID: specId, name: record.spec.name, downloadLocation: 'NOASSERTION', packageFileName: record.spec.name, filesAnalyzed: false, primaryPackagePurpose: 'FILE', checksums: fileChecksums(record.spec), comment: 'the rendered spec' });
  rel(srpmId, 'CONTAINS', specId);

  // Sources and their upstream files.
  const sourcePackage = (s: SourceRecord, id: string, comment: string, extraRefs: Spdx23ExternalRef[] = []): Spdx23Package => {
    const at = sourceLocation(record, s);
    const split = splitReleaseFileName(s.name);
    return {
      SPDXID: id,
      name: s.kind === 'source' ? split.name : s.name,
      ...(s.kind === 'source' && split.version ? { versionInfo: split.version } : {}),
      downloadLocation: at ?? 'NOASSERTION',
      packageFileName: s.name,
      filesAnalyzed: false,
      primaryPackagePurpose: s.kind === 'patch' ? 'FILE' : /\.(tar\.[a-z0-9]+|tgz|zip)$/i.test(s.name) ? 'ARCHIVE' : 'SOURCE',
      checksums: fileChecksums(s),
      ...(extraRefs.length ? { externalRefs: extraRefs } : {}),
      comment,
    };
  };
  const patches = new Map(patchFacts(record).map((p) => [p.source, p]));
  for (const s of record.sources) {
    const id = ids.take(s.tag ?? `${s.kind === 'patch' ? 'Patch' : 'Source'}-${s.name}`);
    const base = `${s.tag ? `${s.tag}: ` : ''}${s.kind} ${s.name}, ${s.size} bytes; ${describeOrigin(s)}`;
    const p = patches.get(s);
    if (p) {
      const refs: Spdx23ExternalRef[] = p.cves.length ? p.references.map((u) => ({ referenceCategory: 'SECURITY', referenceType: /nvd\.nist\.gov|cve\.org|CVE-\d/i.test(u) ? 'advisory' : 'fix', referenceLocator: u })) : p.references.map((u) => ({ referenceCategory: 'OTHER', referenceType: 'url', referenceLocator: u }));
      const comment = [base, `patch from ${s.patchFrom ?? 'unknown'}`, ...(p.cves.length ? [`resolves ${p.cves.join(', ')}`] : []), ...(p.overlay ? [`overlay: ${describeOverlay(p.overlay)}`] : [])].join('; ');
      packages.push(sourcePackage(s, id, comment, refs));
      rel(srpmId, 'CONTAINS', id);
      for (const r of rpmIds) rel(id, 'PATCH_APPLIED', r);
      continue;
    }
    packages.push(sourcePackage(s, id, base));
    rel(srpmId, 'CONTAINS', id);
    if (s.origin.kind === 'lookaside' || s.origin.kind === 'download') {
      const originId = ids.take(`${s.tag ?? `Source-${s.name}`}-origin`);
      const split = splitReleaseFileName(s.name);
      packages.push({
        SPDXID: originId,
        name: split.name,
        ...(split.version ? { versionInfo: split.version } : {}),
        downloadLocation: s.origin.url,
        packageFileName: s.name,
        filesAnalyzed: false,
        primaryPackagePurpose: 'ARCHIVE',
        checksums: fileChecksums(s),
        externalRefs: [purlRef(genericPurl({ name: split.name, ...(split.version ? { version: split.version } : {}), downloadUrl: s.origin.url, sha256: s.sha256 }))],
        comment: `the upstream file, as fetched from the ${s.origin.kind === 'lookaside' ? 'lookaside cache' : 'download origin'}`,
      });
      rel(id, 'GENERATED_FROM', originId);
    }
  }

  // The buildroot: packages unpacked for BuildRequires, and host tools.
  for (const p of b.buildroot) {
    const id = ids.take(`Buildroot-${p.nevra}`);
    packages.push(rpmPackage(id, p, 'INSTALL'));
    rel(id, 'BUILD_DEPENDENCY_OF', srpmId);
  }
  for (const t of b.hostTools) {
    const id = ids.take(`HostTool-${t.requires}`);
    packages.push({
      SPDXID: id,
      name: t.package ?? t.requires,
      ...(t.version ? { versionInfo: t.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'APPLICATION',
      comment: [`host tool for BuildRequires: ${t.requires}`, ...(t.path ? [`path ${t.path}`] : []), ...(t.package ? [`package ${t.package}`] : ['package unknown'])].join('; '),
    });
    rel(id, 'BUILD_TOOL_OF', srpmId);
  }

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${documentName(record)}.${record.arch}`,
    documentNamespace: `${o.namespaceBase}/spdx/${documentName(record)}.${record.arch}-${documentDigest(record, o, 'spdx-2.3')}`,
    creationInfo: { created, creators: [tool, supplier], comment: `build evidence written by Strata from the build record; created is SOURCE_DATE_EPOCH` },
    packages,
    relationships,
  };
}
