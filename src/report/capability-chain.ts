/**
 * The capability list as it stands in the evidence, for display: the plain walk of
 * src/pci/capabilities.ts (not the kernel's, which is src/model/pci-core.ts), with virtio vendor
 * capabilities decoded.
 */
import {knownByte, knownDword} from '../evidence/image-values.js'
import type {ConfigImageView} from '../evidence/types.js'
import {CapabilityWalk, type WalkEnd} from '../pci/capabilities.js'
import {hex} from '../util/hex.js'
import {
  PCI_CAP_ID_VNDR,
  PCI_CAP_LIST_NEXT,
  VIRTIO_PCI_CAP_BAR,
  VIRTIO_PCI_CAP_CFG_TYPE,
  VIRTIO_PCI_CAP_LEN,
  VIRTIO_PCI_CAP_LENGTH,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  VIRTIO_PCI_CAP_OFFSET,
  VIRTIO_PCI_NOTIFY_CAP_MULT,
} from '../pci/layout.js'

export interface ChainEntry {
  readonly offset: number
  readonly id?: number
  readonly next?: number
  readonly name: string
  /** Decoded virtio_pci_cap fields when id is 0x09 and the bytes are known. */
  readonly virtio?: {
    readonly capLen?: number
    readonly cfgType?: number
    readonly cfgTypeName?: string
    readonly bar?: number
    readonly offset?: number
    readonly length?: number
    readonly notifyOffMultiplier?: number
  }
}

export interface CapabilityChain {
  readonly entries: readonly ChainEntry[]
  /** Why the walk ended: 'end' (next 0), 'unknown' (a byte not in evidence), 'cycle', 'no-list' (status bit clear), 'bad-pointer'. */
  readonly end: WalkEnd
  readonly endDetail?: string
}

const CAP_NAMES: Record<number, string> = {
  0x01: 'Power Management',
  0x05: 'MSI',
  0x09: 'Vendor Specific',
  0x10: 'PCI Express',
  0x11: 'MSI-X',
  0x12: 'SATA',
  0x13: 'Advanced Features',
}

export const VIRTIO_CFG_TYPE_NAMES: Record<number, string> = {
  1: 'COMMON_CFG',
  2: 'NOTIFY_CFG',
  3: 'ISR_CFG',
  4: 'DEVICE_CFG',
  5: 'PCI_CFG',
  8: 'SHARED_MEMORY_CFG',
  9: 'VENDOR_CFG',
}

const byteAt = knownByte
const dwordAt = knownDword
const capName = (id: number | undefined) => (id === undefined ? 'unknown' : (CAP_NAMES[id] ?? `cap ${hex(id)}`))

export function walkCapabilityChain(img: ConfigImageView): CapabilityChain {
  const walk = new CapabilityWalk((offset) => byteAt(img, offset), {requireCapList: true})
  const entries: ChainEntry[] = []
  for (const {offset, id} of walk) {
    const next = byteAt(img, offset + PCI_CAP_LIST_NEXT)
    const virtio = id === PCI_CAP_ID_VNDR && next !== undefined ? decodeVirtio(img, offset) : undefined
    entries.push({offset, id, next, name: capName(id), virtio})
  }
  return {entries, end: walk.end, ...(walk.endDetail === undefined ? {} : {endDetail: walk.endDetail})}
}

function decodeVirtio(img: ConfigImageView, pos: number): ChainEntry['virtio'] {
  const cfgType = byteAt(img, pos + VIRTIO_PCI_CAP_CFG_TYPE)
  return {
    capLen: byteAt(img, pos + VIRTIO_PCI_CAP_LEN),
    cfgType,
    cfgTypeName: cfgType === undefined ? undefined : (VIRTIO_CFG_TYPE_NAMES[cfgType] ?? 'reserved'),
    bar: byteAt(img, pos + VIRTIO_PCI_CAP_BAR),
    offset: dwordAt(img, pos + VIRTIO_PCI_CAP_OFFSET),
    length: dwordAt(img, pos + VIRTIO_PCI_CAP_LENGTH),
    notifyOffMultiplier: cfgType === VIRTIO_PCI_CAP_NOTIFY_CFG ? dwordAt(img, pos + VIRTIO_PCI_NOTIFY_CAP_MULT) : undefined,
  }
}
