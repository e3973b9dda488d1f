import {describe, expect, it} from 'vitest'
import {BarTracker, describeResource} from '../../src/evidence/bars.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 't', line})
const NORMAL = 0x00
const BRIDGE = 0x01

/** Linux's __pci_read_base on one dword: read, write all-ones, read the mask, restore. */
function size(t: BarTracker, offset: number, programmed: number, mask: number, known: 'width-known' | 'width-unknown' = 'width-known', line = 1): void {
  const width = known === 'width-known' ? 4 : undefined
  t.onCfgRead(offset, programmed, width, src(line))
  t.onCfgWrite(offset, 0xffffffff, width)
  t.onCfgRead(offset, mask, width, src(line + 1))
  t.onCfgWrite(offset, programmed, width)
}

describe('BarTracker', () => {
  it('sizes an I/O BAR from its mask and takes the address from the register', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xc081, 0xffffffe1)
    const [bar0] = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bar0).toMatchObject({index: 0, kind: 'io', is64: false, prefetchable: false, size: 0x20, addr: 0xc080})
    expect(bar0?.how).toEqual(['sizing', 'register'])
  })

  it('sizes a 64-bit prefetchable BAR and marks the next one as its upper half', () => {
    const t = new BarTracker()
    size(t, 0x20, 0xfebf400c, 0xffffc00c)
    size(t, 0x24, 0, 0xffffffff)
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[4]).toMatchObject({kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfebf4000})
    expect(bars[5]).toMatchObject({upperHalfOf: 4, size: 0})
  })

  it('combines both halves for a 64-bit BAR of 4 GiB or more', () => {
    const t = new BarTracker()
    size(t, 0x18, 0x0000000c, 0x0000000c)
    size(t, 0x1c, 0x1, 0xfffffffe)
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[2]?.size).toBe(2 * 2 ** 32)
    expect(bars[2]?.addr).toBe(2 ** 32)
  })

  it('a BAR that reads back 0 after all-ones is not implemented', () => {
    const t = new BarTracker()
    size(t, 0x18, 0, 0)
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[2]).toMatchObject({size: 0})
    expect(bars[2]?.kind).toBeUndefined()
    expect(bars[2]?.inferred).toBeUndefined()
  })

  it('without access widths a 0 read-back is only inferred; a certain source replaces it', () => {
    const t = new BarTracker()
    size(t, 0x18, 0, 0, 'width-unknown')
    expect(t.evidence(new WarningSink(), 'd', NORMAL)[2]).toMatchObject({size: 0, inferred: true})
    t.onResource(2, 0, 0, 0, src(9))
    const bar2 = t.evidence(new WarningSink(), 'd', NORMAL)[2]
    expect(bar2?.size).toBe(0)
    expect(bar2?.inferred).toBeUndefined()
  })

  it('without widths, a mask whose lowest set bit was certainly read gives an exact size', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xc001, 0xf1, 'width-unknown')
    expect(t.evidence(new WarningSink(), 'd', NORMAL)[0]).toMatchObject({kind: 'io', size: 0x10})
    expect(t.evidence(new WarningSink(), 'd', NORMAL)[0]?.inferred).toBeUndefined()
  })

  it('a batch of all-ones writes then reads (Linux 6.12 style) sizes every BAR', () => {
    const t = new BarTracker()
    t.onCfgRead(0x10, 0xc001, 4, src(1))
    t.onCfgRead(0x14, 0xfebc0000, 4, src(2))
    t.onCfgWrite(0x10, 0xffffffff, 4)
    t.onCfgWrite(0x14, 0xffffffff, 4)
    t.onCfgRead(0x10, 0xffffff81, 4, src(3))
    t.onCfgRead(0x14, 0xfffff000, 4, src(4))
    t.onCfgWrite(0x10, 0xc001, 4)
    t.onCfgWrite(0x14, 0xfebc0000, 4)
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars.slice(0, 2).map((b) => [b.kind, b.size, b.addr])).toEqual([
      ['io', 0x80, 0xc000],
      ['mem', 0x1000, 0xfebc0000],
    ])
  })

  it('takes address and size from pci_update_mappings_add; the ROM (index 6) is not a BAR', () => {
    const t = new BarTracker()
    t.onMapping(1, 'add', 0xfebc0000, 0x1000, src(1))
    t.onMapping(6, 'add', 0xfeb80000, 0x40000, src(2))
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[1]).toMatchObject({size: 0x1000, addr: 0xfebc0000, how: ['mapping']})
    expect(bars[1]?.kind).toBeUndefined()
    expect(bars).toHaveLength(6)
  })

  it('reads sysfs resource flags: I/O, memory, 64-bit, prefetchable, empty', () => {
    expect(describeResource(0xc000, 0xc07f, 0x40101)).toMatchObject({kind: 'io', size: 0x80, start: 0xc000, is64: false})
    expect(describeResource(0xfebf8000, 0xfebfbfff, 0x14220c)).toMatchObject({kind: 'mem', is64: true, prefetchable: true, size: 0x4000})
    expect(describeResource(0, 0, 0)).toBe('empty')
  })

  it('an empty resource line is a BAR of length 0', () => {
    const t = new BarTracker()
    t.onResource(3, 0, 0, 0, src(1))
    expect(t.evidence(new WarningSink(), 'd', NORMAL)[3]).toMatchObject({size: 0, how: ['resource']})
  })

  it('the upper half of a 64-bit BAR known only from a resource file', () => {
    const t = new BarTracker()
    t.onResource(4, 0xfebf8000, 0xfebfbfff, 0x14220c, src(1))
    t.onResource(5, 0, 0, 0, src(2))
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[4]).toMatchObject({kind: 'mem', is64: true, size: 0x4000, addr: 0xfebf8000})
    expect(bars[5]?.upperHalfOf).toBe(4)
  })

  it('a dump gives type and address but not size', () => {
    const t = new BarTracker()
    const bytes = new Uint8Array(0x40)
    new DataView(bytes.buffer).setUint32(0x10, 0xc001, true)
    new DataView(bytes.buffer).setUint32(0x20, 0xfebf800c, true)
    t.onDump(bytes, () => src(1))
    const bars = t.evidence(new WarningSink(), 'd', NORMAL)
    expect(bars[0]).toMatchObject({kind: 'io', addr: 0xc000})
    expect(bars[0]?.size).toBeUndefined()
    expect(bars[4]).toMatchObject({kind: 'mem', is64: true, prefetchable: true, addr: 0xfebf8000})
    expect(bars[4]?.size).toBeUndefined()
    expect(bars[5]?.upperHalfOf).toBe(4)
    // a zero register says nothing: unassigned and unimplemented look the same
    expect(bars[1]).toEqual({index: 1, sources: [], how: []})
  })

  it('warns when sources disagree on the size', () => {
    const t = new BarTracker()
    const warnings = new WarningSink()
    size(t, 0x14, 0xfebc0000, 0xfffff000)
    t.onMapping(1, 'add', 0xfebc0000, 0x2000, src(5))
    expect(t.evidence(warnings, '0000:00:02.0', NORMAL)[1]?.size).toBe(0x1000)
    expect(warnings.warnings.map((w) => w.code)).toEqual(['bar-size-conflict'])
    expect(warnings.warnings[0]?.message).toContain('0000:00:02.0 BAR 1')
  })

  it('a bridge has two BARs: the registers after them are not BARs', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xfe800000, 0xfffff000)
    t.onCfgRead(0x18, 0x00010100, 4, src(3))
    const bars = t.evidence(new WarningSink(), 'd', BRIDGE)
    expect(bars[0]).toMatchObject({kind: 'mem', size: 0x1000})
    expect(bars[2]).toMatchObject({size: 0, how: ['header-type']})
    expect(bars[2]?.kind).toBeUndefined()
  })

  it('with an unknown header type, plain register values past BAR 1 are not trusted', () => {
    const t = new BarTracker()
    t.onCfgRead(0x18, 0x00010100, 4, src(3))
    const bars = t.evidence(new WarningSink(), 'd', undefined)
    expect(bars[2]).toEqual({index: 2, sources: [], how: []})
  })

  it('ignores narrow accesses to BAR registers', () => {
    const t = new BarTracker()
    t.onCfgWrite(0x10, 0xffff, 2)
    t.onCfgRead(0x10, 0xffe1, 2, src(1))
    expect(t.evidence(new WarningSink(), 'd', NORMAL)[0]).toEqual({index: 0, sources: [], how: []})
  })
})
