/**
 * The capability list as it stands in the evidence, walked the plain PCI way (0x34, then each next
 * pointer) for display. This is not the kernel's walk (that is src/model/pci-core.ts): it stops at
 * the first unknown byte, notes a cycle instead of following it, and decodes virtio vendor caps.
 */
import {knownByte, knownDword} from '../evidence/image-values.js'
import type {ConfigImageView} from '../evidence/types.js'

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
  readonly end: 'end' | 'unknown' | 'cycle' | 'no-list' | 'bad-pointer'
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

export function walkCapabilityChain(img: ConfigImageView): CapabilityChain {
  const status = byteAt(img, 0x06)
  if (status === undefined) return {entries: [], end: 'unknown', endDetail: 'status register (0x06) unknown'}
  if ((status & 0x10) === 0) return {entries: [], end: 'no-list', endDetail: 'PCI_STATUS_CAP_LIST (status bit 4) is clear'}
  const first = byteAt(img, 0x34)
  if (first === undefined) return {entries: [], end: 'unknown', endDetail: 'capability pointer (0x34) unknown'}
  const entries: ChainEntry[] = []
  const seen = new Set<number>()
  let pos = first & ~3
  while (pos !== 0) {
    if (pos < 0x40 || pos > 0xfc) return {entries, end: 'bad-pointer', endDetail: `pointer 0x${pos.toString(16)} outside 0x40..0xfc`}
    if (seen.has(pos)) return {entries, end: 'cycle', endDetail: `0x${pos.toString(16)} is reached twice`}
    seen.add(pos)
    const id = byteAt(img, pos)
    const next = byteAt(img, pos + 1)
    if (id === undefined || next === undefined) {
      entries.push({offset: pos, id, next, name: id === undefined ? 'unknown' : (CAP_NAMES[id] ?? `cap 0x${id.toString(16)}`)})
      return {entries, end: 'unknown', endDetail: `capability header at 0x${pos.toString(16)} unknown`}
    }
    entries.push({offset: pos, id, next, name: CAP_NAMES[id] ?? `cap 0x${id.toString(16)}`, virtio: id === 0x09 ? decodeVirtio(img, pos) : undefined})
    pos = next & ~3
  }
  return {entries, end: 'end'}
}

function decodeVirtio(img: ConfigImageView, pos: number): ChainEntry['virtio'] {
  const cfgType = byteAt(img, pos + 3)
  return {
    capLen: byteAt(img, pos + 2),
    cfgType,
    cfgTypeName: cfgType === undefined ? undefined : (VIRTIO_CFG_TYPE_NAMES[cfgType] ?? 'reserved'),
    bar: byteAt(img, pos + 4),
    offset: dwordAt(img, pos + 8),
    length: dwordAt(img, pos + 12),
    notifyOffMultiplier: cfgType === 2 ? dwordAt(img, pos + 16) : undefined,
  }
}
