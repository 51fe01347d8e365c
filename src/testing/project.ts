/**
 * Test helper: a small azldev-format project on disk whose Fedora distro points at local bare
 * dist-git repositories (file://) and a lookaside URL template.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface TestProjectOptions {
  /** Directory holding `<pkg>.git` bare repositories. */
  readonly distGitDir: string;
  readonly lookasideTemplate?: string;
  readonly branch?: string;
  /** RFC 3339 snapshot for the fedora reference; omitted → components track the branch HEAD. */
  readonly snapshot?: string;
  /** `*.comp.toml` bodies by component name (written to base/comps/<name>/<name>.comp.toml). */
  readonly components: Readonly<Record<string, string>>;
  /** Extra files relative to the project root. */
  readonly files?: Readonly<Record<string, string>>;
}

export function writeTestProject(dir: string, o: TestProjectOptions): void {
  const w = (rel: string, text: string) => {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  };
  w('azldev.toml', 'includes = ["distro/*.distro.toml", "base/project.toml"]\n');
  w('base/project.toml', 'includes = ["comps/**/*.comp.toml"]\n\n[project]\ndescription = "test"\ndefault-distro = { name = "azurelinux" }\n');
  w(
    'distro/fedora.distro.toml',
    [
      '[distros.fedora]',
      'description = "Fedora Linux"',
      'default-version = "43"',
      `dist-git-base-uri = "file://${o.distGitDir}/$pkg.git"`,
      `lookaside-base-uri = "${o.lookasideTemplate ?? 'http://127.0.0.1:9/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename'}"`,
      '',
      '[distros.fedora.versions.43]',
      'release-ver = "43"',
      `dist-git-branch = "${o.branch ?? 'f43'}"`,
      '',
    ].join('\n'),
  );
  w(
    'distro/azurelinux.distro.toml',
    [
      '[distros.azurelinux]',
      'default-version = "4.0"',
      '',
      "[distros.azurelinux.versions.'4.0']",
      'release-ver = "4.0"',
      '',
      "[distros.azurelinux.versions.'4.0'.default-component-config]",
      `spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43"${o.snapshot ? `, snapshot = "${o.snapshot}"` : ''} } }`,
      '',
    ].join('\n'),
  );
  for (const [name, body] of Object.entries(o.components)) w(`base/comps/${name}/${name}.comp.toml`, body);
  for (const [rel, text] of Object.entries(o.files ?? {})) w(rel, text);
}
