/**
 * Ties virtio_set_status events (which name only a VirtIODevice pointer) to PCI functions.
 *
 * QEMU calls virtio_set_status right inside the guest access that caused it, so the event follows
 * that access in the trace (memory_region_ops_write is traced before the write op runs):
 *  - a write of the modern common-config device_status (offset 0x14) or the legacy VIRTIO_PCI_STATUS
 *    (offset 0x12 of the I/O BAR): the status written must equal the event's value;
 *  - a pci_cfg_write covering PCI_COMMAND (virtio_write_config calls virtio_set_status to clear
 *    DRIVER_OK when bus mastering is off), possibly with pci_update_mappings_* events in between:
 *    the event's value must then be the vdev's previous status without DRIVER_OK.
 * Only the next cfg/memory access ends that window, and the first event in it binds it to its vdev:
 * QEMU's reset after a status write of 0 repeats the event for the same vdev, while other threads'
 * events (VM stop re-sets every device's status) must not be taken for it. Once a pointer is tied it
 * stays tied; events for a pointer not yet tied are held (bounded) and attributed when it is.
 */
import type {SetStatusRecord} from '../ingest/records.js'
import type {WarningSink} from '../util/errors.js'
import type {DeviceState, SequencedStatus} from './device-state.js'
import type {RegionAccess} from './types.js'
import {PCI_COMMAND, PCI_COMMAND_MASTER, VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_PCI_COMMON_STATUS, VIRTIO_PCI_STATUS} from '../pci/layout.js'

const VIRTIO_PROXY_NAME = /^(?:virtio|vhost)-/
const HELD_PER_VDEV = 256

interface Trigger {
  readonly device: DeviceState
  readonly cause: 'status-write' | 'command-write'
  /** For status-register writes: the value the event must carry. */
  readonly expected?: number
  /** The vdev of the first event after the access. */
  vdev?: string
}

export class StatusTracker {
  private readonly byVdev = new Map<string, DeviceState>()
  private readonly held = new Map<string, {changes: SequencedStatus[]; dropped: number}>()
  /** Last status of each vdev (QEMU's vdev->status after the event). */
  private readonly lastVal = new Map<string, number>()
  private trigger: Trigger | undefined

  constructor(private readonly warnings: WarningSink) {}

  /** Any cfg or memory access ends the window of the previous trigger. */
  accessSeen(): void {
    this.trigger = undefined
  }

  /**
   * A config write; `width` undefined when unknown (the write then covers at least `offset`).
   * virtio_write_config calls virtio_set_status only if the write covers PCI_COMMAND and leaves bus
   * mastering off, and only virtio-pci proxies (QOM types virtio-*, vhost-*) have it.
   */
  cfgWrite(device: DeviceState, offset: number, value: number, width: number | undefined): void {
    const coversCommand = offset === PCI_COMMAND || (width !== undefined && offset < PCI_COMMAND && offset + width > PCI_COMMAND)
    if (!coversCommand) return
    const commandLow = Math.floor(value / 2 ** (8 * (PCI_COMMAND - offset))) & 0xff
    const mayBeVirtio = device.qemuDevice === undefined || VIRTIO_PROXY_NAME.test(device.qemuDevice)
    if ((commandLow & PCI_COMMAND_MASTER) === 0 && mayBeVirtio) this.trigger = {device, cause: 'command-write'}
  }

  /** Every region access a device was given: a write to its status register is what a set_status event may follow. */
  regionAccess(device: DeviceState, access: RegionAccess): void {
    const isStatus =
      (access.region === 'common' && access.offset === VIRTIO_PCI_COMMON_STATUS) || (access.region === 'legacy' && access.offset === VIRTIO_PCI_STATUS)
    if (isStatus && access.op === 'write') this.trigger = {device, cause: 'status-write', expected: access.value & 0xff}
  }

  status(record: SetStatusRecord, seq: number): void {
    const trigger = this.trigger
    const previous = this.lastVal.get(record.vdev)
    this.lastVal.set(record.vdev, record.val)
    const expected = trigger?.expected ?? (previous === undefined ? undefined : previous & ~VIRTIO_CONFIG_S_DRIVER_OK)
    let device = this.byVdev.get(record.vdev)
    // A command write is weak evidence: it cannot move a vdev already tied elsewhere.
    const fits =
      trigger !== undefined &&
      (trigger.vdev === undefined || trigger.vdev === record.vdev) &&
      (expected === undefined || expected === record.val) &&
      !(trigger.cause === 'command-write' && device !== undefined && device !== trigger.device)
    if (fits) {
      trigger.vdev = record.vdev
      if (!device) {
        device = trigger.device
        this.tie(record.vdev, device)
      } else if (device !== trigger.device) {
        this.warnings.warn(
          'status-vdev-conflict',
          `virtio_set_status vdev ${record.vdev} follows an access to ${trigger.device.bdf} but was tied to ${device.bdf} before`,
          record.src,
        )
      }
    }
    const change: SequencedStatus = {
      val: record.val,
      src: record.src,
      ...(record.time !== undefined ? {time: record.time} : {}),
      cause: fits && device === trigger.device ? trigger.cause : 'qemu',
      seq,
    }
    if (device) {
      device.addStatus(change)
      return
    }
    const held = this.held.get(record.vdev) ?? {changes: [], dropped: 0}
    this.held.set(record.vdev, held)
    if (held.changes.length < HELD_PER_VDEV) held.changes.push(change)
    else held.dropped++
  }

  /** Warns about status events whose device never became known. */
  finish(): void {
    if (this.held.size > 0) {
      const held = [...this.held.values()]
      const events = held.reduce((n, h) => n + h.changes.length + h.dropped, 0)
      const vdevs = [...this.held.keys()].join(', ')
      this.warnings.warn(
        'status-untied',
        `${events} virtio_set_status events could not be tied to a PCI function (no status or command write before them; vdev ${vdevs})`,
        held[0]?.changes[0]?.src,
      )
    }
    this.held.clear()
  }

  private tie(vdev: string, device: DeviceState): void {
    this.byVdev.set(vdev, device)
    const held = this.held.get(vdev)
    if (!held) return
    this.held.delete(vdev)
    for (const change of held.changes) device.addStatus(change)
    if (held.dropped > 0) {
      this.warnings.warn('status-held-dropped', `${device.bdf}: ${held.dropped} early virtio_set_status events of vdev ${vdev} were not kept`)
    }
  }
}
