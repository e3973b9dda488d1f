// The CI slice (`npm run mutation:ci`, run by .ci/run): a fixed sample of the kernel model, the files
// with the probe's range and map checks, mutated in full and run against the unit tests; the run fails
// when the score without the listed equivalents (test/mutation/equivalent.json) drops below 95%.
// No incremental file: CI starts from a clean clone. 244 mutants (133 of them step prose or compile
// errors, not run): 6 min on this shared 2-core machine at load ~6 (27 min at load ~25).
// Beside it, the lines of the rest of src/model that the change under test brought in (changed-lines.mjs:
// since the merge base on a branch, since the first parent on main; at most 25 lines of code: about 15 mutants more).
import base from '../../stryker.config.mjs'
import {changedModelRanges} from './changed-lines.mjs'

export const CI_SAMPLE = ['modern-probe', 'legacy-probe', 'pci-iomap'].map((f) => `src/model/${f}.ts`)

export default {
  ...base,
  mutate: [...CI_SAMPLE, ...changedModelRanges(CI_SAMPLE)],
  incremental: false,
  reporters: ['clear-text', 'json'],
  jsonReporter: {fileName: 'reports/mutation/ci.json'},
  clearTextReporter: {reportMutants: false},
  tempDirName: '.stryker-tmp-ci',
}
