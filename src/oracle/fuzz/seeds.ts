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
import {type ConfigImage, emptyImage, put, setChain} from './image.js'

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
