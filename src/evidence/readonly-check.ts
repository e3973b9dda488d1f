/**
 * Capability bytes no guest write can change (capability id and next pointer; a virtio vendor cap's
 * cap_len and cfg_type). If their read value changed over the input, the reads came from different
 * devices (two traces concatenated, a hot-swap) and the image mixes them.
 */
import {PCI_CAP_ID_VNDR, PCI_CAP_LIST_ID, PCI_CAP_LIST_NEXT, VIRTIO_PCI_CAP_CFG_TYPE, VIRTIO_PCI_CAP_LEN} from '../pci/layout.js'
import type {ByteFact, ConfigImageView} from './types.js'
import {capabilityOffsets} from './virtio-layout.js'

export interface ReadOnlyChange {
  readonly offset: number
  readonly before: ByteFact
  readonly after: ByteFact
}

export function readOnlyCapabilityChanges(image: ConfigImageView): ReadOnlyChange[] {
  const changes: ReadOnlyChange[] = []
  for (const cap of capabilityOffsets(image)) {
    const offsets = [cap.offset + PCI_CAP_LIST_ID, cap.offset + PCI_CAP_LIST_NEXT]
    if (cap.id === PCI_CAP_ID_VNDR) offsets.push(cap.offset + VIRTIO_PCI_CAP_LEN, cap.offset + VIRTIO_PCI_CAP_CFG_TYPE)
    for (const offset of offsets) {
      const change = firstChange(image, offset)
      if (change) changes.push(change)
    }
  }
  return changes
}

function firstChange(image: ConfigImageView, offset: number): ReadOnlyChange | undefined {
  const observed = image.byte(offset)?.history?.filter((fact) => fact.origin !== 'write' && fact.origin !== 'inferred' && fact.origin !== 'restored') ?? []
  const first = observed[0]
  const other = observed.find((fact) => fact.value !== first?.value)
  return first && other ? {offset, before: first, after: other} : undefined
}
