/**
 * The struct pci_dev fields the probe tests. The PCI core reads them once, at enumeration
 * (drivers/pci/probe.c pci_setup_device and friends), with these widths: vendor and device as one
 * dword at 0x00, class and revision as one dword at 0x08, the header type as a byte at 0x0e, and the
 * subsystem ids as words (0x2c/0x2e for a normal header; 0x40/0x42 for CardBus; the SSVID capability
 * for a bridge). Only the subsystem device id is read by the model, and only when the outcome needs it.
 */
import type {ProbeRecorder} from './recorder.js'
import {hex} from './recorder.js'

export interface PciDevFields {
  readonly vendor: number
  readonly device: number
  readonly revision: number
  /** dev->hdr_type (multi-function bit masked off). */
  readonly hdrType: number
  /** Base class and subclass (the `class` pci_setup_device checks against the header type). */
  readonly class16: number
}

const FN = 'pci_setup_device'
const SRC = 'drivers/pci/probe.c'

export const PCI_HEADER_TYPE_NORMAL = 0
export const PCI_HEADER_TYPE_BRIDGE = 1
export const PCI_HEADER_TYPE_CARDBUS = 2
export const PCI_CLASS_BRIDGE_PCI = 0x0604
export const PCI_CLASS_BRIDGE_CARDBUS = 0x0607

/** pci_setup_device ignores a device whose header type is not 0, 1 or 2 (no pci_dev, no probe). */
export function knownHeaderType(hdrType: number): boolean {
  return hdrType <= PCI_HEADER_TYPE_CARDBUS
}

export function readPciDevFields(rec: ProbeRecorder): PciDevFields {
  const ids = rec.config('PCI_VENDOR_ID/PCI_DEVICE_ID', 0x00, 4)
  const classRev = rec.config('PCI_CLASS_REVISION', 0x08, 4)
  const hdrType = rec.config('PCI_HEADER_TYPE', 0x0e, 1) & 0x7f
  const fields = {vendor: ids & 0xffff, device: ids >>> 16, revision: classRev & 0xff, hdrType, class16: classRev >>> 16}
  rec.step(
    FN,
    'vendor, device, revision and header type cached at enumeration',
    'info',
    `${hex(fields.vendor)}:${hex(fields.device)} rev ${hex(fields.revision)} header type ${fields.hdrType}`,
    SRC,
  )
  return fields
}

/**
 * dev->subsystem_device, the only subsystem field the probe outcome depends on (the virtio device id
 * of transitional and legacy devices). `findSsvid` finds the bridge SSVID capability (header type 1,
 * which a virtio function never has in practice). A class that does not fit the header type (a PCI
 * bridge class on a normal header, a non-CardBus class on a CardBus header) is "bad": pci_setup_device
 * skips the subsystem ids, which stay 0.
 */
export function readSubsystemDevice(rec: ProbeRecorder, dev: PciDevFields, findSsvid: () => number): number {
  const {hdrType, class16} = dev
  let device = 0
  let how = `header type ${hdrType}: no subsystem id`
  if (hdrType === PCI_HEADER_TYPE_NORMAL && class16 === PCI_CLASS_BRIDGE_PCI) {
    how = `class ${hex(class16)} does not fit header type 0: ignored, subsystem id 0`
  } else if (hdrType === PCI_HEADER_TYPE_CARDBUS && class16 !== PCI_CLASS_BRIDGE_CARDBUS) {
    how = `class ${hex(class16)} does not fit header type 2: ignored, subsystem id 0`
  } else if (hdrType === PCI_HEADER_TYPE_NORMAL) {
    device = rec.config('PCI_SUBSYSTEM_ID', 0x2e, 2)
    how = 'PCI_SUBSYSTEM_ID'
  } else if (hdrType === PCI_HEADER_TYPE_CARDBUS) {
    device = rec.config('PCI_CB_SUBSYSTEM_ID', 0x42, 2)
    how = 'PCI_CB_SUBSYSTEM_ID'
  } else if (hdrType === PCI_HEADER_TYPE_BRIDGE) {
    const pos = findSsvid()
    if (pos) {
      device = rec.config(`ssvid@${hex(pos)}.device`, pos + 6, 2)
      how = `SSVID capability at ${hex(pos)}`
    } else {
      how = 'bridge without an SSVID capability: 0'
    }
  }
  rec.step(FN, `subsystem device id (${how})`, 'info', hex(device), SRC)
  return device
}
