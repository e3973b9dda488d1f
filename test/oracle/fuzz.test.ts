/**
 * Differential fuzzing in the test suite: at least 1,000 inputs per profile through the model and the
 * kernel code. Every disagreement must belong to a class already reported (known-open.ts, each with a
 * regression case); a new one fails the test with its minimized input.
 */
import {describe, expect, it} from 'vitest'
import {profileByName} from '../../src/model/profiles.js'
import {formatDifferences} from '../../src/oracle/compare.js'
import {checkImage, fuzzProfile} from '../../src/oracle/fuzz/fuzz.js'
import {knownOpenClassOf} from '../../src/oracle/fuzz/known-open.js'
import {minimizeImage, toSparse} from '../../src/oracle/fuzz/minimize.js'
import {rngFrom} from '../../src/oracle/fuzz/mutate.js'
import {OracleProcess} from '../../src/oracle/run.js'
import {PROFILES, availability, oracleBinary} from './oracle-env.js'

const COUNT = 1000

for (const name of PROFILES) {
  const binary = oracleBinary(name)
  describe.skipIf(!availability(`fuzzing ${name}`, binary !== undefined))(`model vs kernel code, Linux ${name}`, () => {
    it(`agrees on ${COUNT} fuzzed config spaces (apart from known open classes)`, {timeout: 120_000}, async () => {
      expect(binary, 'no oracle build for this profile').toBeDefined()
      const proc = new OracleProcess(binary!)
      const profile = profileByName(name)!
      try {
        const stats = await fuzzProfile(proc, profile, {count: COUNT, seed: 20261125, maxFindings: COUNT})
        expect(stats.inputs).toBe(COUNT)
        const fresh = stats.findings.filter((f) => !knownOpenClassOf(f))
        const report: string[] = []
        for (const f of fresh.slice(0, 3)) {
          const min = await minimizeImage(proc, profile, f.image, [...new Set(f.differences.map((d) => d.kind))])
          const r = await checkImage(proc, profile, `${f.id}-min`, min, rngFrom(1))
          report.push(`${f.id}: ${JSON.stringify(toSparse(min))}\n${formatDifferences(r.differences)}`)
        }
        console.log(
          `[oracle fuzz] ${name}: ${stats.inputs} inputs, agree ${stats.agree}, both undetermined ${stats.bothUndetermined}, ` +
            `confirmed by fill-in ${stats.fillInConfirmed}, disagree ${stats.disagree} (${stats.disagree - fresh.length} in known open classes)`,
        )
        expect(report, report.join('\n\n')).toEqual([])
        // The fuzzer must reach every kind of outcome, or it proves little.
        for (const rc of ['0', 'ENODEV', 'EINVAL', 'hang', 'undetermined']) expect(stats.kernelRc[rc] ?? 0, `kernel rc ${rc}`).toBeGreaterThan(5)
      } finally {
        await proc.close()
      }
    })
  })
}

describe('the harness under failure injection', () => {
  for (const name of PROFILES) {
    const binary = oracleBinary(name)
    it.skipIf(!availability(`injection fuzzing ${name}`, binary !== undefined))(
      `never crashes and always answers on ${name} (1000 mutated inputs with random region/ioremap/DMA failures)`,
      {timeout: 60_000},
      async () => {
        const {mutate, rngFrom: rng0} = await import('../../src/oracle/fuzz/mutate.js')
        const {SEEDS, qemuLikeImage} = await import('../../src/oracle/fuzz/seeds.js')
        const {caseFor} = await import('../../src/oracle/fuzz/fuzz.js')
        const rng = rng0(7)
        const seeds = SEEDS.map(qemuLikeImage)
        const bars = () => [0, 1, 2, 3, 4, 5].filter(() => rng() < 0.2)
        const proc = new OracleProcess(binary!)
        try {
          const results = await proc.runAll(
            Array.from({length: 1000}, (_, i) => ({
              ...caseFor(`inj-${i}`, mutate(seeds[i % seeds.length]!, rng).image),
              injections: {requestFail: bars(), mapFail: bars(), dma64Fail: rng() < 0.3, dma32Fail: rng() < 0.3},
            })),
          )
          const rcs = new Set(results.map((r) => r.rc))
          for (const rc of rcs) expect(['0', 'ENODEV', 'EINVAL', 'ENOMEM', 'EIO', 'EBUSY', 'hang', 'undetermined']).toContain(rc)
          expect(rcs.has('EBUSY')).toBe(true)
          const busy = results.find((r) => r.rc === 'EBUSY')!
          expect(busy.messages.some((m) => /BAR \d: can't reserve \[(io  |mem )0x[0-9a-f]+/.test(m.text))).toBe(true)
        } finally {
          await proc.close()
        }
      },
    )
  }
})
