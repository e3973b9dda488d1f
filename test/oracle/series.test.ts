/**
 * An oracle knows the release it was built from: an explicit --oracle PATH is compared with the model
 * at that release (never a 6.1 build against the 5.10 model), `--against auto` picks the same
 * release, user cases get their series from case.json, and `triage --oracle` shows the kernel code.
 */
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import Check from '../../src/commands/check.js'
import OracleCorpus from '../../src/commands/oracle/corpus.js'
import Triage from '../../src/commands/triage.js'
import {caseSeries, loadCorpus} from '../../src/oracle/corpus.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'
import {availability, oracleBinary} from './oracle-env.js'

const traces = join(PROJECT_ROOT, 'traces')
const work = mkdtempSync(join(tmpdir(), 'probediff-series-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('the series of a case', () => {
  it('comes from replay.kernel, else the captured kernel release, else a k<series>- name', () => {
    expect(caseSeries({replay: {kernel: '5.10'}}, 'k6.1-x')).toBe('5.10')
    expect(caseSeries({kernel: {release: '6.12.117+deb13-amd64'}}, 'my-capture')).toBe('6.12')
    expect(caseSeries({kernel: {release: '6.1.0-50-amd64'}}, 'k5.10-x')).toBe('6.1')
    expect(caseSeries({}, 'k6.12-x')).toBe('6.12')
    expect(caseSeries({}, 'my-capture')).toBeUndefined()
  })

  it('includes a user capture whose name says nothing about the kernel (case.json does)', async () => {
    const dir = join(work, 'traces')
    cpSync(join(traces, 'k6.12-pc-modern-only'), join(dir, 'my-new-capture'), {recursive: true})
    const skipped: string[] = []
    const devices = await loadCorpus(dir, {onSkip: (n, why) => skipped.push(`${n}: ${why}`)})
    expect(skipped).toEqual([])
    expect(devices.map((d) => [d.caseName, d.series])).toEqual([
      ['my-new-capture', '6.12'],
      ['my-new-capture', '6.12'],
      ['my-new-capture', '6.12'],
    ])
    expect(devices[0]!.qemuDevice).toBe('virtio-net-pci')
  })
})

const build61 = oracleBinary('6.1')
describe.skipIf(!availability('series-correct oracles', build61 !== undefined))('an explicit oracle is compared at its own release', () => {
  it('oracle corpus --oracle 6.1-BUILD --against auto: every case, model agrees, 0 changed', async () => {
    const run = await runCli(OracleCorpus, ['--oracle', dirname(build61!), '--against', 'auto', '--root', PROJECT_ROOT])
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/k5\.10-pc-modern-only 0000:00:02\.0 \(5\.10, on 6\.1\): kernel 0 modern, model agree/)
    expect(run.stdout).toMatch(/^\d+ devices: model = kernel code on (\d+), differs on 0; 0 changed against auto$/m)
  })

  it('check --oracle 6.1-BUILD on 5.10 and 6.12 captures compares with the 6.1 model: all agree', async () => {
    const run = await runCli(Check, ['--root', PROJECT_ROOT, '--update=none', '--jobs', '1', '--oracle', dirname(build61!), 'k5.10-pc-modern-only', 'k6.12-pc-transitional'], {CI: undefined})
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.stdout).toMatch(/^k5\.10-pc-modern-only\s+3\s+match\s+agree\s+agree\s+ok$/m)
  })

  it('--filter is exact or a glob: k6.1 matches nothing, k6.1-* no k6.12 case', async () => {
    const none = await runCli(OracleCorpus, ['--filter', 'k6.1', '--root', PROJECT_ROOT])
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain('--filter k6.1: no case')
    const glob = await runCli(OracleCorpus, ['--filter', 'k6.1-*', '--root', PROJECT_ROOT])
    expect(glob.exitCode, glob.stdout).toBe(0)
    expect(glob.stdout).toContain('k6.1-pc-modern-only ')
    expect(glob.stdout).not.toContain('k6.12-')
  })

  it('triage --oracle shows what the kernel code did', async () => {
    const run = await runCli(Triage, ['k6.1-pc-legacy-only', '--device', '00:02.0', '--oracle', 'auto', '--root', PROJECT_ROOT])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^Oracle {6}kernel code 6\.1\.\d+: agrees with the model$/m)
    const other = await runCli(Triage, ['k5.10-pc-legacy-only', '--device', '00:02.0', '--oracle', dirname(build61!), '--root', PROJECT_ROOT])
    expect(other.stdout).toMatch(/^Oracle {6}kernel code 6\.1\.\d+ vs the model at 6\.1: agrees with the model$/m)
  })
})
