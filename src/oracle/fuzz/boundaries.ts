/**
 * Boundary seeds: every comparison constant of the probe model at value - 1, value and value + 1,
 * each changed alone on a QEMU-shaped device, so that the differential fuzzer pins the model's `<`
 * against `<=` at every edge the kernel has. The values come from the model's own named constants
 * (modern-probe.ts, legacy-probe.ts, setup-vq.ts, find-capability.ts, the profiles' rules and
 * src/pci/layout.ts), never restated here. Where the check before it only lets multiples of an
 * alignment through, the step is that alignment (the nearest values that reach the comparison).
 * Each image says which constant it is for and at which step (`edge`): the test reads the compared
 * quantity back from the image on its own.
 */
import {LEGACY_DEVICE_ID_FIRST, LEGACY_DEVICE_ID_LAST} from '../../model/legacy-probe.js'
import {MODERN_DEVICE_ID_FIRST, MODERN_DEVICE_ID_LAST, MODERN_MAPS, MODERN_ONLY_DEVICE_ID_FIRST, PAGE_SIZE} from '../../model/modern-probe.js'
import {LOOKUP_CFG_TYPE, type CapLookup} from '../../model/find-capability.js'
import {profileByName} from '../../model/profiles.js'
import {KERNEL_SERIES} from '../../model/series.js'
import {QUEUE_NOTIFY_MAP} from '../../model/setup-vq.js'
import {
  PCI_CAPABILITY_LIST,
  PCI_CAP_ID_SSVID,
  PCI_CB_SUBSYSTEM_ID,
  PCI_CLASS_BRIDGE_CARDBUS,
  PCI_CLASS_BRIDGE_PCI,
  PCI_CLASS_DEVICE,
  PCI_DEVICE_ID,
  PCI_FIND_CAP_TTL,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_HEADER_TYPE_CARDBUS,
  PCI_HEADER_TYPE_MASK,
  PCI_HEADER_TYPE_NORMAL,
  PCI_REVISION_ID,
  PCI_SSVID_DEVICE_ID,
  PCI_STATUS,
  PCI_STD_HEADER_SIZEOF,
  PCI_STD_NUM_BARS,
  PCI_SUBSYSTEM_ID,
  PCI_VENDOR_ID,
  PCI_VENDOR_ID_REDHAT_QUMRANET,
  VIRTIO_PCI_ABI_VERSION,
  VIRTIO_PCI_CAP_BAR,
  VIRTIO_PCI_CAP_CFG_TYPE,
  VIRTIO_PCI_CAP_LEN,
  VIRTIO_PCI_CAP_LENGTH,
  VIRTIO_PCI_CAP_OFFSET,
  VIRTIO_PCI_NOTIFY_CAP_MULT,
} from '../../pci/layout.js'
import {type ConfigImage, capChain, get, put, setChain} from './image.js'
import {SEEDS, qemuLikeImage} from './seeds.js'
import {hex} from '../../util/hex.js'

/** Which constant an image sits next to, and where: value + delta * step. */
export interface BoundaryEdge {
  /** The model's constant, as the model spells it (`MODERN_MAPS.common.minlen`, `PCI_FIND_CAP_TTL`). */
  readonly constant: string
  /** What is compared with it (the test's key for reading it back). */
  readonly quantity: BoundaryQuantity
  readonly value: number
  readonly delta: -1 | 0 | 1
  readonly step: number
}

/**
 * The compared quantity: `config` a config field (masked), `cap-field` a field of the capability of
 * a structure, `map-end` minlen + offset - pci_resource_len (vp_modern_map_capability's BAR check),
 * `iomap-end` offset - pci_resource_len (pci_iomap_range), `iomap-clip` maxlen - (len - offset),
 * `notify-page` notify length + offset % PAGE_SIZE, `walk` the walk step of the first vendor
 * capability, `bar` a BAR fact, `queue-*` the per-queue notify quantities (start = off * multiplier).
 */
export type BoundaryQuantity =
  | {readonly kind: 'config'; readonly offset: number; readonly width: 1 | 2 | 4; readonly mask?: number}
  | {readonly kind: 'cap-field'; readonly struct: CapLookup; readonly field: number; readonly width: 1 | 4; readonly minus?: number}
  | {readonly kind: 'map-end'; readonly struct: CapLookup; readonly minlen: number}
  | {readonly kind: 'iomap-end'; readonly struct: CapLookup}
  | {readonly kind: 'iomap-clip'; readonly struct: CapLookup; readonly size: number}
  | {readonly kind: 'notify-page'}
  | {readonly kind: 'walk'}
  | {readonly kind: 'bar'; readonly bar: number; readonly fact: 'len' | 'start'}
  | {readonly kind: 'queue-whole-end'}
  | {readonly kind: 'queue-length-start'}
  | {readonly kind: 'queue-wrap'}

export interface BoundaryImage {
  readonly name: string
  readonly image: ConfigImage
  readonly edge: BoundaryEdge
}

const STRUCTS = Object.keys(LOOKUP_CFG_TYPE) as CapLookup[]
const DELTAS = [-1, 0, 1] as const
const U32 = 2 ** 32

/** The first vendor capability of a cfg_type in the chain (what the lookup finds), or undefined. */
export function capOfType(img: ConfigImage, cfgType: number): number | undefined {
  return capChain(img).find((p) => img.bytes[p] === 0x09 && img.bytes[p + VIRTIO_PCI_CAP_CFG_TYPE] === cfgType)
}

const modern = () => qemuLikeImage(SEEDS.find((s) => s.name === 'rng-modern-only')!)
const transitional = () => qemuLikeImage(SEEDS.find((s) => s.name === 'net-transitional')!)

/** The distinct common-map sizes of the kernel series the oracle has (56, 60, 64). */
export function commonMapSizes(): number[] {
  return [...new Set(KERNEL_SERIES.map((name) => profileByName(name)!.rules.commonMapSize))].sort((a, b) => a - b)
}

export function boundaryImages(): BoundaryImage[] {
  const out: BoundaryImage[] = []
  /** One image per delta: `edit` gets the image and the value the quantity must have. */
  const edge = (
    constant: string,
    value: number,
    quantity: BoundaryQuantity,
    base: () => ConfigImage,
    edit: (img: ConfigImage, v: number) => void,
    opts: {step?: number; deltas?: readonly (-1 | 0 | 1)[]; tag?: string} = {},
  ): void => {
    const step = opts.step ?? 1
    for (const delta of opts.deltas ?? DELTAS) {
      const image = base()
      const v = value + delta * step
      edit(image, v)
      out.push({name: `${constant}${opts.tag ? `[${opts.tag}]` : ''}${delta < 0 ? '-' : delta > 0 ? '+' : '='}${step === 1 ? '' : step}`, image, edge: {constant, quantity, value, delta, step}})
    }
  }
  const cap = (img: ConfigImage, s: CapLookup): number => capOfType(img, LOOKUP_CFG_TYPE[s])!
  const setField = (s: CapLookup, field: number, width: 1 | 4, v: number) => (img: ConfigImage) => put(img, cap(img, s) + field, width, v)
  const bar4 = (img: ConfigImage) => img.bars[4]!

  // The device-id ranges of both probes, each probe order (force_legacy).
  const ids: [string, number][] = [
    ['MODERN_DEVICE_ID_FIRST', MODERN_DEVICE_ID_FIRST],
    ['MODERN_DEVICE_ID_LAST', MODERN_DEVICE_ID_LAST],
    ['MODERN_ONLY_DEVICE_ID_FIRST', MODERN_ONLY_DEVICE_ID_FIRST],
    ['LEGACY_DEVICE_ID_FIRST', LEGACY_DEVICE_ID_FIRST],
    ['LEGACY_DEVICE_ID_LAST', LEGACY_DEVICE_ID_LAST],
  ]
  for (const [name, value] of ids) {
    for (const forceLegacy of [false, true]) {
      edge(name, value, {kind: 'config', offset: PCI_DEVICE_ID, width: 2}, transitional, (img, v) => {
        put(img, PCI_DEVICE_ID, 2, v)
        img.forceLegacy = forceLegacy
      }, {tag: forceLegacy ? 'force-legacy' : 'modern-first'})
    }
  }
  edge('PCI_VENDOR_ID_REDHAT_QUMRANET', PCI_VENDOR_ID_REDHAT_QUMRANET, {kind: 'config', offset: PCI_VENDOR_ID, width: 2}, modern, (img, v) => put(img, PCI_VENDOR_ID, 2, v))
  edge('VIRTIO_PCI_ABI_VERSION', VIRTIO_PCI_ABI_VERSION, {kind: 'config', offset: PCI_REVISION_ID, width: 1}, transitional, (img, v) => {
    put(img, PCI_REVISION_ID, 1, v)
    img.forceLegacy = true
  })
  // Header types (the 0x80 multi-function bit masked off, with and without it), and the classes
  // that do not fit them.
  for (const [name, value] of [['PCI_HEADER_TYPE_NORMAL', PCI_HEADER_TYPE_NORMAL], ['PCI_HEADER_TYPE_BRIDGE', PCI_HEADER_TYPE_BRIDGE], ['PCI_HEADER_TYPE_CARDBUS', PCI_HEADER_TYPE_CARDBUS]] as const) {
    for (const multi of [0, PCI_HEADER_TYPE_MASK + 1]) {
      edge(name, value, {kind: 'config', offset: PCI_HEADER_TYPE, width: 1, mask: PCI_HEADER_TYPE_MASK}, transitional, (img, v) => put(img, PCI_HEADER_TYPE, 1, (v & PCI_HEADER_TYPE_MASK) | multi), {tag: multi ? 'multi-function' : 'single'})
    }
  }
  edge('PCI_CLASS_BRIDGE_PCI', PCI_CLASS_BRIDGE_PCI, {kind: 'config', offset: PCI_CLASS_DEVICE, width: 2}, transitional, (img, v) => put(img, PCI_CLASS_DEVICE, 2, v))
  edge('PCI_CLASS_BRIDGE_CARDBUS', PCI_CLASS_BRIDGE_CARDBUS, {kind: 'config', offset: PCI_CLASS_DEVICE, width: 2}, transitional, (img, v) => {
    put(img, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_CARDBUS)
    put(img, PCI_CLASS_DEVICE, 2, v)
    put(img, PCI_CB_SUBSYSTEM_ID, 2, 3)
  })
  // The list head: a pointer below the standard header ends the walk; the low two bits are masked.
  edge('PCI_STD_HEADER_SIZEOF', PCI_STD_HEADER_SIZEOF, {kind: 'config', offset: PCI_CAPABILITY_LIST, width: 1}, modern, (img, v) => put(img, PCI_CAPABILITY_LIST, 1, v))
  // The walk's TTL: the common capability as the walk's step TTL - 1 and TTL, behind non-vendor
  // capabilities (id 0x01) 4 bytes apart. Step TTL + 1 needs 49 positions: the 192 bytes from 0x40
  // to 0xff hold 48.
  edge('PCI_FIND_CAP_TTL', PCI_FIND_CAP_TTL, {kind: 'walk'}, modern, (img, v) => {
    const common = cap(img, 'common')
    const fields = img.bytes.slice(common, common + 16)
    img.bytes.fill(0, PCI_STD_HEADER_SIZEOF, 0x200)
    const chain = Array.from({length: v}, (_, i) => PCI_STD_HEADER_SIZEOF + 4 * i)
    for (const p of chain.slice(0, -1)) img.bytes[p] = 0x01
    img.bytes.set(fields, chain.at(-1)!)
    setChain(img, chain)
  }, {deltas: [-1, 0]})

  for (const s of STRUCTS) {
    const cfgType = LOOKUP_CFG_TYPE[s]
    // cfg_type moved to its neighbours; the BAR index at the reserved edge (BAR 5 exists).
    edge(`LOOKUP_CFG_TYPE.${s}`, cfgType, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_CFG_TYPE, width: 1}, modern, (img, v) => setField(s, VIRTIO_PCI_CAP_CFG_TYPE, 1, v)(img))
    edge('PCI_STD_NUM_BARS', PCI_STD_NUM_BARS, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_BAR, width: 1}, modern, (img, v) => {
      img.bars[5] = {type: 'mem', start: 0xfd000000, len: 0x4000}
      setField(s, VIRTIO_PCI_CAP_BAR, 1, v)(img)
    }, {tag: s})
    const map = MODERN_MAPS[s]
    // length - start < minlen (start 0; minlen 0 is `length <= start` too).
    edge(`MODERN_MAPS.${s}.minlen`, map.minlen, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_LENGTH, width: 4}, modern, (img, v) => setField(s, VIRTIO_PCI_CAP_LENGTH, 4, v >>> 0)(img))
    // offset & (align - 1), next to the structure's own offset.
    if (map.align > 1) {
      edge(`MODERN_MAPS.${s}.align`, map.align, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_OFFSET, width: 4, minus: get(modern(), cap(modern(), s) + VIRTIO_PCI_CAP_OFFSET, 4)}, modern, (img, v) => {
        const c = cap(img, s)
        put(img, c + VIRTIO_PCI_CAP_OFFSET, 4, get(img, c + VIRTIO_PCI_CAP_OFFSET, 4) + v)
      })
    }
    // minlen + offset > pci_resource_len(bar), in steps of the alignment.
    edge(`MODERN_MAPS.${s}.minlen`, 0, {kind: 'map-end', struct: s, minlen: map.minlen}, modern, (img, v) => {
      // The shortest length that passes the minlen check (the device map's minlen 0: a page).
      setField(s, VIRTIO_PCI_CAP_LENGTH, 4, map.minlen > 0 ? map.minlen : MODERN_MAPS.device.size)(img)
      setField(s, VIRTIO_PCI_CAP_OFFSET, 4, bar4(img).len - map.minlen + v)(img)
    }, {step: map.align, tag: 'bar-end'})
  }
  // The sizes: the common map's per profile, isr's 1, device's PAGE_SIZE (the BAR is long enough).
  for (const size of commonMapSizes()) {
    edge('commonMapSize', size, {kind: 'cap-field', struct: 'common', field: VIRTIO_PCI_CAP_LENGTH, width: 4}, modern, (img, v) => setField('common', VIRTIO_PCI_CAP_LENGTH, 4, v)(img), {tag: String(size)})
  }
  edge('MODERN_MAPS.isr.size', MODERN_MAPS.isr.size, {kind: 'cap-field', struct: 'isr', field: VIRTIO_PCI_CAP_LENGTH, width: 4}, modern, (img, v) => setField('isr', VIRTIO_PCI_CAP_LENGTH, 4, v)(img))
  edge('MODERN_MAPS.device.size', MODERN_MAPS.device.size, {kind: 'cap-field', struct: 'device', field: VIRTIO_PCI_CAP_LENGTH, width: 4}, modern, (img, v) => setField('device', VIRTIO_PCI_CAP_LENGTH, 4, v)(img))
  // pci_iomap_range: len <= offset (the device map, minlen 0, passes the BAR check at the end), and
  // the clip to maxlen against what is left of the BAR (maxlen = the capability's length here).
  edge('pci_iomap_range len <= offset', 0, {kind: 'iomap-end', struct: 'device'}, modern, (img, v) => setField('device', VIRTIO_PCI_CAP_OFFSET, 4, bar4(img).len + v)(img), {step: MODERN_MAPS.device.align})
  edge('pci_iomap_range maxlen', 0, {kind: 'iomap-clip', struct: 'device', size: MODERN_MAPS.device.size}, modern, (img, v) => {
    const left = MODERN_MAPS.device.size / 2
    setField('device', VIRTIO_PCI_CAP_OFFSET, 4, bar4(img).len - left)(img)
    setField('device', VIRTIO_PCI_CAP_LENGTH, 4, left + v)(img)
  })
  // BAR length and start at 0: the lookup's pci_resource_len != 0, pci_iomap_range's start != 0, and
  // the legacy probe's BAR 0 (its map at offset 0: len <= 0).
  edge('pci_resource_len', 0, {kind: 'bar', bar: 4, fact: 'len'}, modern, (img, v) => (bar4(img).len = v), {deltas: [0, 1]})
  edge('pci_resource_start', 0, {kind: 'bar', bar: 4, fact: 'start'}, modern, (img, v) => (bar4(img).start = v), {deltas: [0, 1]})
  for (const [fact, key] of [['len', 'pci_resource_len'], ['start', 'pci_resource_start']] as const) {
    edge(key, 0, {kind: 'bar', bar: 0, fact}, transitional, (img, v) => {
      img.bars[0]![fact] = v
      img.forceLegacy = true
    }, {deltas: [0, 1], tag: 'legacy'})
  }
  // PAGE_SIZE: notify_length + notify_offset % PAGE_SIZE <= PAGE_SIZE maps the notify structure whole,
  // at a page-aligned offset and half a page in.
  for (const into of [0, PAGE_SIZE / 2]) {
    edge('PAGE_SIZE', PAGE_SIZE, {kind: 'notify-page'}, modern, (img, v) => {
      const c = cap(img, 'notify')
      put(img, c + VIRTIO_PCI_CAP_OFFSET, 4, get(img, c + VIRTIO_PCI_CAP_OFFSET, 4) + into)
      put(img, c + VIRTIO_PCI_CAP_LENGTH, 4, v - into)
    }, {tag: hex(into)})
  }
  // The per-queue notify address (5.14+ trees). Whole mapping: off * multiplier + 2 > notify_len
  // (multiplier 1, one queue). Per queue (notify_map_cap: the notify length passes a page): length
  // <= start, length - start < minlen, and start + offset wrapping in u32.
  const queue = (img: ConfigImage, mult: number, off: number) => {
    setField('notify', VIRTIO_PCI_NOTIFY_CAP_MULT, 4, mult)(img)
    img.queueNotifyOffs = [off]
  }
  edge('QUEUE_NOTIFY_MAP.size', 0, {kind: 'queue-whole-end'}, modern, (img, v) => {
    const len = get(img, cap(img, 'notify') + VIRTIO_PCI_CAP_LENGTH, 4)
    queue(img, 1, len - QUEUE_NOTIFY_MAP.size + v)
  })
  const perQueueLength = 2 * PAGE_SIZE
  for (const [name, minus] of [['QUEUE_NOTIFY_MAP.minlen', QUEUE_NOTIFY_MAP.minlen], ['vp_modern_map_capability length <= start', 0]] as const) {
    edge(name, minus, {kind: 'queue-length-start'}, modern, (img, v) => {
      setField('notify', VIRTIO_PCI_CAP_LENGTH, 4, perQueueLength)(img)
      queue(img, 1, perQueueLength - v)
    }, {tag: 'per-queue'})
  }
  edge('u32 wrap', U32, {kind: 'queue-wrap'}, modern, (img, v) => {
    // start = 0xffff * 0x10000; the offset takes start + offset to 2^32 + delta.
    const [off, mult] = [0xffff, 0x10000]
    setField('notify', VIRTIO_PCI_CAP_LENGTH, 4, U32 - 1)(img)
    setField('notify', VIRTIO_PCI_CAP_OFFSET, 4, v - off * mult)(img)
    queue(img, mult, off)
  })
  // Beside the comparisons: every misaligned residue of each offset (isr's align 1 lets any through),
  // cap_len at sizeof(struct virtio_pci_cap) and sizeof(struct virtio_pci_notify_cap) +- 1 (the probe
  // never reads it), a bridge header with an SSVID capability (its subsystem device id), and the
  // PCI_STATUS capability-list bit cleared (no walk at all).
  const single = (constant: string, quantity: BoundaryQuantity, value: number, image: ConfigImage, tag: string) =>
    out.push({name: `${constant}[${tag}]`, image, edge: {constant, quantity, value, delta: 0, step: 1}})
  for (const s of STRUCTS) {
    const base = get(modern(), cap(modern(), s) + VIRTIO_PCI_CAP_OFFSET, 4)
    for (let r = 1; r < Math.max(MODERN_MAPS[s].align, 2); r++) {
      const img = modern()
      setField(s, VIRTIO_PCI_CAP_OFFSET, 4, base + r)(img)
      single(`MODERN_MAPS.${s}.align residue`, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_OFFSET, width: 4, minus: base}, r, img, String(r))
    }
  }
  for (const [s, capLen] of [['common', VIRTIO_PCI_NOTIFY_CAP_MULT], ['notify', VIRTIO_PCI_NOTIFY_CAP_MULT + 4]] as const) {
    edge('VIRTIO_PCI_CAP_LEN (not read)', capLen, {kind: 'cap-field', struct: s, field: VIRTIO_PCI_CAP_LEN, width: 1}, modern, (img, v) => setField(s, VIRTIO_PCI_CAP_LEN, 1, v)(img), {tag: s})
  }
  const bridge = transitional()
  put(bridge, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_BRIDGE)
  const ssvid = 0xa4
  put(bridge, ssvid, 1, PCI_CAP_ID_SSVID)
  put(bridge, ssvid + PCI_SSVID_DEVICE_ID, 2, 4)
  setChain(bridge, [ssvid, ...capChain(bridge)])
  single('PCI_CAP_ID_SSVID', {kind: 'config', offset: ssvid, width: 1}, PCI_CAP_ID_SSVID, bridge, 'bridge')
  // The subsystem device id unknown: only the virtio id of a transitional or legacy device rests on it.
  for (const forceLegacy of [false, true]) {
    const img = transitional()
    for (let i = 0; i < 2; i++) img.known[PCI_SUBSYSTEM_ID + i] = 0
    img.forceLegacy = forceLegacy
    single('PCI_SUBSYSTEM_ID unknown', {kind: 'config', offset: PCI_HEADER_TYPE, width: 1}, PCI_HEADER_TYPE_NORMAL, img, forceLegacy ? 'force-legacy' : 'modern-first')
  }
  const noList = modern()
  put(noList, PCI_STATUS, 2, 0)
  single('PCI_STATUS_CAP_LIST', {kind: 'config', offset: PCI_STATUS, width: 2}, 0, noList, 'clear')
  return out
}
