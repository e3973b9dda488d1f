/**
 * `probediff --version` is answered before oclif loads (start-up): it must print what oclif would.
 */
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/run-cli.js'
import {runProcess} from '../helpers/run-cli-process.js'

describe('--version', () => {
  it("prints oclif's user agent line, without loading oclif", async () => {
    const config = await Config.load(PROJECT_ROOT)
    const result = await runProcess(['--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(`${config.userAgent}\n`)
  })
})
