// Mutation testing of the model and the layers beside it: `npm run mutation` (not part of `npm test`).
// Scope one folder with `npm run mutation -- --mutate 'src/model/**/*.ts'`. Reports (HTML, JSON) and
// the incremental file go to reports/mutation/ (not committed); a re-run tests only changed code.
// Mutants that cannot change any outcome are marked in the source with
// `// Stryker disable next-line <mutator>: <reason>` (see test/mutation/README.md).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {configFile: 'test/mutation/vitest.config.ts', related: true},
  coverageAnalysis: 'perTest',
  plugins: ['@stryker-mutator/*', './test/mutation/ignore-step-prose.mjs'],
  ignorers: ['step-prose'],
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: {prioritizePerformanceOverAccuracy: true},
  mutate: ['src/model/**/*.ts', 'src/outcome/**/*.ts', 'src/evidence/**/*.ts', '!src/**/index.ts'],
  ignorePatterns: ['dist', 'reports', '.stryker-tmp*', '.probediff-cache', 'bench-data'],
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: {fileName: 'reports/mutation/mutation.html'},
  jsonReporter: {fileName: 'reports/mutation/mutation.json'},
  concurrency: 2,
  thresholds: {high: 95, low: 90, break: null},
  // Under load a normal run can take much longer than the dry run: a generous margin, so that only
  // real hangs (a mutant that loops) count as timeouts.
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
}
