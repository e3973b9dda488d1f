/**
 * The queue registers the kernel read while its virtio driver set queues up (input of the setup_vq
 * model), from the device's modern common-config accesses after the kernel registered the device:
 * num_queues (0x12), and per queue_select (0x16) the first reads of queue_size (0x18, before the
 * driver writes its own size), queue_enable (0x1c) and queue_notify_off (0x1e).
 */
import type {DeviceEvidence} from '../evidence/types.js'
import type {QueueFacts} from '../model/setup-vq.js'
import {VIRTIO_PCI_COMMON_NUMQ, VIRTIO_PCI_COMMON_Q_ENABLE, VIRTIO_PCI_COMMON_Q_NOFF, VIRTIO_PCI_COMMON_Q_SELECT, VIRTIO_PCI_COMMON_Q_SIZE} from '../pci/layout.js'
import {kernelRegistration} from './observed.js'


export interface KernelQueues {
  readonly numQueues: number
  readonly queues: readonly QueueFacts[]
}

/** Undefined when the trace does not show the kernel reading num_queues (no memory events, or the
 * kernel never registered the device). */
export function kernelQueues(dev: DeviceEvidence): KernelQueues | undefined {
  const reg = kernelRegistration(dev.status)
  if (reg < 0) return undefined
  const from = dev.status[reg]!.src
  const after = dev.regionAccesses.filter((a) => a.region === 'common' && a.src.file === from.file && (a.src.line ?? 0) >= (from.line ?? 0))
  let numQueues: number | undefined
  let selected: number | undefined
  const byIndex = new Map<number, {size?: number; enabled?: boolean; notifyOff?: number; sizeWritten?: boolean}>()
  for (const a of after) {
    if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_NUMQ) numQueues ??= a.value
    else if (a.op === 'write' && a.offset === VIRTIO_PCI_COMMON_Q_SELECT) selected = a.value
    else if (selected !== undefined) {
      const q = byIndex.get(selected) ?? {}
      byIndex.set(selected, q)
      if (a.offset === VIRTIO_PCI_COMMON_Q_SIZE) {
        if (a.op === 'write') q.sizeWritten = true
        else if (!q.sizeWritten) q.size ??= a.value
      } else if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_Q_ENABLE) q.enabled ??= a.value !== 0
      else if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_Q_NOFF) q.notifyOff ??= a.value
    }
  }
  if (numQueues === undefined) return undefined
  const queues: QueueFacts[] = []
  for (const [index, q] of [...byIndex].sort((x, y) => x[0] - y[0])) {
    if (q.size === undefined) continue
    queues.push({index, size: q.size, ...(q.enabled !== undefined ? {enabled: q.enabled} : {}), ...(q.notifyOff !== undefined ? {notifyOff: q.notifyOff} : {})})
  }
  return {numQueues, queues}
}
