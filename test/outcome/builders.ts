/** Hand-built DeviceEvidence for the observed-side tests: status writes, region accesses, messages. */
import type {DeviceEvidence, RegionAccess, StatusChange, VirtioRegion} from '../../src/evidence/types.js'
import type {KernelMessageRecord} from '../../src/ingest/records.js'

export const BDF = '0000:00:03.0'
const TRACE = 'trace.log'

export function status(line: number, val: number, cause: StatusChange['cause'] = 'status-write'): StatusChange {
  return {val, src: {file: TRACE, line}, cause}
}

export function access(line: number, region: VirtioRegion, op: 'read' | 'write' = 'write'): RegionAccess {
  return {region, op, offset: 0x14, size: 1, value: 0, src: {file: TRACE, line}, addr: 0xfebf4014, bar: 4}
}

export function kmsg(text: string, line = 1): KernelMessageRecord {
  return {kind: 'kmsg', text, src: {file: 'dmesg.txt', line}, ...(text.includes(BDF) ? {bdf: BDF} : {})}
}

export function device(o: {traced?: boolean; status?: StatusChange[]; accesses?: RegionAccess[]; messages?: string[]}): DeviceEvidence {
  const st = o.status ?? []
  return {
    address: {domain: 0, bus: 0, slot: 3, func: 0},
    bdf: BDF,
    config: {size: 256, byte: () => undefined, knownCount: 0},
    bars: [0, 1, 2, 3, 4, 5].map((index) => ({index, sources: [], how: []})),
    regionAccesses: o.accesses ?? [],
    regionSummary: [],
    status: st,
    acknowledged: st.some((s) => (s.val & 1) !== 0),
    driverOk: st.some((s) => (s.val & 4) !== 0),
    messages: (o.messages ?? []).map((t, i) => kmsg(t, i + 1)),
    traced: o.traced ?? true,
  }
}

/** SeaBIOS booting from the device: reset, ACKNOWLEDGE|DRIVER in one write, FEATURES_OK, DRIVER_OK. */
export const SEABIOS = [status(10, 0), status(11, 3), status(12, 11), status(13, 15)]
/** Linux: register_virtio_device resets, sets ACKNOWLEDGE alone, then the driver goes on. */
export const LINUX_OK = [status(100, 0), status(101, 1), status(102, 3), status(103, 11), status(104, 15)]
