/** What the harness reports for one case: the kernel code's own outcome. */
import type {KernelLogLevel, ProbeRc, Transport} from '../model/types.js'

export interface OracleMessage {
  readonly level: KernelLogLevel
  readonly text: string
}

/** One pci_iomap_range() call: `ok: false` if it returned NULL (length 0 if refused before ioremap). */
export interface OracleMapping {
  readonly bar: number
  readonly offset: number
  readonly maxlen: number
  readonly length: number
  readonly ok: boolean
}

export interface OracleRequest {
  readonly bar: number
  readonly start: number
  readonly len: number
  readonly io: boolean
  readonly ok: boolean
}

/** One queue's notify mapping (vp_modern_map_vq_notify), run when the case gives queue_notify_off values. */
export interface OracleQueue {
  readonly index: number
  readonly notifyOff: number
  readonly mapped: boolean
  readonly messages: readonly OracleMessage[]
  readonly mappings: readonly OracleMapping[]
}

export interface OracleResult {
  readonly id: string
  readonly rc: ProbeRc | 'ENXIO' | 'ENOSPC' | 'EOPNOTSUPP' | 'EUNKNOWN'
  readonly errno?: number
  readonly transport: Transport
  readonly virtioDeviceId?: number
  readonly configOps?: 'virtio_pci_config_ops' | 'virtio_pci_config_nodev_ops'
  /** False when the driver's id table did not match (virtio_pci_probe never ran; rc ENODEV). */
  readonly driverMatched?: boolean
  readonly messages: readonly OracleMessage[]
  readonly mappings: readonly OracleMapping[]
  readonly requests: readonly OracleRequest[]
  /** Each transport probe tried, in order, with its return code. */
  readonly attempts: readonly {readonly probe: 'modern' | 'legacy'; readonly rc: string}[]
  /** Config reads the kernel code made, in order: [offset, width]. */
  readonly reads: readonly (readonly [number, 1 | 2 | 4])[]
  /** Present when the case gave queues and the tree has vp_modern_map_vq_notify and the modern probe succeeded. */
  readonly queues?: readonly OracleQueue[]
  readonly undeterminedOffsets?: readonly number[]
  readonly undeterminedBars?: readonly number[]
}

export function parseOracleLine(line: string): OracleResult {
  const v = JSON.parse(line) as OracleResult
  if (typeof v.id !== 'string' || typeof v.rc !== 'string' || !Array.isArray(v.messages)) {
    throw new Error(`oracle harness printed an unexpected line: ${line.slice(0, 200)}`)
  }
  return v
}
