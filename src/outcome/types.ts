/**
 * The observed side (what the traced kernel did) and the model-vs-kernel verdict. The model's own
 * result types are in ../model/types.ts.
 */
import type {Transport} from '../model/types.js'

export interface ObservedOutcome {
  /** Transport the driver actually used: modern regions touched, legacy BAR touched, or neither; from
   * the kernel log where the trace does not say (log-observed.ts); `unknown` when nothing says. */
  readonly transport: Transport | 'unknown'
  readonly acknowledged: boolean
  readonly driverOk: boolean
  /** Kernel messages naming this device that the virtio-pci probe could print. */
  readonly messages: readonly string[]
  /** virtio-pci probe messages printed without a device name (the legacy ABI-version printk of
   * kernels up to 5.15): they cannot be tied to one device, so they are compared by presence only. */
  readonly unattributedMessages?: readonly string[]
  /** Which evidence the transport was read from (region names, or why it is unknown). */
  readonly transportEvidence?: string
  /** False when no kernel log was given: `messages` is then empty for want of a log, not of lines. */
  readonly messagesKnown?: boolean
  /** False when the evidence cannot tell whether ACKNOWLEDGE was set, i.e. whether the probe returned
   * 0 (no status events traced; a kernel log that does not say). */
  readonly acknowledgedKnown?: boolean
  /** Which evidence `acknowledged` was read from, when it is not the trace's status writes. */
  readonly acknowledgedEvidence?: string
  /** False when the evidence cannot tell whether DRIVER_OK was set. */
  readonly driverOkKnown?: boolean
  /** A virtio driver that failed after the transport probe succeeded and registered the device
   * (`virtio_net virtio1: probe with driver virtio_net failed with error -2`): not a probe failure. */
  readonly driverFailure?: {
    readonly driver: string
    readonly error: number
    readonly line: string
    readonly source: string
    /** An I/O BAR of the device a bridge above it does not forward, when the evidence shows one. */
    readonly ioUnreachable?: IoUnreachable
  }
}

/** A device's I/O BAR that a bridge on its path does not forward: what the bridge's registers show. */
export interface IoUnreachable {
  readonly bar: number
  /** The BAR's port (hex). */
  readonly port: string
  /** The bridge's BDF. */
  readonly bridge: string
  /** Each with its evidence line: I/O decoding off, the window closed, the port outside it. */
  readonly reasons: readonly string[]
  /** Whether any guest access reached the device's legacy registers; absent without memory events. */
  readonly legacyRegistersReached?: boolean
}

export type VerdictKind = 'agree' | 'disagree' | 'undetermined'

export interface Verdict {
  readonly kind: VerdictKind
  /** For disagree: the first difference; for undetermined: why; for agree: a note when a virtio
   * driver failed after the transport probe succeeded. */
  readonly reason?: string
  /** What was not observed (e.g. transport unknown), for a disagree or undetermined verdict. Agree
   * never has it: agreement means every compared fact was observed. */
  readonly notCompared?: readonly string[]
}
