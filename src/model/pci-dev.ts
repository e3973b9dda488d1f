/**
 * The struct pci_dev fields the probe tests. The PCI core reads them once, at enumeration
 * (drivers/pci/probe.c pci_setup_device and friends): vendor and device as one dword at 0x00, class
 * and revision as one dword at 0x08, the header type as a byte at 0x0e, the subsystem ids as words
 * (0x2c/0x2e for a normal header, 0x40/0x42 for CardBus, the SSVID capability for a bridge).
 * Because they are cached, the outcome depends only on the part of those reads each field comes
 * from, and only where the probe uses it: vendor/device (dword at 0x00) and the header type always;
 * the revision (byte 0x08) in the legacy probe; class (word 0x0a) and subsystem device id only when
 * a virtio id is taken from the subsystem id. So a byte the probe never depends on cannot make the
 * outcome undetermined.
 */
import {PCI_CB_SUBSYSTEM_ID, PCI_CLASS_BRIDGE_CARDBUS, PCI_CLASS_BRIDGE_PCI, PCI_CLASS_DEVICE, PCI_HEADER_TYPE, PCI_HEADER_TYPE_BRIDGE, PCI_HEADER_TYPE_CARDBUS, PCI_HEADER_TYPE_NORMAL, PCI_REVISION_ID, PCI_SSVID_DEVICE_ID, PCI_SUBSYSTEM_ID, PCI_VENDOR_ID} from '../pci/layout.js'
import type {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'

/** The PCI core's enumeration: the steps (and reads) of the cached pci_dev fields, not the driver's. */
export const PCI_SETUP_DEVICE_FN = 'pci_setup_device'
const FN = PCI_SETUP_DEVICE_FN
const SRC = 'drivers/pci/probe.c'

export interface PciDevFields {
  readonly vendor: number
  readonly device: number
  /** dev->hdr_type (multi-function bit masked off). */
  readonly hdrType: number
}

/** pci_setup_device ignores a device whose header type is not 0, 1 or 2 (no pci_dev, no probe). */
export function knownHeaderType(hdrType: number): boolean {
  return hdrType <= PCI_HEADER_TYPE_CARDBUS
}

export function readPciDevFields(rec: ProbeRecorder): PciDevFields {
  const ids = rec.config('PCI_VENDOR_ID/PCI_DEVICE_ID', PCI_VENDOR_ID, 4)
  const hdrType = rec.config('PCI_HEADER_TYPE', PCI_HEADER_TYPE, 1) & 0x7f
  const fields = {vendor: ids & 0xffff, device: ids >>> 16, hdrType}
  rec.step(FN, 'vendor, device and header type cached at enumeration', 'info', `${hex(fields.vendor)}:${hex(fields.device)} header type ${hdrType}`, SRC)
  return fields
}

/** dev->revision: the low byte of the PCI_CLASS_REVISION dword. */
export function readRevision(rec: ProbeRecorder): number {
  const revision = rec.config('PCI_REVISION_ID', PCI_REVISION_ID, 1)
  rec.step(FN, 'revision cached at enumeration (low byte of PCI_CLASS_REVISION)', 'info', hex(revision), SRC)
  return revision
}

/**
 * dev->subsystem_device. A class that does not fit the header type (a PCI bridge class on a normal
 * header, a non-CardBus class on a CardBus header) is "bad": pci_setup_device skips the subsystem ids,
 * which stay 0. `findSsvid` finds the bridge SSVID capability (header type 1).
 */
export function readSubsystemDevice(rec: ProbeRecorder, hdrType: number, findSsvid: () => number): number {
  let device = 0
  let how = `header type ${hdrType}: no subsystem id`
  const class16 = () => rec.config('PCI_CLASS_DEVICE', PCI_CLASS_DEVICE, 2)
  if (hdrType === PCI_HEADER_TYPE_NORMAL) {
    const cls = class16()
    if (cls === PCI_CLASS_BRIDGE_PCI) how = `class ${hex(cls)} does not fit header type 0: ignored, subsystem id 0`
    else {
      device = rec.config('PCI_SUBSYSTEM_ID', PCI_SUBSYSTEM_ID, 2)
      how = 'PCI_SUBSYSTEM_ID'
    }
  } else if (hdrType === PCI_HEADER_TYPE_CARDBUS) {
    const cls = class16()
    if (cls !== PCI_CLASS_BRIDGE_CARDBUS) how = `class ${hex(cls)} does not fit header type 2: ignored, subsystem id 0`
    else {
      device = rec.config('PCI_CB_SUBSYSTEM_ID', PCI_CB_SUBSYSTEM_ID, 2)
      how = 'PCI_CB_SUBSYSTEM_ID'
    }
  } else if (hdrType === PCI_HEADER_TYPE_BRIDGE) {
    const pos = findSsvid()
    if (pos) {
      device = rec.config(`ssvid@${hex(pos)}.device`, pos + PCI_SSVID_DEVICE_ID, 2)
      how = `SSVID capability at ${hex(pos)}`
    } else {
      how = 'bridge without an SSVID capability: 0'
    }
  }
  rec.step(FN, `subsystem device id (${how})`, 'info', hex(device), SRC)
  return device
}
