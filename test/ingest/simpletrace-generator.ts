/**
 * Generated simpletrace v4 files, laid out as QEMU writes them (trace/simple.c, the simple backend
 * of scripts/tracetool): the header, one mapping record per trace event known to that QEMU (ids
 * assigned in order at run time, events probediff does not decode among them), then event records
 * with the argument lists of hw/pci, system/ and hw/virtio trace-events (7.0+ or the older pci
 * lists), strings cut at 512 bytes, NULL strings of length 0, signed ints sign-extended, and now and
 * then a dropped-events record. Each file comes with the records probediff must read from it.
 * Generated inputs, for property tests and `npm run fuzz`: they test the reader, never outcomes.
 */
import type {TraceRecord} from '../../src/ingest/records.js'
import {type Arg, SimpletraceWriter} from './simpletrace-writer.js'

/** A random integer in [0, n). */
export type Rand = (n: number) => number

/** xorshift32 from a seed: the same sequence for the same seed (a zero seed is taken as 1). */
export function xorshift32(seed: number): Rand {
  let state = seed >>> 0 || 1
  return (n) => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state % n
  }
}

export interface GeneratedSimpletrace {
  readonly bytes: Buffer
  /** What the reader must emit, in order (sources name `file`). */
  readonly records: TraceRecord[]
  /** Records of events probediff does not decode. */
  readonly unknown: number
  readonly dropped: number
  /** Every record's start, header first: where a mutation can cut or splice. */
  readonly offsets: number[]
  /** Where the event records start, after the header and the mappings. */
  readonly eventsAt: number
}

const DECODED = [
  'pci_cfg_read', 'pci_cfg_write', 'pci_update_mappings_add', 'pci_update_mappings_del', 'memory_region_ops_read', 'memory_region_ops_write',
  'virtio_set_status', 'virtio_queue_notify', 'virtio_pci_notify_write', 'virtio_pci_notify_write_pio',
] as const
/** Events of the same trace-events files that probediff skips. */
const OTHERS = ['pci_route_irq', 'pci_nvme_mmio_write', 'virtio_notify', 'virtqueue_alloc_element', 'memory_region_subpage_read', 'qemu_system_shutdown_request', 'virtio_pci_notify']
const DEVICES = ['virtio-net-pci', 'virtio-blk-pci', 'i440FX', 'PIIX3', 'empty', 'virtio-nét-pci', 'ivshmem-plain', '']
const REGIONS = ['virtio-pci-common-virtio-net', 'virtio-pci-notify-virtio-blk', 'virtio-pci', 'msix-table', 'pci-conf-idx', 'pci-conf-data', 'pcie-mmcfg-mmio']
/** trace/simple.h: longer strings are cut. */
const MAX_TRACE_STRLEN = 512

export function generateSimpletrace(rand: Rand, file: string, events = rand(120)): GeneratedSimpletrace {
  const w = new SimpletraceWriter().header()
  const offsets = [0]
  let size = 24
  const mark = () => {
    offsets.push(size)
    size = w.byteLength
  }
  const names = [...DECODED, ...OTHERS].sort(() => rand(3) - 1)
  const base = rand(2) === 0 ? 0 : rand(4000)
  const ids = new Map<string, number>()
  names.forEach((name, i) => {
    ids.set(name, base + i)
    w.mapping(base + i, name)
    mark()
  })
  const eventsAt = w.byteLength
  const pre70 = rand(4) === 0
  const records: TraceRecord[] = []
  let unknown = 0
  let dropped = 0
  let ns = BigInt(rand(1 << 30)) * 1000n
  let index = names.length
  const u64 = (): bigint => [() => BigInt(rand(1 << 30)), () => (BigInt(rand(1 << 20)) << 32n) | BigInt(rand(1 << 30)), () => 0xffffffffffffffffn, () => 0n][rand(4)]!()
  const ptr = (): bigint => (rand(5) === 0 ? 0n : 0x55d0_0000_0000n + BigInt(rand(1 << 28)) * 16n)
  const ptrText = (p: bigint) => (p === 0n ? '(nil)' : `0x${p.toString(16)}`)
  const str = (list: readonly string[]): {arg: Arg; text: string} => {
    if (rand(20) === 0) return {arg: 'x'.repeat(MAX_TRACE_STRLEN), text: 'x'.repeat(MAX_TRACE_STRLEN)}
    const s = list[rand(list.length)]!
    return {arg: s, text: s}
  }
  for (let e = 0; e < events; e++) {
    ns += BigInt(1 + rand(100_000))
    const src = {file, record: index}
    const time = Number(ns) / 1e9
    if (rand(40) === 0) {
      const count = 1 + rand(5000)
      w.dropped(count, ns)
      dropped += count
      mark()
      index++
      continue
    }
    const name = names[rand(names.length)]!
    const id = ids.get(name)!
    let args: Arg[]
    let rec: TraceRecord | undefined
    switch (name) {
      case 'pci_cfg_read':
      case 'pci_cfg_write': {
        const dev = str(DEVICES)
        const [bus, slot, func, offset, value] = [rand(256), rand(32), rand(8), rand(0x1000), rand(2 ** 32)]
        const op = name === 'pci_cfg_read' ? 'read' : 'write'
        if (pre70) {
          args = [dev.arg, slot, func, offset, value]
          rec = {kind: 'cfg', src, time, op, dev: dev.text, bus: 0, slot, func, offset, value, busUnknown: true}
        } else {
          args = [dev.arg, bus, slot, func, offset, value]
          rec = {kind: 'cfg', src, time, op, dev: dev.text, bus, slot, func, offset, value}
        }
        break
      }
      case 'pci_update_mappings_add':
      case 'pci_update_mappings_del': {
        const [bus, slot, func, bar] = [rand(256), rand(32), rand(8), rand(8) - 1]
        const addr = u64()
        const barSize = BigInt(16 << rand(20))
        const op = name.endsWith('add') ? 'add' : 'del'
        if (pre70) {
          const d = ptr()
          args = [d, bus, slot, func, bar, addr, barSize]
          rec = {kind: 'mapping', src, time, op, dev: '', bus, slot, func, bar, addr: Number(addr), size: Number(barSize), devPtr: ptrText(d)}
        } else {
          const dev = str(DEVICES)
          args = [dev.arg, bus, slot, func, bar, addr, barSize]
          rec = {kind: 'mapping', src, time, op, dev: dev.text, bus, slot, func, bar, addr: Number(addr), size: Number(barSize)}
        }
        break
      }
      case 'memory_region_ops_read':
      case 'memory_region_ops_write': {
        const cpu = rand(5) - 1
        const mr = ptr()
        const addr = u64()
        const value = rand(3) === 0 ? u64() : BigInt(rand(2 ** 32))
        const accessSize = [1, 2, 4, 8][rand(4)]!
        const region = str(REGIONS)
        args = [cpu, mr, addr, value, accessSize, region.arg]
        const exact = value <= BigInt(Number.MAX_SAFE_INTEGER)
        const base = {kind: 'mem' as const, src, time, op: name.endsWith('read') ? ('read' as const) : ('write' as const), cpu, mr: ptrText(mr), addr: Number(addr), value: exact ? Number(value) : Number.NaN, size: accessSize, name: region.text}
        rec = exact ? base : {...base, value64: value}
        break
      }
      case 'virtio_set_status': {
        const vdev = ptr()
        const val = rand(256)
        args = [vdev, val]
        rec = {kind: 'status', src, time, vdev: ptrText(vdev), val}
        break
      }
      case 'virtio_queue_notify': {
        const [vdev, queue, vq] = [ptr(), rand(64), ptr()]
        args = [vdev, queue, vq]
        rec = {kind: 'queue_notify', src, time, vdev: ptrText(vdev), queue, vq: ptrText(vq)}
        break
      }
      case 'virtio_pci_notify_write':
      case 'virtio_pci_notify_write_pio': {
        const [addr, value, accessSize] = [u64(), rand(64), [2, 4][rand(2)]!]
        args = [addr, value, accessSize]
        rec = {kind: 'notify_write', src, time, pio: name.endsWith('pio'), addr: Number(addr), value, size: accessSize}
        break
      }
      default:
        args = Array.from({length: rand(5)}, () => (rand(3) === 0 ? str(DEVICES).arg : u64()))
        unknown++
    }
    w.event(id, ns, args)
    mark()
    index++
    if (rec) records.push(rec)
  }
  return {bytes: w.toBuffer(), records, unknown, dropped, offsets, eventsAt}
}
