/**
 * The PCI core's capability-list walk (drivers/pci/pci.c; from 6.18 the PCI_FIND_NEXT_CAP macro in
 * drivers/pci/pci.h, which reads and stops the same way). Same in every profile:
 *  - pci_find_capability: PCI_STATUS (word) must have PCI_STATUS_CAP_LIST; the list head is the byte
 *    at 0x34 (0x14 for CardBus; other header types have no list);
 *  - each walk reads the pointer byte it starts from, then up to PCI_FIND_CAP_TTL (48) times: stop if
 *    pos < 0x40, pos &= ~3, read the header as one word at pos (id = low byte, next = high byte), stop
 *    on id 0xff, return pos on the wanted id, else follow next;
 *  - pci_find_next_capability(pos) starts from the byte at pos + 1 with a fresh TTL.
 */
import {PCI_CAPABILITY_LIST, PCI_CAP_LIST_NEXT, PCI_CB_CAPABILITY_LIST, PCI_FIND_CAP_TTL, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_CARDBUS, PCI_HEADER_TYPE_NORMAL, PCI_STATUS, PCI_STATUS_CAP_LIST, PCI_STD_HEADER_SIZEOF} from '../pci/layout.js'
import type {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'

/** __pci_bus_find_cap_start: where the list head pointer lives, or 0 when there is no list. */
export function findCapStart(rec: ProbeRecorder, hdrType: number): number {
  const status = rec.config('PCI_STATUS', PCI_STATUS, 2)
  if (!(status & PCI_STATUS_CAP_LIST)) return 0
  switch (hdrType) {
    case PCI_HEADER_TYPE_NORMAL:
    case PCI_HEADER_TYPE_BRIDGE:
      return PCI_CAPABILITY_LIST
    case PCI_HEADER_TYPE_CARDBUS:
      return PCI_CB_CAPABILITY_LIST
    default:
      return 0
  }
}

/** __pci_find_next_cap_ttl with a fresh TTL (__pci_find_next_cap): `ptr` is where the pointer lives. */
export function findNextCapFrom(rec: ProbeRecorder, ptr: number, cap: number): number {
  let pos = rec.config(ptr === PCI_CAPABILITY_LIST ? 'PCI_CAPABILITY_LIST' : `cap_ptr@${hex(ptr)}`, ptr, 1)
  for (let ttl = PCI_FIND_CAP_TTL; ttl > 0; ttl--) {
    if (pos < PCI_STD_HEADER_SIZEOF) break
    pos &= ~3
    const ent = rec.config(`cap@${hex(pos)}.id/next`, pos, 2)
    const id = ent & 0xff
    if (id === 0xff) break
    if (id === cap) return pos
    pos = ent >> 8
  }
  return 0
}

/** pci_find_capability(dev, cap). */
export function pciFindCapability(rec: ProbeRecorder, hdrType: number, cap: number): number {
  const start = findCapStart(rec, hdrType)
  return start ? findNextCapFrom(rec, start, cap) : 0
}

/** pci_find_next_capability(dev, pos, cap). */
export function pciFindNextCapability(rec: ProbeRecorder, pos: number, cap: number): number {
  return findNextCapFrom(rec, pos + PCI_CAP_LIST_NEXT, cap)
}
