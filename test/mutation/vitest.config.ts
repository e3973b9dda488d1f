/**
 * The tests Stryker runs against each mutant (`npm run mutation`): the unit tests of the layers it
 * mutates. The corpus replays (the two corpus.test.ts, 5-9 s a run under coverage), command, golden,
 * capture and oracle tests are left out, and so are test/evidence's whole-capture and property tests
 * (listed below): the score is what the unit tests pin on their own.
 */
import {defineConfig} from 'vitest/config'
import base from '../../vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/model/**/*.test.ts', 'test/outcome/**/*.test.ts', 'test/evidence/**/*.test.ts'],
    exclude: [
      'test/outcome/corpus.test.ts',
      'test/evidence/corpus.test.ts',
      // 5-17 s each, on every mutant of src/evidence they cover: CLI replays of the arm64 captures,
      // whole traces/ captures, a property run, both config-path roads on whole captures
      'test/evidence/host-bridge-io-window.test.ts',
      'test/evidence/headers-roms.test.ts',
      'test/evidence/properties.test.ts',
      'test/evidence/config-path-fast-path.test.ts',
    ],
  },
})
