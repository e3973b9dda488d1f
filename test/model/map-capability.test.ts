import {describe, expect, it} from 'vitest'
import {
  checkAligned,
  checkBarUnchanged,
  checkInBar,
  checkLengthAboveStart,
  checkLengthCoversMinlen,
  checkNoWrap,
} from '../../src/model/map-capability.js'

describe('vp_modern_map_capability: each check on its own (virtio_pci_modern_dev.c, 6.1/6.12)', () => {
  it('bar >= PCI_STD_NUM_BARS || !(modern_bars & (1 << bar)) -> "bar unexpectedly changed to %u"', () => {
    expect(checkBarUnchanged(4, 0x10)).toBeUndefined()
    expect(checkBarUnchanged(2, 0x10)).toBe('virtio_pci: bar unexpectedly changed to 2')
    expect(checkBarUnchanged(6, 0xff)).toBe('virtio_pci: bar unexpectedly changed to 6')
  })

  it('length <= start -> "bad capability len %u (>%u expected)"', () => {
    expect(checkLengthAboveStart(8, 8)).toBe('virtio_pci: bad capability len 8 (>8 expected)')
    expect(checkLengthAboveStart(9, 8)).toBeUndefined()
  })

  it('length - start < minlen -> "bad capability len %u (>=%zu expected)" with the raw length', () => {
    expect(checkLengthCoversMinlen(10, 8, 2)).toBeUndefined()
    expect(checkLengthCoversMinlen(9, 8, 2)).toBe('virtio_pci: bad capability len 9 (>=2 expected)')
  })

  it('start + offset < offset in u32 -> "map wrap-around %u+%u" (only reachable with start > 0: per-queue notify)', () => {
    expect(checkNoWrap(4, 0xfffffffe)).toBe('virtio_pci: map wrap-around 4+4294967294')
    expect(checkNoWrap(4, 0xfffffffb)).toBeUndefined()
  })

  it('offset & (align - 1) -> "offset %u not aligned to %u"', () => {
    expect(checkAligned(6, 4)).toBe('virtio_pci: offset 6 not aligned to 4')
    expect(checkAligned(6, 2)).toBeUndefined()
    expect(checkAligned(7, 1)).toBeUndefined()
  })

  it('minlen + offset > pci_resource_len(bar) -> "map virtio %zu@%u out of range on bar %i length %lu"', () => {
    expect(checkInBar(2, 0x3ffe, 4, 0x4000)).toBeUndefined()
    expect(checkInBar(2, 0x3fff, 4, 0x4000)).toBe('virtio_pci: map virtio 2@16383 out of range on bar 4 length 16384')
    expect(checkInBar(0, 0x4000, 4, 0x4000)).toBeUndefined()
  })
})
