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

interface StepBase {
  /** Kernel function, e.g. `vp_modern_map_capability`. */
  readonly fn: string
  /** The rule, e.g. `length - start < minlen` or `device id outside 0x1000..0x107f`: for humans. */
  readonly rule: string
  /** pass: the check let the probe go on; fail: it ended this probe attempt; info: a choice. */
  readonly result: 'pass' | 'fail' | 'info'
  /** For humans; tools read `facts`. */
  readonly detail?: string
  readonly reads: readonly ReadFact[]
  /** Kernel source file the rule comes from, for the profile's version. */
  readonly kernelSource?: string
}

/** A step that decided nothing by itself, or a consequence of a failed check (`isr map failed`). */
interface PlainStep extends StepBase {
  readonly check?: undefined
}

/** The step of a check that ended a probe attempt: what it tested, typed by its CheckId. */
export type CheckStep<K extends CheckId = CheckId> = {
  readonly [C in K]: StepBase & {
    readonly result: 'fail'
    /** Stable identifier of the check (e.g. `map.len-below-minlen`); tools key on it. */
    readonly check: C
    /** The values the check tested, as numbers. */
    readonly facts: CheckFacts[C]
    /** Every read the check rests on, with its evidence: its own and the earlier ones it tests (the
     * ids cached at enumeration, the capability lookups, the fields read at the start of the map). */
    readonly basis: readonly ReadFact[]
    /** The kernel message the check printed, exactly as in `messages`, if it printed one. */
    readonly message?: string
  }
}[K]

/** One step of the decision path, in the kernel's own terms. */
export type DecisionStep = PlainStep | CheckStep

/** A structure the modern probe maps (`notify` also per queue, at setup_vq). */
export type MapStruct = 'common' | 'isr' | 'notify' | 'device'

/** Why pci_iomap_range returned NULL. */
export type IomapFailure =
  | {readonly reason: 'len-le-offset'; readonly len: number; readonly offset: number}
  | {readonly reason: 'start-zero'}
  | {readonly reason: 'neither-io-nor-mem'}

interface MapFacts {
  readonly struct: MapStruct
  /** Set for a per-queue notify map (setup_vq). */
  readonly queue?: number
  /** Config offset of the capability. */
  readonly capOffset: number
}

/** What each check that can end a probe attempt tested, keyed by its CheckId (across all profiles). */
export interface CheckFacts {
  readonly 'match.header-type': {readonly hdrType: number}
  readonly 'match.vendor': {readonly vendor: number}
  readonly 'modern.device-id': {readonly device: number}
  /** `pciStatus`: PCI_STATUS as read by the PCI core's walk (the list is walked only with PCI_STATUS_CAP_LIST). */
  readonly 'modern.no-common': {readonly pciStatus?: number}
  /** Config offsets of the capabilities found, 0 for missing (the numbers of the kernel message). */
  readonly 'modern.missing-caps': {readonly common: number; readonly isr: number; readonly notify: number}
  /** The vendor capabilities the walk keeps returning to, in order, the first one repeated at the end. */
  readonly 'find.cycle': {readonly cycle: readonly number[]}
  readonly 'map.bar-changed': MapFacts & {readonly bar: number; readonly modernBars: number}
  readonly 'map.len-le-start': MapFacts & {readonly length: number; readonly start: number}
  readonly 'map.len-below-minlen': MapFacts & {readonly length: number; readonly start: number; readonly minlen: number}
  readonly 'map.wrap': MapFacts & {readonly start: number; readonly offset: number}
  readonly 'map.misaligned': MapFacts & {readonly offset: number; readonly align: number}
  readonly 'map.out-of-range': MapFacts & {readonly minlen: number; readonly offset: number; readonly bar: number; readonly barLength: number}
  readonly 'map.iomap-null': MapFacts & {readonly bar: number; readonly offset: number; readonly length: number; readonly why: IomapFailure}
  readonly 'legacy.device-id': {readonly device: number}
  readonly 'legacy.revision': {readonly revision: number; readonly expected: number}
  readonly 'legacy.iomap-null': {readonly why: IomapFailure; readonly errno: string}
  /** What the kernel was reading, and the config offsets / BAR indexes the evidence lacks. */
  readonly 'evidence.unknown': {readonly what: string; readonly offsets: readonly number[]; readonly bars: readonly number[]}
}

/** Every check of the probe that can end a probe attempt, across all profiles. */
export type CheckId = keyof CheckFacts

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

/** One call of vp_modern_probe or vp_legacy_probe by virtio_pci_probe, in call order. */
export interface ProbeAttempt {
  readonly probe: 'modern' | 'legacy'
  /** What it returned ("0" or an errno name); `undetermined` / `hang` when the run stopped inside it. */
  readonly rc: ProbeRc
}

export interface PredictedOutcome {
  /** `undetermined` exactly when rc is: the evidence lacks a fact the transport depends on. */
  readonly transport: Transport | 'undetermined'
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
  /** The transport probes virtio_pci_probe called, in order (modern, then legacy on -ENODEV; reversed
   * under force_legacy); empty when the probe never got that far. */
  readonly attempts: readonly ProbeAttempt[]
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
