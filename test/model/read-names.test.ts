/**
 * Every read the model records is named in kernel terms (`PCI_STATUS`, `cap@0x40.cfg_type`,
 * `pci_resource_len(4)`): triage prints these names next to the values and their evidence lines, and
 * an undetermined outcome names the read it stopped at (`evidence.unknown` facts). A name is a fact
 * about the read: it must name the register at the read's offset and width (pci_regs.h and
 * virtio_pci.h offsets, written out here), and a resource read must name the BAR it asked about.
 */
import {describe, expect, it} from 'vitest'
import type {ReadFact} from '../../src/model/types.js'
import {predict} from '../../src/model/virtio-pci-probe.js'
import {ConfigBuilder, MODERN_BARS, TRANSITIONAL_BARS, input, qemuModern, qemuTransitional} from './builders.js'
import {ALL, P61} from './helpers.js'

/** Header registers: name -> [offset, width] (include/uapi/linux/pci_regs.h). */
const HEADER: Record<string, readonly [number, 1 | 2 | 4]> = {
  'PCI_VENDOR_ID/PCI_DEVICE_ID': [0x00, 4],
  PCI_STATUS: [0x06, 2],
  PCI_REVISION_ID: [0x08, 1],
  PCI_CLASS_DEVICE: [0x0a, 2],
  PCI_HEADER_TYPE: [0x0e, 1],
  PCI_SUBSYSTEM_ID: [0x2e, 2],
  PCI_CAPABILITY_LIST: [0x34, 1],
  PCI_CB_SUBSYSTEM_ID: [0x42, 2],
}
/** Fields of a capability at `cap@0xNN`: [offset in the capability, width]. */
const CAP_FIELD: Record<string, readonly [number, 1 | 2 | 4]> = {
  'id/next': [0, 2],
  cfg_type: [3, 1],
  bar: [4, 1],
  offset: [8, 4],
  length: [12, 4],
  notify_off_multiplier: [16, 4],
}

/** The register a read's name says it read, as [offset, width]; undefined for a name not in kernel terms. */
function registerNamed(what: string): readonly [number, 1 | 2 | 4] | undefined {
  if (HEADER[what]) return HEADER[what]
  let m = /^cap@0x([0-9a-f]+)\.(.+)$/.exec(what)
  if (m && CAP_FIELD[m[2]!]) return [parseInt(m[1]!, 16) + CAP_FIELD[m[2]!]![0], CAP_FIELD[m[2]!]![1]]
  m = /^cap_ptr@0x([0-9a-f]+)$/.exec(what)
  if (m) return [parseInt(m[1]!, 16), 1]
  m = /^ssvid@0x([0-9a-f]+)\.device$/.exec(what)
  if (m) return [parseInt(m[1]!, 16) + 6, 2]
  return undefined
}

const allReads = (out: ReturnType<typeof predict>): ReadFact[] => out.path.flatMap((s) => s.reads)

function expectNamedByRegister(reads: readonly ReadFact[]): void {
  expect(reads.length).toBeGreaterThan(0)
  for (const r of reads) {
    if (r.offset === undefined) {
      expect(r.what, 'a read without a config offset is a pci_resource_* fact of BAR 0..5').toMatch(/^pci_resource_(len|flags|start)\([0-5]\)$/)
      continue
    }
    const named = registerNamed(r.what)
    expect(named, `${r.what} @${r.offset}`).toBeDefined()
    expect([`0x${named![0].toString(16)}`, named![1]], `${r.what} @${r.offset}`).toEqual([r.offset, r.width])
  }
}

const BRIDGE_SSVID = () => qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x01).cap(0xb0, 0x0d).set(0xb6, 2, 4).chain(0xb0, 0x98, 0x84, 0x70, 0x60, 0x50, 0x40)
const CARDBUS = () => {
  // CardBus: the list head at 0x14, a cap at 0x98 pointing on to QEMU's chain.
  const cfg = qemuTransitional({subsystem: 2}).set(0x0e, 1, 0x02).set(0x0a, 2, 0x0607).set(0x42, 2, 3)
  return cfg.set(0x14, 1, 0x98)
}

describe('each read is named by the register it read', () => {
  it.each(ALL.map((p) => [p.name, p] as const))('a QEMU modern device, modern probe to the end (%s)', (_, p) => {
    expectNamedByRegister(allReads(predict(input(qemuModern(), MODERN_BARS), p)))
  })

  it.each(ALL.map((p) => [p.name, p] as const))('a transitional device under force_legacy: the legacy probe and BAR 0 (%s)', (_, p) => {
    const out = predict(input(qemuTransitional(), TRANSITIONAL_BARS, true), p)
    expectNamedByRegister(allReads(out))
    expect(allReads(out).map((r) => r.what)).toEqual(expect.arrayContaining(['PCI_REVISION_ID', 'PCI_CLASS_DEVICE', 'PCI_SUBSYSTEM_ID', 'pci_resource_len(0)', 'pci_resource_start(0)', 'pci_resource_flags(0)']))
  })

  it('a bridge header: the SSVID capability walk and its device word', () => {
    const reads = allReads(predict(input(BRIDGE_SSVID(), TRANSITIONAL_BARS), P61))
    expectNamedByRegister(reads)
    expect(reads.map((r) => r.what)).toEqual(expect.arrayContaining(['cap@0xb0.id/next', 'ssvid@0xb0.device', 'cap_ptr@0x85']))
  })

  it('a CardBus header: the list head at 0x14 and PCI_CB_SUBSYSTEM_ID', () => {
    const reads = allReads(predict(input(CARDBUS(), TRANSITIONAL_BARS), P61))
    expectNamedByRegister(reads)
    expect(reads.map((r) => r.what)).toEqual(expect.arrayContaining(['cap_ptr@0x14', 'PCI_CB_SUBSYSTEM_ID']))
  })

  it('the first walk of a lookup starts from PCI_CAPABILITY_LIST, the next ones from the cap next pointer', () => {
    const reads = allReads(predict(input(qemuModern(), MODERN_BARS), P61))
    expect(reads.filter((r) => r.offset === '0x34').map((r) => r.what)).toEqual(expect.arrayContaining(['PCI_CAPABILITY_LIST']))
    // The walk reads MSI-X (0x98) as a header word and goes on; after the vendor cap at 0x84 the next
    // walk starts from its next pointer, the byte at 0x85.
    const at85 = reads.filter((r) => r.offset === '0x85').map((r) => r.what)
    expect(at85.length).toBeGreaterThan(0)
    expect(new Set(at85)).toEqual(new Set(['cap_ptr@0x85']))
  })

  it('the resource reads of the modern probe name the BAR of the chosen capability', () => {
    const out = predict(input(qemuModern(), MODERN_BARS), P61)
    const names = allReads(out).filter((r) => r.offset === undefined).map((r) => r.what)
    expect(new Set(names)).toEqual(new Set(['pci_resource_len(4)', 'pci_resource_flags(4)', 'pci_resource_start(4)']))
  })
})

describe('an undetermined outcome names the read it stopped at', () => {
  it.each([
    ['PCI_STATUS', 0x06],
    ['PCI_CAPABILITY_LIST', 0x34],
    ['cap@0x98.id/next', 0x98],
    ['cap@0x70.cfg_type', 0x73],
    ['cap@0x70.bar', 0x74],
    ['cap@0x40.offset', 0x48],
    ['cap@0x40.length', 0x4c],
    ['cap@0x70.notify_off_multiplier', 0x80],
    ['PCI_HEADER_TYPE', 0x0e],
  ])('%s unknown (byte 0x%s)', (what, offset) => {
    const out = predict(input(qemuModern().unknown(offset), MODERN_BARS), P61)
    expect(out.rc).toBe('undetermined')
    expect(out.path.find((s) => s.check === 'evidence.unknown')).toMatchObject({check: 'evidence.unknown', facts: {what, offsets: [offset], bars: []}})
  })

  it('a BAR fact: pci_resource_len(4) unknown', () => {
    const out = predict(input(qemuModern(), {1: MODERN_BARS[1], 4: 'unknown'}), P61)
    expect(out.path.find((s) => s.check === 'evidence.unknown')).toMatchObject({facts: {what: 'pci_resource_len(4)', offsets: [], bars: [4]}})
  })

  it('force_legacy: PCI_REVISION_ID unknown', () => {
    const out = predict(input(qemuTransitional().unknown(0x08), TRANSITIONAL_BARS, true), P61)
    expect(out.path.find((s) => s.check === 'evidence.unknown')).toMatchObject({facts: {what: 'PCI_REVISION_ID', offsets: [0x08]}})
  })
})

describe('ConfigBuilder sanity', () => {
  it('a builder with no capability list reads no capability', () => {
    const reads = allReads(predict(input(new ConfigBuilder().ids({capList: false}), MODERN_BARS), P61))
    expectNamedByRegister(reads)
    expect(reads.some((r) => r.what.startsWith('cap@'))).toBe(false)
  })
})
