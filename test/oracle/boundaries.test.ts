/**
 * The boundary seeds of the differential fuzzer (src/oracle/fuzz/boundaries.ts): each image has the
 * quantity it claims (read back here from the image's bytes and BAR facts, not from the generator),
 * and every comparison constant of the probe model has seeds at value - 1, value and value + 1.
 */
import {describe, expect, it} from 'vitest'
import {LEGACY_DEVICE_ID_FIRST, LEGACY_DEVICE_ID_LAST} from '../../src/model/legacy-probe.js'
import {MODERN_DEVICE_ID_FIRST, MODERN_DEVICE_ID_LAST, MODERN_MAPS, MODERN_ONLY_DEVICE_ID_FIRST, PAGE_SIZE} from '../../src/model/modern-probe.js'
import {LOOKUP_CFG_TYPE, type CapLookup} from '../../src/model/find-capability.js'
import {profileByName} from '../../src/model/profiles.js'
import {KERNEL_SERIES} from '../../src/model/series.js'
import {QUEUE_NOTIFY_MAP} from '../../src/model/setup-vq.js'
import {PCI_CLASS_BRIDGE_CARDBUS, PCI_CLASS_BRIDGE_PCI, PCI_FIND_CAP_TTL, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_CARDBUS, PCI_HEADER_TYPE_NORMAL, PCI_STD_HEADER_SIZEOF, PCI_STD_NUM_BARS, PCI_VENDOR_ID_REDHAT_QUMRANET, VIRTIO_PCI_ABI_VERSION} from '../../src/pci/layout.js'
import {type BoundaryImage, type BoundaryQuantity, boundaryImages} from '../../src/oracle/fuzz/boundaries.js'
import {type ConfigImage, get} from '../../src/oracle/fuzz/image.js'
import {SEEDS, qemuLikeImage} from '../../src/oracle/fuzz/seeds.js'

const seeds = boundaryImages()

// Where each structure's capability sits in the modern seed (the edits never move it, the TTL seed
// aside): found here by walking the seed's list by hand.
const base = qemuLikeImage(SEEDS.find((s) => s.name === 'rng-modern-only')!)
const capPos = (s: CapLookup): number => {
  for (let pos = base.bytes[0x34]!, n = 0; pos >= 0x40 && n < 48; pos = base.bytes[pos + 1]!, n++) {
    if (base.bytes[pos] === 0x09 && base.bytes[pos + 3] === LOOKUP_CFG_TYPE[s]) return pos
  }
  throw new Error(`no ${s} capability in the modern seed`)
}
const u32 = (img: ConfigImage, at: number) => get(img, at, 4)
const capField = (img: ConfigImage, s: CapLookup, field: number, width: 1 | 4) => get(img, capPos(s) + field, width)
const barLen = (img: ConfigImage, s: CapLookup) => img.bars[img.bytes[capPos(s) + 4]!]!.len
const notify = (img: ConfigImage) => ({mult: u32(img, capPos('notify') + 16), length: u32(img, capPos('notify') + 12), offset: u32(img, capPos('notify') + 8), start: img.queueNotifyOffs![0]! * u32(img, capPos('notify') + 16)})

/** The compared quantity, from the image alone; the value it must have, reduced the same way. */
function readBack(img: ConfigImage, q: BoundaryQuantity, want: number): [number, number] {
  switch (q.kind) {
    case 'config': {
      const mod = 2 ** (8 * q.width)
      const mask = q.mask ?? mod - 1
      return [get(img, q.offset, q.width) & mask, (((want % mod) + mod) % mod) & mask]
    }
    case 'cap-field': {
      const mod = 2 ** (8 * q.width)
      return [(capField(img, q.struct, q.field, q.width) - (q.minus ?? 0) + mod) % mod, ((want % mod) + mod) % mod]
    }
    case 'map-end':
      return [q.minlen + u32(img, capPos(q.struct) + 8) - barLen(img, q.struct), want]
    case 'iomap-end':
      return [u32(img, capPos(q.struct) + 8) - barLen(img, q.struct), want]
    case 'iomap-clip':
      return [Math.min(u32(img, capPos(q.struct) + 12), q.size) - (barLen(img, q.struct) - u32(img, capPos(q.struct) + 8)), want]
    case 'notify-page': {
      const n = notify({...img, queueNotifyOffs: [0]})
      return [n.length + (n.offset % 4096), want]
    }
    case 'walk': {
      let steps = 0
      for (let pos = img.bytes[0x34]!; pos >= 0x40; pos = img.bytes[pos + 1]!) {
        steps++
        if (img.bytes[pos] === 0x09) break
      }
      return [steps, want]
    }
    case 'bar':
      return [img.bars[q.bar]![q.fact], want]
    case 'queue-whole-end': {
      const n = notify(img)
      return [n.start + 2 - n.length, want]
    }
    case 'queue-length-start': {
      const n = notify(img)
      return [n.length - n.start, want]
    }
    case 'queue-wrap': {
      const n = notify(img)
      return [n.offset + n.start, want]
    }
  }
}

describe('boundary seeds', () => {
  it('each image has the quantity its edge names', () => {
    const wrong = seeds.flatMap((s) => {
      const [got, want] = readBack(s.image, s.edge.quantity, s.edge.value + s.edge.delta * s.edge.step)
      return got === want ? [] : [`${s.name}: ${got}, expected ${want}`]
    })
    expect(wrong).toEqual([])
  })

  it('have distinct names', () => {
    expect(new Set(seeds.map((s) => s.name)).size).toBe(seeds.length)
  })

  /** The seeds of a constant with a quantity kind, by delta. */
  const deltas = (constant: string, kind: BoundaryQuantity['kind'], value: number, match: (s: BoundaryImage) => boolean = () => true) =>
    [...new Set(seeds.filter((s) => s.edge.constant === constant && s.edge.quantity.kind === kind && s.edge.value === value && match(s)).map((s) => s.edge.delta))].sort()

  const all = [-1, 0, 1]
  const commonSizes = [...new Set(KERNEL_SERIES.map((n) => profileByName(n)!.rules.commonMapSize))]

  it('put every comparison constant of the model at value - 1, value and value + 1', () => {
    const expected: [string, BoundaryQuantity['kind'], number][] = [
      ['MODERN_DEVICE_ID_FIRST', 'config', MODERN_DEVICE_ID_FIRST],
      ['MODERN_DEVICE_ID_LAST', 'config', MODERN_DEVICE_ID_LAST],
      ['MODERN_ONLY_DEVICE_ID_FIRST', 'config', MODERN_ONLY_DEVICE_ID_FIRST],
      ['LEGACY_DEVICE_ID_FIRST', 'config', LEGACY_DEVICE_ID_FIRST],
      ['LEGACY_DEVICE_ID_LAST', 'config', LEGACY_DEVICE_ID_LAST],
      ['PCI_VENDOR_ID_REDHAT_QUMRANET', 'config', PCI_VENDOR_ID_REDHAT_QUMRANET],
      ['VIRTIO_PCI_ABI_VERSION', 'config', VIRTIO_PCI_ABI_VERSION],
      ['PCI_HEADER_TYPE_NORMAL', 'config', PCI_HEADER_TYPE_NORMAL],
      ['PCI_HEADER_TYPE_BRIDGE', 'config', PCI_HEADER_TYPE_BRIDGE],
      ['PCI_HEADER_TYPE_CARDBUS', 'config', PCI_HEADER_TYPE_CARDBUS],
      ['PCI_CLASS_BRIDGE_PCI', 'config', PCI_CLASS_BRIDGE_PCI],
      ['PCI_CLASS_BRIDGE_CARDBUS', 'config', PCI_CLASS_BRIDGE_CARDBUS],
      ['PCI_STD_HEADER_SIZEOF', 'config', PCI_STD_HEADER_SIZEOF],
      ['PAGE_SIZE', 'notify-page', PAGE_SIZE],
      ['MODERN_MAPS.isr.size', 'cap-field', MODERN_MAPS.isr.size],
      ['MODERN_MAPS.device.size', 'cap-field', MODERN_MAPS.device.size],
      ...commonSizes.map((n): [string, BoundaryQuantity['kind'], number] => ['commonMapSize', 'cap-field', n]),
      ['pci_iomap_range len <= offset', 'iomap-end', 0],
      ['pci_iomap_range maxlen', 'iomap-clip', 0],
      ['QUEUE_NOTIFY_MAP.size', 'queue-whole-end', 0],
      ['QUEUE_NOTIFY_MAP.minlen', 'queue-length-start', QUEUE_NOTIFY_MAP.minlen],
      ['vp_modern_map_capability length <= start', 'queue-length-start', 0],
      ['u32 wrap', 'queue-wrap', 2 ** 32],
    ]
    for (const s of Object.keys(LOOKUP_CFG_TYPE) as CapLookup[]) {
      const map = MODERN_MAPS[s]
      expected.push([`LOOKUP_CFG_TYPE.${s}`, 'cap-field', LOOKUP_CFG_TYPE[s]], [`MODERN_MAPS.${s}.minlen`, 'cap-field', map.minlen], [`MODERN_MAPS.${s}.minlen`, 'map-end', 0])
      if (map.align > 1) expected.push([`MODERN_MAPS.${s}.align`, 'cap-field', map.align])
    }
    const missing = expected.flatMap(([c, kind, v]) => (deltas(c, kind, v).join() === all.join() ? [] : [`${c} (${kind}) at ${v}: ${deltas(c, kind, v).join(' ') || 'none'}`]))
    expect(missing).toEqual([])
    // The reserved BAR edge for each structure's lookup.
    for (const s of Object.keys(LOOKUP_CFG_TYPE)) {
      expect(deltas('PCI_STD_NUM_BARS', 'cap-field', PCI_STD_NUM_BARS, (b) => b.edge.quantity.kind === 'cap-field' && b.edge.quantity.struct === s), s).toEqual(all)
    }
    // The map seeds ask nothing the check before them refuses: the BAR end in steps of the alignment.
    for (const s of seeds.filter((b) => b.edge.quantity.kind === 'map-end')) {
      const q = s.edge.quantity as Extract<BoundaryQuantity, {kind: 'map-end'}>
      expect(s.edge.step, s.name).toBe(MODERN_MAPS[q.struct].align)
    }
  })

  it('put the TTL at TTL - 1 and TTL (TTL + 1 needs a 49th position, the header has 48)', () => {
    expect(deltas('PCI_FIND_CAP_TTL', 'walk', PCI_FIND_CAP_TTL)).toEqual([-1, 0])
    expect((0x100 - PCI_STD_HEADER_SIZEOF) / 4).toBe(PCI_FIND_CAP_TTL)
  })

  it('the device ids in both probe orders, header types with and without the multi-function bit', () => {
    const tagged = (c: string) => new Set(seeds.filter((s) => s.edge.constant === c).map((s) => s.name.replace(/[-=+]\d*$/, '')))
    expect(tagged('MODERN_DEVICE_ID_LAST').size).toBe(2)
    expect(seeds.filter((s) => s.edge.constant === 'MODERN_DEVICE_ID_LAST').some((s) => s.image.forceLegacy)).toBe(true)
    expect(seeds.filter((s) => s.edge.constant === 'PCI_HEADER_TYPE_CARDBUS').some((s) => (s.image.bytes[0x0e]! & 0x80) !== 0)).toBe(true)
  })
})
