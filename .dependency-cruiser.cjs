// Layering rule from shared/STYLE.md: domain folders import `diag` and the domain folders
// "below" them; nothing imports `cli`; only `cli` wires `adapters` (domain code may import
// adapter *types* through `adapters/types.ts`, which holds interfaces only). Domain code never
// imports I/O modules of node (fs, child_process, network): it reaches the system through the
// adapter interfaces only. Test harnesses (`*.test.ts`, `*.bench.ts`, `src/testing/`) wire real
// adapters and are not checked, but no product code may import them.
//
// Layers, lowest first:
//   util   generic helpers (worker pool, directory replacement, compression tools, path containment)
//   trust  signing and verification seams: the one-method Signer, verification as named steps
//   rpm    the RPM file format (header, payload, digests): read by build, repo, attest, image
//   koji   Koji as a build backend: the XML-RPC dialect, sessions, setup, submission, watching, results
//   attest build evidence from the build record (SPDX, CycloneDX, DSSE-signed SLSA provenance) and
//          `strata verify`; below repo, whose publish places the evidence beside the packages
//   rebase re-applies overlays to a new upstream and classifies them (above render, which it reuses)
//   image  kiwi definitions, layers (erofs + dm-verity + signed root hash), composition, outputs
//   cve    advisory feeds (OSV, OVAL), matching, rebuild plans; knows images to name the layers hit
//   report the audit report over everything below
const order = ['util', 'trust', 'spec', 'config', 'overlay', 'sources', 'render', 'rebase', 'rpm', 'build', 'koji', 'attest', 'repo', 'image', 'cve', 'report'];
const ioModules = '^(node:)?(fs|fs/promises|child_process|http|https|http2|net|tls|dgram|dns|dns/promises|cluster|worker_threads|readline|repl|inspector)$';
const forbidden = [
  {
    name: 'no-import-cli',
    comment: 'Nothing but cli (and the bin entry) imports cli.',
    severity: 'error',
    from: { path: '^src/(?!cli/)' },
    to: { path: '^src/cli/' },
  },
  {
    name: 'no-import-testing',
    comment: 'Product code never imports test harnesses (src/testing/).',
    severity: 'error',
    from: { path: '^src/(?!testing/)' },
    to: { path: '^src/testing/' },
  },
  {
    name: 'diag-is-a-leaf',
    comment: 'diag imports nothing else of ours.',
    severity: 'error',
    from: { path: '^src/diag/' },
    to: { path: '^src/(?!diag/)' },
  },
  {
    name: 'domain-uses-adapter-interfaces-only',
    comment: 'Domain code sees adapters only through their interfaces (src/adapters/types.ts).',
    severity: 'error',
    from: { path: `^src/(${order.join('|')})/` },
    to: { path: '^src/adapters/(?!types\\.ts$)' },
  },
  {
    name: 'domain-does-no-io',
    comment: 'Domain code reaches the file system, processes and the network only through adapters.',
    severity: 'error',
    from: { path: `^src/(diag|${order.join('|')})/` },
    to: { dependencyTypes: ['core'], path: ioModules },
  },
  {
    name: 'adapters-do-not-import-domain',
    comment: 'Adapters are small and know nothing of the domain beyond diag.',
    severity: 'error',
    from: { path: '^src/adapters/' },
    to: { path: `^src/(${order.join('|')})/` },
  },
];
order.forEach((layer, i) => {
  const above = order.slice(i + 1);
  if (above.length === 0) return;
  forbidden.push({
    name: `${layer}-imports-only-below`,
    comment: `${layer} may import only layers below it (${order.slice(0, i).join(', ') || 'none'}).`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(${above.join('|')})/` },
  });
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // tests, benchmarks and test helpers are harnesses: they wire real adapters
    exclude: { path: '(\\.(test|bench)\\.ts$)|(^src/testing/)|(/testing/)' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
