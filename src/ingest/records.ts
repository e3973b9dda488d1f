/**
 * The typed records every ingest parser produces. Parsers stream: they yield records in input order
 * and never hold the whole input. Each record carries where it came from (SourceRef) and, when the
 * input has one, a timestamp in seconds (QEMU's TID@EPOCH.MICROS or ISO prefix, simpletrace ns / 1e9).
 */
import type {SourceRef} from '../util/source.js'

interface RecordBase {
  readonly src: SourceRef
  /** Seconds; absolute epoch for QEMU log prefixes, monotonic for simpletrace. Absent if unknown. */
  readonly time?: number
}

/** QEMU pci_cfg_read / pci_cfg_write (hw/pci/trace-events). The access width is NOT in the event. */
export interface CfgAccessRecord extends RecordBase {
  readonly kind: 'cfg'
  readonly op: 'read' | 'write'
  /** QOM type name of the device, e.g. `virtio-net-pci`; `empty` for absent functions (QEMU >= 8.0). */
  readonly dev: string
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** PCI domain when the input says (CSV, sysfs); QEMU traces have none and mean 0. */
  readonly domain?: number
  readonly offset: number
  readonly value: number
  /** Access width in bytes when the input states it (CSV exports, pairing done by the parser). */
  readonly size?: 1 | 2 | 4
  /** Pre-7.0 QEMU printed no bus number (`%02u:%u`): `bus` is 0 but not known. */
  readonly busUnknown?: boolean
}

/** QEMU pci_update_mappings_add / _del: a BAR region mapped into / removed from an address space. */
export interface MappingRecord extends RecordBase {
  readonly kind: 'mapping'
  readonly op: 'add' | 'del'
  /** QOM type name; empty before QEMU 7.0, which printed the device pointer instead (`devPtr`). */
  readonly dev: string
  /** Pre-7.0 `d=%p`: the PCIDevice pointer as printed. */
  readonly devPtr?: string
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** 0..5 BARs, 6 expansion ROM. */
  readonly bar: number
  /** Guest address; exact integer (physical addresses stay below 2^53). */
  readonly addr: number
  readonly size: number
}

/** QEMU memory_region_ops_read / _write. `addr` is the absolute address QEMU prints. */
export interface MemOpRecord extends RecordBase {
  readonly kind: 'mem'
  readonly op: 'read' | 'write'
  readonly cpu: number
  /** The MemoryRegion pointer as printed (identifies the region instance). */
  readonly mr: string
  readonly addr: number
  /** Exact when below 2^53; otherwise NaN and `value64` holds the exact value. */
  readonly value: number
  readonly value64?: bigint
  readonly size: number
  /** Region name, e.g. `pci-conf-data`, `virtio-pci-common-virtio-net`, `virtio-pci`. */
  readonly name: string
}

/** QEMU virtio_set_status: every status write (legacy, modern common cfg, reset). */
export interface SetStatusRecord extends RecordBase {
  readonly kind: 'status'
  /** The VirtIODevice pointer as printed. */
  readonly vdev: string
  readonly val: number
}

/** QEMU virtio_queue_notify. */
export interface QueueNotifyRecord extends RecordBase {
  readonly kind: 'queue_notify'
  readonly vdev: string
  readonly queue: number
  readonly vq: string
}

/** QEMU virtio_pci_notify_write / virtio_pci_notify_write_pio. */
export interface NotifyWriteRecord extends RecordBase {
  readonly kind: 'notify_write'
  readonly pio: boolean
  readonly addr: number
  readonly value: number
  readonly size: number
}

export type TraceRecord =
  | CfgAccessRecord
  | MappingRecord
  | MemOpRecord
  | SetStatusRecord
  | QueueNotifyRecord
  | NotifyWriteRecord

/** One kernel log line, its printk prefix removed, with what it was recognised as. */
export interface KernelMessageRecord extends RecordBase {
  readonly kind: 'kmsg'
  /** The message text without timestamp/facility prefixes, e.g. `virtio-pci 0000:00:03.0: virtio_pci: ...`. */
  readonly text: string
  /** Device the line is about, if it names one (`0000:00:03.0`). */
  readonly bdf?: string
  /** Kernel-relative seconds from `[ sec.usec]`, if present. */
  readonly kernelTime?: number
  /** What kind of line this is, when recognised (see src/ingest/kmsg-lines.ts for typed parsers). */
  readonly tag?: KernelMessageTag
}

/** Kernel lines probediff recognises. */
export type KernelMessageTag =
  /** `Linux version 6.1.0-28-amd64 (...)` */
  | 'linux-version'
  /** `Command line: ...` / `Kernel command line: ...` */
  | 'cmdline'
  /** `pci 0000:00:03.0: [1af4:1000] type 00 class 0x020000 ...` */
  | 'pci-enum'
  /** `reg 0x10: [io  0xc000-0xc03f]` (up to 6.x) or `BAR 0 [io  0xc000-0xc03f]` / `ROM [mem ...]` (6.6+) */
  | 'pci-bar'
  /** `BAR 4: assigned [mem ...]` / `BAR 4 [mem ...]: assigned` */
  | 'pci-bar-assign'
  /** `BAR 0: can't reserve [io ...]` and other resource conflicts */
  | 'pci-bar-conflict'
  /** `enabling device (0000 -> 0003)` */
  | 'pci-enable'
  /** virtio-pci transport messages (drivers/virtio/virtio_pci_*.c) */
  | 'virtio-pci'
  /** messages of a virtio device (`virtio: device uses modern interface ...`) */
  | 'virtio'
  /** `virtio-pci: probe of BDF failed with error -22` / `BDF: probe with driver X failed with error -22` */
  | 'probe-failed'


/** A config-space dump of one function (lspci -x/-xxx/-xxxx, sysfs config). */
export interface ConfigDumpRecord extends RecordBase {
  readonly kind: 'dump'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** Header line text (lspci), or the sysfs path. */
  readonly title?: string
  /** The dumped bytes from offset 0; bytes beyond `bytes.length` are unknown. */
  readonly bytes: Uint8Array
  /** Source of each 16-byte row (lspci line), for provenance; sysfs uses byte offsets. */
  readonly rowSources: SourceRef[]
}

/** One line of a sysfs `resource` file: a resource's start, end and flags (IORESOURCE_*). */
export interface ResourceRecord extends RecordBase {
  readonly kind: 'resource'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** Resource index: 0..5 BARs, 6 ROM, further entries bridge windows. */
  readonly index: number
  readonly start: number
  readonly end: number
  readonly flags: number
}

/**
 * A BAR as lspci's verbose output printed it (pciutils lspci.c show_bases / show_rom):
 * `Region 4: Memory at fe000000 (64-bit, prefetchable) [size=16K]`, `-v`'s unnumbered
 * `I/O ports at c040 [size=32]`, `Expansion ROM at feb80000 [disabled] [size=256K]` (index 6).
 * On Linux lspci takes address, type and size from sysfs `resource`, so these are the kernel's view.
 */
export interface LspciBarRecord extends RecordBase {
  readonly kind: 'lspci-bar'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** 0..5 BARs, 6 expansion ROM. */
  readonly index: number
  /** 'empty': no line for this BAR although lspci knew the sizes, so the OS resource is empty. */
  readonly bar: LspciBar | 'empty'
}

export interface LspciBar {
  readonly kind: 'io' | 'mem'
  readonly is64: boolean
  readonly prefetchable: boolean
  /** From `[size=...]`; absent when lspci printed none (sizes unknown, or a resource of 0/1 byte). */
  readonly size?: number
  /** Absent for `<unassigned>`, `<ignored>`, `<broken-64-bit-slot>`. */
  readonly start?: number
  /** `[disabled]` (decoding off in the command register, or a ROM not enabled). */
  readonly disabled?: boolean
  /** `[virtual]`: the OS has the resource, the device's register reads 0. */
  readonly virtual?: boolean
}

/**
 * -v's unnumbered BAR lines of a block that does not tell which BAR each is (no hex, or slots left
 * over): the evidence places them once another input's dump shows the BAR registers.
 */
export interface LspciUnplacedBarsRecord extends RecordBase {
  readonly kind: 'lspci-unplaced-bars'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  readonly lines: readonly {readonly bar: LspciBar; readonly src: SourceRef}[]
  /** BAR slots of the header type: 6, or 2 for a bridge. */
  readonly slots: number
  /** lspci knew the sizes and the header type, so a BAR without a line is an empty resource. */
  readonly emptiesKnown: boolean
}

/** Config bytes a tool decoded and printed (lspci -v/-vv/-nn text), not dumped as hex. */
export interface DecodedBytesRecord extends RecordBase {
  readonly kind: 'decoded'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  readonly bytes: readonly {readonly offset: number; readonly value: number; readonly src: SourceRef}[]
}

/** lspci -k / -v: `Kernel driver in use: virtio-pci` and `Kernel modules: virtio_pci`. */
export interface KernelDriverRecord extends RecordBase {
  readonly kind: 'driver'
  readonly domain: number
  readonly bus: number
  readonly slot: number
  readonly func: number
  /** The bound driver; absent when only `Kernel modules:` was printed (none bound). */
  readonly driver?: {readonly name: string; readonly src: SourceRef}
  readonly modules?: {readonly names: readonly string[]; readonly src: SourceRef}
}

/** What a static description of a device adds besides hex (lspci's decoded text). */
export type DeviceFactRecord = LspciBarRecord | LspciUnplacedBarsRecord | DecodedBytesRecord | KernelDriverRecord
/** What one input file gave: its format, size, records, and the events it had that nothing uses. */
export interface InputSummary {
  readonly file: string
  readonly format: string
  readonly bytes: number
  readonly records: number
  /** Lines/records of events we do not use, by event name. */
  readonly unknownEvents: Readonly<Record<string, number>>
}
