/**
 * Capability bytes no guest write can change (capability id and next pointer; a virtio vendor cap's
 * cap_len and cfg_type). If their read value changed over the input, the reads came from different
 * devices (two traces concatenated, a hot-swap) and the image mixes them.
 */
import type {ByteFact, ConfigImageView} from './types.js'
import {capabilityOffsets} from './virtio-layout.js'

const CAP_ID_VENDOR = 0x09

export interface ReadOnlyChange {
  readonly offset: number
  readonly before: ByteFact
  readonly after: ByteFact
}

export function readOnlyCapabilityChanges(image: ConfigImageView): ReadOnlyChange[] {
  const changes: ReadOnlyChange[] = []
  for (const cap of capabilityOffsets(image)) {
    const offsets = [cap.offset, cap.offset + 1]
    if (cap.id === CAP_ID_VENDOR) offsets.push(cap.offset + 2, cap.offset + 3)
    for (const offset of offsets) {
      const change = firstChange(image, offset)
      if (change) changes.push(change)
    }
  }
  return changes
}

function firstChange(image: ConfigImageView, offset: number): ReadOnlyChange | undefined {
  const observed = image.byte(offset)?.history?.filter((fact) => fact.origin !== 'write' && fact.origin !== 'inferred') ?? []
  const first = observed[0]
  const other = observed.find((fact) => fact.value !== first?.value)
  return first && other ? {offset, before: first, after: other} : undefined
}
