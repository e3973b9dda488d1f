/** Properties of the builder over arbitrary record streams: no throw, and its invariants hold. */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {EvidenceBuilder} from '../../src/evidence/builder.js'
import type {TraceRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'

const DEVS = ['virtio-net-pci', 'virtio-blk-pci', 'e1000', 'empty'] as const
const REGIONS = ['pci-conf-idx', 'pci-conf-data', 'pcie-mmcfg-mmio', 'virtio-pci', 'virtio-pci-common-virtio-net', 'virtio-pci-isr-x', 'msix-table', 'other'] as const

const slot = fc.integer({min: 0, max: 3})
const u32 = fc.oneof(fc.constantFrom(0, 0xff, 0x1af4, 0xffffffff, 0xffffffe1, 0xfffff000), fc.integer({min: 0, max: 0xffffffff}))
const offset = fc.oneof(fc.constantFrom(0, 2, 4, 0x0e, 0x10, 0x14, 0x20, 0x24, 0x34, 0x40), fc.integer({min: 0, max: 0xfff}))

function recordArb(line: fc.Arbitrary<number>): fc.Arbitrary<TraceRecord> {
  const src = line.map((l) => ({file: 'p', line: l}))
  return fc.oneof(
    fc.record({
      kind: fc.constant('cfg' as const),
      op: fc.constantFrom('read' as const, 'write' as const),
      src,
      dev: fc.constantFrom(...DEVS),
      bus: fc.constant(0),
      slot,
      func: fc.constant(0),
      offset,
      value: u32,
    }),
    fc.record({
      kind: fc.constant('mem' as const),
      op: fc.constantFrom('read' as const, 'write' as const),
      src,
      cpu: fc.constant(0),
      mr: fc.constantFrom('0x1', '0x2', ''),
      addr: fc.oneof(fc.constantFrom(0xcf8, 0xcfc, 0xcfd, 0xc000, 0xc012, 0xfebf4014, 0xb0010004), fc.integer({min: 0, max: 0xffffffff})),
      value: u32,
      size: fc.constantFrom(1, 2, 4, 8),
      name: fc.constantFrom(...REGIONS),
    }),
    fc.record({
      kind: fc.constant('mapping' as const),
      op: fc.constantFrom('add' as const, 'del' as const),
      src,
      dev: fc.constantFrom(...DEVS),
      bus: fc.constant(0),
      slot,
      func: fc.constant(0),
      bar: fc.integer({min: 0, max: 6}),
      addr: fc.constantFrom(0xc000, 0xfebf4000, 0xfebc0000),
      size: fc.constantFrom(0x20, 0x1000, 0x4000),
    }),
    fc.record({kind: fc.constant('status' as const), src, vdev: fc.constantFrom('0xa', '0xb'), val: fc.integer({min: 0, max: 255})}),
  )
}

const stream = fc.array(fc.integer({min: 1, max: 1_000_000}), {maxLength: 200}).chain((lines) =>
  fc.tuple(...lines.map((_, i) => recordArb(fc.constant(i + 1)))),
)

describe('EvidenceBuilder properties', () => {
  it('never throws, and its output is consistent with its own rules', () => {
    fc.assert(
      fc.property(stream, (records) => {
        const builder = new EvidenceBuilder(new WarningSink())
        for (const r of records) builder.trace(r)
        const set = builder.finish()
        for (const d of set.devices) {
          expect(d.qemuDevice).not.toBe('empty')
          expect(d.bars).toHaveLength(6)
          let known = 0
          for (let off = 0; off < 4096; off++) {
            const b = d.config.byte(off)
            if (!b) continue
            known++
            expect(b.current.value).toBeGreaterThanOrEqual(0)
            expect(b.current.value).toBeLessThanOrEqual(255)
            expect(b.current.origin).not.toBe('write')
            if (b.current.origin === 'inferred') expect(b.current.value).toBe(0)
          }
          expect(known).toBe(d.config.knownCount)
          const lines = d.status.map((s) => s.src.line!)
          expect(lines).toEqual([...lines].sort((a, b) => a - b))
          for (const a of d.regionAccesses) expect(a.bar).toBeLessThan(6)
          expect(d.acknowledged).toBe(d.status.some((s) => (s.val & 1) !== 0))
          expect(d.driverOk).toBe(d.status.some((s) => (s.val & 4) !== 0))
        }
      }),
      {numRuns: 300},
    )
  })
})
