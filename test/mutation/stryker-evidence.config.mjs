// src/evidence a file (or a line range) at a time, each run with its own report and incremental file,
// so that partial results are usable on a shared machine:
//   EV_NAME=bars1 npx stryker run test/mutation/stryker-evidence.config.mjs --mutate 'src/evidence/bars.ts:1-233'
//   npm run mutation:score -- reports/mutation/ev-*.json
// No TypeScript checker: on the shared 2-core machine it took 70% of the run's CPU. Mutants that do not
// compile are then run too and counted by what the tests say (the full config, stryker.config.mjs,
// leaves them out).
import base from '../../stryker.config.mjs'

const name = process.env.EV_NAME ?? 'evidence'

export default {
  ...base,
  concurrency: 1,
  checkers: [],
  incremental: true,
  incrementalFile: `reports/mutation/ev-${name}-incremental.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: {fileName: `reports/mutation/ev-${name}.json`},
  clearTextReporter: {reportMutants: false},
  tempDirName: '.stryker-tmp-ev',
}
