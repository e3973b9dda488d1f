/**
 * The model's result: what a given Linux kernel's virtio-pci driver does with one PCI function.
 * This is a stable, documented schema (src/outcome/schema.md); hex values are strings ("0x1af4").
 * Keys listed in the README's --json contract must not change; new keys may be added.
 */

export type Transport = 'modern' | 'legacy' | 'none'

/**
 * The return code of virtio_pci_probe as an errno name ("0" for success), or:
 * - "hang": the real kernel would never return (a cyclic capability list the PCI core walks forever);
 * - "undetermined": the outcome depends on config bytes or BAR facts the evidence does not have.
 */
export type ProbeRc = '0' | 'ENODEV' | 'EINVAL' | 'ENOMEM' | 'EIO' | 'EBUSY' | 'ENOENT' | 'hang' | 'undetermined'

export type KernelLogLevel = 'err' | 'warn' | 'info' | 'debug'

/** A kernel message the model predicts, exactly as dmesg would show it (device prefix included). */
export interface PredictedMessage {
  readonly level: KernelLogLevel
  readonly text: string
}

/** A value the model read, and where the evidence for it came from. */
export interface ReadFact {
  /** What was read, in kernel terms: `PCI_VENDOR_ID`, `cap@0x40.cfg_type`, `pci_resource_len(4)`. */
  readonly what: string
  /** Config-space offset, for config reads (hex string). */
  readonly offset?: string
  readonly width?: 1 | 2 | 4
  /** The value read (hex string), or "unknown". */
  readonly value: string
  /** file:line of each evidence line the value rests on. */
  readonly sources: readonly string[]
  /** True if any byte of it was inferred rather than seen. */
  readonly inferred?: boolean
}

/** One step of the decision path, in the kernel's own terms. */
export interface DecisionStep {
  /** Kernel function, e.g. `vp_modern_map_capability`. */
  readonly fn: string
  /** The rule, e.g. `length - start < minlen` or `device id outside 0x1000..0x107f`. */
  readonly rule: string
  /** pass: the check let the probe go on; fail: it ended this probe attempt; info: a choice. */
  readonly result: 'pass' | 'fail' | 'info'
  readonly detail?: string
  readonly reads: readonly ReadFact[]
  /** Kernel source file the rule comes from, for the profile's version. */
  readonly kernelSource?: string
  /** Stable identifier of the check, on steps that can fail (e.g. `map.len-below-minlen`); triage
   * and tools key on it, never on the rule text. */
  readonly check?: CheckId
}

/** Every check of the probe that can end a probe attempt, across all profiles. */
export type CheckId =
  | 'match.header-type'
  | 'match.vendor'
  | 'modern.device-id'
  | 'modern.no-common'
  | 'modern.missing-caps'
  | 'find.cycle'
  | 'map.bar-changed'
  | 'map.len-le-start'
  | 'map.len-below-minlen'
  | 'map.wrap'
  | 'map.misaligned'
  | 'map.out-of-range'
  | 'map.iomap-null'
  | 'legacy.device-id'
  | 'legacy.revision'
  | 'legacy.iomap-null'
  | 'evidence.unknown'

export interface CapabilityFinding {
  /** Config-space offset of the capability (hex). */
  readonly offset: string
  /** Which lookup saw it: `common`, `isr`, `notify`, `device`. */
  readonly lookup: string
  readonly cfgType: number
  readonly bar: number
  readonly decision: 'chosen' | 'skipped' | 'other-type'
  readonly reason?: string
}

export interface MappingResult {
  /** Which structure: `common`, `isr`, `notify`, `device`, `legacy-bar0`. */
  readonly what: string
  readonly capOffset?: string
  readonly bar: number
  readonly offset: string
  readonly length: string
  readonly minlen?: number
  readonly align?: number
  /** Requested maximum size. */
  readonly size?: string
  /** Length actually mapped (hex), absent if the mapping failed or was deferred. */
  readonly mappedLength?: string
  /** The length the kernel records for the structure (common_len, notify_len, device_len): the
   * capability length capped at `size`, NOT clipped to the BAR (hex). */
  readonly kernelLength?: string
  readonly ok: boolean
}

export interface PredictedOutcome {
  readonly transport: Transport
  readonly rc: ProbeRc
  /** Virtio device id (hex) and its name, when the probe got far enough to know it. */
  readonly virtioDeviceId?: string
  readonly virtioType?: string
  /** When the virtio id comes from a subsystem id the evidence lacks: those config offsets (hex). Only
   * the id is unknown then; the rest of the outcome does not depend on it. */
  readonly virtioDeviceIdUnknownOffsets?: readonly string[]
  /** Exact kernel messages, in order, as strings (see `messageDetails` for levels). */
  readonly messages: readonly string[]
  readonly messageDetails: readonly PredictedMessage[]
  readonly path: readonly DecisionStep[]
  readonly capabilities: readonly CapabilityFinding[]
  readonly mappings: readonly MappingResult[]
  readonly notify?: {readonly multiplier: string; readonly mode: 'whole' | 'per-queue'}
  readonly configOps?: 'virtio_pci_config_ops' | 'virtio_pci_config_nodev_ops'
  readonly modernBars?: string
  /** Config offsets (hex) whose unknown bytes made the outcome undetermined. */
  readonly undeterminedOffsets?: readonly string[]
  /** BAR indexes whose unknown facts made the outcome undetermined. */
  readonly undeterminedBars?: readonly number[]
  /** True if any decision rested on inferred bytes. */
  readonly usesInferred?: boolean
  /** False when virtio-pci's id table (vendor 0x1af4, any device) does not match: the probe never runs. */
  readonly driverMatched?: boolean
  /** The kernel profile the outcome was computed for. */
  readonly kernel?: {readonly profile: string; readonly version: string; readonly selection?: string}
}

/** A virtio-spec rule the device breaks that Linux does not enforce (reported apart from the outcome). */
export interface SpecLint {
  /** Stable identifier, e.g. `cap-len-short`, `notify-multiplier`. */
  readonly code: string
  readonly severity: 'error' | 'warning' | 'info'
  /** The spec rule, in short. */
  readonly rule: string
  /** Config offset of the capability concerned (hex), if any. */
  readonly capOffset?: string
  readonly detail: string
  /** What Linux does about it. */
  readonly linux: string
}

/** What the model returns for one PCI function. */
export interface ProbeResult {
  readonly predicted: PredictedOutcome
  readonly lints: readonly SpecLint[]
}
