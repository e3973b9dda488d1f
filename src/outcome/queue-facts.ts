/**
 * The queue registers the kernel read while its virtio driver set queues up (input of the setup_vq
 * model), from the device's modern common-config accesses after the kernel registered the device:
 * num_queues (0x12), and per queue_select (0x16) the first reads of queue_size (0x18, before the
 * driver writes its own size), queue_enable (0x1c), queue_notify_off (0x1e) and the MSI-X vector
 * written to queue_msix_vector (0x1a) and read back; and the interrupt setup the trace shows.
 */
import type {DeviceEvidence} from '../evidence/types.js'
import {knownByte} from '../evidence/image-values.js'
import {CapabilityWalk} from '../pci/capabilities.js'
import type {InterruptFacts, QueueFacts} from '../model/setup-vq.js'
import {
  PCI_CAP_ID_MSIX,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_MSIX_FLAGS,
  PCI_MSIX_FLAGS_ENABLE,
  PCI_MSIX_FLAGS_QSIZE,
  VIRTIO_PCI_COMMON_NUMQ,
  VIRTIO_PCI_COMMON_Q_ENABLE,
  VIRTIO_PCI_COMMON_Q_MSIX,
  VIRTIO_PCI_COMMON_Q_NOFF,
  VIRTIO_PCI_COMMON_Q_SELECT,
  VIRTIO_PCI_COMMON_Q_SIZE,
} from '../pci/layout.js'
import {formatSource} from '../util/source.js'
import {kernelRegistration} from '../evidence/registration.js'

/**
 * How the device's interrupts were set up, as the trace shows it: MSI-X enabled by a Message Control
 * write setting PCI_MSIX_FLAGS_ENABLE (the kernel enables it only once it has all the vectors it asked
 * for), never enabled, or no MSI-X capability at all; and the INTx pin and line as read. Undefined
 * without a trace of config writes.
 */
export function interruptFacts(dev: DeviceEvidence): InterruptFacts | undefined {
  if (!dev.traced) return undefined
  const pin = dev.config.byte(PCI_INTERRUPT_PIN)?.current
  const line = dev.config.byte(PCI_INTERRUPT_LINE)?.current
  const intx = {
    ...(pin && pin.origin !== 'inferred' ? {pin: pin.value, pinSource: formatSource(pin.src)} : {}),
    // The line byte starts a dword (0x3c): a read there is never only inferred, as the pin above it can be.
    ...(line ? {line: line.value, lineSource: formatSource(line.src)} : {}),
  }
  const walk = new CapabilityWalk((at) => knownByte(dev.config, at), {requireCapList: true})
  const msix = [...walk].find((c) => c.id === PCI_CAP_ID_MSIX)
  if (!msix) {
    // A chain that ends without MSI-X says there is none; a chain cut short by unknown bytes says nothing.
    return walk.end === 'end' || walk.end === 'no-list' ? {msix: 'no-capability', ...intx} : {msix: 'unknown', ...intx}
  }
  const control = msix.offset + PCI_MSIX_FLAGS
  const size = dev.config.byte(control)?.current
  const sizeHi = dev.config.byte(control + 1)?.current
  const tableSize = size && sizeHi ? (((sizeHi.value << 8) | size.value) & PCI_MSIX_FLAGS_QSIZE) + 1 : undefined
  // The enable bit is bit 15 of Message Control: bit 7 of its high byte, in every write that reached it.
  const enableBit = PCI_MSIX_FLAGS_ENABLE >> 8
  const enabling = (dev.config.byte(control + 1)?.history ?? []).find((f) => f.origin === 'write' && (f.value & enableBit) !== 0)
  return {
    msix: enabling ? 'enabled' : 'never-enabled',
    ...(enabling ? {msixSource: formatSource(enabling.src)} : {}),
    ...(tableSize !== undefined ? {tableSize} : {}),
    ...intx,
  }
}


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
  const byIndex = new Map<number, {size?: number; enabled?: boolean; notifyOff?: number; sizeWritten?: boolean; vector?: number; vectorReadBack?: number; vectorSource?: string}>()
  for (const a of after) {
    if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_NUMQ) numQueues ??= a.value
    else if (a.op === 'write' && a.offset === VIRTIO_PCI_COMMON_Q_SELECT) selected = a.value
    else if (selected !== undefined) {
      const q = byIndex.get(selected) ?? {}
      byIndex.set(selected, q)
      if (a.offset === VIRTIO_PCI_COMMON_Q_SIZE) {
        if (a.op === 'write') q.sizeWritten = true
        else if (!q.sizeWritten) q.size ??= a.value
      } else if (a.offset === VIRTIO_PCI_COMMON_Q_MSIX) {
        // vp_modern_queue_vector: write the vector, read it back (VIRTIO_MSI_NO_VECTOR: not accepted).
        if (a.op === 'write' && q.vector === undefined) {
          q.vector = a.value
          q.vectorSource = formatSource(a.src)
        } else if (a.op === 'read' && q.vector !== undefined) q.vectorReadBack ??= a.value
      } else if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_Q_ENABLE) q.enabled ??= a.value !== 0
      else if (a.op === 'read' && a.offset === VIRTIO_PCI_COMMON_Q_NOFF) q.notifyOff ??= a.value
    }
  }
  if (numQueues === undefined) return undefined
  const queues: QueueFacts[] = []
  for (const [index, q] of [...byIndex].sort((x, y) => x[0] - y[0])) {
    if (q.size === undefined) continue
    queues.push({
      index,
      size: q.size,
      ...(q.enabled !== undefined ? {enabled: q.enabled} : {}),
      ...(q.notifyOff !== undefined ? {notifyOff: q.notifyOff} : {}),
      ...(q.vector !== undefined ? {vector: {written: q.vector, source: q.vectorSource!, ...(q.vectorReadBack !== undefined ? {readBack: q.vectorReadBack} : {})}} : {}),
    })
  }
  return {numQueues, queues}
}
