// One scope at a time, each with its own report and incremental file, and every covering test run on
// every mutant (disableBail), so that each mutant lists all of its killers and the score an earlier
// commit's tests reach alone can be read from the same report (`mutation:score -- --tests-before`):
//   MUTATION_SCOPE=model npx stryker run test/mutation/stryker-scope.config.mjs        # all of src/model
//   MUTATION_SCOPE=ev-small MUTATION_FILES=src/evidence/status.ts,src/evidence/regions.ts npx stryker run test/mutation/stryker-scope.config.mjs
// Reports: reports/mutation/<scope>.json; `npm run mutation:score -- reports/mutation/*.json` reads
// several as one.
import base from '../../stryker.config.mjs'

const scope = process.env.MUTATION_SCOPE ?? 'model'
const files = process.env.MUTATION_FILES ? process.env.MUTATION_FILES.split(',') : [`src/${scope}/**/*.ts`, '!src/**/index.ts']

export default {
  ...base,
  mutate: files,
  disableBail: true,
  incrementalFile: `reports/mutation/${scope}-incremental.json`,
  reporters: ['progress-append-only', 'json'],
  jsonReporter: {fileName: `reports/mutation/${scope}.json`},
  tempDirName: `.stryker-tmp-${scope}`,
}
