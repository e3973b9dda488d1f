/**
 * Where a virtio-pci device's register blocks sit inside its BARs: from the capabilities the guest
 * read (virtio vendor caps, MSI-X), falling back to QEMU's fixed layout (hw/virtio/virtio-pci.c) when
 * the caps were not read. Only bytes known in the config image are used.
 */
import {knownByte, knownDword} from './image-values.js'
import type {ConfigImageView, VirtioRegion} from './types.js'

const CAP_POINTER = 0x34
const CAP_ID_VENDOR = 0x09
const CAP_ID_MSIX = 0x11
/** A chain longer than this loops (48 = the kernel's PCI_FIND_CAP_TTL). */
const CAP_TTL = 48

// virtio_pci_cap.cfg_type
const CFG_TYPE_OF: Partial<Record<VirtioRegion, number>> = {common: 1, notify: 2, 'notify-pio': 2, isr: 3, device: 4}

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
  let ptr = knownByte(image, CAP_POINTER)
  for (let ttl = CAP_TTL; ttl > 0 && ptr !== undefined && ptr >= 0x40; ttl--) {
    const at = ptr & ~3
    const id = knownByte(image, at)
    if (id === undefined) break
    caps.push({offset: at, id})
    ptr = knownByte(image, at + 1)
  }
  return caps
}

/** Where `region` starts inside BAR `bar` of the device. */
export function placeRegion(image: ConfigImageView, region: VirtioRegion, bar: number): RegionPlacement {
  const fromCaps = region === 'msix-table' || region === 'msix-pba' ? placeMsix(image, region, bar) : placeVirtio(image, region, bar)
  return fromCaps === undefined ? {offset: QEMU_DEFAULT_OFFSET[region], from: 'qemu-default'} : {offset: fromCaps, from: 'caps'}
}

function placeVirtio(image: ConfigImageView, region: VirtioRegion, bar: number): number | undefined {
  const cfgType = CFG_TYPE_OF[region]
  if (cfgType === undefined) return region === 'legacy' ? 0 : undefined
  for (const cap of capabilityOffsets(image)) {
    if (cap.id !== CAP_ID_VENDOR) continue
    if (knownByte(image, cap.offset + 3) !== cfgType || knownByte(image, cap.offset + 4) !== bar) continue
    const offset = knownDword(image, cap.offset + 8)
    if (offset !== undefined) return offset
  }
  return undefined
}

function placeMsix(image: ConfigImageView, region: 'msix-table' | 'msix-pba', bar: number): number | undefined {
  const cap = capabilityOffsets(image).find((c) => c.id === CAP_ID_MSIX)
  if (!cap) return undefined
  const word = knownDword(image, cap.offset + (region === 'msix-table' ? 4 : 8))
  if (word === undefined || (word & 7) !== bar) return undefined
  return word - (word & 7)
}
