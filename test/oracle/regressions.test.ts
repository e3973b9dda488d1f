/**
 * Every disagreement the oracle found, minimized (test/oracle/regressions/*.json). A `fixed` case: the
 * model must agree with the recorded kernel outcome. An `open` one: the model is known to differ; the
 * test fails once it agrees, so the case gets marked fixed. With an oracle build at hand, the recorded
 * kernel outcome is re-checked against the kernel code too.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {profileByName} from '../../src/model/profiles.js'
import {compareWithModel, formatDifferences} from '../../src/oracle/compare.js'
import {caseFor} from '../../src/oracle/fuzz/fuzz.js'
import {toProbeInput} from '../../src/oracle/fuzz/image.js'
import {fromSparse} from '../../src/oracle/fuzz/minimize.js'
import {type RegressionCase, asOracleResult, recordKernel} from '../../src/oracle/fuzz/regression.js'
import {OracleProcess} from '../../src/oracle/run.js'
import {IN_CI, oracleBinary} from './oracle-env.js'

const DIR = join(import.meta.dirname, 'regressions')
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
const procs = new Map<string, OracleProcess>()
afterAll(async () => {
  for (const p of procs.values()) await p.close()
})

describe('oracle regressions', () => {
  it('has cases', () => expect(files.length).toBeGreaterThan(0))
  for (const file of files) {
    const c = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as RegressionCase
    for (const [profileName, kernel] of Object.entries(c.kernel)) {
      it(`${file} on ${profileName}: model ${c.status === 'fixed' ? 'agrees with' : 'still differs from (open)'} the kernel code`, () => {
        const image = fromSparse(c.image)
        const model = predict(toProbeInput(image), profileByName(profileName)!)
        // A recorded outcome keeps no reads (regression.ts).
        const cmp = compareWithModel(asOracleResult(file, kernel), model, undefined, {reads: false})
        if (c.status === 'fixed') expect(cmp.verdict, formatDifferences(cmp.differences)).toBe('agree')
        else expect(cmp.verdict, `${file} now agrees: mark it "fixed" and drop its class from known-open.ts`).not.toBe('agree')
      })
      it(`${file} on ${profileName}: the recorded kernel outcome is what the kernel code does`, async (ctx) => {
        const binary = oracleBinary(profileName as '5.10' | '6.1' | '6.12')
        if (!binary) {
          if (IN_CI) throw new Error(`no oracle build for ${profileName}`)
          ctx.skip()
        }
        let proc = procs.get(profileName)
        if (!proc) procs.set(profileName, (proc = new OracleProcess(binary!)))
        const now = await proc.run(caseFor(file, fromSparse(c.image)))
        expect(recordKernel(now)).toEqual(kernel)
      })
    }
  }
})
