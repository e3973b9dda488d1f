/**
 * The edges of the bridge view and the I/O path (src/evidence/bridge.ts). Register values are those
 * the q35 root port 00:01.0 reads in traces/k6.12-q35-root-port (0x18 = 0x00010100: buses 0 -> 1..1;
 * 0x1c = 0x1010: I/O 0x1000-0x1fff, 0xb0c0 before the kernel's assignment: closed; 0x20 = 0xfe30fe20;
 * 0x24 = 0xfe91fe81 with 0x28 = 0x2c = 0: a 64-bit prefetchable window) and in
 * traces/k6.12-q35-root-port-legacy (0x1c reads 0xf0 after the kernel wrote 0x1010: no I/O space).
 * Records are made with the builders of ./records.ts; values one off a boundary are built and say so.
 */
import {beforeEach, describe, expect, it} from 'vitest'
import {bridgeView, describeWindow, ioBlockOf} from '../../src/evidence/bridge.js'
import {EvidenceBuilder} from '../../src/evidence/builder.js'
import type {DeviceEvidence, EvidenceSet} from '../../src/evidence/types.js'
import type {TraceRecord} from '../../src/ingest/records.js'
import {WarningSink} from '../../src/util/errors.js'
import {FILE, cfgRead, cfgWrite, resetLines} from './records.js'

const PORT = {slot: 1}
const NET = {bus: 1, slot: 0}
const RP = 'pcie-root-port'
const at = (line: number) => ({file: FILE, line})

/** The root port's registers as read with their widths, `changes` replacing some dwords. */
function rootPort(changes: Record<number, number> = {}, headerType = 0x01, port = PORT, dev = RP): TraceRecord[] {
  const regs: Record<number, number> = {0x04: 0x00100407, 0x0c: headerType << 16, 0x18: 0x00010100, 0x1c: 0x1010, 0x20: 0xfe30fe20, 0x24: 0xfe91fe81, 0x28: 0, 0x2c: 0, 0x30: 0, ...changes}
  return Object.entries(regs).map(([off, value]) => cfgRead(dev, port, Number(off), value, 4))
}

function build(records: TraceRecord[]): EvidenceSet {
  const b = new EvidenceBuilder(new WarningSink())
  for (const r of records) b.trace(r)
  return b.finish()
}
const device = (set: EvidenceSet, bdf: string): DeviceEvidence => set.devices.find((d) => d.bdf === bdf)!
const viewOf = (records: TraceRecord[]) => bridgeView(device(build(records), '0000:00:01.0').config)

describe('bridgeView', () => {
  beforeEach(resetLines)

  it('the root port as the kernel left it, in full', () => {
    expect(viewOf(rootPort())).toEqual({
      primary: 0,
      secondary: 1,
      subordinate: 1,
      io: {base: 0x1000, limit: 0x1fff, closed: false, sources: [at(4)]},
      mem: {base: 0xfe200000, limit: 0xfe3fffff, closed: false, sources: [at(5)]},
      pref: {base: 0xfe800000, limit: 0xfe9fffff, closed: false, sources: [at(6), at(7), at(8)]},
      ioDecode: {enabled: true, src: at(1)},
    })
  })

  it('only a type 1 header is a bridge (the multi-function bit aside); unknown or inferred: none', () => {
    expect(viewOf(rootPort({}, 0x00))).toBeUndefined()
    expect(viewOf(rootPort({}, 0x02))).toBeUndefined()
    expect(viewOf(rootPort({}, 0x81))).toMatchObject({secondary: 1})
    resetLines()
    const noType = rootPort().filter((r) => r.kind === 'cfg' && r.offset !== 0x0c)
    expect(viewOf(noType)).toBeUndefined()
    resetLines()
    // byte 0x0e only inferred to be 0 by a widthless read of 0x0c
    const inferred = [...noType, cfgRead(RP, PORT, 0x0c, 0x10)]
    expect(viewOf(inferred)).toBeUndefined()
  })

  it('an I/O window closed before the assignment (0xb0c0: base 0xc000 above limit 0xbfff); I/O decoding off', () => {
    expect(viewOf(rootPort({0x1c: 0xb0c0, 0x04: 0x00100006}))).toMatchObject({io: {base: 0xc000, limit: 0xbfff, closed: true}, ioDecode: {enabled: false}})
  })

  it('a window with base just above the limit is closed, at the limit open (built: 0x2010, 0x1010)', () => {
    expect(viewOf(rootPort({0x1c: 0x1020}))?.io).toMatchObject({base: 0x2000, limit: 0x1fff, closed: true})
    resetLines()
    expect(viewOf(rootPort({0x20: 0xfe1ffe20}))?.mem).toMatchObject({base: 0xfe200000, limit: 0xfe1fffff, closed: true})
  })

  it('32-bit I/O (type 1 in the low nibble) needs the upper 16 bits at 0x30/0x32 (built)', () => {
    expect(viewOf(rootPort({0x1c: 0x1111, 0x30: 0x00020001}))?.io).toEqual({base: 0x11000, limit: 0x21fff, closed: false, sources: [at(4), at(9)]})
    resetLines()
    // another range type in the nibble (0x2, reserved) is no 32-bit window
    expect(viewOf(rootPort({0x1c: 0x1212, 0x30: 0x00020001}))?.io).toMatchObject({base: 0x1000, limit: 0x1fff})
    resetLines()
    const noUpper = rootPort({0x1c: 0x1111}).filter((r) => r.kind !== 'cfg' || r.offset !== 0x30)
    expect(viewOf(noUpper)?.io).toBeUndefined()
    resetLines()
    // the upper limit word alone is not enough
    expect(viewOf([...noUpper, cfgRead(RP, PORT, 0x32, 0x0002, 2)])?.io).toBeUndefined()
    resetLines()
    expect(viewOf([...noUpper, cfgRead(RP, PORT, 0x30, 0x0001, 2)])?.io).toBeUndefined()
  })

  it('a 64-bit prefetchable window adds its upper dwords; a 32-bit one ignores them', () => {
    expect(viewOf(rootPort({0x28: 0x1, 0x2c: 0x2}))?.pref).toMatchObject({base: 0x1fe800000, limit: 0x2fe9fffff})
    resetLines()
    expect(viewOf(rootPort({0x24: 0xfe90fe80, 0x28: 0x1, 0x2c: 0x2}))?.pref).toEqual({base: 0xfe800000, limit: 0xfe9fffff, closed: false, sources: [at(6)]})
    resetLines()
    expect(viewOf(rootPort().filter((r) => r.kind !== 'cfg' || r.offset !== 0x2c))?.pref).toBeUndefined()
    resetLines()
    expect(viewOf(rootPort().filter((r) => r.kind !== 'cfg' || r.offset !== 0x28))?.pref).toBeUndefined()
    resetLines()
    // the memory window has no upper half, whatever its nibble says (built: 0xfe31fe21)
    expect(viewOf(rootPort({0x20: 0xfe31fe21, 0x28: 0x1}))?.mem).toMatchObject({base: 0xfe200000, limit: 0xfe3fffff})
  })

  it('a widthless read of the I/O base alone (0xf0, as a trace without memory events has it): the limit only inferred, no window', () => {
    const port = rootPort().filter((r) => r.kind !== 'cfg' || r.offset !== 0x1c)
    expect(viewOf([...port, cfgRead(RP, PORT, 0x1c, 0xf0)])).not.toHaveProperty('io')
    resetLines()
    expect(viewOf([...port, cfgRead(RP, PORT, 0x1c, 0xf0, 2)])?.io).toMatchObject({base: 0xf000, limit: 0xfff, closed: true})
  })

  it('a register half known, the other not: no window, no bus number', () => {
    const only = (records: TraceRecord[]) => viewOf([...rootPort().filter((r) => r.kind !== 'cfg' || ![0x18, 0x1c, 0x20, 0x24].includes(r.offset)), ...records])
    expect(only([cfgRead(RP, PORT, 0x1c, 0x10, 1)])?.io).toBeUndefined()
    resetLines()
    expect(only([cfgRead(RP, PORT, 0x1d, 0x10, 1)])?.io).toBeUndefined()
    resetLines()
    expect(only([cfgRead(RP, PORT, 0x20, 0xfe20, 2)])?.mem).toBeUndefined()
    resetLines()
    expect(only([cfgRead(RP, PORT, 0x22, 0xfe30, 2)])?.mem).toBeUndefined()
    resetLines()
    expect(only([cfgRead(RP, PORT, 0x20, 0x20, 1), cfgRead(RP, PORT, 0x22, 0xfe30, 2)])?.mem).toBeUndefined()
    resetLines()
    const buses = only([cfgRead(RP, PORT, 0x19, 0x01, 1)])!
    expect([buses.primary, buses.secondary, buses.subordinate]).toEqual([undefined, 1, undefined])
    resetLines()
    expect(only([])).toEqual({ioDecode: {enabled: true, src: at(1)}})
  })

  it('a header type Linux rejects (0x7f) is no bridge (built)', () => {
    expect(viewOf(rootPort({}, 0x7f))).toBeUndefined()
  })

  it('sources of a sysfs config dump are told apart by their offsets; of two inputs, by their files', () => {
    const b = new EvidenceBuilder(new WarningSink())
    const bytes = new Uint8Array(0x40)
    const v = new DataView(bytes.buffer)
    // the root port's registers (built into a binary dump)
    for (const [off, value] of [[0x04, 0x00100407], [0x0c, 0x00010000], [0x18, 0x00010100], [0x1c, 0x1010], [0x20, 0xfe30fe20], [0x24, 0xfe91fe81]] as const) v.setUint32(off, value, true)
    b.dump({kind: 'dump', src: {file: 'config'}, domain: 0, bus: 0, slot: 1, func: 0, bytes, rowSources: [0, 1, 2, 3].map((r) => ({file: 'config', record: r * 16}))})
    const view = bridgeView(device(b.finish(), '0000:00:01.0').config)!
    expect(view.io?.sources).toEqual([{file: 'config', record: 0x1c}, {file: 'config', record: 0x1d}])
    resetLines()
    // 0x28 read on line 7 of a second input, as 0x24 is on line 7 of the first
    const other = {...cfgRead(RP, PORT, 0x28, 0, 4), src: {file: 'second.log', line: 7}}
    const twoFiles = [...rootPort().filter((r) => r.kind !== 'cfg' || r.offset !== 0x28), other]
    expect(viewOf(twoFiles)?.pref?.sources).toEqual([at(7), {file: 'second.log', line: 7}, at(9)])
  })

  it('each source once, in register order', () => {
    // 0x24 and 0x26 read separately: the pref window has two sources of its own
    const records = [...rootPort().filter((r) => r.kind !== 'cfg' || r.offset !== 0x24), cfgRead(RP, PORT, 0x24, 0xfe81, 2), cfgRead(RP, PORT, 0x26, 0xfe91, 2)]
    expect(viewOf(records)?.pref?.sources).toEqual([at(10), at(11), at(7), at(8)])
  })
})

describe('describeWindow', () => {
  it('open and closed, as ingest and triage print them', () => {
    expect(describeWindow('I/O window', {base: 0x1000, limit: 0x1fff, closed: false, sources: []})).toBe('I/O window 0x1000-0x1fff')
    expect(describeWindow('I/O window', {base: 0xf000, limit: 0xfff, closed: true, sources: []})).toBe('I/O window closed (base 0xf000 > limit 0xfff)')
  })
})

describe('ioBlockOf', () => {
  beforeEach(resetLines)

  const withNet = (port: TraceRecord[]) => {
    const set = build([...port, cfgRead('virtio-net-pci', NET, 0, 0x10001af4, 4)])
    return {set, net: device(set, '0000:01:00.0')}
  }

  it('a root port forwarding the port: no block; ports at the window ends forwarded, one outside blocked', () => {
    const {set, net} = withNet(rootPort())
    expect(ioBlockOf(set, net, 0x1000)).toBeUndefined()
    expect(ioBlockOf(set, net, 0x1fff)).toBeUndefined()
    expect(ioBlockOf(set, net, 0xfff)).toEqual({bridge: '0000:00:01.0', port: 0xfff, reasons: [{text: 'port 0xfff lies outside its I/O window 0x1000-0x1fff', src: at(4)}]})
    expect(ioBlockOf(set, net, 0x2000)).toEqual({bridge: '0000:00:01.0', port: 0x2000, reasons: [{text: 'port 0x2000 lies outside its I/O window 0x1000-0x1fff', src: at(4)}]})
  })

  it('the legacy root port: window closed and decoding off, each naming the write that did not stick', () => {
    // traces/k6.12-q35-root-port-legacy: the kernel writes 0x1010 and PCI_COMMAND_IO, both read back
    // without; the same value read again keeps the first read as the byte's source
    const port = [
      ...rootPort({0x1c: 0xf0, 0x04: 0x00100006}),
      cfgWrite(RP, PORT, 0x1c, 0x1010, 2),
      cfgWrite(RP, PORT, 0x04, 0x0007, 2),
      cfgRead(RP, PORT, 0x1c, 0xf0, 2),
      cfgRead(RP, PORT, 0x04, 0x0006, 2),
    ]
    const {set, net} = withNet(port)
    expect(ioBlockOf(set, net, 0xc000)).toEqual({
      bridge: '0000:00:01.0',
      port: 0xc000,
      reasons: [
        {text: `its command register has I/O decoding off (PCI_COMMAND_IO clear as read; the write setting it, ${FILE}:11, did not stick)`, src: at(1)},
        {text: `its I/O window closed (base 0xf000 > limit 0xfff) as read; the write of the window, ${FILE}:10, did not stick`, src: at(4)},
      ],
    })
  })

  it('decoding off and a closed window with no write behind them', () => {
    const {set, net} = withNet(rootPort({0x1c: 0xf0, 0x04: 0x00100006}))
    expect(ioBlockOf(set, net, 0xc000)?.reasons.map((r) => r.text)).toEqual([
      'its command register has I/O decoding off (PCI_COMMAND_IO clear as read)',
      'its I/O window closed (base 0xf000 > limit 0xfff) as read',
    ])
  })

  it('a write that stuck, or one that did not set the bit, is no lost write', () => {
    const port = [...rootPort({0x04: 0x00100006}), cfgWrite(RP, PORT, 0x04, 0x0006, 2), cfgRead(RP, PORT, 0x04, 0x0006, 2)]
    const {set, net} = withNet(port)
    expect(ioBlockOf(set, net, 0x1000)?.reasons.map((r) => r.text)).toEqual(['its command register has I/O decoding off (PCI_COMMAND_IO clear as read)'])
    resetLines()
    const stuck = [...rootPort({0x04: 0x00100006}), cfgWrite(RP, PORT, 0x04, 0x0007, 2), cfgRead(RP, PORT, 0x04, 0x0007, 2)]
    const s = withNet(stuck)
    expect(ioBlockOf(s.set, s.net, 0x1000)).toBeUndefined()
  })

  it('a lost write stays named when a later read, with no write between, changes other bits (built)', () => {
    const port = [
      ...rootPort({0x04: 0x00100006}),
      cfgWrite(RP, PORT, 0x04, 0x0007, 2),
      cfgRead(RP, PORT, 0x04, 0x0006, 2),
      cfgRead(RP, PORT, 0x04, 0x0002, 2),
    ]
    const {set, net} = withNet(port)
    expect(ioBlockOf(set, net, 0x1000)?.reasons.map((r) => r.text)).toEqual([
      `its command register has I/O decoding off (PCI_COMMAND_IO clear as read; the write setting it, ${FILE}:10, did not stick)`,
    ])
  })

  it('a write that stuck, undone later by another write, is no lost write', () => {
    // the kernel sets PCI_COMMAND_IO, it reads back set, then clears it again (pci_disable_device)
    const port = [
      ...rootPort({0x04: 0x00100006}),
      cfgWrite(RP, PORT, 0x04, 0x0007, 2),
      cfgRead(RP, PORT, 0x04, 0x0007, 2),
      cfgWrite(RP, PORT, 0x04, 0x0006, 2),
      cfgRead(RP, PORT, 0x04, 0x0006, 2),
    ]
    const {set, net} = withNet(port)
    expect(ioBlockOf(set, net, 0x1000)?.reasons.map((r) => r.text)).toEqual(['its command register has I/O decoding off (PCI_COMMAND_IO clear as read)'])
  })

  it('a window write of 0 that reads back closed set no bits: no lost write (built)', () => {
    const port = [...rootPort({0x1c: 0xf0}), cfgWrite(RP, PORT, 0x1c, 0x0000, 2), cfgRead(RP, PORT, 0x1c, 0x00f0, 2)]
    const {set, net} = withNet(port)
    expect(ioBlockOf(set, net, 0x1000)?.reasons.map((r) => r.text)).toEqual(['its I/O window closed (base 0xf000 > limit 0xfff) as read'])
  })

  it('only bridges whose secondary..subordinate hold the bus, in the same domain, with secondary > 0', () => {
    const closed = {0x1c: 0xf0}
    // buses 2..2: the device on bus 1 is not behind it
    const other = withNet(rootPort({...closed, 0x18: 0x00020200}))
    expect(ioBlockOf(other.set, other.net, 0x1000)).toBeUndefined()
    resetLines()
    // buses 1..2 and 0..1 (built): bus 1 is behind the first; a secondary bus 0 is the host's
    const range = withNet(rootPort({...closed, 0x18: 0x00020100}))
    expect(ioBlockOf(range.set, range.net, 0x1000)?.bridge).toBe('0000:00:01.0')
    resetLines()
    const host = withNet(rootPort({...closed, 0x18: 0x00010000}))
    expect(ioBlockOf(host.set, host.net, 0x1000)).toBeUndefined()
    resetLines()
    const below = withNet(rootPort({...closed, 0x18: 0x00000000}))
    expect(ioBlockOf(below.set, below.net, 0x1000)).toBeUndefined()
    resetLines()
    // buses 1..1, the device on bus 2 (built): past the subordinate bus
    const past = build([...rootPort(closed), cfgRead('virtio-net-pci', {bus: 2, slot: 0}, 0, 0x10001af4, 4)])
    expect(ioBlockOf(past, device(past, '0000:02:00.0'), 0x1000)).toBeUndefined()
  })

  it('a bridge in another domain is not on the path', () => {
    const b = new EvidenceBuilder(new WarningSink())
    for (const r of rootPort({0x1c: 0xf0})) b.trace(r)
    b.dump({kind: 'dump', src: at(99), domain: 1, bus: 1, slot: 0, func: 0, bytes: new Uint8Array([0xf4, 0x1a, 0x41, 0x10]), rowSources: [at(99)]})
    const set = b.finish()
    expect(ioBlockOf(set, device(set, '0001:01:00.0'), 0x1000)).toBeUndefined()
  })

  it('the nearest bridge first: a switch port below the root port, both forwarding no I/O', () => {
    const switchPort = {bus: 1, slot: 0}
    const records = [
      ...rootPort({0x18: 0x00020100, 0x1c: 0xf0}),
      ...rootPort({0x18: 0x00020201, 0x1c: 0xf0}, 0x01, switchPort, 'xio3130-downstream'),
      cfgRead('virtio-net-pci', {bus: 2, slot: 0}, 0, 0x10001af4, 4),
    ]
    const set = build(records)
    expect(ioBlockOf(set, device(set, '0000:02:00.0'), 0x1000)?.bridge).toBe('0000:01:00.0')
  })
})
