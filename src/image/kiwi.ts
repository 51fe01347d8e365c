/**
 * kiwi image descriptions (`*.kiwi`, kiwi-ng's XML) read as data: Strata takes kiwi XML as an
 * input format and never runs kiwi. `parseKiwi` keeps every position (saxes), so that a
 * problem in the XML — not well-formed, an element without the attribute it needs, a
 * `profiles=` naming an undeclared profile — is a coded diagnostic at the XML's file:line:col.
 * `selectKiwi` applies kiwi's profile and arch rules to one build: which `<packages>` sections,
 * `<preferences>` and `<type>` apply.
 *
 * kiwi's rules (OSInside/kiwi `doc/source/image_description/elements.rst`): a section without
 * `profiles=` applies to every build; one with it applies when one of its profiles is selected;
 * without an explicit profile, the profiles marked `import="true"` are selected. A `<package
 * arch="x86_64,aarch64">` is only for those architectures. Of several `<type>`s the one with
 * `primary="true"` (else the first) is the build's.
 */
import { SaxesParser } from 'saxes';
import { didYouMean, error, type Diagnostic, type SourceSpan } from '../diag/index.js';

/** An XML element with its position (the `<`). */
interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  readonly span: SourceSpan;
}

export interface KiwiProfile {
  readonly name: string;
  readonly description?: string;
  /** `import="true"`: selected when the build names no profile. */
  readonly import: boolean;
  readonly span: SourceSpan;
}

export interface KiwiPackage {
  readonly name: string;
  /** Architectures from `arch=` (empty = every architecture). */
  readonly arch: readonly string[];
  readonly span: SourceSpan;
}

/** One `<packages>` section. */
export interface KiwiPackages {
  /** `image`, `bootstrap`, `delete`, `uninstall`, or an image type (`oem`, `oci`, …). */
  readonly type: string;
  /** `profiles=` (empty = every build). */
  readonly profiles: readonly string[];
  readonly packages: readonly KiwiPackage[];
  /** `<namedCollection name=…>` (package manager pattern groups), kept by name. */
  readonly collections: readonly string[];
  readonly span: SourceSpan;
}

export interface KiwiContainerConfig {
  readonly name?: string;
  readonly tag?: string;
  readonly additionalNames?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  /** `<entrypoint execute=… clear=…>` with its `<argument name=…>`s. */
  readonly entrypoint?: { readonly execute?: string; readonly arguments: readonly string[]; readonly clear: boolean };
  /** `<subcommand>` (the OCI Cmd). */
  readonly subcommand?: { readonly execute?: string; readonly arguments: readonly string[]; readonly clear: boolean };
  readonly labels: Readonly<Record<string, string>>;
  readonly environment: Readonly<Record<string, string>>;
  readonly expose: readonly string[];
  readonly volumes: readonly string[];
  readonly stopSignal?: string;
  readonly span: SourceSpan;
}

/** One `<type>` of a `<preferences>`. */
export interface KiwiType {
  /** `image=`: `oem`, `oci`, `docker`, `iso`, `kis`, … */
  readonly image: string;
  readonly primary: boolean;
  readonly format?: string;
  readonly formatOptions?: string;
  readonly filesystem?: string;
  readonly firmware?: string;
  readonly kernelCmdline?: string;
  readonly initrdSystem?: string;
  /** EFI partition size in MiB. */
  readonly efiPartSize?: number;
  readonly bootPartition?: boolean;
  readonly rootfsLabel?: string;
  readonly bootloader?: { readonly name: string; readonly attrs: Readonly<Record<string, string>> };
  /** `<size unit="G">5</size>`. */
  readonly size?: { readonly value: number; readonly unit: string };
  readonly containerConfig?: KiwiContainerConfig;
  /** Every attribute of `<type>`, as written. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly span: SourceSpan;
}

export interface KiwiPreferences {
  readonly profiles: readonly string[];
  readonly version?: string;
  readonly packageManager?: string;
  readonly locale?: string;
  readonly keytable?: string;
  readonly timezone?: string;
  readonly releaseVersion?: string;
  readonly types: readonly KiwiType[];
  readonly span: SourceSpan;
}

export interface KiwiUser {
  readonly name: string;
  readonly groups: readonly string[];
  readonly home?: string;
  readonly id?: string;
  readonly shell?: string;
  readonly realName?: string;
  /** Whether a password (hash) is set; the value itself is not kept. */
  readonly hasPassword: boolean;
  readonly profiles: readonly string[];
  readonly span: SourceSpan;
}

export interface KiwiRepository {
  readonly alias?: string;
  readonly type?: string;
  readonly source?: string;
  readonly profiles: readonly string[];
  readonly span: SourceSpan;
}

export interface KiwiDefinition {
  readonly file: string;
  /** `<image name=…>` */
  readonly name: string;
  readonly schemaVersion?: string;
  readonly displayName?: string;
  readonly description?: { readonly author?: string; readonly contact?: string; readonly specification?: string };
  readonly profiles: readonly KiwiProfile[];
  readonly preferences: readonly KiwiPreferences[];
  readonly packages: readonly KiwiPackages[];
  readonly users: readonly KiwiUser[];
  readonly repositories: readonly KiwiRepository[];
  readonly span: SourceSpan;
}

export type ParseKiwiResult = { readonly ok: true; readonly definition: KiwiDefinition; readonly diagnostics: readonly Diagnostic[] } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

function parseXml(text: string, file: string): { root: XmlElement } | { diagnostic: Diagnostic } {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: Diagnostic | undefined;
  let start: SourceSpan = { file, line: 1, col: 1 };
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const spanAt = (offset: number): SourceSpan => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: offset - lineStarts[lo]! + 1 };
  };
  parser.on('opentagstart', (t) => {
    // the parser stands just after the tag name (and the character ending it): find its `<`
    const at = text.lastIndexOf(`<${t.name}`, parser.position);
    start = at >= 0 ? spanAt(at) : { file, line: parser.line, col: parser.column + 1 };
  });
  parser.on('opentag', (t) => {
    const el: XmlElement = { name: t.name, attrs: { ...(t.attributes as Record<string, string>) }, children: [], text: '', span: start };
    stack.at(-1)?.children.push(el);
    if (!stack.length) root = el;
    if (!t.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (t) => {
    if (!t.isSelfClosing) stack.pop();
  });
  parser.on('text', (s) => {
    const top = stack.at(-1);
    if (top) top.text += s;
  });
  parser.on('cdata', (s) => {
    const top = stack.at(-1);
    if (top) top.text += s;
  });
  parser.on('error', (e) => {
    if (failure) return;
    const msg = e.message.replace(/^(?:[^:]*:)?\d+:\d+:\s*/, '');
    // saxes reports the character it has just read: 0-based `column` of the next one = 1-based of it
    failure = error('KIWI_XML_MALFORMED', `${file.split('/').pop()}: not well-formed XML: ${msg}`, { span: { file, line: parser.line, col: Math.max(1, parser.column) } });
  });
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= error('KIWI_XML_MALFORMED', `not well-formed XML: ${(e as Error).message}`, { span: { file, line: parser.line, col: Math.max(1, parser.column) } });
  }
  if (failure) return { diagnostic: failure };
  if (!root) return { diagnostic: error('KIWI_XML_MALFORMED', 'the document has no root element', { span: { file, line: 1, col: 1 } }) };
  return { root };
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const child = (el: XmlElement, name: string) => el.children.find((c) => c.name === name);
const children = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);
const textOf = (el: XmlElement | undefined) => el?.text.trim() || undefined;
const bool = (v: string | undefined) => v === 'true';

function command(el: XmlElement | undefined): KiwiContainerConfig['subcommand'] {
  if (!el) return undefined;
  return { ...(el.attrs.execute ? { execute: el.attrs.execute } : {}), arguments: children(el, 'argument').map((a) => a.attrs.name ?? ''), clear: bool(el.attrs.clear) };
}

function pairs(el: XmlElement | undefined, item: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of el ? children(el, item) : []) if (c.attrs.name !== undefined) out[c.attrs.name] = c.attrs.value ?? '';
  return out;
}

function containerConfig(el: XmlElement): KiwiContainerConfig {
  const a = el.attrs;
  return {
    ...(a.name ? { name: a.name } : {}),
    ...(a.tag ? { tag: a.tag } : {}),
    ...(a.additionalnames ? { additionalNames: list(a.additionalnames) } : {}),
    ...(a.user ? { user: a.user } : {}),
    ...(a.workingdir ? { workingDir: a.workingdir } : {}),
    ...(child(el, 'entrypoint') ? { entrypoint: command(child(el, 'entrypoint'))! } : {}),
    ...(child(el, 'subcommand') ? { subcommand: command(child(el, 'subcommand'))! } : {}),
    labels: pairs(child(el, 'labels'), 'label'),
    environment: pairs(child(el, 'environment'), 'env'),
    expose: children(child(el, 'expose') ?? el, 'port').map((p) => p.attrs.number ?? ''),
    volumes: children(child(el, 'volumes') ?? el, 'volume').map((v) => v.attrs.name ?? ''),
    ...(textOf(child(el, 'stopsignal')) ? { stopSignal: textOf(child(el, 'stopsignal'))! } : {}),
    span: el.span,
  };
}

function kiwiType(el: XmlElement): KiwiType {
  const a = el.attrs;
  const bl = child(el, 'bootloader');
  const size = child(el, 'size');
  const cc = child(el, 'containerconfig');
  const efi = a.efipartsize !== undefined ? Number(a.efipartsize) : undefined;
  const sizeValue = size ? Number(textOf(size)) : undefined;
  return {
    image: a.image ?? '',
    primary: bool(a.primary),
    ...(a.format ? { format: a.format } : {}),
    ...(a.formatoptions ? { formatOptions: a.formatoptions } : {}),
    ...(a.filesystem ? { filesystem: a.filesystem } : {}),
    ...(a.firmware ? { firmware: a.firmware } : {}),
    ...(a.kernelcmdline !== undefined ? { kernelCmdline: a.kernelcmdline } : {}),
    ...(a.initrd_system ? { initrdSystem: a.initrd_system } : {}),
    ...(efi !== undefined && Number.isFinite(efi) ? { efiPartSize: efi } : {}),
    ...(a.bootpartition !== undefined ? { bootPartition: bool(a.bootpartition) } : {}),
    ...(a.rootfs_label ? { rootfsLabel: a.rootfs_label } : {}),
    ...(bl ? { bootloader: { name: bl.attrs.name ?? '', attrs: bl.attrs } } : {}),
    ...(sizeValue !== undefined && Number.isFinite(sizeValue) ? { size: { value: sizeValue, unit: size?.attrs.unit ?? 'M' } } : {}),
    ...(cc ? { containerConfig: containerConfig(cc) } : {}),
    attrs: a,
    span: el.span,
  };
}

/** Read a kiwi description. Every problem is a diagnostic at its XML position; none throws. */
export function parseKiwi(text: string, file: string): ParseKiwiResult {
  const xml = parseXml(text, file);
  if ('diagnostic' in xml) return { ok: false, diagnostics: [xml.diagnostic] };
  const root = xml.root;
  if (root.name !== 'image') return { ok: false, diagnostics: [error('KIWI_NOT_AN_IMAGE', `the root element is <${root.name}>, not <image>: not a kiwi image description`, { span: root.span, hint: 'a kiwi description starts with <image schemaversion="…" name="…">' })] };
  const diags: Diagnostic[] = [];
  const need = (el: XmlElement, attr: string, what: string): string | undefined => {
    const v = el.attrs[attr];
    if (v === undefined || v === '') diags.push(error('KIWI_MISSING_ATTRIBUTE', `<${el.name}> without ${attr}=: ${what}`, { span: el.span, hint: `add ${attr}="…"` }));
    return v || undefined;
  };
  const name = need(root, 'name', 'the image needs a name') ?? '';

  const profiles: KiwiProfile[] = [];
  for (const ps of children(root, 'profiles')) {
    for (const p of children(ps, 'profile')) {
      const n = need(p, 'name', 'a profile needs a name');
      if (n) profiles.push({ name: n, ...(p.attrs.description ? { description: p.attrs.description } : {}), import: bool(p.attrs.import), span: p.span });
    }
  }
  const known = new Set(profiles.map((p) => p.name));
  const profilesOf = (el: XmlElement): string[] => {
    const ps = list(el.attrs.profiles);
    for (const p of ps) {
      if (known.has(p)) continue;
      const dym = didYouMean(p, known);
      diags.push(error('KIWI_UNKNOWN_PROFILE', `<${el.name} profiles="${el.attrs.profiles}">: profile "${p}" is not declared in <profiles>`, { span: el.span, hint: dym ? `did you mean "${dym}"?` : `declared profiles: ${[...known].join(', ') || 'none'}` }));
    }
    return ps;
  };

  const preferences: KiwiPreferences[] = children(root, 'preferences').map((el) => ({
    profiles: profilesOf(el),
    ...(textOf(child(el, 'version')) ? { version: textOf(child(el, 'version'))! } : {}),
    ...(textOf(child(el, 'packagemanager')) ? { packageManager: textOf(child(el, 'packagemanager'))! } : {}),
    ...(textOf(child(el, 'locale')) ? { locale: textOf(child(el, 'locale'))! } : {}),
    ...(textOf(child(el, 'keytable')) ? { keytable: textOf(child(el, 'keytable'))! } : {}),
    ...(textOf(child(el, 'timezone')) ? { timezone: textOf(child(el, 'timezone'))! } : {}),
    ...(textOf(child(el, 'release-version')) ? { releaseVersion: textOf(child(el, 'release-version'))! } : {}),
    types: children(el, 'type').map((t) => {
      need(t, 'image', 'a type needs image="…" (oem, oci, …)');
      return kiwiType(t);
    }),
    span: el.span,
  }));

  const packages: KiwiPackages[] = children(root, 'packages').map((el) => ({
    type: need(el, 'type', 'a packages section needs a type (image, bootstrap, …)') ?? '',
    profiles: profilesOf(el),
    packages: children(el, 'package').flatMap((p) => {
      const n = need(p, 'name', 'a package needs a name');
      return n ? [{ name: n, arch: list(p.attrs.arch), span: p.span }] : [];
    }),
    collections: children(el, 'namedCollection').map((c) => c.attrs.name ?? ''),
    span: el.span,
  }));

  const users: KiwiUser[] = [];
  for (const us of children(root, 'users')) {
    const ps = profilesOf(us);
    for (const u of children(us, 'user')) {
      const n = need(u, 'name', 'a user needs a name');
      if (!n) continue;
      users.push({
        name: n,
        groups: list(u.attrs.groups ?? us.attrs.group),
        ...(u.attrs.home ? { home: u.attrs.home } : {}),
        ...(u.attrs.id ? { id: u.attrs.id } : {}),
        ...(u.attrs.shell ? { shell: u.attrs.shell } : {}),
        ...(u.attrs.realname ? { realName: u.attrs.realname } : {}),
        hasPassword: !!u.attrs.password,
        profiles: ps,
        span: u.span,
      });
    }
  }

  const repositories: KiwiRepository[] = children(root, 'repository').map((r) => ({
    ...(r.attrs.alias ? { alias: r.attrs.alias } : {}),
    ...(r.attrs.type ? { type: r.attrs.type } : {}),
    ...(child(r, 'source')?.attrs.path ? { source: child(r, 'source')!.attrs.path! } : {}),
    profiles: profilesOf(r),
    span: r.span,
  }));

  const d = child(root, 'description');
  const definition: KiwiDefinition = {
    file,
    name,
    ...(root.attrs.schemaversion ? { schemaVersion: root.attrs.schemaversion } : {}),
    ...(root.attrs.displayname ? { displayName: root.attrs.displayname } : {}),
    ...(d ? { description: { ...(textOf(child(d, 'author')) ? { author: textOf(child(d, 'author'))! } : {}), ...(textOf(child(d, 'contact')) ? { contact: textOf(child(d, 'contact'))! } : {}), ...(textOf(child(d, 'specification')) ? { specification: textOf(child(d, 'specification'))! } : {}) } } : {}),
    profiles,
    preferences,
    packages,
    users,
    repositories,
    span: root.span,
  };
  const errors = diags.some((x) => x.severity === 'error');
  return errors ? { ok: false, diagnostics: diags } : { ok: true, definition, diagnostics: diags };
}

/** What one build of a kiwi description (profiles + architecture) consists of. */
export interface KiwiSelection {
  /** The selected profiles (explicit, or the `import="true"` ones). */
  readonly profiles: readonly string[];
  readonly arch: string;
  /** `<packages type="image">` that apply, in document order, without duplicates. */
  readonly imagePackages: readonly KiwiPackage[];
  readonly bootstrapPackages: readonly KiwiPackage[];
  /** Package manager collections (`namedCollection`) of the image sections. */
  readonly collections: readonly string[];
  /** The build's `<type>` (primary, else the first that applies). */
  readonly type?: KiwiType;
  readonly preferences: { readonly version?: string; readonly packageManager?: string; readonly locale?: string; readonly keytable?: string; readonly timezone?: string; readonly releaseVersion?: string };
  readonly users: readonly KiwiUser[];
}

/**
 * Apply kiwi's rules for `profiles` (undefined: the `import="true"` ones) on `arch`. An
 * undeclared profile is KIWI_UNKNOWN_PROFILE at `requestedAt` (the config or command line that
 * asked for it), with the XML's `<profiles>` as a related position.
 */
export function selectKiwi(def: KiwiDefinition, profiles: readonly string[] | undefined, arch: string, requestedAt?: SourceSpan): { ok: true; selection: KiwiSelection } | { ok: false; diagnostics: Diagnostic[] } {
  const known = new Set(def.profiles.map((p) => p.name));
  const diags: Diagnostic[] = [];
  for (const p of profiles ?? []) {
    if (known.has(p)) continue;
    const dym = didYouMean(p, known);
    diags.push(
      error('KIWI_UNKNOWN_PROFILE', `${def.file.split('/').pop()} has no profile "${p}"`, {
        span: requestedAt ?? def.profiles[0]?.span ?? def.span,
        ...(requestedAt ? { related: [{ message: known.size ? 'the profiles are declared here' : 'the definition declares no profiles', span: def.profiles[0]?.span ?? def.span }] } : {}),
        hint: dym ? `did you mean "${dym}"?` : `declared profiles: ${[...known].join(', ') || 'none'}`,
      }),
    );
  }
  if (diags.length) return { ok: false, diagnostics: diags };
  const selected = profiles ?? def.profiles.filter((p) => p.import).map((p) => p.name);
  const applies = (ps: readonly string[]) => ps.length === 0 || ps.some((p) => selected.includes(p));
  const forArch = (p: KiwiPackage) => p.arch.length === 0 || p.arch.includes(arch);
  const collect = (type: string) => {
    const seen = new Set<string>();
    const out: KiwiPackage[] = [];
    for (const s of def.packages) {
      if (s.type !== type || !applies(s.profiles)) continue;
      for (const p of s.packages) {
        if (!forArch(p) || seen.has(p.name)) continue;
        seen.add(p.name);
        out.push(p);
      }
    }
    return out;
  };
  const prefs = def.preferences.filter((p) => applies(p.profiles));
  // later preferences override earlier ones, field by field (kiwi merges them the same way)
  const pick = <K extends 'version' | 'packageManager' | 'locale' | 'keytable' | 'timezone' | 'releaseVersion'>(k: K) => prefs.map((p) => p[k]).filter((v) => v !== undefined).at(-1);
  const types = prefs.flatMap((p) => p.types);
  const type = types.find((t) => t.primary) ?? types[0];
  const preferences: { -readonly [K in keyof KiwiSelection['preferences']]: string } = {};
  for (const k of ['version', 'packageManager', 'locale', 'keytable', 'timezone', 'releaseVersion'] as const) {
    const v = pick(k);
    if (v !== undefined) preferences[k] = v;
  }
  return {
    ok: true,
    selection: {
      profiles: selected,
      arch,
      imagePackages: collect('image'),
      bootstrapPackages: collect('bootstrap'),
      collections: [...new Set(def.packages.filter((s) => s.type === 'image' && applies(s.profiles)).flatMap((s) => s.collections))],
      ...(type ? { type } : {}),
      preferences,
      users: def.users.filter((u) => applies(u.profiles)),
    },
  };
}
