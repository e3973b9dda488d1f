/**
 * Where the virtio register blocks sit (src/evidence/virtio-layout.ts), the capability bytes that
 * cannot change (readonly-check.ts) and the known-value helpers (image-values.ts), on the capability
 * bytes virtio-net-pci 00:02.0 read in test/fixtures/evidence/pc-full-net-excerpt.log (bytes it never
 * read stay unknown); changes to them are built and say so.
 */
import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import {knownByte, knownDword} from '../../src/evidence/image-values.js'
import {readOnlyCapabilityChanges} from '../../src/evidence/readonly-check.js'
import {capabilityOffsets, placeRegion} from '../../src/evidence/virtio-layout.js'

const src = (line: number) => ({file: 't', line})

/** The capture's rows 0x30..0x9f, `--` for a byte it never read. */
const CAPTURE = {
  0x30: '00 00 b8 fe 98 -- -- -- -- -- -- -- -- -- -- --',
  0x40: '09 00 -- 01 04 -- -- -- 00 00 00 00 00 10 00 00',
  0x50: '09 40 -- 03 04 -- -- -- 00 10 00 00 00 10 00 00',
  0x60: '09 50 -- 04 04 -- -- -- 00 20 00 00 00 10 00 00',
  0x70: '09 60 -- 02 04 -- -- -- 00 30 00 00 00 10 00 00',
  0x80: '04 00 00 00 09 70 -- 05 00 -- -- -- -- -- -- --',
  0x90: '-- -- -- -- -- -- -- -- 11 84 03 c0 01 00 00 00',
}

function capture(changes: Record<number, number | undefined> = {}): ConfigImage {
  const image = new ConfigImage()
  let line = 0
  for (const [row, text] of Object.entries(CAPTURE)) {
    text.split(' ').forEach((b, i) => {
      const offset = Number(row) + i
      const value = offset in changes ? changes[offset] : b === '--' ? undefined : Number.parseInt(b, 16)
      if (value !== undefined) image.observeRead(offset, value, 1, src(++line), line)
    })
  }
  return image
}

describe('capabilityOffsets', () => {
  it("the capture's chain, newest first", () => {
    expect(capabilityOffsets(capture())).toEqual([
      {offset: 0x98, id: 0x11}, {offset: 0x84, id: 0x09}, {offset: 0x70, id: 0x09}, {offset: 0x60, id: 0x09}, {offset: 0x50, id: 0x09}, {offset: 0x40, id: 0x09},
    ])
  })

  it('a position whose id is unknown ends the list there', () => {
    expect(capabilityOffsets(capture({0x70: undefined})).map((c) => c.offset)).toEqual([0x98, 0x84])
  })
})

describe('placeRegion', () => {
  it('every modern block from its vendor capability (cfg_type, BAR 4, offset)', () => {
    const image = capture()
    expect((['common', 'isr', 'device', 'notify', 'notify-pio'] as const).map((r) => [r, placeRegion(image, r, 4)])).toEqual([
      ['common', {offset: 0, from: 'caps'}],
      ['isr', {offset: 0x1000, from: 'caps'}],
      ['device', {offset: 0x2000, from: 'caps'}],
      ['notify', {offset: 0x3000, from: 'caps'}],
      ['notify-pio', {offset: 0x3000, from: 'caps'}],
    ])
  })

  it("another BAR, an unknown cfg_type, BAR or offset byte: QEMU's layout", () => {
    expect(placeRegion(capture(), 'isr', 2)).toEqual({offset: 0x1000, from: 'qemu-default'})
    expect(placeRegion(capture({0x53: undefined}), 'isr', 4)).toEqual({offset: 0x1000, from: 'qemu-default'})
    expect(placeRegion(capture({0x54: undefined}), 'isr', 4)).toEqual({offset: 0x1000, from: 'qemu-default'})
    expect(placeRegion(capture({0x5b: undefined}), 'isr', 4)).toEqual({offset: 0x1000, from: 'qemu-default'})
    expect(placeRegion(capture({0x58: undefined}), 'isr', 4)).toEqual({offset: 0x1000, from: 'qemu-default'})
    expect(placeRegion(capture({0x48: undefined}), 'common', 4)).toEqual({offset: 0, from: 'qemu-default'})
  })

  it('an MSI-X cap with the id of a vendor cap is no vendor cap (built: id 0x11 at 0x50)', () => {
    expect(placeRegion(capture({0x50: 0x11}), 'isr', 4)).toEqual({offset: 0x1000, from: 'qemu-default'})
  })

  it('a later cap of the same cfg_type with a known offset is taken when the first has none (built)', () => {
    // the device cap at 0x60 (before 0x50 in the chain) turned into an ISR cap whose offset was not read
    const image = capture({0x63: 3, 0x69: undefined})
    expect(placeRegion(image, 'isr', 4)).toEqual({offset: 0x1000, from: 'caps'})
  })

  it('the legacy block starts at its BAR; the MSI-X table from its cap where the BIR is the BAR', () => {
    expect(placeRegion(capture(), 'legacy', 0)).toEqual({offset: 0, from: 'caps'})
    expect(placeRegion(new ConfigImage(), 'legacy', 0)).toEqual({offset: 0, from: 'caps'})
    expect(placeRegion(capture(), 'msix-table', 1)).toEqual({offset: 0, from: 'caps'})
    expect(placeRegion(capture(), 'msix-table', 4)).toEqual({offset: 0, from: 'qemu-default'})
    // the PBA dword at 0xa0 was never read
    expect(placeRegion(capture(), 'msix-pba', 1)).toEqual({offset: 0x800, from: 'qemu-default'})
  })

  it("the PBA from QEMU's dword 0x00000801 (built: the capture never read 0xa0): offset without the BIR", () => {
    const image = capture()
    ;[0x01, 0x08, 0x00, 0x00].forEach((b, i) => image.observeRead(0xa0 + i, b, 1, src(900 + i), 900 + i))
    expect(placeRegion(image, 'msix-pba', 1)).toEqual({offset: 0x800, from: 'caps'})
    expect(placeRegion(image, 'msix-pba', 0)).toEqual({offset: 0x800, from: 'qemu-default'})
    // a table at 0x1000 of BAR 2 (built): the BIR bits are cut off the offset
    expect(placeRegion(capture({0x9c: 0x02, 0x9d: 0x10}), 'msix-table', 2)).toEqual({offset: 0x1000, from: 'caps'})
  })

  it('the MSI-X cap found behind the vendor caps (built: the chain starts at 0x84 and ends at 0x98)', () => {
    const image = capture({0x34: 0x84, 0x41: 0x98, 0x99: 0x00})
    expect(placeRegion(image, 'msix-table', 1)).toEqual({offset: 0, from: 'caps'})
  })

  it('no MSI-X cap: QEMU layout', () => {
    expect(placeRegion(capture({0x34: 0x84}), 'msix-table', 1)).toEqual({offset: 0, from: 'qemu-default'})
  })
})

describe('knownByte, knownDword', () => {
  it('little-endian dwords of known bytes; one unknown byte makes the dword unknown', () => {
    const image = capture()
    expect([knownDword(image, 0x58), knownDword(image, 0x5c), knownDword(image, 0x98), knownDword(image, 0x30)]).toEqual([0x1000, 0x1000, 0xc0038411, 0xfeb80000])
    expect([knownDword(image, 0x42), knownDword(image, 0x3d), knownDword(image, 0x35), knownDword(image, 0x89)]).toEqual([undefined, undefined, undefined, undefined])
    expect([knownByte(image, 0x43), knownByte(image, 0x42)]).toEqual([0x01, undefined])
  })
})

describe('readOnlyCapabilityChanges', () => {
  const reread = (offset: number, value: number, before?: () => ConfigImage) => {
    const image = before?.() ?? capture()
    image.observeRead(offset, value, 1, src(500), 500)
    return readOnlyCapabilityChanges(image)
  }

  it('the same bytes read again: no change', () => {
    expect(reread(0x43, 0x01)).toEqual([])
  })

  it("a vendor cap's id, next, cap_len and cfg_type are read-only (built: each read again as another value)", () => {
    const image = capture()
    image.observeRead(0x42, 0x10, 1, src(400), 400)
    for (const [offset, value] of [[0x40, 0x11], [0x41, 0x50], [0x42, 0x14], [0x43, 0x02]] as const) {
      expect(reread(offset, value, () => {
        const i = capture()
        i.observeRead(0x42, 0x10, 1, src(400), 400)
        return i
      })).toEqual([{offset, before: expect.objectContaining({value: offset === 0x42 ? 0x10 : image.byte(offset)!.current.value}), after: expect.objectContaining({value, src: src(500)})}])
    }
  })

  it("an MSI-X cap's id and next are, its message control is not; a vendor cap's BAR byte is not", () => {
    expect(reread(0x98, 0x09).map((c) => c.offset)).toEqual([0x98])
    expect(reread(0x99, 0x40).map((c) => c.offset)).toEqual([0x99])
    expect(reread(0x9a, 0x04)).toEqual([])
    expect(reread(0x44, 0x02)).toEqual([])
  })

  it('a write in between is not a read: writing another cfg_type and reading the old one back is no change', () => {
    const image = capture()
    image.observeWrite(0x43, 0x02, 1, src(450), 450)
    image.observeRead(0x43, 0x01, 1, src(500), 500)
    expect(readOnlyCapabilityChanges(image)).toEqual([])
  })

  it('a byte only inferred 0 by a read without a width had no value: its first real read is no change (the inference stays out of the history)', () => {
    const image = capture()
    // A dword read at 0x40 whose value fits one byte: 0x42 (cap_len, never read) is only inferred 0.
    image.observeRead(0x40, 0x09, undefined, src(450), 450)
    expect(image.byte(0x42)?.current.origin).toBe('inferred')
    image.observeRead(0x42, 0x10, 1, src(500), 500)
    expect(readOnlyCapabilityChanges(image)).toEqual([])
  })

  it('the first change of each byte, in chain order', () => {
    const image = capture()
    image.observeRead(0x40, 0x11, 1, src(500), 500)
    image.observeRead(0x40, 0x12, 1, src(501), 501)
    image.observeRead(0x98, 0x10, 1, src(502), 502)
    expect(readOnlyCapabilityChanges(image).map((c) => [c.offset, c.before.value, c.after.value])).toEqual([[0x98, 0x11, 0x10], [0x40, 0x09, 0x11]])
  })
})
