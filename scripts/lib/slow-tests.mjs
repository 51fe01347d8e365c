// The test files that dominate the suite's wall time, slowest first (measured with
// `node --test --test-reporter=spec`; the corpus harnesses and the real rpmbuild/mock builds).
// run-tests.mjs starts them before the others; the rest keep their path order.
export const SLOW_TESTS = [
  'render/golden.test.js',
  'render/autospec/corpus.test.js',
  'config/azurelinux.test.js',
  'spec/roundtrip.test.js',
  'spec/rpmspec-agreement.test.js',
  'build/mock.test.js',
  'build/run-build.test.js',
  'repo/repo.test.js',
  'cli/commands/build-repo.test.js',
];

/** `files` with the known slow ones first (in SLOW_TESTS order), the others after them in their order. */
export function slowFirst(files) {
  const rank = (f) => {
    const i = SLOW_TESTS.findIndex((s) => f.replaceAll('\\', '/').endsWith(`/${s}`));
    return i === -1 ? SLOW_TESTS.length : i;
  };
  return files.map((f, i) => [rank(f), i, f]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , f]) => f);
}
