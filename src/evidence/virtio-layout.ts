/**
 * Where a virtio-pci device's register blocks sit inside its BARs: from the capabilities the guest
 * read (virtio vendor caps, MSI-X), falling back to QEMU's fixed layout (hw/virtio/virtio-pci.c) when
 * the caps were not read. Only bytes known in the config image are used.
 */
import {CapabilityWalk} from '../pci/capabilities.js'
import {
  PCI_CAP_ID_MSIX,
  PCI_CAP_ID_VNDR,
  PCI_MSIX_PBA,
  PCI_MSIX_TABLE,
  PCI_MSIX_TABLE_BIR,
  VIRTIO_PCI_CAP_BAR,
  VIRTIO_PCI_CAP_CFG_TYPE,
  VIRTIO_PCI_CAP_COMMON_CFG,
  VIRTIO_PCI_CAP_DEVICE_CFG,
  VIRTIO_PCI_CAP_ISR_CFG,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  VIRTIO_PCI_CAP_OFFSET,
} from '../pci/layout.js'
import {knownByte, knownDword} from './image-values.js'
import type {ConfigImageView, VirtioRegion} from './types.js'

// virtio_pci_cap.cfg_type
const CFG_TYPE_OF: Partial<Record<VirtioRegion, number>> = {
  common: VIRTIO_PCI_CAP_COMMON_CFG,
  notify: VIRTIO_PCI_CAP_NOTIFY_CFG,
  'notify-pio': VIRTIO_PCI_CAP_NOTIFY_CFG,
  isr: VIRTIO_PCI_CAP_ISR_CFG,
  device: VIRTIO_PCI_CAP_DEVICE_CFG,
}

/** QEMU's placement: modern regions in the memory BAR, PIO notify alone in its BAR, MSI-X in BAR 1. */
const QEMU_DEFAULT_OFFSET: Record<VirtioRegion, number> = {
  common: 0x0,
  isr: 0x1000,
  device: 0x2000,
  notify: 0x3000,
  'notify-pio': 0x0,
  legacy: 0x0,
  'msix-table': 0x0,
  'msix-pba': 0x800,
}

export interface RegionPlacement {
  /** Offset of the region inside `bar`. */
  readonly offset: number
  /** 'caps' when read from the device's capabilities, 'qemu-default' otherwise. */
  readonly from: 'caps' | 'qemu-default'
}

/** Capability offsets in chain order, as far as the known bytes go. */
export function capabilityOffsets(image: ConfigImageView): {offset: number; id: number}[] {
  const caps: {offset: number; id: number}[] = []
  for (const {offset, id} of new CapabilityWalk((at) => knownByte(image, at))) if (id !== undefined) caps.push({offset, id})
  return caps
}

/** Where `region` starts inside BAR `bar` of the device. */
export function placeRegion(image: ConfigImageView, region: VirtioRegion, bar: number): RegionPlacement {
  const fromCaps = region === 'msix-table' || region === 'msix-pba' ? placeMsix(image, region, bar) : placeVirtio(image, region, bar)
  return fromCaps === undefined ? {offset: QEMU_DEFAULT_OFFSET[region], from: 'qemu-default'} : {offset: fromCaps, from: 'caps'}
}

function placeVirtio(image: ConfigImageView, region: VirtioRegion, bar: number): number | undefined {
  const cfgType = CFG_TYPE_OF[region]
  // Legacy, the one region here without a cfg_type: its header starts the BAR.
  if (cfgType === undefined) return 0
  for (const cap of capabilityOffsets(image)) {
    if (cap.id !== PCI_CAP_ID_VNDR) continue
    if (knownByte(image, cap.offset + VIRTIO_PCI_CAP_CFG_TYPE) !== cfgType || knownByte(image, cap.offset + VIRTIO_PCI_CAP_BAR) !== bar) continue
    const offset = knownDword(image, cap.offset + VIRTIO_PCI_CAP_OFFSET)
    if (offset !== undefined) return offset
  }
  return undefined
}

function placeMsix(image: ConfigImageView, region: 'msix-table' | 'msix-pba', bar: number): number | undefined {
  const cap = capabilityOffsets(image).find((c) => c.id === PCI_CAP_ID_MSIX)
  if (!cap) return undefined
  const word = knownDword(image, cap.offset + (region === 'msix-table' ? PCI_MSIX_TABLE : PCI_MSIX_PBA))
  if (word === undefined || (word & PCI_MSIX_TABLE_BIR) !== bar) return undefined
  return word - (word & PCI_MSIX_TABLE_BIR)
}
