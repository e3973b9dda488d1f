/** What both probe paths share: the recorder, the profile and the cached pci_dev fields. */
import {PCI_CAP_ID_SSVID, pciFindCapability} from './pci-core.js'
import {type PciDevFields, readRevision, readSubsystemDevice} from './pci-dev.js'
import type {KernelProfile} from './profiles.js'
import type {ProbeRecorder} from './recorder.js'

export type Errno = 'ENODEV' | 'EINVAL' | 'ENOMEM' | 'EIO' | 'EBUSY'

export const ERRNO_VALUE: Readonly<Record<Errno, number>> = {ENODEV: 19, EINVAL: 22, ENOMEM: 12, EIO: 5, EBUSY: 16}

/** A probe routine's return: 0 or a negative errno, named. */
export type ProbeReturn = {readonly rc: 0; readonly virtioId: number} | {readonly rc: Errno; readonly virtioId?: number}

export interface DeviceContext {
  readonly rec: ProbeRecorder
  readonly profile: KernelProfile
  readonly dev: PciDevFields
  /** dev->subsystem_device, read on first use (only transitional and legacy ids need it). */
  subsystemDevice(): number
  /** dev->revision, read on first use (only the legacy probe tests it). */
  revision(): number
}

export function deviceContext(rec: ProbeRecorder, profile: KernelProfile, dev: PciDevFields): DeviceContext {
  let subsystem: number | undefined
  let revision: number | undefined
  return {
    rec,
    profile,
    dev,
    subsystemDevice() {
      subsystem ??= readSubsystemDevice(rec, dev.hdrType, () => pciFindCapability(rec, dev.hdrType, PCI_CAP_ID_SSVID))
      return subsystem
    },
    revision() {
      revision ??= readRevision(rec)
      return revision
    },
  }
}
