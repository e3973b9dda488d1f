/**
 * End to end on real QEMU 7.2 output (test/fixtures/evidence/README.md says where each file is from):
 * parsers + evidence builder, checked against what the captured guest is known to have.
 * Built in beforeEach, not beforeAll: mutation testing attributes code run in beforeAll to no test
 * (a static mutant, run against every test), and a per-test build keeps each mutant's run short.
 */
import {fileURLToPath} from 'node:url'
import {beforeEach, describe, expect, it} from 'vitest'
import {buildEvidence} from '../../src/evidence/build.js'
import {configReader, toProbeInput} from '../../src/model/probe-input.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import {capabilityOffsets} from '../../src/evidence/virtio-layout.js'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/evidence/${name}`, import.meta.url))
const NET = '0000:00:02.0'

function device(set: EvidenceSet, bdf: string): DeviceEvidence {
  const d = set.devices.find((x) => x.bdf === bdf)
  if (!d) throw new Error(`no device ${bdf}`)
  return d
}

function known(d: DeviceEvidence, offset: number, width: 1 | 2 | 4): number | undefined {
  const r = configReader(d.config).read(offset, width)
  return r.known ? r.value : undefined
}

const barSummary = (d: DeviceEvidence) => d.bars.map((b) => [b.index, b.kind, b.is64, b.prefetchable, b.size, b.addr, b.upperHalfOf])

const EXPECTED_NET_BARS = [
  [0, 'io', false, false, 0x20, 0xc080, undefined],
  [1, 'mem', false, false, 0x1000, 0xfebc0000, undefined],
  [2, undefined, undefined, undefined, 0, undefined, undefined],
  [3, undefined, undefined, undefined, 0, undefined, undefined],
  [4, 'mem', true, true, 0x4000, 0xfebf4000, undefined],
  [5, undefined, undefined, undefined, 0, undefined, 4],
]

describe('real capture, memory events on (pc, virtio-net-pci at 00:02.0)', () => {
  let set: EvidenceSet
  let net: DeviceEvidence
  beforeEach(async () => {
    set = await buildEvidence([{path: fixture('pc-full-net-excerpt.log')}, {path: fixture('pc-full-dmesg.txt')}], {})
    net = device(set, NET)
  })

  it('recovers every config read width from pci-conf-data', () => {
    expect(net.qemuDevice).toBe('virtio-net-pci')
    expect(net.cfgReadWidths?.inferred).toBe(0)
    expect(net.cfgReadWidths?.exact).toBeGreaterThan(100)
    expect(set.warnings.map((w) => w.code)).not.toContain('cfg-width-unpaired')
    // Read with a known width, except BAR and ROM registers the kernel sized last and wrote back.
    const sized = (off: number) => (off >= 0x10 && off < 0x28) || (off >= 0x30 && off < 0x34)
    for (let off = 0; off < 256; off++) expect([off, net.config.byte(off)?.current.origin ?? 'read']).toEqual([off, sized(off) && net.config.byte(off)?.current.origin === 'restored' ? 'restored' : 'read'])
  })

  it('has the transitional virtio-net ids', () => {
    expect([known(net, 0, 2), known(net, 2, 2), known(net, 0x2c, 2), known(net, 0x2e, 2), known(net, 8, 1)]).toEqual([0x1af4, 0x1000, 0x1af4, 0x0001, 0])
  })

  it("has QEMU's capability chain, newest first", () => {
    expect(capabilityOffsets(net.config).map((c) => [c.offset, c.id])).toEqual([
      [0x98, 0x11],
      [0x84, 0x09],
      [0x70, 0x09],
      [0x60, 0x09],
      [0x50, 0x09],
      [0x40, 0x09],
    ])
  })

  it('has the BARs from sizing, mappings and dmesg, all agreeing', () => {
    expect(barSummary(net)).toEqual(EXPECTED_NET_BARS)
    expect(net.bars[4]?.how).toEqual(['sizing', 'dmesg', 'mapping'])
    expect(set.warnings.map((w) => w.code).filter((c) => c.startsWith('bar-'))).toEqual([])
  })

  it('ties the status progression to the device and keeps ACKNOWLEDGE and DRIVER_OK apart', () => {
    const driverWrites = net.status.filter((s) => s.cause === 'status-write').map((s) => s.val)
    expect(driverWrites).toEqual([0, 0, 1, 3, 11, 15])
    expect(net.acknowledged).toBe(true)
    expect(net.driverOk).toBe(true)
  })

  it('attributes the common, device and MSI-X table accesses', () => {
    expect(net.regionSummary.map((s) => [s.region, s.reads, s.writes])).toEqual([
      ['common', 26, 58],
      ['device', 7, 0],
      ['msix-table', 12, 34],
    ])
    const statusWrites = net.regionAccesses.filter((a) => a.region === 'common' && a.op === 'write' && a.offset === 0x14)
    expect(statusWrites.map((a) => a.value)).toEqual([0, 1, 3, 11, 15])
  })

  it('takes the kernel release and the device messages from dmesg', () => {
    expect(set.kernel?.release).toBe('6.1.0-50-amd64')
    expect(net.messages.map((m) => m.text)).toContain('pci 0000:00:02.0: [1af4:1000] type 00 class 0x020000')
  })

  it('gives the model Linux resources', () => {
    const input = toProbeInput(net, {forceLegacy: false})
    expect(input.resources.map((r) => [r.type, r.len])).toEqual([
      ['io', 0x20],
      ['mem', 0x1000],
      ['none', 0],
      ['none', 0],
      ['mem', 0x4000],
      ['none', 0],
    ])
  })
})

describe('real capture, pci_cfg_* only (same boot setup)', () => {
  let set: EvidenceSet
  let full: EvidenceSet
  beforeEach(async () => {
    set = await buildEvidence([{path: fixture('pc-cfgonly.log')}], {})
    full = await buildEvidence([{path: fixture('pc-full-net-excerpt.log')}], {})
  })

  it('marks widths as inferred, and inferred bytes as such', () => {
    const net = device(set, NET)
    expect(net.cfgReadWidths).toEqual({exact: 0, inferred: expect.any(Number)})
    expect(net.config.byte(0x34)?.current.origin).toBe('read-narrowest')
    expect(net.config.byte(0x35)?.current.origin).toBe('inferred')
    expect(configReader(net.config).read(0x34, 4)).toMatchObject({known: true, value: 0x98, inferred: true})
    expect(configReader(net.config).read(0x34, 1)).toMatchObject({known: true, value: 0x98, inferred: false})
  })

  it('every byte it knows agrees with the run whose widths are exact', () => {
    const a = device(set, NET)
    const b = device(full, NET)
    let compared = 0
    for (let off = 0; off < 256; off++) {
      const x = a.config.byte(off)
      const y = b.config.byte(off)
      if (!x || !y) continue
      compared++
      expect([off, x.current.value]).toEqual([off, y.current.value])
    }
    expect(compared).toBeGreaterThan(100)
  })

  it('still finds the BARs; unimplemented ones rest on inferred bytes', () => {
    const net = device(set, NET)
    expect(barSummary(net)).toEqual(EXPECTED_NET_BARS)
    expect(net.bars[2]?.inferred).toBe(true)
    expect(net.bars[4]?.inferred).toBeUndefined()
  })

  it('ties the status events through PCI command writes', () => {
    const net = device(set, NET)
    expect(net.status.map((s) => s.val).slice(-7)).toEqual([0, 0, 1, 3, 11, 15, 15])
    expect(net.status.some((s) => s.cause === 'command-write')).toBe(true)
    // without memory events a driver's status write cannot be told from QEMU's own events
    expect(net.status.filter((s) => s.cause !== 'command-write').map((s) => s.cause)).toEqual(Array(9).fill(undefined))
    expect(net.acknowledged && net.driverOk).toBe(true)
  })
})

describe('real capture, legacy interface (virtio_pci force_legacy=1)', () => {
  let set: EvidenceSet
  beforeEach(async () => {
    set = await buildEvidence([{path: fixture('pc-legacy-net-excerpt.log')}], {})
  })

  it("attributes the shared 'virtio-pci' I/O region by address and ties statuses via VIRTIO_PCI_STATUS", () => {
    const net = device(set, NET)
    expect(net.regionSummary.map((s) => [s.region, s.reads, s.writes])).toEqual([
      ['legacy', 23, 22],
      ['msix-table', 12, 34],
    ])
    const statusWrites = net.regionAccesses.filter((a) => a.region === 'legacy' && a.op === 'write' && a.offset === 0x12)
    expect(statusWrites.map((a) => [a.value, a.size])).toContainEqual([7, 1])
    expect(net.status.filter((s) => s.cause === 'status-write').map((s) => s.val)).toEqual([0, 0, 1, 3, 7])
    expect(net.acknowledged && net.driverOk).toBe(true)
  })

  it('does not guess the owner of accesses outside every known BAR mapping', () => {
    const rng = device(set, '0000:00:03.0')
    expect(rng.regionAccesses).toEqual([])
    expect(rng.status).toEqual([])
    // The excerpt jumps over 13 s of the original (lines 5..35437), which the ingest side rightly
    // flags as a possible concatenation of two traces.
    expect(set.warnings.map((w) => w.code).sort()).toEqual(['concatenated-traces', 'region-unmapped', 'status-untied'])
  })
})
