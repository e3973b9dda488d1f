import {describe, expect, it} from 'vitest'
import {ConfigImage} from '../../src/evidence/config-image.js'
import {capabilityOffsets, placeRegion} from '../../src/evidence/virtio-layout.js'

const src = {file: 't', line: 1}

function imageWith(bytes: Record<number, number[]>): ConfigImage {
  const image = new ConfigImage()
  for (const [offset, values] of Object.entries(bytes)) {
    values.forEach((v, i) => image.observeRead(Number(offset) + i, v, 1, src, 1))
  }
  return image
}

describe('virtio layout', () => {
  it('walks the capability chain as far as bytes are known', () => {
    const image = imageWith({0x34: [0x98], 0x98: [0x11, 0x84], 0x84: [0x09, 0x00]})
    expect(capabilityOffsets(image)).toEqual([
      {offset: 0x98, id: 0x11},
      {offset: 0x84, id: 0x09},
    ])
  })

  it('stops on a looping chain', () => {
    const image = imageWith({0x34: [0x40], 0x40: [0x09, 0x40]})
    expect(capabilityOffsets(image)).toEqual([{offset: 0x40, id: 0x09}]) // each position once: the walk stops where it loops
  })

  it('places modern regions from their vendor caps (cfg_type, bar, offset)', () => {
    const image = imageWith({
      0x34: [0x40],
      0x40: [0x09, 0x50, 16, 2, 4, 0, 0, 0, 0x00, 0x80, 0, 0],
      0x50: [0x09, 0x00, 16, 2, 2, 0, 0, 0, 0x00, 0x00, 0, 0],
    })
    expect(placeRegion(image, 'notify', 4)).toEqual({offset: 0x8000, from: 'caps'})
    expect(placeRegion(image, 'notify-pio', 2)).toEqual({offset: 0, from: 'caps'})
    expect(placeRegion(image, 'common', 4)).toEqual({offset: 0, from: 'qemu-default'})
  })

  it('places the MSI-X table and PBA from the MSI-X cap when its BIR is the BAR', () => {
    const image = imageWith({0x34: [0x98], 0x98: [0x11, 0x00, 0x03, 0xc0, 0x01, 0, 0, 0, 0x01, 0x08, 0, 0]})
    expect(placeRegion(image, 'msix-table', 1)).toEqual({offset: 0, from: 'caps'})
    expect(placeRegion(image, 'msix-pba', 1)).toEqual({offset: 0x800, from: 'caps'})
    expect(placeRegion(image, 'msix-table', 2)).toEqual({offset: 0, from: 'qemu-default'})
  })

  it("falls back to QEMU's layout when the caps were not read", () => {
    const image = new ConfigImage()
    expect(['common', 'isr', 'device', 'notify', 'msix-pba'].map((r) => placeRegion(image, r as 'common', 4).offset)).toEqual([
      0, 0x1000, 0x2000, 0x3000, 0x800,
    ])
  })
})
