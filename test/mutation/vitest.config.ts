/**
 * The tests Stryker runs against each mutant (`npm run mutation`): the unit and corpus tests of the
 * layers it mutates. Command, golden, capture and oracle tests are left out: they are slow, need QEMU
 * or a built oracle, and reach these layers only through the ones above.
 */
import {defineConfig} from 'vitest/config'
import base from '../../vitest.config.js'

export default defineConfig({
  ...base,
  test: {...base.test, include: ['test/model/**/*.test.ts', 'test/outcome/**/*.test.ts', 'test/evidence/**/*.test.ts']},
})
