/**
 * Recovers the width of each pci_cfg_read/write from the memory_region_ops event of the same guest
 * access, when the trace has them.
 *
 * Order, from QEMU's memory.c accessors (7.2 .. 10.1): memory_region_read_accessor calls the region's
 * read op first and traces memory_region_ops_read after it, so a config read shows as
 *   pci-conf-idx write (0xcf8) / pci_cfg_read / pci-conf-data read (0xcfc + offset%4, with size);
 * memory_region_write_accessor traces before calling the write op, so a config write shows as
 *   pci-conf-idx write / pci-conf-data write (with size) / pci_cfg_write.
 * The PCIe MMCONFIG window (`pcie-mmcfg-mmio` on q35) follows the same order, its address being
 * base + (bus << 20 | devfn << 12 | offset). Both orders were checked on QEMU 7.2 traces.
 *
 * A pairing is accepted only if bus, devfn, offset and value all agree; otherwise the width stays
 * unknown (and the config image falls back to its inference rule). Where bus, devfn and offset agree
 * but the values differ, the two events of one access contradict each other: that is reported as a
 * conflict naming both lines, not as an access without its event.
 */
import type {CfgAccessRecord, MemOpRecord} from '../ingest/records.js'
import type {ConfigPathRegion} from '../ingest/sink.js'
import type {AccessWidth} from './config-image.js'

export type WidthHow = 'stated' | 'cf8' | 'mmcfg'

export interface ResolvedCfgAccess {
  readonly record: CfgAccessRecord
  /** The record's position in the input (reads are emitted one record late). */
  readonly seq: number
  readonly width?: AccessWidth
  readonly how?: WidthHow
}

/** The pci_cfg event and the config-path memory event of the same access, with different values. */
export interface CfgValueConflict {
  readonly cfg: CfgAccessRecord
  readonly how: 'cf8' | 'mmcfg'
  readonly memOp: 'read' | 'write'
  readonly memValue: number
  /** Line of the memory event, in the same input as `cfg`. */
  readonly memLine?: number
}

const CONF_IDX = 'pci-conf-idx'
const CONF_DATA = 'pci-conf-data'
const CF8_ENABLE = 0x80000000

function isMmcfgRegion(name: string): boolean {
  return name.startsWith('pcie-mmcfg')
}

function asWidth(size: number): AccessWidth | undefined {
  return size === 1 || size === 2 || size === 4 ? size : undefined
}

/** Which config-path region a memory_region_ops name is, or undefined. */
export function configPathRegionOf(name: string): ConfigPathRegion | undefined {
  return name === CONF_IDX ? 'index' : name === CONF_DATA ? 'data' : isMmcfgRegion(name) ? 'mmcfg' : undefined
}

export class CfgWidthPairer {
  private confIdx: number | undefined
  /** The pci_cfg_read waiting for its data access (fields, not an object: one per config read). */
  private pendingRead: CfgAccessRecord | undefined
  private pendingReadSeq = 0
  /** The data write (pci-conf-data or MMCONFIG) waiting for its pci_cfg_write, as plain fields. */
  private dataWrite = false
  private dataWriteHow: 'cf8' | 'mmcfg' = 'cf8'
  private dataWriteAddr = 0
  private dataWriteValue = 0
  private dataWriteSize = 0
  private dataWriteLine: number | undefined
  /** Set once any config-path memory event was seen: from then on an unpaired access is notable. */
  private memoryEventsSeen = false
  unpaired = 0

  constructor(
    private readonly emit: (access: ResolvedCfgAccess) => void,
    private readonly onConflict: (conflict: CfgValueConflict) => void = () => {},
  ) {}

  get tracesMemoryEvents(): boolean {
    return this.memoryEventsSeen
  }

  cfg(record: CfgAccessRecord, seq: number): void {
    this.flushRead()
    if (record.size !== undefined) {
      this.dataWrite = false
      this.emit({record, seq, width: record.size, how: 'stated'})
      return
    }
    if (record.op === 'read') {
      this.dataWrite = false
      this.pendingRead = record
      this.pendingReadSeq = seq
      return
    }
    const paired = this.dataWrite
    this.dataWrite = false
    // pairedWidth sets it; without a data write it must not stay set from an earlier access
    this.conflicted = false
    const how = this.dataWriteHow
    const width = paired ? this.pairedWidth(record, how, 'write', this.dataWriteAddr, this.dataWriteValue, this.dataWriteSize, this.dataWriteLine) : undefined
    if (width === undefined && !this.conflicted) this.noteUnpaired()
    this.emit(width !== undefined ? {record, seq, width, how} : {record, seq})
  }

  /** A memory_region_ops record; those of other regions are ignored. */
  mem(record: MemOpRecord): void {
    const region = configPathRegionOf(record.name)
    if (region !== undefined) this.access(record.op, region, record.addr, record.value, record.size, record.src.line)
  }

  /** A config-path memory access (see RecordSink.configPathAccess). */
  access(op: 'read' | 'write', region: ConfigPathRegion, addr: number, value: number, size: number, line?: number): void {
    this.memoryEventsSeen = true
    if (region === 'index') {
      if (op === 'write') {
        this.flushRead()
        this.confIdx = value
      }
      return
    }
    const how = region === 'data' ? 'cf8' : 'mmcfg'
    if (op === 'write') {
      this.flushRead()
      this.dataWrite = true
      this.dataWriteHow = how
      this.dataWriteAddr = addr
      this.dataWriteValue = value
      this.dataWriteSize = size
      this.dataWriteLine = line
      return
    }
    const record = this.pendingRead
    if (!record) return // a read of an absent function: QEMU returns all-ones without a pci_cfg_read
    this.pendingRead = undefined
    const seq = this.pendingReadSeq
    const width = this.pairedWidth(record, how, 'read', addr, value, size, line)
    if (width === undefined && !this.conflicted) this.noteUnpaired()
    this.emit(width !== undefined ? {record, seq, width, how} : {record, seq})
  }

  /** End of input (or of one file): a read still waiting for its data access has no width. */
  finish(): void {
    this.flushRead()
    this.dataWrite = false
  }

  private flushRead(): void {
    const record = this.pendingRead
    if (!record) return
    this.pendingRead = undefined
    this.noteUnpaired()
    this.emit({record, seq: this.pendingReadSeq})
  }

  private noteUnpaired(): void {
    if (this.memoryEventsSeen) this.unpaired++
  }

  /** Set by pairedWidth when the two events of one access disagree on the value. */
  private conflicted = false

  /** The width when the events pair; a same-address pair with another value is a conflict. */
  private pairedWidth(
    cfg: CfgAccessRecord,
    how: 'cf8' | 'mmcfg',
    memOp: 'read' | 'write',
    addr: number,
    value: number,
    size: number,
    memLine: number | undefined,
  ): AccessWidth | undefined {
    this.conflicted = false
    const width = this.matchingWidth(cfg, how, addr, value, size, false)
    if (width !== undefined || value === cfg.value || this.matchingWidth(cfg, how, addr, value, size, true) === undefined) return width
    this.conflicted = true
    this.onConflict({cfg, how, memOp, memValue: value, ...(memLine !== undefined ? {memLine} : {})})
    return undefined
  }

  private matchingWidth(cfg: CfgAccessRecord, how: 'cf8' | 'mmcfg', addr: number, value: number, size: number, ignoreValue: boolean): AccessWidth | undefined {
    const width = asWidth(size)
    if (width === undefined || (!ignoreValue && value !== cfg.value)) return undefined
    const devfn = (cfg.slot << 3) | cfg.func
    if (how === 'cf8') {
      const idx = this.confIdx
      if (idx === undefined || idx < CF8_ENABLE) return undefined
      const reg = (idx & 0xfc) | (addr & 3)
      // Before QEMU 7.0 the event had no bus number: only devfn and offset can be compared.
      const busOk = cfg.busUnknown === true || ((idx >>> 16) & 0xff) === cfg.bus
      const ok = busOk && ((idx >>> 8) & 0xff) === devfn && reg === cfg.offset
      return ok ? width : undefined
    }
    const offsetInWindow = cfg.bus * 2 ** 20 + devfn * 2 ** 12 + cfg.offset
    const base = addr - offsetInWindow
    // The window base is at least 1 MiB aligned, so the low 20 bits must be devfn << 12 | offset.
    return base >= 0 && base % 2 ** 20 === 0 ? width : undefined
  }
}
