/**
 * Mutations of a config-space image, aimed at the decisions the probe makes: the capability list
 * (drop, duplicate, reorder, cycles, bad pointers), the virtio cap fields (cfg_type, bar, offset,
 * length, multiplier), the ids, revision, status bit, the BARs, force_legacy and unknown bytes, and
 * the queues' queue_notify_off (with the notify cap's window) for the per-queue notify mapping.
 * Plus fully random images. All randomness comes from a seeded generator.
 */
import {PCI_CAPABILITY_LIST, PCI_STATUS, PCI_STATUS_CAP_LIST} from '../../pci/layout.js'
import {type BarFacts, type ConfigImage, capChain, cloneImage, emptyImage, get, put, setChain} from './image.js'

export type Rng = () => number

/** mulberry32: small, fast, seedable. */
export function rngFrom(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const int = (rng: Rng, n: number): number => Math.floor(rng() * n)
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!
const u32 = (rng: Rng): number => int(rng, 0x100000000)

const INTERESTING_OFFSETS = [0, 1, 2, 3, 4, 0x1000, 0x2000, 0x3000, 0x3ffc, 0x3fff, 0x4000, 0x7fff_fff0, 0xffff_fff0, 0xffff_ffff]
const INTERESTING_LENGTHS = [0, 1, 2, 3, 4, 55, 56, 57, 59, 60, 61, 63, 64, 65, 0x100, 0xfff, 0x1000, 0x1001, 0x4000, 0x8000_0000, 0xffff_ffff]
const INTERESTING_MULTIPLIERS = [0, 1, 2, 3, 4, 0x1000, 0x8000_0000]
const INTERESTING_DEVICES = [0x0fff, 0x1000, 0x1001, 0x1009, 0x103e, 0x103f, 0x1040, 0x1041, 0x1044, 0x107e, 0x107f, 0x1080, 0x1110, 0xffff]
const QUEUE_NOTIFY_OFFS = [0, 1, 2, 3, 0xff, 0x100, 0x7fff, 0xffff]
const VIRTIO_PCI_CAP_NOTIFY_CFG = 2
const CFG_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xff]
const BAR_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 0xff]

function vendorCaps(img: ConfigImage): number[] {
  return capChain(img).filter((p) => img.bytes[p] === 0x09)
}

/** A free dword-aligned spot of `len` bytes in 0x40..0xff not used by any cap of the chain. */
function freeSpot(img: ConfigImage, len: number, rng: Rng): number | undefined {
  const used = new Set<number>()
  for (const p of capChain(img)) for (let i = 0; i < 20; i++) used.add(p + i)
  const spots: number[] = []
  for (let p = 0x40; p + len <= 0x100; p += 4) {
    let ok = true
    for (let i = 0; i < len && ok; i++) if (used.has(p + i)) ok = false
    if (ok) spots.push(p)
  }
  return spots.length ? pick(rng, spots) : undefined
}

type Mutation = (img: ConfigImage, rng: Rng) => void

const capField = (field: 3 | 4 | 8 | 12 | 16, width: 1 | 4, value: (rng: Rng) => number): Mutation => (img, rng) => {
  const caps = vendorCaps(img)
  if (caps.length) put(img, pick(rng, caps) + field, width, value(rng))
}

export const MUTATIONS: readonly {readonly name: string; readonly apply: Mutation}[] = [
  {name: 'drop-cap', apply: (img, rng) => {
    const chain = capChain(img)
    if (chain.length) setChain(img, chain.filter((_, i) => i !== int(rng, chain.length)))
  }},
  {name: 'duplicate-cap', apply: (img, rng) => {
    const chain = capChain(img)
    if (!chain.length) return
    const src = pick(rng, chain)
    const at = freeSpot(img, 20, rng)
    if (at === undefined) return
    img.bytes.copyWithin(at, src, src + 20)
    const pos = int(rng, chain.length + 1)
    setChain(img, [...chain.slice(0, pos), at, ...chain.slice(pos)])
  }},
  {name: 'move-cap-high', apply: (img, rng) => {
    // A cap at the top of the 256-byte header: its later fields are read from 0x100 and up.
    const chain = capChain(img)
    if (!chain.length) return
    const i = int(rng, chain.length)
    const at = pick(rng, [0xec, 0xf0, 0xf4, 0xf8, 0xfc])
    if (chain.some((p, k) => k !== i && p + 20 > at && p < at + 20)) return
    const copy = img.bytes.slice(chain[i]!, chain[i]! + 20)
    img.bytes.set(copy, at)
    chain[i] = at
    setChain(img, chain)
  }},
  {name: 'reorder-caps', apply: (img, rng) => {
    const chain = capChain(img)
    for (let i = chain.length - 1; i > 0; i--) {
      const j = int(rng, i + 1)
      ;[chain[i], chain[j]] = [chain[j]!, chain[i]!]
    }
    setChain(img, chain)
  }},
  {name: 'cycle', apply: (img, rng) => {
    const chain = capChain(img)
    if (chain.length) img.bytes[chain[int(rng, chain.length)]! + 1] = pick(rng, chain)
  }},
  {name: 'bad-next-pointer', apply: (img, rng) => {
    const chain = capChain(img)
    const v = pick(rng, [0, 0x20, 0x3c, 0x3f, 0x41, 0x42, 0x43, 0xfc, 0xff, int(rng, 256)])
    if (chain.length && rng() < 0.7) img.bytes[chain[int(rng, chain.length)]! + 1] = v
    else img.bytes[PCI_CAPABILITY_LIST] = v
  }},
  {name: 'cap-id', apply: (img, rng) => {
    const chain = capChain(img)
    if (chain.length) img.bytes[pick(rng, chain)] = pick(rng, [0x09, 0x11, 0x01, 0x10, 0xff, 0x00])
  }},
  {name: 'cfg-type', apply: capField(3, 1, (rng) => pick(rng, CFG_TYPES))},
  {name: 'bar', apply: capField(4, 1, (rng) => pick(rng, BAR_VALUES))},
  {name: 'offset', apply: capField(8, 4, (rng) => (rng() < 0.8 ? pick(rng, INTERESTING_OFFSETS) : u32(rng)))},
  {name: 'length', apply: capField(12, 4, (rng) => (rng() < 0.8 ? pick(rng, INTERESTING_LENGTHS) : u32(rng)))},
  {name: 'multiplier', apply: capField(16, 4, (rng) => (rng() < 0.8 ? pick(rng, INTERESTING_MULTIPLIERS) : u32(rng)))},
  {name: 'device-id', apply: (img, rng) => put(img, 0x02, 2, pick(rng, INTERESTING_DEVICES))},
  {name: 'subsystem', apply: (img, rng) => put(img, 0x2e, 2, pick(rng, [0, 1, 2, 8, 0x40, 0x1100, int(rng, 0x10000)]))},
  {name: 'revision', apply: (img, rng) => put(img, 0x08, 1, pick(rng, [0, 1, 2, 0xff]))},
  {name: 'status-cap-bit', apply: (img) => put(img, PCI_STATUS, 2, get(img, PCI_STATUS, 2) ^ PCI_STATUS_CAP_LIST)},
  {name: 'header-type', apply: (img, rng) => put(img, 0x0e, 1, pick(rng, [0x00, 0x01, 0x02, 0x80]))},
  {name: 'remove-bar', apply: (img, rng) => {
    img.bars[int(rng, 6)] = {type: 'none', start: 0, len: 0}
  }},
  {name: 'bar-shape', apply: (img, rng) => {
    const i = int(rng, 6)
    const b = img.bars[i]!
    const r = int(rng, 4)
    if (r === 0) img.bars[i] = {...b, type: b.type === 'io' ? 'mem' : 'io', start: b.type === 'io' ? 0xfd000000 + i * 0x100000 : 0xc000 + i * 0x100, len: b.len || 0x40}
    else if (r === 1) img.bars[i] = {...b, len: pick(rng, [0, 1, 0x10, 0x38, 0x40, 0x1000, 0x1001, 0x3000, 0x4000, 0x10000, 0x1_0000_0000, 0x2_0000_0000])}
    else if (r === 2) img.bars[i] = {...b, start: 0}
    else img.bars[i] = {...b, type: 'mem', start: 0xf0000000 + i * 0x1000000, len: b.len || 0x4000}
  }},
  {name: 'flip-bit', apply: (img, rng) => {
    // Anywhere in the header or the capability area (and just past it: cap fields read from 0x100+).
    const off = rng() < 0.3 ? int(rng, 0x40) : 0x40 + int(rng, 0xd4)
    img.bytes[off]! ^= 1 << int(rng, 8)
  }},
  {name: 'queue-notify-off', apply: (img, rng) => {
    // setup_vq maps queue N's notify area at queue_notify_off * notify_off_multiplier into the notify
    // cap's window: give 1..3 queues offsets, and half the time the notify cap a boundary window.
    img.queueNotifyOffs = Array.from({length: 1 + int(rng, 3)}, () => (rng() < 0.8 ? pick(rng, QUEUE_NOTIFY_OFFS) : int(rng, 0x10000)))
    const notify = vendorCaps(img).filter((p) => img.bytes[p + 3] === VIRTIO_PCI_CAP_NOTIFY_CFG)
    if (!notify.length || rng() < 0.5) return
    const p = pick(rng, notify)
    put(img, p + 8, 4, pick(rng, INTERESTING_OFFSETS))
    put(img, p + 12, 4, pick(rng, INTERESTING_LENGTHS))
    put(img, p + 16, 4, pick(rng, INTERESTING_MULTIPLIERS))
  }},
  {name: 'force-legacy', apply: (img) => {
    img.forceLegacy = !img.forceLegacy
  }},
  {name: 'unknown-bytes', apply: (img, rng) => {
    const chain = capChain(img)
    const base = chain.length && rng() < 0.8 ? pick(rng, chain) : pick(rng, [0x00, 0x04, 0x08, 0x0c, 0x2c, 0x34])
    const from = base + int(rng, 20)
    const n = 1 + int(rng, 4)
    for (let k = 0; k < n && from + k < 4096; k++) img.known[from + k] = 0
  }},
  {name: 'unknown-bar-fact', apply: (img, rng) => {
    const b = img.bars[int(rng, 6)]!
    b.unknown = {...(b.unknown ?? {}), [pick(rng, ['start', 'len', 'type'] as const)]: true}
  }},
]

const overlaps = (a: BarFacts, b: BarFacts): boolean =>
  a.type === b.type && a.type !== 'none' && a.len > 0 && b.len > 0 && a.start < b.start + b.len && b.start < a.start + a.len

/**
 * Keeps the BAR facts a state a kernel could be in: an I/O BAR lies inside the 64 KiB x86 port space,
 * and BARs of one device never overlap (the PCI core would not have claimed both), so an overlapping
 * BAR moves to a slot of its own.
 */
export function normalizeBars(img: ConfigImage): void {
  img.bars.forEach((b, i) => {
    if (b.type === 'io' && b.start + b.len > 0x10000) img.bars[i] = {...b, start: 0x1000 * (i + 1), len: Math.min(b.len, 0x1000)}
  })
  img.bars.forEach((b, i) => {
    if (!img.bars.some((o, k) => k < i && overlaps(o, b))) return
    if (b.type === 'io') img.bars[i] = {...b, start: 0x1000 * (i + 1), len: Math.min(b.len, 0x1000)}
    else img.bars[i] = {...b, start: 0xe0000000 + 0x1000000 * i, len: Math.min(b.len, 0x1000000)}
  })
}

/** 1..4 random mutations of a copy of `seed`; returns the image and what was done. */
export function mutate(seed: ConfigImage, rng: Rng): {image: ConfigImage; ops: string[]} {
  const image = cloneImage(seed)
  const ops: string[] = []
  const n = 1 + int(rng, 4)
  for (let i = 0; i < n; i++) {
    const m = pick(rng, MUTATIONS)
    m.apply(image, rng)
    ops.push(m.name)
  }
  normalizeBars(image)
  return {image, ops}
}

/** A random virtio-looking function: random vendor caps (and noise) in 0x40..0xff, random BARs. */
export function randomImage(rng: Rng): ConfigImage {
  const img = emptyImage()
  put(img, 0x00, 2, rng() < 0.97 ? 0x1af4 : int(rng, 0x10000))
  put(img, 0x02, 2, rng() < 0.8 ? 0x1000 + int(rng, 0x80) : pick(rng, INTERESTING_DEVICES))
  put(img, PCI_STATUS, 2, rng() < 0.9 ? PCI_STATUS_CAP_LIST : int(rng, 0x10000))
  put(img, 0x08, 1, pick(rng, [0, 0, 1, int(rng, 256)]))
  put(img, 0x2c, 2, 0x1af4)
  put(img, 0x2e, 2, int(rng, 0x50))
  const positions: number[] = []
  for (let p = 0x40; p + 20 <= 0x100; p += 4) if (rng() < 0.12) positions.push(p)
  const used = new Set<number>()
  const chain: number[] = []
  for (const p of positions) {
    if ([...Array(20).keys()].some((i) => used.has(p + i))) continue
    for (let i = 0; i < 20; i++) used.add(p + i)
    if (rng() < 0.85) {
      put(img, p, 1, 0x09)
      put(img, p + 2, 1, pick(rng, [16, 20, 4, 0]))
      put(img, p + 3, 1, rng() < 0.8 ? 1 + int(rng, 5) : pick(rng, CFG_TYPES))
      put(img, p + 4, 1, rng() < 0.8 ? pick(rng, [0, 1, 2, 4, 4, 4, 5]) : pick(rng, BAR_VALUES))
      put(img, p + 8, 4, rng() < 0.7 ? int(rng, 8) * 0x1000 + pick(rng, [0, 0, 0, 1, 2, 4]) : pick(rng, INTERESTING_OFFSETS))
      put(img, p + 12, 4, rng() < 0.6 ? pick(rng, [0x1000, 0x1000, 56, 60, 64, 1, 2, 4]) : pick(rng, INTERESTING_LENGTHS))
      put(img, p + 16, 4, pick(rng, INTERESTING_MULTIPLIERS))
    } else {
      for (let i = 0; i < 20; i++) img.bytes[p + i] = int(rng, 256)
    }
    chain.push(p)
  }
  for (let i = chain.length - 1; i > 0; i--) {
    const j = int(rng, i + 1)
    ;[chain[i], chain[j]] = [chain[j]!, chain[i]!]
  }
  setChain(img, chain)
  for (let i = 0; i < 6; i++) {
    const r = rng()
    if (r < 0.35) img.bars[i] = {type: 'none', start: 0, len: 0}
    else if (r < 0.55) img.bars[i] = {type: 'io', start: 0xc000 + 0x100 * i, len: pick(rng, [4, 0x20, 0x40, 0x80])}
    else img.bars[i] = {type: 'mem', start: rng() < 0.95 ? 0xfe000000 + 0x100000 * i : 0, len: pick(rng, [0x1000, 0x4000, 0x4000, 0x100, 0x40, 0x800000])}
  }
  img.forceLegacy = rng() < 0.15
  normalizeBars(img)
  return img
}
