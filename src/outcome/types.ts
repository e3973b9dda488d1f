/**
 * The observed side (what the traced kernel did) and the model-vs-kernel verdict. The model's own
 * result types are in ../model/types.ts.
 */
import type {Transport} from '../model/types.js'

export interface ObservedOutcome {
  /** Transport the driver actually used: modern regions touched, legacy BAR touched, or neither. */
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
  /** False when the trace cannot tell whether ACKNOWLEDGE was set (no status events traced). */
  readonly acknowledgedKnown?: boolean
}

export type VerdictKind = 'agree' | 'disagree' | 'undetermined'

export interface Verdict {
  readonly kind: VerdictKind
  /** For disagree: the first difference; for undetermined: why. */
  readonly reason?: string
  /** What could not be compared (e.g. transport unknown), for an agree or disagree verdict. */
  readonly notCompared?: readonly string[]
}
