/**
 * Evidence about one PCI function, built from whatever inputs the user gave: the config space as the
 * guest saw it (byte by byte, with provenance), its BARs, what the driver touched, the virtio status
 * progression and the kernel's messages. Nothing here is guessed: unknown stays unknown, and inferred
 * facts say so.
 */
import type {InputSummary, KernelMessageRecord} from '../ingest/records.js'
import type {InputWarning} from '../util/errors.js'
import type {PciAddress} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'

/** How a config byte became known. */
export type ByteOrigin =
  /** read by the guest with an access width we know (pci-conf-data / MMCONFIG pairing, CSV size) */
  | 'read'
  /** read by the guest, width not known: the byte lies inside the smallest width that fits the value */
  | 'read-narrowest'
  /** read by the guest, width not known: the byte is assumed 0 because the value did not reach it
   * and the widest aligned access (4 at dword offsets, 2 at word offsets) would have covered it */
  | 'inferred'
  /** from a static dump (lspci, sysfs config) */
  | 'dump'
  /** decoded by lspci and printed as text (`[1af4:1041]`, `BAR=4 offset=00003000 ...`), where no
   * hex shows the byte; any hex or read of the byte replaces it (a different value is a conflict) */
  | 'lspci-decode'
  /** written by the guest (kept in history; a write alone does not say what the device holds) */
  | 'write'
  /** a BAR or expansion ROM register the guest sized (all-ones write, mask read back) and then wrote
   * back the value it had read before: the register holds that value again (its address bits are
   * writable, its type bits fixed), and the sizing reply stays in the history */
  | 'restored'

export interface ByteFact {
  readonly value: number
  readonly origin: ByteOrigin
  readonly src: SourceRef
  /** Order of observation across the whole input, for history. */
  readonly seq: number
}

/** A config-space byte: the value the guest saw last (reads and dumps only) and, if it ever changed
 * or was written, the whole history in order. */
export interface ConfigByte {
  readonly current: ByteFact
  readonly history?: readonly ByteFact[]
  /** History entries dropped after the per-byte cap (memory stays bounded on long traces). */
  readonly historyOmitted?: number
}

/** The config space as the guest saw it. Bytes never read are `undefined` (unknown, shown `??`). */
export interface ConfigImageView {
  /** 256 for conventional, 4096 when any extended (>= 0x100) byte is known. */
  readonly size: number
  /** Undefined for a byte no input showed, and for every offset outside [0, size). */
  byte(offset: number): ConfigByte | undefined
  /** Count of bytes with a known current value. */
  readonly knownCount: number
}

export type BarKind = 'io' | 'mem'

/** A BAR as the guest's PCI core would see it (pci_resource_* of index). */
export interface BarEvidence {
  readonly index: number
  /** undefined: we cannot tell. */
  readonly kind?: BarKind
  readonly is64?: boolean
  readonly prefetchable?: boolean
  /** Length in bytes; 0 = not implemented / empty resource (known); undefined = unknown. */
  readonly size?: number
  /** Assigned address; undefined = unknown or unassigned. */
  readonly addr?: number
  /** Set on the upper dword of a 64-bit BAR: its resource is empty in Linux (len 0, no flags). */
  readonly upperHalfOf?: number
  /** How each fact was learnt, e.g. sizing writes/reads, pci_update_mappings_add, sysfs resource. */
  readonly sources: readonly SourceRef[]
  /** Human-readable how: 'sizing', 'mapping', 'resource', 'dmesg', 'register'. */
  readonly how: readonly string[]
  /** True if a fact rests on config bytes whose access width was inferred (see ConfigImage). */
  readonly inferred?: boolean
  /** The register's read-back during the last sizing sequence (the mask, not an address). */
  readonly sizingReply?: number
  /** Expansion ROM only: the enable bit (PCI_ROM_ADDRESS_ENABLE) of the register's final value. */
  readonly romEnabled?: boolean
}

/** Which virtio-pci register block an access went to. */
export type VirtioRegion = 'common' | 'isr' | 'device' | 'notify' | 'notify-pio' | 'legacy' | 'msix-table' | 'msix-pba'

export interface RegionAccess {
  readonly region: VirtioRegion
  readonly op: 'read' | 'write'
  /** Offset inside the region (BAR offset for the legacy I/O BAR). */
  readonly offset: number
  readonly size: number
  readonly value: number
  readonly src: SourceRef
  /** Absolute address as QEMU printed it (guest-physical, or I/O port). */
  readonly addr: number
  /** The BAR the address fell in. */
  readonly bar: number
}

export interface RegionSummary {
  readonly region: VirtioRegion
  reads: number
  writes: number
  readonly first: SourceRef
}

export interface StatusChange {
  readonly val: number
  readonly src: SourceRef
  readonly time?: number
  /** What made QEMU set it: a guest write of the status register (modern device_status or legacy
   * VIRTIO_PCI_STATUS), a PCI command write (bus-master clear), or QEMU itself (reset, VM stop: no
   * guest access just before). Absent when the trace has no memory events, so a driver's status
   * write cannot be told from QEMU's own. */
  readonly cause?: 'status-write' | 'command-write' | 'qemu'
}

/** Status changes left out of a long history: `count` of them came before `status[before]` (at the
 * end when `before` is the length). */
export interface StatusGap {
  readonly before: number
  readonly count: number
}

export interface DeviceEvidence {
  readonly address: PciAddress
  /** `0000:00:03.0` */
  readonly bdf: string
  /** QEMU's QOM type name (pci_cfg_* `dev`), if a trace named it. */
  readonly qemuDevice?: string
  readonly config: ConfigImageView
  /** Always six entries, index 0..5. */
  readonly bars: readonly BarEvidence[]
  /** The accesses the driver made to the device's virtio regions, in order: all of them up to a cap
   * (device-state.ts), then those from the kernel's last registration on. */
  readonly regionAccesses: readonly RegionAccess[]
  readonly regionSummary: readonly RegionSummary[]
  /** virtio_set_status values tied to this device, in order: all of them up to a cap (device-state.ts),
   * then the first ones and those from the kernel's last registration on. */
  readonly status: readonly StatusChange[]
  /** Where status changes were left out of `status` (counted, in order); absent when none was. */
  readonly statusOmitted?: readonly StatusGap[]
  /** ACKNOWLEDGE (1) was set at some point (by any status change, kept in `status` or not): the
   * virtio-pci probe succeeded and registered the device. */
  readonly acknowledged: boolean
  /** DRIVER_OK (4) was set: a virtio driver bound and finished its probe. */
  readonly driverOk: boolean
  /** Kernel messages naming this device. */
  readonly messages: readonly KernelMessageRecord[]
  /** Whether there is a trace of the guest's accesses (false for static dumps). */
  readonly traced: boolean
  /** Region accesses not kept in `regionAccesses` (per-device cap); they are counted in regionSummary. */
  readonly omittedRegionAccesses?: number
  /** Config reads whose access width was recovered exactly vs. had to be inferred. */
  readonly cfgReadWidths?: {readonly exact: number; readonly inferred: number}
  /** The driver bound to the function when the input was taken (lspci -k/-v `Kernel driver in use:`).
   * `virtio-pci` bound means its probe returned 0; which transport it chose is not in this fact. */
  readonly kernelDriver?: {readonly name: string; readonly src: SourceRef}
  /** Modules that could drive the function (lspci -k `Kernel modules:`); loaded or not. */
  readonly kernelModules?: {readonly names: readonly string[]; readonly src: SourceRef}
  /** The expansion ROM (resource index 6): its register's sizing and value in a trace, QEMU's mapping,
   * dmesg's `ROM [mem ...]` / `reg 0x30:` line, lspci `Expansion ROM at ...`, sysfs `resource` line 7. */
  readonly expansionRom?: BarEvidence
}

export interface KernelInfo {
  /** `6.1.0-28-amd64` as in `Linux version 6.1.0-28-amd64 (...)`. */
  readonly release: string
  /** The whole `Linux version ...` line. */
  readonly banner: string
  readonly src: SourceRef
}

export interface EvidenceSet {
  readonly devices: readonly DeviceEvidence[]
  readonly kernel?: KernelInfo
  /** The kernel command line from dmesg, if seen. */
  readonly cmdline?: {readonly text: string; readonly src: SourceRef}
  /** Kernel messages that name no PCI device (kept for context). */
  readonly otherMessages: readonly KernelMessageRecord[]
  readonly inputs: readonly InputSummary[]
  readonly warnings: readonly InputWarning[]
}
