// The oracle as a mutant killer: `npm run mutation:oracle-fuzz` runs Stryker on the kernel-probe files
// of src/model with a short `fuzz:oracle` (every boundary seed of boundaries.ts, then 128 generated
// inputs, 4 profiles, no corpus) as the whole test command, on the boundary mutants (EqualityOperator:
// `<` <-> `<=`, `===` <-> `!==`); `-- --mutator.excludedMutations ...` widens it (README). A mutant is
// killed when the model then disagrees with the kernel's own code.
// Needs the oracle builds (`probediff oracle build --debian 5.10` etc.). Reports: reports/mutation/oracle-fuzz.*
import base from '../../stryker.config.mjs'

const PROBE = ['virtio-pci-probe', 'modern-probe', 'find-capability', 'map-capability', 'legacy-probe', 'pci-core', 'pci-dev', 'pci-iomap', 'device-context']
const OTHER_MUTATORS = ['ArithmeticOperator', 'ArrayDeclaration', 'ArrowFunction', 'AssignmentOperator', 'BlockStatement', 'BooleanLiteral', 'ConditionalExpression', 'LogicalOperator', 'MethodExpression', 'ObjectLiteral', 'OptionalChaining', 'Regex', 'StringLiteral', 'UnaryOperator', 'UpdateOperator']

export default {
  ...base,
  testRunner: 'command',
  commandRunner: {command: 'node_modules/.bin/tsx src/oracle/fuzz/cli.ts --random 128 --corpus none --show 0'},
  // The command starts a fresh process per mutant: allow for a loaded machine.
  timeoutMS: 60000,
  coverageAnalysis: 'off',
  mutate: PROBE.map((f) => `src/model/${f}.ts`),
  mutator: {excludedMutations: OTHER_MUTATORS},
  concurrency: 1,
  incrementalFile: 'reports/mutation/oracle-fuzz-incremental.json',
  htmlReporter: {fileName: 'reports/mutation/oracle-fuzz.html'},
  jsonReporter: {fileName: 'reports/mutation/oracle-fuzz.json'},
  tempDirName: '.stryker-tmp-oracle-fuzz',
}
