// The test files that dominate the suite's wall time, slowest first: the corpus harnesses
// (measured with `node --test --test-reporter=spec` on a loaded 2-core machine: azl-render golden
// ~160 s before sharding, rpmautospec corpus ~110 s, rpmspec agreement ~90 s, Azure Linux tree
// ~80 s, Fedora round trip ~60 s, the golden dist-git trees against git archive ~70 s), then the files that run real rpmbuild/mock/gpg.
// run-tests.mjs starts them before the others; the rest keep their path order. A full run fails when
// an entry names no test file (a moved test would otherwise silently lose its early start).
export const SLOW_TESTS = [
  'render/golden.test.js',
  'render/autospec/corpus.test.js',
  'sources/git/object-store.test.js',
  'config/azurelinux.test.js',
  'spec/roundtrip.test.js',
  'spec/rpmspec-agreement.test.js',
  'build/prepare-sources.test.js',
  'build/mock.test.js',
  'build/run-build.test.js',
  'repo/repo.test.js',
  'cli/commands/build-repo.test.js',
  'rebase/rebase.test.js',
];

/** `files` with the known slow ones first (in SLOW_TESTS order), the others after them in their order. */
export function slowFirst(files) {
  const rank = (f) => {
    const i = SLOW_TESTS.findIndex((s) => f.replaceAll('\\', '/').endsWith(`/${s}`));
    return i === -1 ? SLOW_TESTS.length : i;
  };
  return files.map((f, i) => [rank(f), i, f]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , f]) => f);
}

/** SLOW_TESTS entries that name none of `files` (a test that moved or was renamed). */
export function staleSlowTests(files) {
  return SLOW_TESTS.filter((s) => !files.some((f) => f.replaceAll('\\', '/').endsWith(`/${s}`)));
}
