import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // oclif prints with console.log: let it reach process.stdout, where command tests capture it.
    disableConsoleIntercept: true,
  },
})
