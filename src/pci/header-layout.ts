/**
 * What the configuration header holds, by header type (PCI_HEADER_TYPE & 0x7f): how many BARs, where
 * the expansion ROM register is, and which bytes no guest write can change. Linux sizes BARs the same
 * way (pci_setup_device: 6 BARs + PCI_ROM_ADDRESS for type 0, 2 + PCI_ROM_ADDRESS1 for a bridge,
 * 1 and no ROM for CardBus); everything else in a bridge's header is bus numbers and windows, which
 * the PCI core writes.
 */
import {
  PCI_BASE_ADDRESS_0,
  PCI_CAPABILITY_LIST,
  PCI_CARDBUS_CIS,
  PCI_CB_CAPABILITY_LIST,
  PCI_CB_SUBSYSTEM_ID,
  PCI_CB_SUBSYSTEM_VENDOR_ID,
  PCI_CLASS_PROG,
  PCI_DEVICE_ID,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_HEADER_TYPE_CARDBUS,
  PCI_HEADER_TYPE_MASK,
  PCI_HEADER_TYPE_NORMAL,
  PCI_INTERRUPT_PIN,
  PCI_REVISION_ID,
  PCI_ROM_ADDRESS,
  PCI_ROM_ADDRESS1,
  PCI_STD_NUM_BARS,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
} from './layout.js'

export interface HeaderLayout {
  /** PCI_HEADER_TYPE & 0x7f. */
  readonly type: number
  readonly name: string
  /** BAR registers from PCI_BASE_ADDRESS_0. */
  readonly barCount: number
  /** The expansion ROM register, if the type has one. */
  readonly romOffset?: number
  /** Header bytes below 0x40 that no write can change (ids, revision, class, header type, capability
   * pointer, interrupt pin, and the subsystem ids where the type has them). */
  readonly readOnly: ReadonlySet<number>
}

const bytes = (offset: number, n: number): number[] => Array.from({length: n}, (_, i) => offset + i)

/** Bytes read-only in every header type: vendor and device id, revision and class, header type, pin. */
const COMMON_READ_ONLY = [...bytes(PCI_VENDOR_ID, 2), ...bytes(PCI_DEVICE_ID, 2), PCI_REVISION_ID, ...bytes(PCI_CLASS_PROG, 3), PCI_HEADER_TYPE, PCI_INTERRUPT_PIN]

const NORMAL: HeaderLayout = {
  type: PCI_HEADER_TYPE_NORMAL,
  name: 'type 0 (endpoint)',
  barCount: PCI_STD_NUM_BARS,
  romOffset: PCI_ROM_ADDRESS,
  readOnly: new Set([...COMMON_READ_ONLY, ...bytes(PCI_CARDBUS_CIS, 4), ...bytes(PCI_SUBSYSTEM_VENDOR_ID, 2), ...bytes(PCI_SUBSYSTEM_ID, 2), PCI_CAPABILITY_LIST]),
}
const BRIDGE: HeaderLayout = {
  type: PCI_HEADER_TYPE_BRIDGE,
  name: 'type 1 (PCI-to-PCI bridge)',
  barCount: 2,
  romOffset: PCI_ROM_ADDRESS1,
  readOnly: new Set([...COMMON_READ_ONLY, PCI_CAPABILITY_LIST]),
}
const CARDBUS: HeaderLayout = {
  type: PCI_HEADER_TYPE_CARDBUS,
  name: 'type 2 (CardBus bridge)',
  barCount: 1,
  readOnly: new Set([...COMMON_READ_ONLY, PCI_CB_CAPABILITY_LIST, ...bytes(PCI_CB_SUBSYSTEM_VENDOR_ID, 2), ...bytes(PCI_CB_SUBSYSTEM_ID, 2)]),
}
/** Header type not known (byte 0x0e unread): only what every type shares. */
export const UNKNOWN_HEADER: HeaderLayout = {type: -1, name: 'header type unknown', barCount: PCI_STD_NUM_BARS, readOnly: new Set(COMMON_READ_ONLY)}

/** The layout for a PCI_HEADER_TYPE byte (the multifunction bit ignored); undefined for types 3..127,
 * which Linux rejects ("unknown header type"). */
export function headerLayout(headerTypeByte: number | undefined): HeaderLayout | undefined {
  if (headerTypeByte === undefined) return UNKNOWN_HEADER
  switch (headerTypeByte & PCI_HEADER_TYPE_MASK) {
    case PCI_HEADER_TYPE_NORMAL:
      return NORMAL
    case PCI_HEADER_TYPE_BRIDGE:
      return BRIDGE
    case PCI_HEADER_TYPE_CARDBUS:
      return CARDBUS
    default:
      return undefined
  }
}

/** True for the dword offset of a BAR or of the expansion ROM register in this header type. */
export function isBarOrRomRegister(layout: HeaderLayout, offset: number): boolean {
  if (offset === layout.romOffset) return true
  return offset >= PCI_BASE_ADDRESS_0 && offset < PCI_BASE_ADDRESS_0 + 4 * layout.barCount && offset % 4 === 0
}
