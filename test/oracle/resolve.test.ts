import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {currentGlueHash} from '../../src/oracle/build.js'
import {resolveOracle, versionInSeries} from '../../src/oracle/resolve.js'

describe('versionInSeries', () => {
  it('matches a stable version to its series and anything newer than 6.12 to mainline', () => {
    expect(versionInSeries('6.1.192', '6.1')).toBe(true)
    expect(versionInSeries('6.12.117', '6.1')).toBe(false)
    expect(versionInSeries('6.12.117', '6.12')).toBe(true)
    expect(versionInSeries('7.3.4', 'mainline')).toBe(true)
    expect(versionInSeries('6.13', 'mainline')).toBe(true)
    expect(versionInSeries('6.12.117', 'mainline')).toBe(false)
  })
})

describe('resolveOracle', () => {
  const cache = mkdtempSync(join(tmpdir(), 'probediff-resolve-'))
  const saved = process.env.PROBEDIFF_CACHE
  const fakeBuild = (name: string, kernelVersion: string, builtAt: string, glueHash: string): string => {
    const dir = join(cache, 'oracle', 'builds', name)
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'probediff-oracle'), '')
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({kernelVersion, builtAt, glueHash, hash: name}))
    return join(dir, 'probediff-oracle')
  }
  let newest61: string
  beforeAll(() => {
    process.env.PROBEDIFF_CACHE = cache
    const glue = currentGlueHash()
    fakeBuild('6.1-old', '6.1.150', '2026-01-01T00:00:00Z', glue)
    newest61 = fakeBuild('6.1-new', '6.1.192', '2026-06-01T00:00:00Z', glue)
    fakeBuild('6.1-stale-glue', '6.1.199', '2026-12-01T00:00:00Z', 'not-this-glue')
    fakeBuild('6.12', '6.12.117', '2026-06-01T00:00:00Z', glue)
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.PROBEDIFF_CACHE
    else process.env.PROBEDIFF_CACHE = saved
    rmSync(cache, {recursive: true, force: true})
  })

  it('auto: the newest build of the series made with the current glue', () => {
    expect(resolveOracle('auto', '6.1')?.binary).toBe(newest61)
    expect(resolveOracle('auto', '6.12')?.manifest?.kernelVersion).toBe('6.12.117')
    expect(resolveOracle('auto', '5.10')).toBeUndefined()
    expect(resolveOracle('auto', 'mainline')).toBeUndefined()
  })

  it('a build directory or a binary path, with its manifest', () => {
    const dir = join(cache, 'oracle', 'builds', '6.12')
    expect(resolveOracle(dir, '6.1')?.binary).toBe(join(dir, 'probediff-oracle'))
    expect(resolveOracle(join(dir, 'probediff-oracle'), '6.1')?.manifest?.kernelVersion).toBe('6.12.117')
    expect(() => resolveOracle(join(cache, 'nothing-here'), '6.1')).toThrow(/no oracle harness at .*nothing-here/)
  })
})
