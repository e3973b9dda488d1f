/**
 * Model = kernel code on every virtio-pci function of the shipped corpus (traces/), each on the
 * profile it was captured with.
 */
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {profileByName} from '../../src/model/profiles.js'
import {compareWithModel, formatDifferences} from '../../src/oracle/compare.js'
import {loadCorpus} from '../../src/oracle/corpus.js'
import {OracleProcess} from '../../src/oracle/run.js'
import {PROJECT_ROOT} from '../helpers/run-cli.js'
import {BOOTABLE_SERIES} from '../../src/model/series.js'
import {availability, oracleBinary} from './oracle-env.js'

/** The series the corpus was captured on (no mainline captures: Debian ships no such kernel image here). */
const PROFILES = BOOTABLE_SERIES

const corpus = await loadCorpus(join(PROJECT_ROOT, 'traces'))
const procs: OracleProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.close()
})

describe('the shipped corpus', () => {
  it('has virtio-pci functions for every profile', () => {
    for (const p of PROFILES) expect(corpus.filter((d) => d.series === p).length, p).toBeGreaterThan(10)
  })
})

for (const profile of PROFILES) {
  const binary = oracleBinary(profile)
  describe.skipIf(!availability(`corpus on ${profile}`, binary !== undefined))(`corpus, Linux ${profile}: model = kernel code`, () => {
    for (const d of corpus.filter((x) => x.series === profile)) {
      it(`${d.caseName} ${d.bdf}`, async () => {
        let proc = procs[PROFILES.indexOf(profile)]
        if (!proc) procs[PROFILES.indexOf(profile)] = proc = new OracleProcess(binary!)
        const kernel = await proc.run({id: `${d.caseName}/${d.bdf}`, input: d.input})
        expect(kernel.rc).not.toBe('undetermined')
        const cmp = compareWithModel(kernel, predict(d.input, profileByName(profile)!))
        expect(cmp.verdict, formatDifferences(cmp.differences)).toBe('agree')
      })
    }
  })
}
