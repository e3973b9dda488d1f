/** What both probe paths share: the recorder, the profile and the cached pci_dev fields. */
import {PCI_CAP_ID_SSVID} from '../pci/layout.js'
import {pciFindCapability} from './pci-core.js'
import {type PciDevFields, readRevision, readSubsystemDevice} from './pci-dev.js'
import type {KernelProfile} from './profiles.js'
import type {ProbeRecorder} from './recorder.js'
import {UnknownEvidence} from './unknown.js'
import {hex} from '../util/hex.js'

export type Errno = 'ENODEV' | 'EINVAL' | 'ENOMEM' | 'EIO' | 'EBUSY'

export const ERRNO_VALUE: Readonly<Record<Errno, number>> = {ENODEV: 19, EINVAL: 22, ENOMEM: 12, EIO: 5, EBUSY: 16}

/** A probe routine's return: 0 or a negative errno, named. */
/** The virtio id a probe computed: a number, or the config offsets whose unknown bytes hide it. */
export type VirtioId = number | {readonly unknownOffsets: readonly number[]}

/** A probe routine's return: 0 or a negative errno, named; the virtio id when it got that far. */
export type ProbeReturn = {readonly rc: 0 | Errno; readonly virtioId?: VirtioId}

export function describeVirtioId(id: VirtioId): string {
  return typeof id === 'number' ? hex(id) : 'unknown'
}

export interface DeviceContext {
  readonly rec: ProbeRecorder
  readonly profile: KernelProfile
  readonly dev: PciDevFields
  /** dev->subsystem_device, read on first use (only transitional and legacy ids need it). Only the
   * virtio id depends on it, never the probe's course: unknown bytes leave the id unknown instead of
   * making the whole outcome undetermined. */
  subsystemDevice(): VirtioId
  /** dev->revision, read on first use (only the legacy probe tests it). */
  revision(): number
}

export function deviceContext(rec: ProbeRecorder, profile: KernelProfile, dev: PciDevFields): DeviceContext {
  let subsystem: VirtioId | undefined
  let revision: number | undefined
  return {
    rec,
    profile,
    dev,
    subsystemDevice() {
      if (subsystem === undefined) {
        try {
          subsystem = readSubsystemDevice(rec, dev.hdrType, () => pciFindCapability(rec, dev.hdrType, PCI_CAP_ID_SSVID))
        } catch (e) {
          if (!(e instanceof UnknownEvidence) || e.bars.length > 0) throw e
          rec.step('pci_setup_device', 'subsystem device id', 'info', 'unknown: the virtio id is undetermined (nothing else depends on it)', 'drivers/pci/probe.c')
          subsystem = {unknownOffsets: e.offsets}
        }
      }
      return subsystem
    },
    revision() {
      revision ??= readRevision(rec)
      return revision
    },
  }
}
