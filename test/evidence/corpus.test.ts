/**
 * Invariants of the evidence over every shipped real capture (traces/<case>/case.json): what QEMU and
 * the capture setup guarantee must show up, and nothing may look like a contradiction.
 */
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import type {EvidenceSet} from '../../src/evidence/types.js'

const TRACES = fileURLToPath(new URL('../../traces/', import.meta.url))

interface CaseFile {
  readonly name: string
  readonly devices: readonly {readonly type: string}[]
  readonly events: {readonly set: string}
  readonly inputs: readonly string[]
}

const cases: CaseFile[] = existsSync(TRACES)
  ? readdirSync(TRACES)
      .filter((d) => existsSync(`${TRACES}${d}/case.json`))
      .map((d) => JSON.parse(readFileSync(`${TRACES}${d}/case.json`, 'utf8')) as CaseFile & {kind?: string})
      // Captures only: hand-made fault cases are static dumps with no trace.
      .filter((c) => c.kind === 'capture')
  : []

/** Warnings that would mean the evidence contradicts itself on a clean capture. */
const CONTRADICTIONS = ['bar-type-conflict', 'bar-size-conflict', 'config-readonly-changed', 'status-vdev-conflict', 'machine-changed', 'region-ambiguous', 'region-unmapped']

const cache = new Map<string, Promise<EvidenceSet>>()
function evidenceOf(c: CaseFile): Promise<EvidenceSet> {
  let set = cache.get(c.name)
  if (!set) {
    set = buildEvidence(c.inputs.map((f) => ({path: `${TRACES}${c.name}/${f}`})), {})
    cache.set(c.name, set)
  }
  return set
}

const isVirtio = (name: string | undefined) => name !== undefined && /^virtio-/.test(name)

describe.runIf(cases.length > 0)('evidence over the shipped corpus', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: devices, widths, BARs, no contradictions', async (_name, c) => {
    const set = await evidenceOf(c)
    // No exception for bridges: a root port's 0x28-0x2f are writable type 1 registers (the arm64 6.12
    // kernel writes the upper prefetchable base/limit for virt's 64-bit window), not read-only bytes.
    const codes = set.warnings.map((w) => w.code)
    expect(codes.filter((code) => CONTRADICTIONS.includes(code))).toEqual([])

    const traced = set.devices.filter((d) => d.traced)
    const names = traced.map((d) => d.qemuDevice)
    for (const {type} of c.devices) expect(names).toContain(type)

    const memoryEvents = c.events.set === 'full'
    for (const d of traced) {
      const widths = d.cfgReadWidths!
      if (memoryEvents) expect([d.bdf, widths.inferred]).toEqual([d.bdf, 0])
      else expect([d.bdf, widths.exact]).toEqual([d.bdf, 0])
    }

    for (const d of traced.filter((x) => isVirtio(x.qemuDevice))) {
      // Linux sized every BAR of every virtio function it enumerated.
      expect([d.bdf, d.bars.filter((b) => b.size === undefined).map((b) => b.index)]).toEqual([d.bdf, []])
      // k6.12-q35-root-port-legacy: the legacy registers sit behind a root port with no I/O window, so
      // no status write of the kernel reaches the device.
      if (memoryEvents) expect([d.bdf, d.status.some((s) => s.cause === 'status-write')]).toEqual([d.bdf, !c.name.endsWith('root-port-legacy')])
    }
  })

  const pairs = cases.filter((c) => c.name.endsWith('-cfgonly') && cases.some((x) => x.name === c.name.replace(/-cfgonly$/, '')))
  it.runIf(pairs.length > 0).each(pairs.map((c) => [c.name, c] as const))(
    '%s: every certain byte equals the same byte with exact widths',
    async (_name, c) => {
      const inferredSet = await evidenceOf(c)
      const exactSet = await evidenceOf(cases.find((x) => x.name === c.name.replace(/-cfgonly$/, ''))!)
      let compared = 0
      for (const d of inferredSet.devices.filter((x) => x.traced)) {
        const twin = exactSet.devices.find((x) => x.bdf === d.bdf)
        expect(twin?.qemuDevice).toBe(d.qemuDevice)
        for (let off = 0; off < d.config.size; off++) {
          const mine = d.config.byte(off)?.current
          const theirs = twin?.config.byte(off)?.current
          if (!mine || !theirs || mine.origin === 'inferred') continue
          compared++
          expect([d.bdf, off, mine.value]).toEqual([d.bdf, off, theirs.value])
        }
      }
      expect(compared).toBeGreaterThan(0)
    },
  )
})
