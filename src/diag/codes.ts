/**
 * Every diagnostic code Strata emits, with a one-line summary (and a default hint where one
 * helps). `DiagnosticCode` is derived from this table, and `error()`, `warning()`, `note()` and
 * `Diagnostic.code` take it: a code that is not registered here does not compile. The README's
 * table of diagnostic codes is generated from this file (`node scripts/gen-diagnostic-codes.mjs`).
 */

export interface CodeInfo {
  /** What the code means, in one line. */
  readonly summary: string;
  /** What usually fixes it, when one hint fits most cases. */
  readonly hint?: string;
}

export const DIAGNOSTIC_CODES = {
  // build evidence
  ATTEST_RECORD_INCOMPLETE: { summary: 'the build record lacks a fact a piece of evidence needs (e.g. the SHA-256 of an output package)', hint: 'rebuild the component: the build record is written by the build' },
  ATTEST_STATEMENT_INVALID: { summary: 'an in-toto statement or its SLSA provenance predicate does not have the required shape' },

  // archives repacked by overlays
  ARCHIVE_HASH_MISMATCH: { summary: 'an archive repacked by its overlays does not have the hash recorded for it' },
  ARCHIVE_INVALID: { summary: 'a source archive an overlay edits is not a valid tar stream' },
  ARCHIVE_NOT_IN_SOURCES: { summary: 'an archive repacked by overlays has no line in the sources file' },
  ARCHIVE_OVERLAY_UNPAIRED: { summary: 'an overlay edits an archive that no source-files entry provides' },
  ARCHIVE_TOOL_FAILED: { summary: 'an external compression tool (gzip, xz, zstd, bzip2) failed' },
  ARCHIVE_UNSAFE_ENTRY: { summary: 'an archive entry of a kind Strata does not pack (device, fifo, …)' },

  // build evidence and strata verify
  ATTEST_COMMIT_MISSING: { summary: 'the dist-git commit a build recorded is not in the mirror', hint: 'fetch the mirror (strata component update), or the upstream history was rewritten' },
  ATTEST_INDEX_INVALID: { summary: 'the evidence index beside a repository is not valid', hint: 'publish again (strata repo publish)' },
  ATTEST_NO_EVIDENCE: { summary: 'a package has no provenance beside it' },
  ATTEST_NO_PACKAGES: { summary: 'a directory given to verify holds no RPM' },
  ATTEST_OVERLAY_CHANGED: { summary: 'an overlay a build applied was edited, removed or added since', hint: 'rebuild the component, or restore the overlay the build recorded' },
  ATTEST_PACKAGE_UNREADABLE: { summary: 'a file given to verify cannot be read as an RPM' },
  ATTEST_REBUILD_DIFFERS: { summary: 'rebuilding from the recorded inputs does not give the published package byte for byte' },
  ATTEST_RECORD_MISSING: { summary: 'a provenance statement carries no (or a damaged) build record' },
  ATTEST_RENDER_MISMATCH: { summary: 're-rendering from the recorded inputs does not give the recorded spec' },
  ATTEST_SBOM_MISMATCH: { summary: 'an SBOM is missing or differs from the digest the signed provenance gives it' },
  ATTEST_SOURCE_MISMATCH: { summary: 'a source the build used is not served (or served with other bytes) by the cache or lookaside' },
  ATTEST_SUBJECT_MISMATCH: { summary: 'a package is not a subject of its signed provenance' },
  ATTEST_TARGET_MISSING: { summary: 'the file or directory given to verify does not exist' },
  // attestations (DSSE envelopes and their keys)
  ATTEST_ENVELOPE_FIELD: { summary: 'a DSSE envelope lacks a field, has one of the wrong type, or a value that is not base64' },
  ATTEST_ENVELOPE_MALFORMED: { summary: 'a DSSE envelope is not JSON, or is cut short', hint: 'an envelope is one JSON object {"payload", "payloadType", "signatures"}' },
  ATTEST_KEY_INVALID: { summary: 'an [attestation] key file is not a PEM key of a supported type (Ed25519 or ECDSA P-256)', hint: 'openssl genpkey -algorithm ed25519 -out key.pem' },
  ATTEST_KEY_MISMATCH: { summary: "[attestation] public-key-file is not the public half of key-file" },
  ATTEST_KEY_MISSING: { summary: 'an [attestation] key file is not configured, does not exist or is not a file' },
  ATTEST_KEY_PERMISSIONS: { summary: 'the [attestation] private key file can be read by group or others', hint: 'chmod 600 the key file' },
  ATTEST_PAYLOAD_TYPE: { summary: 'a DSSE envelope carries a payload type the verifier does not accept' },

  // rpmautospec drop-in
  AUTOSPEC_BAD_DEFINE: { summary: "rpmautospec --define is not 'NAME VALUE'" },
  AUTOSPEC_NOT_A_SPEC: { summary: 'the file given as spec has no .spec extension' },
  AUTOSPEC_NOT_EXPANDED: { summary: 'a tag needs shell or Lua expansion that the in-process evaluator does not run' },
  AUTOSPEC_NO_HISTORY: { summary: 'no commits are reachable from the revision in the dist-git checkout' },
  AUTOSPEC_SPEC_MISSING: { summary: 'the spec file or path does not exist' },
  AUTOSPEC_SPEC_UNPARSEABLE: { summary: 'the spec cannot be parsed the way rpmautospec needs it' },

  // builds
  BUILD_BAD_DEFINE: { summary: "component build --define is not 'NAME VALUE'" },
  BUILD_BOOKKEEPING: { summary: 'cleaning up after a build (build tree, local repository) failed' },
  BUILD_CYCLE: { summary: 'the BuildRequires graph has a cycle' },
  BUILD_LOCAL_REPO: { summary: 'createrepo_c failed on the local repository of built packages' },
  BUILD_MOCK_CONFIG: { summary: 'the mock backend has no mock config for the component' },
  BUILD_MOCK_UNAVAILABLE: { summary: 'the mock backend was asked for but mock is not installed' },
  BUILD_NO_CHANGELOG: { summary: 'the spec has no %changelog entry to take SOURCE_DATE_EPOCH from' },
  BUILD_NO_RECORD: { summary: 'a component directory was not prepared by strata, so its build has no build record (no evidence)' },
  BUILD_NO_SPEC: { summary: 'a selected component has no rendered spec to build' },
  BUILD_SPEC_EVAL: { summary: "the spec's build facts (BuildRequires, packages) cannot be evaluated" },

  // component and project configuration
  CHECK_SKIP_REASON: { summary: 'build.check.skip = true without skip_reason' },
  COMPONENT_BAD_COMMIT: { summary: 'upstream-commit is not a 7–40 digit hexadecimal commit id' },
  COMPONENT_BAD_NAME: { summary: 'a component name cannot be used as a file name' },
  COMPONENT_DUPLICATE: { summary: 'a component is defined twice' },
  COMPONENT_NOT_FOUND: { summary: 'no component of that name (or a pattern where one name is expected)' },
  COMPONENT_SNAPSHOT: { summary: 'a component sets its own snapshot, which belongs to the distro' },
  COMPONENT_SPEC_FIELD: { summary: 'a spec field that applies only to upstream specs is set on a local spec' },
  CONFIG_FILE_NOT_FOUND: { summary: 'a config file named on the command line does not exist' },
  CONFIG_MISSING_FIELD: { summary: 'a required field of a config table is missing' },
  CONFIG_READ: { summary: 'a config file cannot be read' },
  CONFIG_TYPE: { summary: 'a config value has the wrong TOML type' },
  CONFIG_UNKNOWN_KEY: { summary: 'a key that the project format does not know' },
  CONFIG_UNUSED_KEY: { summary: 'a key that is accepted but has no effect' },
  CONFIG_VALUE: { summary: 'a config value has the right type but an invalid value' },
  DUPLICATE_DEFINITION: { summary: 'a distro, group, image or other named entry is defined twice' },
  FAILURE_REASON: { summary: 'build.failure.expected = true without expected-reason' },
  INCLUDE_CYCLE: { summary: 'config includes form a cycle' },
  INCLUDE_IS_DIRECTORY: { summary: 'an included path is a directory, not a TOML file' },
  INCLUDE_NOT_FOUND: { summary: 'an included file does not exist' },
  NO_COMPONENT_SELECTED: { summary: 'a command that works on components was given none', hint: 'pass -a for all components, -p PATTERN, or -g GROUP' },
  NO_DISTRO: { summary: 'a component has no upstream distro (neither its own nor a project default)' },
  PACKAGE_IN_TWO_GROUPS: { summary: 'a package is listed in two package groups' },
  PATH_ESCAPES_PROJECT: { summary: 'a file name or path in the config leaves the directory it must stay in' },
  PROJECT_DIR_NOT_FOUND: { summary: 'the -C project directory does not exist' },
  PROJECT_NOT_FOUND: { summary: 'no azldev.toml or strata.toml in the directory or any parent' },
  REPO_NAME_COLLISION: { summary: 'a repo set expands to a repo name that is already taken' },
  UNKNOWN_COMPONENT: { summary: 'a component group lists a name that is not a component' },
  UNKNOWN_DISTRO: { summary: 'a reference to a distro that is not defined' },
  UNKNOWN_DISTRO_VERSION: { summary: 'a reference to a version a distro does not have' },
  UNKNOWN_GROUP: { summary: 'no component group of that name' },
  UNKNOWN_REPO: { summary: 'a distro input names a repo that is not defined' },
  UNKNOWN_REPO_TEMPLATE: { summary: 'a repo set uses a template that is not defined' },
  UNKNOWN_TEST_SUITE: { summary: 'an image refers to a test suite that is not defined' },
  TOML_SYNTAX: { summary: 'a file is not valid TOML' },

  // command line
  CLI_BAD_FORMAT: { summary: 'the command cannot print the requested -o format' },
  CLI_BAD_JOBS: { summary: 'a jobs flag is not a positive integer' },
  CLI_USAGE: { summary: 'the command line does not match the usage of the command', hint: 'run with --help for the usage of the command' },
  INTERNAL_ERROR: { summary: 'an unexpected failure inside Strata (a bug)', hint: 'run again with -v and report the stack trace' },
  TOOL_NOT_FOUND: { summary: 'an external program Strata needs is not installed' },

  // dist-git, locks, lookaside
  DISTGIT_BRANCH_NOT_FOUND: { summary: 'the dist-git repository has no such branch' },
  DISTGIT_COMMIT_NOT_FOUND: { summary: 'a locked or pinned commit is not in the dist-git repository' },
  DISTGIT_FETCH_FAILED: { summary: 'fetching dist-git failed; the cached mirror is used' },
  DISTGIT_LOCK_BUSY: { summary: 'another process has held the dist-git mirror lock for too long' },
  DISTGIT_PIN_AMBIGUOUS: { summary: 'an abbreviated upstream-commit matches several commits' },
  DISTGIT_PIN_INVALID: { summary: 'upstream-commit is not 7 to 40 hexadecimal digits' },
  DISTGIT_PIN_OFF_BRANCH: { summary: 'a pinned commit is not on the configured branch' },
  DISTGIT_SNAPSHOT_BEFORE_HISTORY: { summary: 'the branch has no commit at or before the snapshot time' },
  DISTGIT_SNAPSHOT_INVALID: { summary: 'a snapshot is not an RFC 3339 date-time with an offset' },
  DISTGIT_UNREACHABLE: { summary: 'dist-git cannot be fetched and there is no cached mirror' },
  DISTGIT_URL_INVALID: { summary: 'dist-git-base-uri has no $pkg placeholder or is not a usable URL' },
  FINGERPRINT_NO_COMMIT: { summary: "an upstream component's fingerprint needs its resolved commit" },
  FINGERPRINT_OVERLAY_SOURCE_MISSING: { summary: 'an overlay source file that the input fingerprint covers cannot be read' },
  LOCK_COMMIT_INVALID: { summary: 'a lock file commit is not a full 40-hex commit id' },
  LOCK_INVALID: { summary: 'a lock file value is invalid', hint: 'run `strata component update` to rewrite the lock' },
  LOCK_PARSE: { summary: 'a lock file is not valid TOML' },
  LOCK_PIN_MISMATCH: { summary: 'the lock and the config pin different upstream commits' },
  LOCK_VERSION: { summary: 'a lock file version Strata does not support' },
  LOOKASIDE_DOWNLOAD_FAILED: { summary: 'downloading a lookaside source failed' },
  LOOKASIDE_HASH_MISMATCH: { summary: 'a downloaded or cached source does not have its recorded hash' },
  LOOKASIDE_HTTP_ERROR: { summary: 'the lookaside server answered with an HTTP error' },
  LOOKASIDE_NOT_FOUND: { summary: 'the lookaside server does not have the source' },
  LOOKASIDE_URL_INVALID: { summary: 'lookaside-base-uri is not a usable URL template' },
  SIGNATURE_DATA_UNREADABLE: { summary: 'the data a %gpgverify signature covers cannot be read or decompressed' },
  SIGNATURE_FILE_MISSING: { summary: 'a %gpgverify input is not among the prepared sources' },
  SIGNATURE_INVALID: { summary: 'an upstream source signature does not verify with its keyring' },
  SIGNATURE_KEYRING_INVALID: { summary: 'a %gpgverify keyring cannot be read' },
  SIGNATURE_NOT_CHECKED: { summary: 'a %gpgverify call Strata cannot check in process' },
  SIGNATURE_UNREADABLE: { summary: 'an upstream source signature cannot be read' },
  SOURCES_DUPLICATE: { summary: 'a sources file lists the same file twice' },
  SOURCES_HASH_INVALID: { summary: 'a sources file hash has the wrong number of hex digits' },
  SOURCES_HASH_TYPE_UNKNOWN: { summary: 'a sources file uses an unknown hash type' },
  SOURCES_LINE_INVALID: { summary: 'a line of a sources file cannot be read' },
  SOURCES_NOT_UPSTREAM: { summary: 'a command about upstream history was run on a component with a local spec' },
  SOURCES_NO_DIST_GIT: { summary: "the component's distro has no dist-git URL" },
  SOURCES_NO_HTTP: { summary: 'preparing sources was called without an HTTP client or hasher' },
  SOURCE_FILENAME_INVALID: { summary: 'a source file name is not allowed (path separators, dot names)' },
  SOURCE_NO_ORIGIN: { summary: 'a source is not in the cache and has no URL to fetch it from' },

  // source-files entries
  SOURCE_FILE_COLLISION: { summary: 'a source-files entry names a file already in the upstream sources file' },
  SOURCE_FILE_CUSTOM_UNSUPPORTED: { summary: 'a source-files entry with a custom origin (a script run in mock)' },
  SOURCE_FILE_DUPLICATE: { summary: 'a source-files entry is listed twice' },
  SOURCE_FILE_HASH: { summary: 'a source-files hash is not a digest of its hash type' },
  SOURCE_FILE_HASH_TYPE: { summary: 'a source-files hash without hash-type' },
  SOURCE_FILE_NOTHING_TO_REPLACE: { summary: 'replace-upstream is set but upstream has no such file' },
  SOURCE_FILE_NO_HASH: { summary: 'a source-files entry has no hash, so it cannot be verified' },
  SOURCE_FILE_ORIGIN: { summary: 'a source-files origin is missing or not a usable URL' },
  SOURCE_FILE_REPLACE: { summary: 'replace-upstream and replace-reason are not set together' },
  SOURCES_FILE_DUPLICATE: { summary: 'a rendered sources file lists a file twice' },
  SOURCES_FILE_INVALID: { summary: 'a line of a rendered sources file cannot be parsed' },

  // output paths
  OUTPUT_IS_A_DIRECTORY: { summary: 'an output file path names a directory' },
  OUTPUT_NOT_A_DIRECTORY: { summary: 'an output directory path exists and is not a directory' },
  OUTPUT_VIRTUAL_FS: { summary: "an output path is inside /proc, /sys or /dev, the kernel's virtual file systems" },

  // overlays
  OVERLAY_ARCHIVE_SKIPPED: { summary: 'an overlay on a lookaside archive that render does not fetch (applied by prepare-sources)' },
  OVERLAY_BAD_ARCHIVE: { summary: 'an overlay archive is not a tar archive' },
  OVERLAY_BAD_FIELD: { summary: 'an overlay field does not apply to this overlay type' },
  OVERLAY_BAD_REGEX: { summary: 'an overlay regex is not a valid RE2 regular expression' },
  OVERLAY_DEST_EXISTS: { summary: 'an overlay would create a file that already exists' },
  OVERLAY_FILES_NO_MATCH: { summary: 'an overlay file named by the component does not exist' },
  OVERLAY_FILE_EMPTY: { summary: 'an overlay file is empty' },
  OVERLAY_FILE_METADATA: { summary: 'an overlay inside an overlay file has its own metadata' },
  OVERLAY_FILE_NO_METADATA: { summary: 'an overlay file has no [metadata] table' },
  OVERLAY_FILE_NO_OVERLAYS: { summary: 'an overlay file has no [[overlays]]' },
  OVERLAY_METADATA: { summary: 'overlay metadata is invalid (e.g. a URL that is not absolute http(s))' },
  OVERLAY_MISSING_FIELD: { summary: 'an overlay lacks a field its type needs' },
  OVERLAY_MULTIPLE_MATCHES: { summary: 'a file overlay pattern matches several files where one is needed' },
  OVERLAY_NO_CHANGE: { summary: 'an overlay matched but changes nothing' },
  OVERLAY_NO_MATCH: { summary: 'an overlay matches nothing' },
  OVERLAY_NO_SUCH_TAG: { summary: 'a spec overlay names a tag the package does not have' },
  OVERLAY_PACKAGE_WITHOUT_SECTION: { summary: 'an overlay sets package without section' },
  OVERLAY_PATH_ESCAPES: { summary: "an overlay path leaves the component's sources" },
  OVERLAY_PATTERN_NOT_FOUND: { summary: 'a file-search-replace regex changes nothing in the matched files' },
  OVERLAY_SECTION_NOT_FOUND: { summary: 'a spec overlay names a section the spec does not have' },
  OVERLAY_SOURCE_NOT_FOUND: { summary: 'an overlay source file does not exist (found when the config is loaded)' },
  OVERLAY_SPEC_TARGET: { summary: 'a file overlay targets the spec file' },
  OVERLAY_UNBALANCED_CONDITIONAL: { summary: "the spec's conditionals are unbalanced, so a spec overlay cannot be placed safely" },
  OVERLAY_UNKNOWN_TYPE: { summary: 'an unknown overlay type' },

  // render
  PROVENANCE_RELEASE_UNKNOWN: { summary: 'the upstream %autorelease for fedora_upstream_release cannot be computed' },
  RELEASE_NOT_BUMPABLE: { summary: 'a Release to bump does not start with a number' },
  RELEASE_STATIC_AUTORELEASE: { summary: 'release.calculation is static but the spec uses %autorelease' },
  RELEASE_TAG_MISSING: { summary: 'the spec has no Release tag in the main package' },
  RENDER_BAD_NAME: { summary: 'a component name cannot be a directory name' },
  RENDER_FAILED: { summary: 'rendering a component failed' },
  RENDER_FETCH_FAILED: { summary: 'the spec cannot be read from dist-git at the resolved commit' },
  RENDER_NO_DIST_GIT: { summary: "the component's distro has no dist-git URL" },
  RENDER_OUTPUT_DIR_INVALID: { summary: 'render refuses an output directory (the project root, /, …)' },
  RENDER_SPEC_MISSING: { summary: 'dist-git has no spec of the component at the resolved commit' },

  // repositories and package verification
  REPO_BAD_KEY: { summary: 'a trusted key file cannot be read or is not an OpenPGP public key' },
  REPO_CREATEREPO_FAILED: { summary: 'createrepo_c failed while publishing' },
  REPO_HEADER_RANGE: { summary: "a package's header range differs from primary.xml" },
  REPO_METADATA_BAD_SIGNATURE: { summary: 'repomd.xml.asc does not verify with the trusted keys' },
  REPO_METADATA_CHECKSUM: { summary: 'a metadata file does not match its checksum in repomd.xml' },
  REPO_METADATA_FORMAT: { summary: 'primary metadata cannot be read in process' },
  REPO_METADATA_MISSING: { summary: 'a metadata file repomd.xml lists (or primary metadata) is missing' },
  REPO_METADATA_UNSIGNED: { summary: 'repodata/repomd.xml.asc is missing' },
  REPO_NOTHING_TO_PUBLISH: { summary: 'there are no built packages to publish', hint: 'run `strata component build` first' },
  REPO_NOT_FOUND: { summary: 'the directory is not a repository (no repodata/repomd.xml)' },
  REPO_NO_KEY: { summary: 'no trusted public key to verify a repository with' },
  REPO_PACKAGE_CHECKSUM: { summary: "a package file's checksum differs from primary.xml" },
  REPO_PACKAGE_IDENTITY: { summary: "a package's name, epoch, version, release or arch differs from primary.xml" },
  REPO_PACKAGE_MISSING: { summary: 'a package listed in primary.xml is missing' },
  REPO_PACKAGE_SIZE: { summary: "a package file's size differs from primary.xml" },
  REPO_PACKAGE_UNLISTED: { summary: 'an RPM file in the repository that the metadata does not list' },
  REPO_PATH_ESCAPES: { summary: 'a location in the repository metadata points outside the repository' },
  REPO_PUBLISH_UNVERIFIED: { summary: 'a freshly published repository does not verify, so it is not put in place' },
  REPO_TOUCH_FAILED: { summary: 'setting the file times of published packages failed' },
  REPO_UNKNOWN_CHANNEL: { summary: 'no built packages for the requested channel' },
  RPM_BAD_FORMAT: { summary: 'a file is not a readable RPM package' },
  RPM_BAD_SIGNATURE: { summary: "a package's header signature cannot be read or does not verify" },
  RPM_HEADER_DIGEST_MISMATCH: { summary: "a package's header digest does not match: the header was modified" },
  RPM_MD5_MISMATCH: { summary: "a package's legacy MD5 over header and payload does not match" },
  RPM_NO_HEADER_DIGEST: { summary: 'a package has no header digest' },
  RPM_PAYLOAD_COMPRESSION: { summary: "a package's payload compressor is not supported" },
  RPM_PAYLOAD_CORRUPT: { summary: "a package's payload cannot be decompressed or unpacked" },
  RPM_PAYLOAD_DIGEST_MISMATCH: { summary: "a package's payload digest does not match: the payload was modified" },
  RPM_PAYLOAD_FILE_MISMATCH: { summary: "a file in a package's payload differs from the header's digest or mode" },
  RPM_SIGNATURE_UNKNOWN_KEY: { summary: 'a package is signed by a key that is not trusted' },
  RPM_SIZE_MISMATCH: { summary: "a package's header+payload size differs from its signature header" },
  RPM_UNKNOWN_DIGEST: { summary: "a package's payload digest algorithm is not supported" },
  RPM_UNSIGNED: { summary: 'a package has no header signature' },

  // signing and trust
  SIGN_KEY_EXPORT: { summary: 'the public half of the signing key cannot be exported' },
  SIGN_KEY_IMPORT: { summary: 'the signing key file cannot be imported into GnuPG' },
  SIGN_KEY_MISSING: { summary: 'a signing key file does not exist or is not a file' },
  SIGN_KEY_NOT_FOUND: { summary: 'the signing keyring has no (matching) secret key' },
  SIGN_METADATA_FAILED: { summary: 'gpg cannot make the detached signature of repository metadata' },
  SIGN_NO_KEY: { summary: 'no signing key is configured', hint: 'add a [signing] table with key-file = "path/to/secret-key.asc"' },
  SIGN_RPM_FAILED: { summary: 'rpmsign failed' },
  TRUST_KEY_UNSUPPORTED: { summary: 'a key of a type the node:crypto signer does not support (Ed25519 and ECDSA P-256 are)' },
  TRUST_SIGNATURE_FORMAT: { summary: 'a signature cannot be read, or is of a format the verifier does not check' },
  TRUST_SIGNATURE_INVALID: { summary: 'a signature does not verify: the signed bytes or the signature were altered' },
  TRUST_SIGNATURE_UNKNOWN_KEY: { summary: 'a signature was made by a key that is not trusted' },

  // specs
  SPEC_BAD_DEFINE: { summary: "spec --define is not 'NAME VALUE'" },
  SPEC_BAD_EXPRESSION: { summary: 'an %if expression cannot be evaluated' },
  SPEC_BAD_FEDORA: { summary: '--fedora is not a release number' },
  SPEC_BRANCH_AFTER_ELSE: { summary: '%elif or %else after %else' },
  SPEC_CANNOT_DECIDE: { summary: 'an %if condition cannot be decided in process' },
  SPEC_CANNOT_EXPAND: { summary: 'a macro cannot be expanded in process (shell, Lua, unknown macro)' },
  SPEC_ELSE_WITHOUT_IF: { summary: '%else without %if' },
  SPEC_ENDIF_WITHOUT_IF: { summary: '%endif without %if' },
  SPEC_INCLUDE_NOT_FOLLOWED: { summary: '%include of a file the spec model does not follow' },
  SPEC_IS_DIRECTORY: { summary: 'a spec path is a directory' },
  SPEC_MACRO_ERROR: { summary: 'a macro expands to an %{error:…}' },
  SPEC_MACRO_NAME_MISSING: { summary: '%define or %global without a macro name' },
  SPEC_NONE_FOUND: { summary: 'no .spec files in the given paths' },
  SPEC_NOT_FOUND: { summary: 'a local spec does not exist or is not a file' },
  SPEC_PATH_NOT_FOUND: { summary: 'no such spec file' },
  SPEC_READ_FAILED: { summary: 'a spec file cannot be read' },
  SPEC_SPLICE_OVERLAP: { summary: 'spec edits overlap or fall outside the text' },
  SPEC_UNCLOSED_IF: { summary: '%if without %endif' },
  SPEC_UNCLOSED_MACRO: { summary: 'a macro call is never closed' },
  SPEC_UNKNOWN_TAG: { summary: 'a preamble tag rpm does not know' },

  // --- image layers (erofs, dm-verity, signed root hash, DDI, manifest, verification) ---
  LAYER_VERITY_FORMAT: { summary: 'a dm-verity hash device or its parameters cannot be read or used (superblock, block sizes, salt, data size)' },
} as const satisfies Record<string, CodeInfo>;

/**
 * Families of codes with a variable part: an operating-system error the CLI reports is
 * `IO_` + its errno name (IO_EACCES, IO_ENOSPC, …), whichever errno the system returns.
 */
export const DIAGNOSTIC_CODE_FAMILIES = {
  'IO_E*': { summary: 'an operating-system error on a path (the suffix is the errno name: IO_EACCES, IO_ENOSPC, IO_EXDEV, …)' },
} as const satisfies Record<string, CodeInfo>;

/** A registered diagnostic code. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES | `IO_E${string}`;
