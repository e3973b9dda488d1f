/**
 * Seed config spaces laid out the way QEMU 7.2's virtio-pci lays them out (shared reference
 * qemu-tracing-and-virtio-pci.md): caps placed from 0x40 up, each new one at the head of the list.
 */
import {
  PCI_CAPABILITY_LIST,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  VIRTIO_PCI_CAP_COMMON_CFG,
  VIRTIO_PCI_CAP_DEVICE_CFG,
  VIRTIO_PCI_CAP_ISR_CFG,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  VIRTIO_PCI_CAP_PCI_CFG,
} from '../../pci/layout.js'
import {type ConfigImage, capChain, emptyImage, put, setChain} from './image.js'
import {hex} from '../../util/hex.js'

interface VirtioCap {
  cfgType: number
  bar: number
  offset: number
  length: number
  multiplier?: number
}

function writeVendorCap(img: ConfigImage, pos: number, cap: VirtioCap): number {
  const capLen = cap.multiplier !== undefined || cap.cfgType === VIRTIO_PCI_CAP_PCI_CFG ? 20 : 16
  put(img, pos, 1, 0x09)
  put(img, pos + 2, 1, capLen)
  put(img, pos + 3, 1, cap.cfgType)
  put(img, pos + 4, 1, cap.bar)
  put(img, pos + 8, 4, cap.offset)
  put(img, pos + 12, 4, cap.length)
  if (capLen === 20) put(img, pos + 16, 4, cap.multiplier ?? 0)
  return capLen
}

export interface SeedOptions {
  readonly name: string
  readonly device: number
  readonly subsystemDevice: number
  readonly revision: number
  readonly legacyBar: boolean
  readonly modern: boolean
  readonly msix: boolean
  readonly pioNotify?: boolean
  readonly behindRootPort?: boolean
  readonly pagePerVq?: boolean
}

/** Builds one QEMU-like virtio-pci function. */
export function qemuLikeImage(o: SeedOptions): ConfigImage {
  const img = emptyImage()
  put(img, 0x00, 2, 0x1af4)
  put(img, 0x02, 2, o.device)
  put(img, 0x04, 2, 0x0007)
  put(img, PCI_STATUS, 2, PCI_STATUS_CAP_LIST)
  put(img, 0x08, 1, o.revision)
  put(img, 0x09, 1, 0x00)
  put(img, 0x0a, 2, 0x0200)
  put(img, 0x2c, 2, 0x1af4)
  put(img, 0x2e, 2, o.subsystemDevice)
  put(img, 0x3d, 1, 1)
  const chain: number[] = []
  let pos = 0x40
  const add = (len: number, write: (at: number) => void): void => {
    write(pos)
    chain.unshift(pos)
    pos += (len + 3) & ~3
  }
  if (o.behindRootPort) {
    add(0x3c, (at) => put(img, at, 1, 0x10))
    add(8, (at) => put(img, at, 1, 0x01))
  }
  const modernLen = o.pagePerVq ? 0x800000 : 0x4000
  if (o.modern) {
    add(16, (at) => writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_COMMON_CFG, bar: 4, offset: 0, length: 0x1000}))
    add(16, (at) => writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_ISR_CFG, bar: 4, offset: 0x1000, length: 0x1000}))
    add(16, (at) => writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_DEVICE_CFG, bar: 4, offset: 0x2000, length: 0x1000}))
    add(20, (at) =>
      writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_NOTIFY_CFG, bar: 4, offset: 0x3000, length: o.pagePerVq ? 0x7fd000 : 0x1000, multiplier: o.pagePerVq ? 0x1000 : 4}),
    )
    if (o.pioNotify) add(20, (at) => writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_NOTIFY_CFG, bar: 2, offset: 0, length: 4, multiplier: 0}))
    add(20, (at) => writeVendorCap(img, at, {cfgType: VIRTIO_PCI_CAP_PCI_CFG, bar: 0, offset: 0, length: 0}))
  }
  if (o.msix) add(12, (at) => {
    put(img, at, 1, 0x11)
    put(img, at + 2, 2, 2)
    put(img, at + 4, 4, 0x00000001)
    put(img, at + 8, 4, 0x00000801)
  })
  setChain(img, chain)
  if (chain.length === 0) put(img, PCI_STATUS, 2, 0)
  if (img.bytes[PCI_CAPABILITY_LIST] === 0) put(img, PCI_STATUS, 2, 0)
  if (o.legacyBar) img.bars[0] = {type: 'io', start: 0xc000, len: 0x40}
  if (o.msix) img.bars[1] = {type: 'mem', start: 0xfebd1000, len: 0x1000}
  if (o.pioNotify) img.bars[2] = {type: 'io', start: 0xc080, len: 4}
  if (o.modern) img.bars[4] = {type: 'mem', start: 0xfe000000, len: modernLen, mem64: true, pref: true}
  return img
}

/** The seed corpus: the device shapes QEMU produces. */
export const SEEDS: readonly SeedOptions[] = [
  {name: 'net-transitional', device: 0x1000, subsystemDevice: 1, revision: 0, legacyBar: true, modern: true, msix: true},
  {name: 'blk-transitional', device: 0x1001, subsystemDevice: 2, revision: 0, legacyBar: true, modern: true, msix: true},
  {name: 'rng-modern-only', device: 0x1044, subsystemDevice: 0x1100, revision: 1, legacyBar: false, modern: true, msix: false},
  {name: 'net-legacy-only', device: 0x1000, subsystemDevice: 1, revision: 0, legacyBar: true, modern: false, msix: true},
  {name: 'blk-pio-notify', device: 0x1001, subsystemDevice: 2, revision: 0, legacyBar: true, modern: true, msix: true, pioNotify: true},
  {name: 'net-root-port', device: 0x1041, subsystemDevice: 0x1100, revision: 1, legacyBar: false, modern: true, msix: true, behindRootPort: true},
  {name: 'scsi-page-per-vq', device: 0x1004, subsystemDevice: 8, revision: 0, legacyBar: true, modern: true, msix: true, pagePerVq: true},
]

/** The vendor capability of a cfg_type in an image's chain (first one), or undefined. */
function capOfType(img: ConfigImage, cfgType: number): number | undefined {
  return capChain(img).find((p) => img.bytes[p] === 0x09 && img.bytes[p + 3] === cfgType)
}

const around = (v: number): number[] => [v - 1, v, v + 1]

/**
 * Boundary seeds: every comparison constant the probe uses, at value - 1, value and value + 1, each
 * changed alone on a QEMU-shaped device (modern-only BAR 4 of 0x4000 bytes, or transitional). They
 * make the differential fuzzer pin the model's `<` against `<=` at every edge the kernel has: the
 * device-id ranges 0x1000..0x103f/0x107f and 0x1040, vendor, revision, header type and its 0x80
 * bit, the bridge classes, the list head at 0x40, cfg_type values, BAR indices 5/6, cap_len (never
 * read), each map's minlen/align/size, the common map sizes 56/60/64, PAGE_SIZE for the notify
 * structure, the BAR end (minlen + offset and the iomap's len <= offset), and BAR length/start 0.
 */
export function boundaryImages(): {readonly name: string; readonly image: ConfigImage}[] {
  const out: {name: string; image: ConfigImage}[] = []
  const modern = () => qemuLikeImage(SEEDS.find((s) => s.name === 'rng-modern-only')!)
  const transitional = () => qemuLikeImage(SEEDS.find((s) => s.name === 'net-transitional')!)
  const add = (name: string, base: () => ConfigImage, edit: (img: ConfigImage) => void): void => {
    const image = base()
    edit(image)
    out.push({name, image})
  }
  const field = (cfgType: number, at: number, width: 1 | 4, value: number) => (img: ConfigImage) => {
    const pos = capOfType(img, cfgType)
    if (pos !== undefined) put(img, pos + at, width, value)
  }

  for (const device of [...around(0x1000), ...around(0x103f), 0x1041, ...around(0x107f)]) {
    for (const forceLegacy of [false, true]) {
      add(`device-${hex(device)}${forceLegacy ? '-force-legacy' : ''}`, transitional, (img) => {
        put(img, 0x02, 2, device)
        img.forceLegacy = forceLegacy
      })
    }
  }
  for (const vendor of around(0x1af4)) add(`vendor-${hex(vendor)}`, modern, (img) => put(img, 0x00, 2, vendor))
  for (const revision of [1, 0xff]) add(`revision-${revision}-force-legacy`, transitional, (img) => {
    put(img, 0x08, 1, revision)
    img.forceLegacy = true
  })
  for (const hdr of [0x01, 0x02, 0x03, 0x7f, 0x80, 0x81, 0x82, 0x83]) add(`header-type-${hex(hdr)}`, transitional, (img) => put(img, 0x0e, 1, hdr))
  for (const cls of around(0x0604)) add(`class-${hex(cls)}`, transitional, (img) => put(img, 0x0a, 2, cls))
  for (const cls of around(0x0607)) add(`cardbus-class-${hex(cls)}`, transitional, (img) => {
    put(img, 0x0e, 1, 0x02)
    put(img, 0x0a, 2, cls)
    put(img, 0x42, 2, 3)
  })
  for (const head of around(0x40)) add(`list-head-${hex(head)}`, modern, (img) => put(img, PCI_CAPABILITY_LIST, 1, head))
  // A bridge header takes the subsystem device id from its SSVID capability (id 0x0d, device at +6).
  add('bridge-ssvid', transitional, (img) => {
    put(img, 0x0e, 1, 0x01)
    put(img, 0xa4, 1, 0x0d)
    put(img, 0xaa, 2, 4)
    setChain(img, [0xa4, ...capChain(img)])
  })

  // cfg_type of each structure moved to its neighbours; BAR index at the reserved edge 5/6.
  for (const [type, others] of [[1, [0, 2]], [2, [1, 3]], [3, [2, 4]], [4, [3, 5]], [5, [4, 6]]] as const) {
    for (const other of others) add(`cfg-type-${type}-to-${other}`, modern, field(type, 3, 1, other))
  }
  for (const type of [VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_NOTIFY_CFG]) {
    for (const bar of [5, 6]) add(`cfg-type-${type}-bar-${bar}`, modern, (img) => {
      img.bars[5] = {type: 'mem', start: 0xfd000000, len: 0x4000}
      field(type, 4, 1, bar)(img)
    })
  }
  for (const capLen of around(16)) add(`common-cap-len-${capLen}`, modern, field(1, 2, 1, capLen))
  for (const capLen of around(20)) add(`notify-cap-len-${capLen}`, modern, field(2, 2, 1, capLen))

  // Each map's minlen, align and size (common: minlen 56, size 56/60/64 by profile; isr 1/1/1;
  // notify 2/2/length; device 0/4/PAGE_SIZE).
  for (const length of [...around(56), ...around(60), ...around(64)]) add(`common-length-${length}`, modern, field(1, 12, 4, length))
  for (const length of around(1)) add(`isr-length-${length}`, modern, field(3, 12, 4, length))
  for (const length of around(2)) add(`notify-length-${length}`, modern, field(2, 12, 4, length))
  for (const length of [0, 1, ...around(0x1000)]) add(`device-length-${hex(length)}`, modern, field(4, 12, 4, length))
  for (const offset of [1, 2, 3, 4, 5]) add(`common-offset-${offset}`, modern, field(1, 8, 4, offset))
  for (const offset of around(0x3002)) add(`notify-offset-${hex(offset)}`, modern, field(2, 8, 4, offset))
  for (const offset of [0x2001, 0x2002, 0x2003, 0x2004]) add(`device-offset-${hex(offset)}`, modern, field(4, 8, 4, offset))
  add('isr-offset-0x1001', modern, field(3, 8, 4, 0x1001))
  // PAGE_SIZE: notify_length + notify_offset % PAGE_SIZE <= PAGE_SIZE maps the notify structure whole.
  for (const [offset, length] of [[0x3000, 0x1000], [0x3800, 0x800]] as const) {
    for (const l of around(length)) add(`notify-page-${hex(offset)}+${hex(l)}`, modern, (img) => {
      field(2, 8, 4, offset)(img)
      field(2, 12, 4, l)(img)
    })
  }
  // The BAR end (BAR 4 is 0x4000 bytes): minlen + offset > pci_resource_len, and the iomap's len <= offset.
  const end = 0x4000
  for (const offset of [end - 60, end - 56, end - 52]) add(`common-at-${hex(offset)}`, modern, field(1, 8, 4, offset))
  for (const offset of around(end - 1)) add(`isr-at-${hex(offset)}`, modern, field(3, 8, 4, offset))
  for (const offset of [end - 4, end - 2, end]) add(`notify-at-${hex(offset)}`, modern, (img) => {
    field(2, 8, 4, offset)(img)
    field(2, 12, 4, 2)(img)
  })
  for (const offset of [end - 4, end, end + 4]) add(`device-at-${hex(offset)}`, modern, field(4, 8, 4, offset))
  // BAR length and start at 0 and 1: the lookup's pci_resource_len != 0, pci_iomap_range's start != 0.
  for (const len of [0, 1]) add(`bar4-len-${len}`, modern, (img) => (img.bars[4]!.len = len))
  for (const start of [0, 1]) add(`bar4-start-${start}`, modern, (img) => (img.bars[4]!.start = start))
  for (const len of [0, 1]) add(`legacy-bar0-len-${len}`, transitional, (img) => {
    img.bars[0]!.len = len
    img.forceLegacy = true
  })
  for (const start of [0, 1]) add(`legacy-bar0-start-${start}`, transitional, (img) => {
    img.bars[0]!.start = start
    img.forceLegacy = true
  })
  return out
}
