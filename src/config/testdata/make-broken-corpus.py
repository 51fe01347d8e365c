#!/usr/bin/env python3
# Regenerates src/config/testdata/broken/ (the broken-project corpus) from the cases below.
# Usage: python3 src/config/testdata/make-broken-corpus.py src/config/testdata/broken
# Authoring helper for src/config/testdata/broken: each case's files carry markers «CODE» at the exact
# place the diagnostic must point; the marker is removed and expect.json records code/file/line/col.
import json, os, re, shutil, sys
OUT = sys.argv[1]
BASE = '''[project]
default-distro = { name = "fedora" }

[distros.fedora]
default-version = "43"
dist-git-base-uri = "https://src.example.org/rpms/$pkg.git"

[distros.fedora.versions.43]
release-ver = "43"
dist-git-branch = "f43"
'''
cases = {}
def case(name, files, extra=None):
    cases[name] = (files, extra or [])

case('toml-syntax', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream" \n«TOML_SYNTAX»'})
case('toml-syntax-in-include', {'azldev.toml': 'includes = ["comps.toml"]\n' + BASE, 'comps.toml': '[components.a]\nbuild.with = [ "x" «TOML_SYNTAX»"y" ]\n'}, )
case('unknown-top-level-key', {'azldev.toml': BASE + '\n[«CONFIG_UNKNOWN_KEY»projcet]\ndescription = "x"\n'})
case('unknown-component-key', {'azldev.toml': BASE + '\n[components.a]\n«CONFIG_UNKNOWN_KEY»sepc = { type = "upstream" }\n'})
case('unknown-key-in-inline-table', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream", «CONFIG_UNKNOWN_KEY»upstream-nmae = "b" }\n'})
case('unknown-distro-version-key', {'azldev.toml': BASE + '\n[distros.fedora.versions.44]\nrelease-ver = "44"\n«CONFIG_UNKNOWN_KEY»dist-git-branh = "f44"\n'})
case('unknown-overlay-key', {'azldev.toml': BASE + '\n[components.a]\n\n«OVERLAY_MISSING_FIELD»[[components.a.overlays]]\ntype = "spec-search-replace"\n«CONFIG_UNKNOWN_KEY»regx = "foo"\n'})
case('wrong-type-bool', {'azldev.toml': BASE + '\n[components.a.build.check]\nskip = «CONFIG_TYPE»"yes"\nskip_reason = "flaky"\n'})
case('wrong-type-includes', {'azldev.toml': 'includes = «CONFIG_TYPE»"comps.toml"\n' + BASE})
case('wrong-type-lines', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-append-lines"\nlines = «CONFIG_TYPE»"echo hi"\n'})
case('wrong-type-component', {'azldev.toml': BASE + '\n[components]\nfoo = «CONFIG_TYPE»"bar"\n'})
case('wrong-type-array-element', {'azldev.toml': BASE + '\n[components.a.build]\nwith = ["x", «CONFIG_TYPE»3]\n'})
case('overlay-missing-value', {'azldev.toml': BASE + '\n[components.a]\n«OVERLAY_MISSING_FIELD»[[components.a.overlays]]\ntype = "spec-add-tag"\ntag = "BuildRequires"\n'})
case('overlay-empty-required', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-remove-section"\nsection = «OVERLAY_MISSING_FIELD»""\n'})
case('overlay-missing-type', {'azldev.toml': BASE + '\n[components.a]\noverlays = [\n  «CONFIG_MISSING_FIELD»{ tag = "BuildRequires", value = "make" },\n]\n'})
case('overlay-unknown-type', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = «OVERLAY_UNKNOWN_TYPE»"spec-add-tags"\ntag = "BuildRequires"\nvalue = "make"\n'})
case('bad-regex-lookbehind', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-search-replace"\nregex = «OVERLAY_BAD_REGEX»\'(?<=foo)bar\'\nreplacement = "baz"\n'})
case('bad-regex-backreference', {'azldev.toml': BASE + '\n[components.a]\noverlays = [\n  { type = "spec-search-replace", regex = «OVERLAY_BAD_REGEX»\'(a)\\1\', replacement = "b" },\n]\n'})
case('bad-regex-unclosed', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-search-replace"\nfile = "configure.ac"\nregex = «OVERLAY_BAD_REGEX»"AC_INIT(foo"\n'})
case('package-without-section', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-append-lines"\n«OVERLAY_PACKAGE_WITHOUT_SECTION»package = "devel"\nlines = ["%{_libdir}/libfoo.so"]\n'})
case('include-missing', {'azldev.toml': 'includes = [«INCLUDE_NOT_FOUND»"comps/components.toml"]\n' + BASE})
case('include-directory', {'azldev.toml': 'includes = [«INCLUDE_IS_DIRECTORY»"comps"]\n' + BASE, 'comps/a.comp.toml': '[components.a]\n'})
case('include-missing-nested', {'azldev.toml': 'includes = ["a.toml"]\n' + BASE, 'a.toml': '# nested\nincludes = ["ok.toml", «INCLUDE_NOT_FOUND»"nope.toml"]\n', 'ok.toml': '[components.ok]\n'})
case('include-cycle', {'azldev.toml': 'includes = ["a.toml"]\n' + BASE, 'a.toml': 'includes = ["b.toml"]\n', 'b.toml': 'includes = [«INCLUDE_CYCLE»"a.toml"]\n\n[components.b]\n'})
case('include-self-glob', {'azldev.toml': 'includes = [«INCLUDE_CYCLE»"*.toml"]\n' + BASE, 'other.toml': '[components.o]\n'})
case('include-escapes-project', {'azldev.toml': 'includes = [«PATH_ESCAPES_PROJECT»"../outside.toml"]\n' + BASE})
case('include-absolute', {'azldev.toml': 'includes = [«PATH_ESCAPES_PROJECT»"/etc/azldev.toml"]\n' + BASE})
case('duplicate-component', {'azldev.toml': 'includes = ["comps/*.toml"]\n' + BASE + '\n[components.bash]\n', 'comps/bash.comp.toml': '# bash again\n«COMPONENT_DUPLICATE»[components.bash]\nbuild.with = ["x"]\n'})
case('duplicate-component-group', {'azldev.toml': 'includes = ["groups.toml"]\n' + BASE + '\n[components.a]\n\n[component-groups.g]\ncomponents = ["a"]\n', 'groups.toml': '«DUPLICATE_DEFINITION»[component-groups.g]\ncomponents = ["a"]\n'})
case('duplicate-image', {'azldev.toml': 'includes = ["images.toml"]\n' + BASE + '\n[images.vm]\ndescription = "VM"\n', 'images.toml': '[images]\n«DUPLICATE_DEFINITION»vm = { description = "VM again" }\n'})
case('unknown-distro', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream", upstream-distro = { name = «UNKNOWN_DISTRO»"fedoar", version = "43" } }\n'})
case('unknown-distro-version', {'azldev.toml': BASE + '\n[components.a.spec]\ntype = "upstream"\nupstream-distro.name = "fedora"\nupstream-distro.version = «UNKNOWN_DISTRO_VERSION»"99"\n'})
case('unknown-default-distro', {'azldev.toml': '[project]\ndefault-distro = «UNKNOWN_DISTRO»{ name = "azl" }\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\n'})
case('bad-default-version', {'azldev.toml': '[project]\ndefault-distro = { name = "fedora" }\n\n[distros.fedora]\ndefault-version = «UNKNOWN_DISTRO_VERSION»"34"\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\n'})
case('distro-version-missing-release-ver', {'azldev.toml': BASE + '\n«CONFIG_MISSING_FIELD»[distros.fedora.versions.rawhide]\ndist-git-branch = "rawhide"\n'})
case('bad-upstream-commit', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream", upstream-commit = «COMPONENT_BAD_COMMIT»"not-a-commit" }\n'})
case('short-upstream-commit', {'azldev.toml': BASE + '\n[components.a.spec]\nupstream-commit = «COMPONENT_BAD_COMMIT»"abc12"\n'})
case('upstream-distro-missing-name', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream", «CONFIG_MISSING_FIELD»upstream-distro = { version = "43" } }\n'})
case('local-path-escapes', {'azldev.toml': 'includes = ["comps/a/a.comp.toml"]\n' + BASE, 'comps/a/a.comp.toml': '[components.a]\nspec = { type = "local", path = «PATH_ESCAPES_PROJECT»"../../../elsewhere/a.spec" }\n'})
case('local-path-absolute', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "local", path = «PATH_ESCAPES_PROJECT»"/usr/src/a.spec" }\n'})
case('local-spec-missing', {'azldev.toml': 'includes = ["comps/**/*.comp.toml"]\n' + BASE, 'comps/a/a.comp.toml': '[components.a]\nspec = { type = "local", path = «SPEC_NOT_FOUND»"a.spec" }\n'})
case('local-spec-without-path', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = «COMPONENT_SPEC_FIELD»"local" }\n'})
case('upstream-name-on-local-spec', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "local", path = "a.spec", upstream-name = «COMPONENT_SPEC_FIELD»"b" }\n', 'a.spec': 'Name: a\n'})
case('overlay-source-escapes', {'azldev.toml': 'includes = ["comps/**/*.comp.toml"]\n' + BASE, 'comps/a/a.comp.toml': '[[components.a.overlays]]\ntype = "file-add"\nfile = "passwd"\nsource = «PATH_ESCAPES_PROJECT»"../../../../etc/passwd"\n'})
case('overlay-file-dotdot', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-remove"\nfile = «PATH_ESCAPES_PROJECT»"../outside.patch"\n'})
case('overlay-file-absolute', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-prepend-lines"\nfile = «PATH_ESCAPES_PROJECT»"/etc/shadow"\nlines = ["x"]\n'})
case('check-skip-without-reason', {'azldev.toml': BASE + '\n[components.a]\nbuild.check = { skip = «CHECK_SKIP_REASON»true }\n'})
case('component-snapshot', {'azldev.toml': BASE + '\n[components.a]\nspec = { type = "upstream", upstream-distro = { name = "fedora", «COMPONENT_SNAPSHOT»snapshot = "2026-01-01T00:00:00Z" } }\n'})
case('group-unknown-member', {'azldev.toml': BASE + '\n[components.bash]\n[components.zsh]\n\n[component-groups.shells]\ncomponents = ["bash", «UNKNOWN_COMPONENT»"bahs", "zsh"]\n'})
OVF = 'includes = ["comps/**/*.comp.toml"]\n' + BASE
case('overlay-file-per-overlay-metadata', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/fix.overlay.toml': '[metadata]\ncategory = "azl-compatibility"\nupstream-status = "inapplicable"\n\n[[overlays]]\ntype = "spec-add-tag"\ntag = "BuildRequires"\nvalue = "make"\n«OVERLAY_FILE_METADATA»metadata = { category = "azl-pruning", upstream-status = "unknown" }\n'})
case('overlay-file-no-metadata', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["fix.overlay.toml"]\n', 'comps/a/fix.overlay.toml': '«OVERLAY_FILE_NO_METADATA»[[overlays]]\ntype = "spec-add-tag"\ntag = "BuildRequires"\nvalue = "make"\n'})
case('overlay-file-empty', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/empty.overlay.toml': '«OVERLAY_FILE_EMPTY»# nothing here yet\n'})
case('overlay-file-no-overlays', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/x.overlay.toml': '«OVERLAY_FILE_NO_OVERLAYS»[metadata]\ncategory = "azl-pruning"\nupstream-status = "inapplicable"\n'})
case('overlay-files-literal-missing', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = «OVERLAY_FILES_NO_MATCH»["missing.overlay.toml"]\n'})
case('overlay-file-syntax-error', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/x.overlay.toml': '[metadata]\ncategory = "azl-pruning"\nupstream-status = «TOML_SYNTAX»\n'})
case('metadata-bad-category', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/x.overlay.toml': '[metadata]\ncategory = «CONFIG_VALUE»"azl-prunning"\nupstream-status = "inapplicable"\n\n[[overlays]]\ntype = "spec-remove-tag"\ntag = "Recommends"\n'})
case('metadata-backport-without-commit', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/x.overlay.toml': '«OVERLAY_METADATA»[metadata]\ncategory = "upstream-backport"\nupstream-status = "upstreamed"\n\n[[overlays]]\ntype = "patch-add"\nsource = "fix.patch"\n', 'comps/a/fix.patch': '--- a\n+++ b\n'})
case('metadata-backport-bad-status', {'azldev.toml': OVF, 'comps/a/a.comp.toml': '[components.a]\noverlay-files = ["*.overlay.toml"]\n', 'comps/a/x.overlay.toml': '[metadata]\ncategory = "upstream-backport"\nupstream-status = «OVERLAY_METADATA»"inapplicable"\ncommits = [{ url = "https://example.org/commit/1" }]\n\n[[overlays]]\ntype = "spec-remove-tag"\ntag = "Recommends"\n'})
case('metadata-bad-url', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-remove-tag"\ntag = "Recommends"\nmetadata = { category = "azl-pruning", upstream-status = "unknown", bugs = [{ url = «OVERLAY_METADATA»"bugzilla 1234" }] }\n'})
case('release-calculation-bad', {'azldev.toml': BASE + '\n[components.a]\nrelease = { calculation = «CONFIG_VALUE»"automatic" }\n'})
case('source-file-hash-without-type', {'azldev.toml': BASE + '\n[[components.a.source-files]]\nfilename = "a-1.0.tar.gz"\n«SOURCE_FILE_HASH_TYPE»hash = "00"\norigin = { type = "download", uri = "https://example.org/a-1.0.tar.gz" }\n'})
case('source-file-replace-without-reason', {'azldev.toml': BASE + '\n«SOURCE_FILE_REPLACE»[[components.a.source-files]]\nfilename = "a-1.0.tar.gz"\nreplace-upstream = true\n'})
case('source-file-download-without-scheme', {'azldev.toml': BASE + '\n[[components.a.source-files]]\nfilename = "a-1.0.tar.gz"\norigin = { type = "download", uri = «SOURCE_FILE_ORIGIN»"example.org/a.tgz" }\n'})
case('archive-overlay-unpaired', {'azldev.toml': BASE + '\n«ARCHIVE_OVERLAY_UNPAIRED»[[components.a.overlays]]\ntype = "file-search-replace"\narchive = "a-1.0.tar.gz"\nfile = "configure"\nregex = "-Werror"\n'})
case('archive-bad-extension', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-remove"\narchive = «OVERLAY_BAD_ARCHIVE»"a-1.0.zip"\nfile = "tests/broken.c"\n'})
case('file-rename-path', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-rename"\nfile = "a.conf"\nreplacement = «OVERLAY_BAD_FIELD»"sub/b.conf"\n'})
case('publish-channel-slash', {'azldev.toml': BASE + '\n[components.a.publish]\nrpm-channel = «CONFIG_VALUE»"base/extra"\n'})
case('package-in-two-groups', {'azldev.toml': 'includes = ["packages/*.packages.toml"]\n' + BASE, 'packages/base.packages.toml': '[package-groups.base]\npackages = ["bash", "coreutils"]\ndefault-package-config = { publish = { rpm-channel = "rpm-base" } }\n', 'packages/sdk.packages.toml': '[package-groups.sdk]\npackages = ["gcc", «PACKAGE_IN_TWO_GROUPS»"bash"]\n'})
case('image-unknown-test-suite', {'azldev.toml': BASE + '\n[test-suites.smoke]\ntype = "pytest"\npytest = { test-paths = ["tests"] }\n\n[images.vm]\ndefinition = { type = "kiwi", path = "vm/vm.kiwi" }\ntests = { test-suites = [{ name = «UNKNOWN_TEST_SUITE»"smoek" }] }\n'})
case('signing-key-escapes', {'azldev.toml': BASE + '\n[signing]\nkey-file = «PATH_ESCAPES_PROJECT»"../../secrets/key.asc"\n'})
case('many-errors-collected', {'azldev.toml': 'includes = ["comps.toml"]\n' + BASE + '\n[components.a]\nrelease.calculation = «CONFIG_VALUE»"sometimes"\n', 'comps.toml': '[components.b]\n«CONFIG_UNKNOWN_KEY»biuld = { with = ["x"] }\n\n[[components.c.overlays]]\ntype = "spec-search-replace"\nregex = «OVERLAY_BAD_REGEX»"(?P<n>x)(?=y)"\n'})
case('strata-toml-root', {'strata.toml': BASE + '\n[components.a]\nspec = { type = "upstream", upstream-commit = «COMPONENT_BAD_COMMIT»"12345678901234567890123456789012345678901" }\n'})
case('quoted-keys', {'azldev.toml': BASE + '\n[components."rust-foo0.1"]\n[components.\'python-bar\'.build]\n"with" = ["x"]\n«CONFIG_UNKNOWN_KEY»"wihtout" = ["y"]\n'})
case('group-default-bad-type', {'azldev.toml': BASE + '\n[components.a]\n\n[component-groups.g]\ncomponents = ["a"]\n\n[component-groups.g.default-component-config.build]\ncheck = { skip = true, skip_reason = «CONFIG_TYPE»42 }\n'})

case('remove-subpackage-with-section', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "spec-remove-subpackage"\npackage = "docs"\n«OVERLAY_BAD_FIELD»section = "%files"\n'})
case('archive-on-wrong-type', {'azldev.toml': BASE + '\n[[components.a.overlays]]\ntype = "file-add"\nfile = "x.conf"\nsource = "x.conf"\n«OVERLAY_BAD_FIELD»archive = "a-1.tar.gz"\n'})
case('inherited-overlay-files-missing', {'azldev.toml': 'includes = ["comps/**/*.comp.toml"]\n' + BASE + '\n[default-component-config]\noverlay-files = «OVERLAY_FILES_NO_MATCH»["azl.overlay.toml"]\n', 'comps/a/a.comp.toml': '[components.a]\n'})
case('distro-default-error-in-include', {'azldev.toml': 'includes = ["distro/*.distro.toml"]\n[project]\ndefault-distro = { name = "fedora" }\n\n[components.a]\n', 'distro/fedora.distro.toml': '[distros.fedora]\ndefault-version = "43"\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\n\n[distros.fedora.versions.43.default-component-config]\nspec = { type = "upstream", upstream-distro = { name = "fedora", version = «UNKNOWN_DISTRO_VERSION»"42" } }\n'})
case('duplicate-across-includes-three-files', {'azldev.toml': 'includes = ["a/*.toml"]\n' + BASE, 'a/one.toml': '[components.x]\n', 'a/two.toml': '«COMPONENT_DUPLICATE»[components.x]\n[components.y]\n', 'a/zz.toml': '[components]\n«COMPONENT_DUPLICATE»y = {}\n'})
case('test-suite-missing-pytest', {'azldev.toml': BASE + '\n«CONFIG_MISSING_FIELD»[test-suites.smoke]\ntype = "pytest"\n'})
case('repo-set-unknown-template', {'azldev.toml': BASE + '\n[resources.rpm-repo-sets.base]\ntemplate = «UNKNOWN_REPO_TEMPLATE»"azl-standrd"\nbase-uri = "https://example.org/base"\n\n[resources.rpm-repo-set-templates.azl-standard]\nsubrepos = [{ name = "base", subpath = "base", kind = "binary" }]\n'})
case('overlay-source-missing', {'azldev.toml': 'includes = ["comps/**/*.comp.toml"]\n' + BASE, 'comps/a/a.comp.toml': '[components.a]\n\n[[components.a.overlays]]\ntype = "patch-add"\nsource = «OVERLAY_SOURCE_NOT_FOUND»"patches/fix-build.patch"\n'})
case('repo-set-name-collision', {'azldev.toml': BASE + '\n[resources.rpm-repo-set-templates.std]\nsubrepos = [{ name = "base", subpath = "base", kind = "binary" }, { name = "src", subpath = "src", kind = "source" }]\n\n[resources.rpm-repo-sets.one]\ntemplate = "std"\nbase-uri = "https://a.example/"\n\n«REPO_NAME_COLLISION»[resources.rpm-repo-sets.two]\ntemplate = "std"\nbase-uri = "https://b.example/"\nsubrepos = ["src"]\n'})

MARK = re.compile('«([A-Z_]+)»')
if os.path.exists(OUT): shutil.rmtree(OUT)
for name, (files, extra) in sorted(cases.items()):
    d = os.path.join(OUT, name)
    expect = []
    for rel, text in files.items():
        clean = ''
        pos = 0
        for m in MARK.finditer(text):
            clean += text[pos:m.start()]
            before = clean
            line = before.count('\n') + 1
            col = len(before) - (before.rfind('\n') + 1) + 1
            expect.append({'code': m.group(1), 'file': rel, 'line': line, 'col': col})
            pos = m.end()
        clean += text[pos:]
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f: f.write(clean)
    assert expect, name
    with open(os.path.join(d, 'expect.json'), 'w') as f: f.write(json.dumps(expect, indent=2) + '\n')
print(len(cases), 'cases')
