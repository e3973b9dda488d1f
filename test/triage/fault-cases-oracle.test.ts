/**
 * The hand-made fault cases through the kernel-source oracle: the kernel's own virtio-pci code (built
 * from the Debian sources of the case's profile) must agree with the model, case by case. This is the
 * machine check next to the hand check recorded in each case.json (kernelCheck.checkedAgainst).
 */
import {afterAll, describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {toProbeInput} from '../../src/model/probe-input.js'
import {corpusPaths, caseInputs, readCaseMeta} from '../../src/corpus/corpus.js'
import {profileByName} from '../../src/model/profiles.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {compareWithModel, formatDifferences} from '../../src/oracle/compare.js'
import type {DebianSeries} from '../../src/oracle/debian.js'
import {OracleProcess} from '../../src/oracle/run.js'
import {availability, oracleBinary} from '../oracle/oracle-env.js'
import {FAULT_CASES} from './fault-cases.js'

const paths = corpusPaths(new URL('../..', import.meta.url).pathname)
const procs = new Map<string, OracleProcess>()
afterAll(async () => {
  for (const p of procs.values()) await p.close()
})

for (const name of FAULT_CASES) {
  const meta = await readCaseMeta(paths, name)
  const series = meta.replay?.kernel as DebianSeries
  const binary = oracleBinary(series)
  describe.skipIf(!availability(`${name} on ${series}`, binary !== undefined))(`${name} (${series}): model = kernel code`, () => {
    it('agrees on rc, transport, messages and mappings', async () => {
      const inputs = await caseInputs(paths, meta)
      const evidence = await buildEvidence(inputs.map((i) => ({path: i.path, displayName: i.displayName})), {})
      const dev = evidence.devices.find((d) => d.config !== undefined)!
      const input = toProbeInput(dev, {forceLegacy: meta.replay?.forceLegacy === true})
      let proc = procs.get(series)
      if (!proc) procs.set(series, (proc = new OracleProcess(binary!)))
      const kernel = await proc.run({id: name, input})
      const model = predict(input, profileByName(series)!)
      expect(kernel.rc, 'the oracle ran the probe to an end').not.toBe('undetermined')
      const cmp = compareWithModel(kernel, model)
      expect(cmp.verdict, formatDifferences(cmp.differences)).toBe('agree')
      expect(kernel.rc === 'hang' ? 'hang' : kernel.rc).toBe(model.rc)
    })
  })
}
