/**
 * The edges of the BAR evidence (src/evidence/bars.ts), one comparison at a time, each output in full.
 * Register values are those of the real capture test/fixtures/evidence/pc-full-net-excerpt.log
 * (virtio-net-pci at 00:02.0: BAR 0 0xc081 / mask 0xffffffe1, BAR 1 0xfebc0000 / 0xfffff000, BAR 4-5
 * 0xfebf400c / 0xffffc00c and 0 / 0xffffffff, ROM 0xfeb80000, sizing write 0xfffff800, mask
 * 0xfffc0000), sysfs `resource` lines of traces/fault-bar-field-6 and of this host, dmesg lines of
 * test/fixtures/evidence/pc-full-dmesg.txt and lspci lines of test/fixtures/ingest/lspci. Values at
 * value - 1 / value + 1 of a boundary are built from those and say so.
 */
import {describe, expect, it} from 'vitest'
import {BarTracker, barIndexOfOffset, describeResource, isSizedRegister, type DescribedBar} from '../../src/evidence/bars.js'
import {ConfigImage} from '../../src/evidence/config-image.js'
import {parsePciBarLine} from '../../src/ingest/kmsg-lines.js'
import {parseBarDescription} from '../../src/ingest/lspci-bars.js'
import {WarningSink} from '../../src/util/errors.js'

const src = (line: number) => ({file: 't', line})
const ENDPOINT = 0x00
const BRIDGE = 0x01
const CARDBUS = 0x02

/** An lspci `Expansion ROM at ...` line, as the lspci ingest hands it to the BAR parser. */
const lspciRom = (line: string) => parseBarDescription(`Memory at ${line.replace(/^Expansion ROM at /, '')}`, true)!

/** A dmesg BAR line of the capture, as the builder hands it to the tracker. */
function dmesgBar(text: string): DescribedBar {
  const l = parsePciBarLine(text)!
  return {kind: l.kind, is64: l.is64, prefetchable: l.prefetchable, size: l.size, ...(l.start !== undefined ? {start: l.start} : {})}
}
const DMESG_BAR0 = 'pci 0000:00:02.0: BAR 0 [io  0xc080-0xc09f]'
const DMESG_BAR1 = 'pci 0000:00:02.0: BAR 1 [mem 0xfebc0000-0xfebc0fff]'
const DMESG_BAR4 = 'pci 0000:00:02.0: BAR 4 [mem 0xfebf4000-0xfebf7fff 64bit pref]'
const DMESG_ROM = 'pci 0000:00:02.0: ROM [mem 0xfeb80000-0xfebbffff pref]'

/** Linux's __pci_read_base on one dword: read l, write all-ones, read the mask, write l back. */
function size(t: BarTracker, offset: number, programmed: number, mask: number, known: 'width-known' | 'width-unknown' = 'width-known', line = 1) {
  const width = known === 'width-known' ? 4 : undefined
  const r: unknown[] = []
  t.onCfgRead(offset, programmed, width, src(line))
  r.push(t.onCfgWrite(offset, 0xffffffff, width))
  t.onCfgRead(offset, mask, width, src(line + 1))
  r.push(t.onCfgWrite(offset, programmed, width))
  return r
}

function imageWithHeaderType(type: number): ConfigImage {
  const image = new ConfigImage()
  image.observeRead(0x0e, type, 1, src(1), 1)
  return image
}

describe('barIndexOfOffset: the six dwords from PCI_BASE_ADDRESS_0', () => {
  it('0x10..0x24 on dword boundaries, nothing below, past or between', () => {
    expect([0x0c, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x24, 0x25, 0x27, 0x28, 0x2c].map(barIndexOfOffset)).toEqual([
      undefined, undefined, 0, undefined, undefined, undefined, 1, 5, undefined, undefined, undefined, undefined,
    ])
  })
})

describe('isSizedRegister: BAR and ROM registers by the header type as read', () => {
  it('an endpoint: BARs 0x10..0x24 and the ROM at 0x30', () => {
    const image = imageWithHeaderType(ENDPOINT)
    expect([0x0c, 0x10, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38].map((o) => isSizedRegister(image, o))).toEqual([false, true, true, false, false, true, false, false])
    // multi-function bit set (0x80): the same layout
    expect(isSizedRegister(imageWithHeaderType(0x80), 0x30)).toBe(true)
  })

  it('a bridge: BARs 0x10 and 0x14, the ROM at 0x38', () => {
    const image = imageWithHeaderType(BRIDGE)
    expect([0x10, 0x14, 0x18, 0x30, 0x38].map((o) => isSizedRegister(image, o))).toEqual([true, true, false, false, true])
  })

  it('no header type read, or only inferred to be 0: nothing is known to be a BAR', () => {
    expect(isSizedRegister(new ConfigImage(), 0x10)).toBe(false)
    const inferred = new ConfigImage()
    // a pci_cfg_read of 0x0c without a width (the capture's 0x10 there is its cache line size read)
    inferred.observeRead(0x0c, 0x10, undefined, src(1), 1)
    expect(inferred.byte(0x0e)?.current.origin).toBe('inferred')
    expect(isSizedRegister(inferred, 0x10)).toBe(false)
  })
})

describe('describeResource: a sysfs resource line', () => {
  it('decodes each flag of the real lines, in full', () => {
    // traces/fault-bar-field-6/0000:00:02.0/resource lines 2, 5 and 7; this host's 0000:00:01.0 line 1
    expect(describeResource(0xfebc0000, 0xfebc0fff, 0x40200)).toEqual({kind: 'mem', is64: false, prefetchable: false, size: 0x1000, start: 0xfebc0000})
    expect(describeResource(0xfebf8000, 0xfebfbfff, 0x14220c)).toEqual({kind: 'mem', is64: true, prefetchable: true, size: 0x4000, start: 0xfebf8000})
    expect(describeResource(0xfeb80000, 0xfebbffff, 0x46200)).toEqual({kind: 'mem', is64: false, prefetchable: true, size: 0x40000, start: 0xfeb80000})
    expect(describeResource(0x4000000000, 0x400007ffff, 0x140204)).toEqual({kind: 'mem', is64: true, prefetchable: false, size: 0x80000, start: 0x4000000000})
    expect(describeResource(0, 0, 0)).toBe('empty')
  })

  it('end == start is one byte; end below start is no range (built from the BAR 0 line 0xc000-0xc07f)', () => {
    expect(describeResource(0xc000, 0xc000, 0x40101)).toEqual({kind: 'io', is64: false, prefetchable: false, size: 1, start: 0xc000})
    expect(describeResource(0xc000, 0xbffe, 0x40101)).toEqual({kind: 'io', is64: false, prefetchable: false, size: 0, start: 0xc000})
  })

  it('flags without IORESOURCE_IO or _MEM, or zero flags on a range, are an empty resource (built)', () => {
    expect(describeResource(0xc000, 0xc07f, 0x40000)).toBe('empty')
    expect(describeResource(0xc000, 0xc07f, 0)).toBe('empty')
  })
})

describe('BarTracker.onCfgWrite: the end of a sizing sequence', () => {
  it('writing back the value read before, after the mask was read: all 4 bytes certain', () => {
    const t = new BarTracker()
    expect(size(t, 0x10, 0xc081, 0xffffffe1)).toEqual([undefined, {certainBytes: 4}])
  })

  it('without widths: only the bytes the first read certainly covered (0xc081: 2)', () => {
    expect(size(new BarTracker(), 0x10, 0xc081, 0xffffffe1, 'width-unknown')).toEqual([undefined, {certainBytes: 2}])
    // a value that needs all 4 bytes was certainly read in full
    expect(size(new BarTracker(), 0x14, 0xfebc0000, 0xfffff000, 'width-unknown')).toEqual([undefined, {certainBytes: 4}])
  })

  it('no restore: another value written back, no mask read in between, no sizing write, no first read', () => {
    const other = new BarTracker()
    other.onCfgRead(0x10, 0xc081, 4, src(1))
    other.onCfgWrite(0x10, 0xffffffff, 4)
    other.onCfgRead(0x10, 0xffffffe1, 4, src(2))
    // the kernel assigning another address (0xc041, k6.1-pc-transitional's BAR 0) after sizing
    expect(other.onCfgWrite(0x10, 0xc041, 4)).toBeUndefined()

    const noMask = new BarTracker()
    noMask.onCfgRead(0x10, 0xc081, 4, src(1))
    noMask.onCfgWrite(0x10, 0xffffffff, 4)
    expect(noMask.onCfgWrite(0x10, 0xc081, 4)).toBeUndefined()

    const noSizing = new BarTracker()
    noSizing.onCfgRead(0x10, 0xc081, 4, src(1))
    expect(noSizing.onCfgWrite(0x10, 0xc081, 4)).toBeUndefined()

    const noRead = new BarTracker()
    noRead.onCfgWrite(0x18, 0xffffffff, 4)
    noRead.onCfgRead(0x18, 0, 4, src(1))
    expect(noRead.onCfgWrite(0x18, 0, 4)).toBeUndefined()
  })

  it('a second sizing write right after the mask read is no restore, and it resets the mask read', () => {
    const t = new BarTracker()
    t.onCfgRead(0x24, 0xffffffff, 4, src(1))
    t.onCfgWrite(0x24, 0xffffffff, 4)
    t.onCfgRead(0x24, 0xffffffff, 4, src(2))
    // the register read all-ones before sizing (built): writing it back is a sizing write again
    expect(t.onCfgWrite(0x24, 0xffffffff, 4)).toBeUndefined()
    expect(t.onCfgWrite(0x24, 0xffffffff, 4)).toBeUndefined()
  })

  it('a ROM register is sized by a write setting every address bit: Linux 0xfffff800, SeaBIOS ~1', () => {
    const linux = new BarTracker()
    expect(size2(linux, 0x30, 0xfeb80000, 0xfffff800, 0xfffc0000)).toEqual([undefined, {certainBytes: 4}])
    expect(size2(new BarTracker(), 0x30, 0xfeb80000, 0xfffffffe, 0xfffc0000)).toEqual([undefined, {certainBytes: 4}])
    expect(size2(new BarTracker(), 0x38, 0, 0xfffff800, 0)).toEqual([undefined, {certainBytes: 4}])
    // bit 11 clear (built from 0xfffff800): not a sizing write, so the next read is a plain value
    const notSizing = new BarTracker()
    expect(size2(notSizing, 0x30, 0xfeb80000, 0xfffff000, 0xfffc0000)).toEqual([undefined, undefined])
    // the read after it is the register's value, not a mask
    expect(notSizing.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, sources: [src(2)], how: ['register'], addr: 0xfffc0000, romEnabled: false})
    // a BAR register is sized only by all-ones
    expect(size2(new BarTracker(), 0x10, 0xc081, 0xfffff800, 0xffffffe1)).toEqual([undefined, undefined])
  })

  it('narrow accesses are not BAR accesses', () => {
    const t = new BarTracker()
    t.onCfgRead(0x10, 0xc081, 4, src(1))
    t.onCfgWrite(0x10, 0xffffffff, 4)
    t.onCfgRead(0x10, 0xffffffe1, 4, src(2))
    expect(t.onCfgWrite(0x10, 0xc081, 2)).toBeUndefined()
    expect(t.onCfgWrite(0x10, 0xc081, 1)).toBeUndefined()
    expect(t.onCfgWrite(0x10, 0xc081, 4)).toEqual({certainBytes: 4})
  })
})

/** A sizing sequence with the given sizing write: read l, write `sizingWrite`, read `mask`, write l. */
function size2(t: BarTracker, offset: number, programmed: number, sizingWrite: number, mask: number) {
  const r: unknown[] = []
  t.onCfgRead(offset, programmed, 4, src(1))
  r.push(t.onCfgWrite(offset, sizingWrite, 4))
  t.onCfgRead(offset, mask, 4, src(2))
  r.push(t.onCfgWrite(offset, programmed, 4))
  return r
}

describe('BarTracker: which index goes where', () => {
  it('index 6 of a mapping, resource, lspci or dmesg line is the ROM, not a seventh BAR; index 7 is nothing', () => {
    const t = new BarTracker()
    t.onMapping(6, 'add', 0xfeb80000, 0x40000, src(1))
    t.onMapping(7, 'add', 0xfeb80000, 0x40000, src(2))
    t.onResource(7, 0xfeb80000, 0xfebbffff, 0x46200, src(3))
    t.onLspci(7, 'empty', src(4))
    t.onKernelBar(7, dmesgBar(DMESG_ROM), src(5))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT).map((b) => b.how)).toEqual([[], [], [], [], [], []])
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, sources: [src(1)], how: ['mapping'], size: 0x40000, addr: 0xfeb80000})
    expect(t.kindOf(6)).toBeUndefined()
    expect(t.kindOf(-1)).toBeUndefined()
  })

  it('BAR lines of lspci, dmesg and resource files, and BAR mappings, say nothing about the ROM', () => {
    const t = new BarTracker()
    t.onLspci(1, parseBarDescription('Memory at febd2000 (32-bit, non-prefetchable) [size=4K]', false)!, src(1))
    t.onKernelBar(1, dmesgBar(DMESG_BAR1), src(2))
    t.onResource(1, 0xfebc0000, 0xfebc0fff, 0x40200, src(3))
    t.onMapping(1, 'add', 0xfebc0000, 0x1000, src(4))
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toBeUndefined()
  })

  it('an lspci line of another type than the sizing reply warns (built: an I/O line for the memory BAR 1)', () => {
    const t = new BarTracker()
    size(t, 0x14, 0xfebc0000, 0xfffff000)
    t.onLspci(1, parseBarDescription('I/O ports at c080 [size=4K]', false)!, src(3))
    const w = new WarningSink()
    t.evidence(w, 'd', ENDPOINT)
    expect(w.warnings.map((x) => [x.code, x.message, x.source])).toEqual([['bar-type-conflict', 'd BAR 1: lspci disagrees with earlier evidence on its type', src(3)]])
  })

  it('a ROM reply read without a width whose address bits sit in its low 2 bytes is exact (built: 0xf800)', () => {
    const t = new BarTracker()
    t.onCfgWrite(0x30, 0xfffff800, undefined)
    t.onCfgRead(0x30, 0xf800, undefined, src(2))
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0x800, sizingReply: 0xf800, sources: [src(2)], how: ['sizing']})
  })

  it('a resource line 7 (index 6) is the ROM', () => {
    const t = new BarTracker()
    t.onResource(6, 0xfeb80000, 0xfebbffff, 0x46200, src(1))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT).every((b) => b.how.length === 0)).toBe(true)
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, sources: [src(1)], how: ['resource'], size: 0x40000, addr: 0xfeb80000})
  })

  it("an lspci `Expansion ROM` line (index 6) is the ROM", () => {
    const t = new BarTracker()
    t.onLspci(6, lspciRom('Expansion ROM at febc0000 [disabled] [size=256K]'), src(1))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT).every((b) => b.how.length === 0)).toBe(true)
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, sources: [src(1)], how: ['lspci'], size: 0x40000, addr: 0xfebc0000})
  })

  it('pci_update_mappings_del removes nothing and adds nothing', () => {
    const t = new BarTracker()
    t.onMapping(1, 'del', 0xfebc0000, 0x1000, src(1))
    t.onMapping(6, 'del', 0xfeb80000, 0x40000, src(2))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[1]).toEqual({index: 1, sources: [], how: []})
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toBeUndefined()
  })
})

describe('BarTracker.onDump: registers the dump reaches', () => {
  const dump = (length: number) => {
    const bytes = new Uint8Array(length)
    const v = new DataView(bytes.buffer)
    const put = (off: number, value: number) => off + 4 <= length && v.setUint32(off, value, true)
    // the capture's register values
    put(0x10, 0xc081)
    put(0x14, 0xfebc0000)
    put(0x20, 0xfebf400c)
    put(0x30, 0xfeb80000)
    put(0x38, 0xfeb80001)
    return bytes
  }

  it('0x20 bytes: BARs 0..3 only (BAR 3 ends at 0x20)', () => {
    const t = new BarTracker()
    t.onDump(dump(0x20), (off) => src(off))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT).map((b) => [b.kind, b.addr])).toEqual([
      ['io', 0xc080], ['mem', 0xfebc0000], [undefined, undefined], [undefined, undefined], [undefined, undefined], [undefined, undefined],
    ])
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toBeUndefined()
  })

  it('0x24 bytes: BAR 4 is read but its upper half is not, so its address is unknown', () => {
    const t = new BarTracker()
    t.onDump(dump(0x24), (off) => src(off))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, sources: [src(0x20)], how: ['register']})
  })

  it('0x34 bytes reach the endpoint ROM register (0x30) but not the bridge one (0x38); 0x3c reach both', () => {
    const short = new BarTracker()
    short.onDump(dump(0x33), (off) => src(off))
    expect(short.romEvidence(new WarningSink(), 'd', ENDPOINT)).toBeUndefined()
    const t = new BarTracker()
    t.onDump(dump(0x34), (off) => src(off))
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, sources: [src(0x30)], how: ['register'], addr: 0xfeb80000, romEnabled: false})
    expect(t.romEvidence(new WarningSink(), 'd', BRIDGE)).toBeUndefined()
    const both = new BarTracker()
    both.onDump(dump(0x3b), (off) => src(off))
    expect(both.romEvidence(new WarningSink(), 'd', BRIDGE)).toBeUndefined()
    const bridge = new BarTracker()
    bridge.onDump(dump(0x3c), (off) => src(off))
    expect(bridge.romEvidence(new WarningSink(), 'd', BRIDGE)).toEqual({index: 6, sources: [src(0x38)], how: ['register'], addr: 0xfeb80000, romEnabled: true})
  })
})

describe('BarTracker.evidence: header types and 64-bit halves', () => {
  it('a CardBus bridge has one BAR: BAR 1 on is the header type, whatever was read there', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xfebc0000, 0xfffff000)
    size(t, 0x14, 0xfebd1000, 0xfffff000, 'width-known', 3)
    const bars = t.evidence(new WarningSink(), 'd', CARDBUS)
    expect(bars[0]).toEqual({index: 0, kind: 'mem', is64: false, prefetchable: false, size: 0x1000, addr: 0xfebc0000, sizingReply: 0xfffff000, sources: [src(2), src(1)], how: ['sizing', 'register']})
    expect(bars.slice(1)).toEqual([1, 2, 3, 4, 5].map((index) => ({index, size: 0, sources: [], how: ['header-type']})))
  })

  it('an unknown header type (byte 0x0e never read): six BARs, plain reads of BARs 0 and 1 still count', () => {
    const t = new BarTracker()
    t.onCfgRead(0x14, 0xfebc0000, 4, src(1))
    t.onCfgRead(0x18, 0xfebc0000, 4, src(2))
    const bars = t.evidence(new WarningSink(), 'd', undefined)
    expect(bars.map((b) => b.addr)).toEqual([undefined, 0xfebc0000, undefined, undefined, undefined, undefined])
    // a header type Linux rejects (0x7f) is as good as unknown
    expect(t.evidence(new WarningSink(), 'd', 0x7f).map((b) => b.addr)).toEqual([undefined, 0xfebc0000, undefined, undefined, undefined, undefined])
  })

  it('with an unknown header type a sizing sequence past BAR 1 still sizes, but its reply is not a BAR mask', () => {
    const t = new BarTracker()
    size(t, 0x20, 0xfebf400c, 0xffffc00c)
    expect(t.evidence(new WarningSink(), 'd', undefined)[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, size: 0x4000, sources: [src(2)], how: ['sizing']})
  })

  it('the half above a 64-bit BAR is its upper half, with the sources of its own sizing, read and resource', () => {
    const t = new BarTracker()
    size(t, 0x20, 0xfebf400c, 0xffffc00c)
    size(t, 0x24, 0, 0xffffffff, 'width-known', 5)
    t.onResource(5, 0, 0, 0, src(9))
    t.onMapping(5, 'add', 0, 0, src(10))
    const bars = t.evidence(new WarningSink(), 'd', ENDPOINT)
    expect(bars[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfebf4000, sizingReply: 0xffffc00c, sources: [src(2), src(1)], how: ['sizing', 'register']})
    expect(bars[5]).toEqual({index: 5, upperHalfOf: 4, size: 0, sources: [src(6), src(5), src(9)], how: ['upper-half']})
  })

  it('a 64-bit BAR 1 on a bridge: BAR 1 is its upper half, BAR 2 on the header type', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xfebf400c, 0xffffc00c)
    const bars = t.evidence(new WarningSink(), 'd', BRIDGE)
    expect(bars[1]).toEqual({index: 1, upperHalfOf: 0, size: 0, sources: [], how: ['upper-half']})
    expect(bars[2]).toEqual({index: 2, size: 0, sources: [], how: ['header-type']})
  })

  it('two 64-bit BARs in a row: 0-1 and 2-3, the upper half itself is no lower half', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xfebf400c, 0xffffc00c)
    size(t, 0x14, 0, 0xffffffff, 'width-known', 3)
    size(t, 0x18, 0xfebf800c, 0xffffc00c, 'width-known', 5)
    size(t, 0x1c, 0, 0xffffffff, 'width-known', 7)
    const bars = t.evidence(new WarningSink(), 'd', ENDPOINT)
    expect(bars.map((b) => [b.index, b.upperHalfOf, b.addr])).toEqual([
      [0, undefined, 0xfebf4000], [1, 0, undefined], [2, undefined, 0xfebf8000], [3, 2, undefined], [4, undefined, undefined], [5, undefined, undefined],
    ])
  })
})

describe('BarTracker: the type bits and their sources', () => {
  it('the sizing reply first, then the register read, then a dump; a 0 reply says nothing', () => {
    const t = new BarTracker()
    size(t, 0x10, 0xc081, 0)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[0]).toEqual({index: 0, kind: 'io', is64: false, prefetchable: false, size: 0, addr: 0xc080, sizingReply: 0, sources: [src(1), src(2)], how: ['register', 'sizing']})
    expect(t.kindOf(0)).toBe('io')
  })

  it('a dump when no read was seen', () => {
    const t = new BarTracker()
    const bytes = new Uint8Array(0x40)
    new DataView(bytes.buffer).setUint32(0x14, 0xfebc0000, true)
    t.onDump(bytes, () => src(7))
    expect(t.kindOf(1)).toBe('mem')
    t.onCfgRead(0x14, 0xc081, 4, src(8))
    // a read (here an I/O value, built) takes precedence over the dump and the dump disagrees
    const w = new WarningSink()
    expect(t.evidence(w, 'd', ENDPOINT)[1]).toEqual({index: 1, kind: 'io', is64: false, prefetchable: false, addr: 0xc080, sources: [src(8)], how: ['register']})
    expect(w.warnings).toEqual([])
  })

  it('then the resource file, lspci, dmesg, each in that order', () => {
    const resource = new BarTracker()
    resource.onResource(4, 0xfebf8000, 0xfebfbfff, 0x14220c, src(1))
    expect(resource.kindOf(4)).toBe('mem')
    expect(resource.evidence(new WarningSink(), 'd', ENDPOINT)[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfebf8000, sources: [src(1)], how: ['resource']})

    const lspci = new BarTracker()
    lspci.onResource(0, 0, 0, 0, src(1))
    lspci.onLspci(0, parseBarDescription('I/O ports at c080 [size=32]', false)!, src(2))
    lspci.onKernelBar(0, dmesgBar(DMESG_BAR0), src(3))
    const w = new WarningSink()
    expect(lspci.evidence(w, 'd', ENDPOINT)[0]).toEqual({index: 0, kind: 'io', is64: false, prefetchable: false, size: 0, addr: 0xc080, sources: [src(2), src(3), src(1)], how: ['lspci', 'dmesg', 'resource']})
    // both lspci and dmesg disagree with the empty resource: one warning, the first, counted twice
    expect(w.warnings.map((x) => [x.code, x.message, x.source, x.count])).toEqual([['bar-size-conflict', 'd BAR 0: lspci gives size 0x20, earlier evidence 0x0', src(2), 2]])

    const dmesg = new BarTracker()
    dmesg.onKernelBar(4, dmesgBar(DMESG_BAR4), src(1))
    expect(dmesg.kindOf(4)).toBe('mem')
    expect(dmesg.evidence(new WarningSink(), 'd', ENDPOINT)[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, size: 0x4000, addr: 0xfebf4000, sources: [src(1)], how: ['dmesg']})
  })

  it('warns when a source disagrees on the kind, the width or the prefetch bit, and keeps the first', () => {
    for (const [text, flags] of [
      [DMESG_BAR0, 0x40101],
      [DMESG_BAR4, 0x14220c],
      ['pci 0000:00:02.0: BAR 1 [mem 0xfebc0000-0xfebc0fff 64bit]', 0x140200],
      ['pci 0000:00:02.0: BAR 1 [mem 0xfebc0000-0xfebc0fff pref]', 0x42200],
    ] as const) {
      const dmesg = new BarTracker()
      const w = new WarningSink()
      size(dmesg, 0x14, 0xfebc0000, 0xfffff000)
      dmesg.onKernelBar(1, dmesgBar(text), src(5))
      // the size and the address still come from the line
      expect(dmesg.evidence(w, '0000:00:02.0', ENDPOINT)[1]).toMatchObject({kind: 'mem', is64: false, prefetchable: false, how: ['sizing', 'dmesg']})
      expect(w.warnings.filter((x) => x.code === 'bar-type-conflict').map((x) => [x.message, x.source])).toEqual([['0000:00:02.0 BAR 1: dmesg disagrees with earlier evidence on its type', src(5)]])
      const resource = new BarTracker()
      const v = new WarningSink()
      size(resource, 0x14, 0xfebc0000, 0xfffff000)
      resource.onResource(1, 0xfebc0000, 0xfebc0fff, flags, src(6))
      expect(resource.evidence(v, '0000:00:02.0', ENDPOINT)[1]).toMatchObject({kind: 'mem', is64: false, prefetchable: false, how: ['sizing', 'resource']})
      expect(v.warnings.filter((x) => x.code === 'bar-type-conflict').map((x) => [x.message, x.source])).toEqual([['0000:00:02.0 BAR 1: resource disagrees with earlier evidence on its type', src(6)]])
    }
  })

  it('agreeing sources are all noted, each source once', () => {
    const t = new BarTracker()
    size(t, 0x14, 0xfebc0000, 0xfffff000)
    t.onMapping(1, 'add', 0xfebc0000, 0x1000, src(2))
    t.onResource(1, 0xfebc0000, 0xfebc0fff, 0x40200, {file: 'resource', line: 2})
    t.onKernelBar(1, dmesgBar(DMESG_BAR1), {file: 't', line: 2, record: 3})
    const w = new WarningSink()
    expect(t.evidence(w, 'd', ENDPOINT)[1]).toEqual({
      index: 1,
      kind: 'mem',
      is64: false,
      prefetchable: false,
      size: 0x1000,
      addr: 0xfebc0000,
      sizingReply: 0xfffff000,
      sources: [src(2), {file: 'resource', line: 2}, {file: 't', line: 2, record: 3}],
      how: ['sizing', 'resource', 'dmesg', 'mapping'],
    })
    expect(w.warnings).toEqual([])
  })
})

describe('BarTracker: the size', () => {
  it('an inferred size gives way to a certain one; a certain one does not give way to an inferred one', () => {
    const t = new BarTracker()
    size(t, 0x18, 0, 0, 'width-unknown')
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toEqual({index: 2, size: 0, inferred: true, sizingReply: 0, sources: [src(2)], how: ['sizing']})
    const w = new WarningSink()
    t.onMapping(2, 'add', 0xfe000000, 0x4000, src(3))
    expect(t.evidence(w, 'd', ENDPOINT)[2]).toEqual({index: 2, size: 0x4000, addr: 0xfe000000, sizingReply: 0, sources: [src(2), src(3)], how: ['sizing', 'mapping']})
    expect(w.warnings).toEqual([])
  })

  it('the first certain size after an inferred one stands: a later different one warns', () => {
    const t = new BarTracker()
    size(t, 0x18, 0, 0, 'width-unknown')
    t.onMapping(2, 'add', 0xfe000000, 0x4000, src(3))
    t.onResource(2, 0xfe000000, 0xfe001fff, 0x40200, src(4))
    const w = new WarningSink()
    expect(t.evidence(w, 'd', ENDPOINT)[2]).toEqual({index: 2, kind: 'mem', is64: false, prefetchable: false, size: 0x4000, addr: 0xfe000000, sizingReply: 0, sources: [src(4), src(2), src(3)], how: ['resource', 'sizing', 'mapping']})
    expect(w.warnings.map((x) => [x.code, x.message, x.source])).toEqual([['bar-size-conflict', 'd BAR 2: resource gives size 0x2000, earlier evidence 0x4000', src(4)]])
  })

  it('two inferred sizes that agree: still inferred', () => {
    const t = new BarTracker()
    size(t, 0x18, 0, 0, 'width-unknown')
    size(t, 0x1c, 0, 0, 'width-unknown', 5)
    const bars = t.evidence(new WarningSink(), 'd', ENDPOINT)
    expect(bars[2]).toEqual({index: 2, size: 0, inferred: true, sizingReply: 0, sources: [src(2)], how: ['sizing']})
  })

  it('the size of a 64-bit BAR of 4 GiB and more comes from the upper half; unknown while that is unsized', () => {
    const t = new BarTracker()
    size(t, 0x18, 0x0000000c, 0x0000000c)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toEqual({index: 2, kind: 'mem', is64: true, prefetchable: true, sizingReply: 0xc, sources: [src(2)], how: ['sizing']})
    size(t, 0x1c, 0x1, 0xfffffffe, 'width-known', 5)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toEqual({index: 2, kind: 'mem', is64: true, prefetchable: true, size: 2 ** 33, addr: 2 ** 32, sizingReply: 0xc, sources: [src(2), src(6), src(1)], how: ['sizing', 'register']})
  })

  it('an upper half that reads back 0 gives size 0; without widths both halves decide whether it is inferred', () => {
    const t = new BarTracker()
    size(t, 0x18, 0x0000000c, 0x0000000c)
    size(t, 0x1c, 0, 0, 'width-known', 5)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toMatchObject({size: 0})
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]?.inferred).toBeUndefined()

    const lowInferred = new BarTracker()
    size(lowInferred, 0x18, 0x0000000c, 0x0000000c, 'width-unknown')
    size(lowInferred, 0x1c, 0x1, 0xfffffffe, 'width-known', 5)
    expect(lowInferred.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toMatchObject({size: 2 ** 33, inferred: true})

    const highInferred = new BarTracker()
    size(highInferred, 0x18, 0x0000000c, 0x0000000c)
    size(highInferred, 0x1c, 0, 0, 'width-unknown', 5)
    expect(highInferred.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toMatchObject({size: 0, inferred: true})
  })

  it('a 32-bit memory mask with no address bits is size 0, inferred only without widths', () => {
    const t = new BarTracker()
    size(t, 0x14, 0x8, 0x8)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: true, size: 0, sizingReply: 0x8, sources: [src(2)], how: ['sizing']})
    const u = new BarTracker()
    size(u, 0x14, 0x8, 0x8, 'width-unknown')
    expect(u.evidence(new WarningSink(), 'd', ENDPOINT)[1]).toMatchObject({size: 0, inferred: true})
  })

  it('an lspci line without a size gives none; an empty lspci slot is size 0', () => {
    const t = new BarTracker()
    t.onLspci(1, parseBarDescription('Memory at febd2000 (32-bit, non-prefetchable)', false)!, src(1))
    t.onLspci(2, 'empty', src(2))
    const bars = t.evidence(new WarningSink(), 'd', ENDPOINT)
    expect(bars[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: false, addr: 0xfebd2000, sources: [src(1)], how: ['lspci']})
    expect(bars[2]).toEqual({index: 2, size: 0, sources: [src(2)], how: ['lspci']})
  })
})

describe('BarTracker: the address', () => {
  it('the mapping first, then the resource, lspci, dmesg, the register', () => {
    const all = (t: BarTracker, skip: string[]) => {
      if (!skip.includes('mapping')) t.onMapping(1, 'add', 0xfebc1000, 0x1000, src(1))
      if (!skip.includes('resource')) t.onResource(1, 0xfebc2000, 0xfebc2fff, 0x40200, src(2))
      if (!skip.includes('lspci')) t.onLspci(1, parseBarDescription('Memory at febc3000 (32-bit, non-prefetchable) [size=4K]', false)!, src(3))
      if (!skip.includes('dmesg')) t.onKernelBar(1, dmesgBar('pci 0000:00:02.0: BAR 1 [mem 0xfebc4000-0xfebc4fff]'), src(4))
      t.onCfgRead(0x14, 0xfebc5000, 4, src(5))
      return t.evidence(new WarningSink(), 'd', ENDPOINT)[1]!.addr
    }
    // built from the capture's BAR 1 (0xfebc0000), one address per source to tell them apart
    expect(all(new BarTracker(), [])).toBe(0xfebc1000)
    expect(all(new BarTracker(), ['mapping'])).toBe(0xfebc2000)
    expect(all(new BarTracker(), ['mapping', 'resource'])).toBe(0xfebc3000)
    expect(all(new BarTracker(), ['mapping', 'resource', 'lspci'])).toBe(0xfebc4000)
    expect(all(new BarTracker(), ['mapping', 'resource', 'lspci', 'dmesg'])).toBe(0xfebc5000)
  })

  it('an empty or unassigned source gives no address and lets the next one speak', () => {
    const t = new BarTracker()
    t.onResource(1, 0, 0, 0, src(1))
    t.onLspci(1, parseBarDescription('Memory at <unassigned> (32-bit, non-prefetchable) [size=4K]', false)!, src(2))
    t.onKernelBar(1, {kind: 'mem', is64: false, prefetchable: false, size: 0x1000}, src(3))
    t.onCfgRead(0x14, 0xfebc0000, 4, src(4))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[1]?.addr).toBe(0xfebc0000)
    const empty = new BarTracker()
    empty.onLspci(1, 'empty', src(1))
    empty.onCfgRead(0x14, 0xfebc0000, 4, src(2))
    expect(empty.evidence(new WarningSink(), 'd', ENDPOINT)[1]?.addr).toBe(0xfebc0000)
  })

  it('a 64-bit register address needs its upper half; a zero one says nothing', () => {
    const t = new BarTracker()
    t.onCfgRead(0x20, 0xfebf400c, 4, src(1))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[4]?.addr).toBeUndefined()
    t.onCfgRead(0x24, 0x1, 4, src(2))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[4]?.addr).toBe(0x1febf4000)
    const zero = new BarTracker()
    zero.onCfgRead(0x20, 0x0000000c, 4, src(1))
    zero.onCfgRead(0x24, 0, 4, src(2))
    expect(zero.evidence(new WarningSink(), 'd', ENDPOINT)[4]).toEqual({index: 4, kind: 'mem', is64: true, prefetchable: true, sources: [src(1)], how: ['register']})
    // the upper half from a dump
    const dumped = new BarTracker()
    const bytes = new Uint8Array(0x40)
    new DataView(bytes.buffer).setUint32(0x24, 0x1, true)
    dumped.onDump(bytes, () => src(9))
    dumped.onCfgRead(0x20, 0xfebf400c, 4, src(1))
    expect(dumped.evidence(new WarningSink(), 'd', ENDPOINT)[4]?.addr).toBe(0x1febf4000)
  })
})

describe('BarTracker.romEvidence', () => {
  const sized = (offset: number, final: number) => {
    const t = new BarTracker()
    t.onCfgRead(offset, 0xfeb80000, 4, src(1))
    t.onCfgWrite(offset, 0xfffff800, 4)
    t.onCfgRead(offset, 0xfffc0000, 4, src(2))
    t.onCfgWrite(offset, 0xfeb80000, 4)
    t.onCfgRead(offset, final, 4, src(3))
    return t
  }

  it('sized and read back enabled at 0x30 of an endpoint, in full', () => {
    expect(sized(0x30, 0xfeb80001).romEvidence(new WarningSink(), '0000:00:02.0', ENDPOINT)).toEqual({
      index: 6, size: 0x40000, addr: 0xfeb80000, romEnabled: true, sizingReply: 0xfffc0000, sources: [src(2), src(3)], how: ['sizing', 'register'],
    })
    expect(sized(0x30, 0xfeb80000).romEvidence(new WarningSink(), '0000:00:02.0', ENDPOINT)?.romEnabled).toBe(false)
  })

  it('the register of the other header type says nothing; no header type, nothing from registers', () => {
    expect(sized(0x30, 0xfeb80001).romEvidence(new WarningSink(), 'd', BRIDGE)).toBeUndefined()
    expect(sized(0x38, 0xfeb80001).romEvidence(new WarningSink(), 'd', BRIDGE)).toMatchObject({size: 0x40000, addr: 0xfeb80000, romEnabled: true})
    expect(sized(0x30, 0xfeb80001).romEvidence(new WarningSink(), 'd', undefined)).toBeUndefined()
    expect(sized(0x30, 0xfeb80001).romEvidence(new WarningSink(), 'd', CARDBUS)).toBeUndefined()
  })

  it('a ROM sized to 0 (a root port without one) is size 0; without widths that 0 is inferred', () => {
    const t = new BarTracker()
    t.onCfgRead(0x38, 0, 4, src(1))
    t.onCfgWrite(0x38, 0xfffff800, 4)
    t.onCfgRead(0x38, 0, 4, src(2))
    t.onCfgWrite(0x38, 0, 4)
    expect(t.romEvidence(new WarningSink(), 'd', BRIDGE)).toEqual({index: 6, size: 0, sizingReply: 0, romEnabled: false, sources: [src(2)], how: ['sizing']})
    const u = new BarTracker()
    u.onCfgRead(0x38, 0, undefined, src(1))
    u.onCfgWrite(0x38, 0xfffff800, undefined)
    u.onCfgRead(0x38, 0, undefined, src(2))
    expect(u.romEvidence(new WarningSink(), 'd', BRIDGE)).toMatchObject({size: 0, inferred: true})
    // the enable bit alone in the reply (built): no address bits, size 0, and certain when read with a width
    const enableOnly = new BarTracker()
    enableOnly.onCfgWrite(0x30, 0xfffff801, 4)
    enableOnly.onCfgRead(0x30, 0x1, 4, src(2))
    expect(enableOnly.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0, sizingReply: 1, sources: [src(2)], how: ['sizing']})
  })

  it('without widths a reply with address bits is exact', () => {
    const t = new BarTracker()
    t.onCfgWrite(0x30, 0xfffff800, undefined)
    t.onCfgRead(0x30, 0xfffc0000, undefined, src(2))
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0x40000, sizingReply: 0xfffc0000, sources: [src(2)], how: ['sizing']})
  })

  it('sizes from the mapping, resource, lspci, dmesg agree or warn, each by its own name', () => {
    const t = new BarTracker()
    t.onMapping(6, 'add', 0xfeb80000, 0x40000, src(1))
    t.onResource(6, 0xfeb80000, 0xfebbffff, 0x46200, src(2))
    t.onLspci(6, lspciRom('Expansion ROM at feb80000 [disabled] [size=128K]'), src(3))
    t.onKernelBar(6, dmesgBar(DMESG_ROM), src(4))
    const w = new WarningSink()
    expect(t.romEvidence(w, '0000:00:02.0', ENDPOINT)).toEqual({index: 6, size: 0x40000, addr: 0xfeb80000, sources: [src(1), src(2), src(4)], how: ['mapping', 'resource', 'dmesg']})
    expect(w.warnings.map((x) => [x.code, x.message, x.source])).toEqual([['bar-size-conflict', '0000:00:02.0 expansion ROM: lspci gives size 0x20000, earlier evidence 0x40000', src(3)]])
  })

  it('an empty resource or lspci slot is size 0; an lspci ROM line without a size gives none', () => {
    const empty = new BarTracker()
    empty.onResource(6, 0, 0, 0, src(1))
    expect(empty.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0, sources: [src(1)], how: ['resource']})
    const lspciEmpty = new BarTracker()
    lspciEmpty.onLspci(6, 'empty', src(1))
    expect(lspciEmpty.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0, sources: [src(1)], how: ['lspci']})
    const noSize = new BarTracker()
    noSize.onLspci(6, lspciRom('Expansion ROM at febc0000 [disabled]'), src(1))
    expect(noSize.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, addr: 0xfebc0000, sources: [src(1)], how: ['lspci']})
  })

  it('the address: the register when it holds one, then resource, lspci, dmesg, the mapping', () => {
    const all = (skip: string[], final = 0xfeb85000) => {
      const t = new BarTracker()
      if (!skip.includes('mapping')) t.onMapping(6, 'add', 0xfeb81000, 0x40000, src(1))
      if (!skip.includes('resource')) t.onResource(6, 0xfeb82000, 0xfebc1fff, 0x46200, src(2))
      if (!skip.includes('lspci')) t.onLspci(6, lspciRom('Expansion ROM at feb83000 [disabled] [size=256K]'), src(3))
      if (!skip.includes('dmesg')) t.onKernelBar(6, dmesgBar('pci 0000:00:02.0: ROM [mem 0xfeb84000-0xfebc3fff pref]'), src(4))
      if (!skip.includes('register')) t.onCfgRead(0x30, final, 4, src(5))
      return t.romEvidence(new WarningSink(), 'd', ENDPOINT)?.addr
    }
    // built from the capture's ROM at 0xfeb80000, one address per source to tell them apart
    expect(all([])).toBe(0xfeb85000)
    expect(all([], 0x1)).toBe(0xfeb82000) // enabled but no address bits: the register holds no address
    expect(all(['register'])).toBe(0xfeb82000)
    expect(all(['register', 'resource'])).toBe(0xfeb83000)
    expect(all(['register', 'resource', 'lspci'])).toBe(0xfeb84000)
    expect(all(['register', 'resource', 'lspci', 'dmesg'])).toBe(0xfeb81000)
  })

  it('empty or unassigned sources give no ROM address', () => {
    const t = new BarTracker()
    t.onResource(6, 0, 0, 0, src(1))
    t.onLspci(6, 'empty', src(2))
    t.onKernelBar(6, {kind: 'mem', is64: false, prefetchable: true, size: 0x40000}, src(3))
    t.onMapping(6, 'add', 0xfeb80000, 0x40000, src(4))
    expect(t.romEvidence(new WarningSink(), 'd', ENDPOINT)?.addr).toBe(0xfeb80000)
    const lspci = new BarTracker()
    lspci.onLspci(6, lspciRom('Expansion ROM at <unassigned> [disabled] [size=256K]'), src(2))
    lspci.onMapping(6, 'add', 0xfeb80000, 0x40000, src(4))
    expect(lspci.romEvidence(new WarningSink(), 'd', ENDPOINT)?.addr).toBe(0xfeb80000)
  })

  it('each single source alone is enough to have a ROM', () => {
    const reg = new BarTracker()
    reg.onCfgRead(0x30, 0, 4, src(1))
    expect(reg.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, romEnabled: false, sources: [], how: []})
    const dmesg = new BarTracker()
    dmesg.onKernelBar(6, dmesgBar(DMESG_ROM), src(1))
    expect(dmesg.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0x40000, addr: 0xfeb80000, sources: [src(1)], how: ['dmesg']})
    const mask = new BarTracker()
    mask.onCfgWrite(0x30, 0xfffff800, 4)
    mask.onCfgRead(0x30, 0xfffc0000, 4, src(1))
    expect(mask.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0x40000, sizingReply: 0xfffc0000, sources: [src(1)], how: ['sizing']})
    const dumped = new BarTracker()
    const bytes = new Uint8Array(0x40)
    dumped.onDump(bytes, () => src(1))
    expect(dumped.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, romEnabled: false, sources: [], how: []})
  })
})

describe('BarTracker: more edges (inputs built from the capture values, said per test)', () => {
  it('a header type Linux rejects (0x7f, built): no register is known to be a BAR, and the ROM register is unknown', () => {
    expect(isSizedRegister(imageWithHeaderType(0x7f), 0x10)).toBe(false)
    const t = new BarTracker()
    t.onKernelBar(6, dmesgBar(DMESG_ROM), src(1))
    t.onCfgRead(0x30, 0xfeb80001, 4, src(2))
    expect(t.romEvidence(new WarningSink(), 'd', 0x7f)).toEqual({index: 6, size: 0x40000, addr: 0xfeb80000, sources: [src(1)], how: ['dmesg']})
  })

  it('a resource line with flags but start and end 0 is one byte at 0; start above end 0 is no range (built)', () => {
    expect(describeResource(0, 0, 0x40101)).toEqual({kind: 'io', is64: false, prefetchable: false, size: 1, start: 0})
    expect(describeResource(0xc000, 0, 0x40101)).toEqual({kind: 'io', is64: false, prefetchable: false, size: 0, start: 0xc000})
  })

  it('an empty lspci slot gives no type: the dmesg line does, and comes first', () => {
    const t = new BarTracker()
    t.onLspci(1, 'empty', src(1))
    t.onKernelBar(1, dmesgBar(DMESG_BAR1), src(2))
    const w = new WarningSink()
    expect(t.evidence(w, 'd', ENDPOINT)[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: false, size: 0, addr: 0xfebc0000, sources: [src(2), src(1)], how: ['dmesg', 'lspci']})
    expect(w.warnings.map((x) => x.message)).toEqual(['d BAR 1: dmesg gives size 0x1000, earlier evidence 0x0'])
  })

  it('an lspci line without a size, then a dmesg line with one: the size is the dmesg one, noted first', () => {
    const t = new BarTracker()
    t.onLspci(1, parseBarDescription('Memory at febc0000 (32-bit, non-prefetchable)', false)!, src(1))
    t.onKernelBar(1, dmesgBar(DMESG_BAR1), src(2))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: false, size: 0x1000, addr: 0xfebc0000, sources: [src(1), src(2)], how: ['lspci', 'dmesg']})
    const rom = new BarTracker()
    rom.onLspci(6, lspciRom('Expansion ROM at feb80000 [disabled]'), src(1))
    rom.onKernelBar(6, dmesgBar(DMESG_ROM), src(2))
    expect(rom.romEvidence(new WarningSink(), 'd', ENDPOINT)).toEqual({index: 6, size: 0x40000, addr: 0xfeb80000, sources: [src(2), src(1)], how: ['dmesg', 'lspci']})
  })

  it('an lspci line without a size after a sized BAR says nothing about the size', () => {
    const t = new BarTracker()
    size(t, 0x14, 0xfebc0000, 0xfffff000)
    t.onLspci(1, parseBarDescription('Memory at febc0000 (32-bit, non-prefetchable)', false)!, src(3))
    const w = new WarningSink()
    expect(t.evidence(w, 'd', ENDPOINT)[1]).toEqual({index: 1, kind: 'mem', is64: false, prefetchable: false, size: 0x1000, addr: 0xfebc0000, sizingReply: 0xfffff000, sources: [src(2), src(3)], how: ['sizing', 'lspci']})
    expect(w.warnings).toEqual([])
  })

  it('the upper half of a 4 GiB BAR read without a width but with all 4 bytes of its reply: not inferred', () => {
    const t = new BarTracker()
    size(t, 0x18, 0x0000000c, 0x0000000c)
    size(t, 0x1c, 0x1, 0xfffffffe, 'width-unknown', 5)
    const bar = t.evidence(new WarningSink(), 'd', ENDPOINT)[2]!
    expect([bar.size, bar.inferred]).toEqual([2 ** 33, undefined])
  })

  it('a 0 reply is size 0 whatever type the register read gives (built: the 64-bit 0xc)', () => {
    const t = new BarTracker()
    size(t, 0x18, 0x0000000c, 0)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[2]).toMatchObject({kind: 'mem', is64: true, size: 0})
  })

  it('a 64-bit type in BAR 5 has no upper half: no size, no address (built)', () => {
    const t = new BarTracker()
    size(t, 0x24, 0x0000000c, 0x0000000c)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[5]).toEqual({index: 5, kind: 'mem', is64: true, prefetchable: true, sizingReply: 0xc, sources: [src(2)], how: ['sizing']})
    const read = new BarTracker()
    read.onCfgRead(0x24, 0xfebf400c, 4, src(1))
    expect(read.evidence(new WarningSink(), 'd', ENDPOINT)[5]).toEqual({index: 5, kind: 'mem', is64: true, prefetchable: true, sources: [src(1)], how: ['register']})
  })

  it('a dump of 0x20 bytes reaches BAR 3 (the lspci fixture BAR at 0xfebd1000, put in BAR 3)', () => {
    const bytes = new Uint8Array(0x20)
    new DataView(bytes.buffer).setUint32(0x1c, 0xfebd1000, true)
    const t = new BarTracker()
    t.onDump(bytes, (off) => src(off))
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[3]).toEqual({index: 3, kind: 'mem', is64: false, prefetchable: false, addr: 0xfebd1000, sources: [src(0x1c)], how: ['register']})
  })

  it('sources told apart by record (simpletrace) are all kept', () => {
    const t = new BarTracker()
    const rec = (record: number) => ({file: 'trace-1234', record})
    t.onCfgRead(0x14, 0xfebc0000, 4, rec(10))
    t.onCfgWrite(0x14, 0xffffffff, 4)
    t.onCfgRead(0x14, 0xfffff000, 4, rec(12))
    t.onCfgWrite(0x14, 0xfebc0000, 4)
    expect(t.evidence(new WarningSink(), 'd', ENDPOINT)[1]?.sources).toEqual([rec(12), rec(10)])
  })
})
