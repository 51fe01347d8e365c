// Layering rule from shared/STYLE.md: domain folders import `diag` and the domain folders
// "below" them; nothing imports `cli`; only `cli` wires `adapters` (domain code may import
// adapter *types* through `adapters/types.ts`, which holds interfaces only).
const order = ['spec', 'config', 'overlay', 'sources', 'render', 'build', 'repo', 'attest', 'image', 'report'];
const forbidden = [
  {
    name: 'no-import-cli',
    comment: 'Nothing but cli (and the bin entry) imports cli.',
    severity: 'error',
    from: { path: '^src/(?!cli/)' },
    to: { path: '^src/cli/' },
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
    exclude: { path: '\\.(test|bench)\\.ts$' }, // tests and benchmarks are harnesses: they wire real adapters
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
