/**
 * The tests Stryker runs against each mutant (`npm run mutation`): the unit tests of the layers it
 * mutates. The corpus replays (the two corpus.test.ts, 5-9 s a run under coverage), command, golden,
 * capture and oracle tests are left out: the score is what the unit tests pin on their own.
 */
import {defineConfig} from 'vitest/config'
import base from '../../vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/model/**/*.test.ts', 'test/outcome/**/*.test.ts', 'test/evidence/**/*.test.ts'],
    exclude: ['test/outcome/corpus.test.ts', 'test/evidence/corpus.test.ts'],
  },
})
