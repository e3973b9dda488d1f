/**
 * Parses the argument text of the QEMU trace events probediff uses, exactly as the log backend
 * prints them (format strings of hw/pci, system/softmmu and hw/virtio trace-events), straight from
 * bytes. Also accepts the pre-7.0 pci_cfg_* (`%02u:%u`, slot in decimal, no bus) and
 * pci_update_mappings_* (`d=%p`, no device name) forms.
 */
import {isPciAddress} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'
import type {TraceRecord} from './records.js'
import {ByteCursor, literal} from './byte-cursor.js'
import {type ByteInterner, RecentStrings} from './byte-interner.js'

const PCI_CFG_ = literal('pci_cfg_')
const READ_SP = literal('read ')
const WRITE_SP = literal('write ')
const PCI_UPDATE_MAPPINGS_ = literal('pci_update_mappings_')
const ADD_SP = literal('add ')
const DEL_SP = literal('del ')
const MEMORY_REGION_OPS_ = literal('memory_region_ops_')
const VIRTIO_ = literal('virtio_')
const SET_STATUS_SP = literal('set_status ')
const QUEUE_NOTIFY_SP = literal('queue_notify ')
const PCI_NOTIFY_WRITE = literal('pci_notify_write')
const PIO_SP = literal('_pio ')
const SP_AT_0X = literal(' @0x')
const SP_ARROW_READ = literal(' -> 0x')
const SP_ARROW_WRITE = literal(' <- 0x')
const D_EQ = literal('d=')
const CPU_SP = literal('cpu ')
export const SP_MR_SP = literal(' mr ')
export const SP_SIZE_SP = literal(' size ')
export const SP_NAME_SP_Q = literal(" name '")
/** The fixed text of a memory_region_ops line up to the cpu number, and its ` addr 0x` / ` value 0x`, each in one compare. */
export const MEMOP_READ_CPU = literal('memory_region_ops_read cpu ')
export const MEMOP_WRITE_CPU = literal('memory_region_ops_write cpu ')
export const SP_ADDR_0X = literal(' addr 0x')
export const SP_VALUE_0X = literal(' value 0x')
const VDEV_SP = literal('vdev ')
const SP_VAL_SP = literal(' val ')
const SP_N_SP = literal(' n ')
const SP_VQ_SP = literal(' vq ')
const SP_EQ_SP = literal(' = ')
const SP_LPAREN = literal(' (')

/** What a line turned out to be. */
export const enum EventStatus {
  Record,
  /** A trace event we do not use; `unknownName` is set. */
  Unknown,
  /** One of our events, but its arguments do not parse (truncated line, wrong version). */
  Malformed,
  /** Not a trace event at all. */
  NotEvent,
  /** One of our events that the options filter out (memory regions unrelated to PCI). */
  Skipped,
}

/**
 * The one list of the QEMU trace events probediff reads (log and simpletrace backends); capture
 * enables exactly these (src/capture/events.ts), in this order.
 */
export const KNOWN_EVENT_NAMES = [
  'pci_cfg_read',
  'pci_cfg_write',
  'pci_update_mappings_add',
  'pci_update_mappings_del',
  'virtio_set_status',
  'virtio_queue_notify',
  'virtio_pci_notify_write',
  'virtio_pci_notify_write_pio',
  'memory_region_ops_read',
  'memory_region_ops_write',
] as const
export type KnownEventName = (typeof KNOWN_EVENT_NAMES)[number]

/**
 * Which memory_region_ops events to keep: `pci` = the regions that matter for PCI config space and
 * virtio-pci (names starting `pci`, `virtio`, `msix`: pci-conf-idx/-data, pcie-mmcfg-mmio,
 * virtio-pci-*, the legacy `virtio-pci` BAR, msix-table/-pba); `all` = every region.
 */
export type MemRegionFilter = 'pci' | 'all'

export class QemuEventParser {
  readonly cur = new ByteCursor()
  record: TraceRecord | undefined
  unknownName = ''
  /** memory_region_ops lines skipped by the region filter. */
  skippedMemOps = 0
  /**
   * Where the caller already found the opening quote of a trailing ` name '...'` in the line
   * being parsed (-1: not looked for / none), so memop() does not search for it again.
   */
  nameQuote = -1
  private readonly mrs: RecentStrings
  private readonly regionNames: RecentStrings
  private readonly devNames: RecentStrings

  constructor(
    private readonly strings: ByteInterner,
    private readonly memRegions: MemRegionFilter = 'pci',
  ) {
    this.mrs = new RecentStrings(strings)
    this.regionNames = new RecentStrings(strings)
    this.devNames = new RecentStrings(strings)
  }

  /** Parses the event starting at `start` (its name) up to `end`. */
  parse(buf: Buffer, start: number, end: number, src: SourceRef, time: number | undefined): EventStatus {
    const c = this.cur
    c.reset(buf, start, end)
    this.record = undefined
    const first = buf[start]
    if (first === 112 /* p */) {
      if (c.lit(PCI_CFG_)) {
        if (c.lit(READ_SP)) return this.cfg(src, time, 'read')
        if (c.lit(WRITE_SP)) return this.cfg(src, time, 'write')
      } else if (c.lit(PCI_UPDATE_MAPPINGS_)) {
        if (c.lit(ADD_SP)) return this.mapping(src, time, 'add')
        if (c.lit(DEL_SP)) return this.mapping(src, time, 'del')
      }
    } else if (first === 109 /* m */) {
      if (c.lit(MEMORY_REGION_OPS_)) {
        if (this.memRegions === 'pci' && this.nameQuote < 0 && !pciRelatedRegion(buf, c.pos, end)) {
          this.skippedMemOps++
          return EventStatus.Skipped
        }
        if (c.lit(READ_SP)) return this.memop(src, time, 'read')
        if (c.lit(WRITE_SP)) return this.memop(src, time, 'write')
      }
    } else if (first === 118 /* v */) {
      if (c.lit(VIRTIO_)) {
        if (c.lit(SET_STATUS_SP)) return this.setStatus(src, time)
        if (c.lit(QUEUE_NOTIFY_SP)) return this.queueNotify(src, time)
        if (c.lit(PCI_NOTIFY_WRITE)) {
          if (c.byte(32)) return this.notifyWrite(src, time, false)
          if (c.lit(PIO_SP)) return this.notifyWrite(src, time, true)
        }
      }
    }
    return this.otherEvent(buf, start, end)
  }

  /** `DEV BB:SS.F @0xOFF -> 0xVAL` (7.0+) or `DEV SS:F @0xOFF -> 0xVAL` (before 7.0, slot decimal). */
  private cfg(src: SourceRef, time: number | undefined, op: 'read' | 'write'): EventStatus {
    const c = this.cur
    const devStart = c.pos
    const sp = c.find(32)
    if (sp <= devStart) return EventStatus.Malformed
    const dev = this.devNames.get(c.buf, devStart, sp)
    c.pos = sp + 1
    // Both forms start with digits then ':'; the new one has hex bus, slot and a '.' function.
    const numStart = c.pos
    const a = c.hex()
    if (Number.isNaN(a) || !c.byte(58)) return EventStatus.Malformed
    const b = c.hex()
    if (Number.isNaN(b)) return EventStatus.Malformed
    let bus: number, slot: number, func: number
    let legacy = false
    if (c.byte(46)) {
      func = c.hex()
      bus = a
      slot = b
    } else {
      // Pre-7.0: `%02u:%u` = slot (decimal) and function; the bus is not printed.
      c.pos = numStart
      slot = c.dec()
      if (!c.byte(58)) return EventStatus.Malformed
      func = c.dec()
      bus = 0
      legacy = true
    }
    if (!isPciAddress(bus, slot, func)) return EventStatus.Malformed
    if (!c.lit(SP_AT_0X)) return EventStatus.Malformed
    const offset = c.hex()
    if (Number.isNaN(offset) || offset > 0xfff) return EventStatus.Malformed
    if (!c.lit(op === 'read' ? SP_ARROW_READ : SP_ARROW_WRITE)) return EventStatus.Malformed
    const value = c.hex()
    if (Number.isNaN(value) || value > 0xffffffff || !c.atEnd()) return EventStatus.Malformed
    this.record = legacy
      ? {kind: 'cfg', src, time, op, dev, bus, slot, func, offset, value, busUnknown: true}
      : {kind: 'cfg', src, time, op, dev, bus, slot, func, offset, value}
    return EventStatus.Record
  }

  /** `DEV BB:SS.F BAR,0xADDR+0xSIZE`, or before 7.0 `d=PTR BB:SS.F BAR,0xADDR+0xSIZE`. */
  private mapping(src: SourceRef, time: number | undefined, op: 'add' | 'del'): EventStatus {
    const c = this.cur
    const wordStart = c.pos
    const sp = c.find(32)
    if (sp <= wordStart) return EventStatus.Malformed
    let dev = ''
    let devPtr: string | undefined
    if (c.lit(D_EQ)) devPtr = this.strings.intern(c.buf, wordStart + 2, sp)
    else dev = this.strings.intern(c.buf, wordStart, sp)
    c.pos = sp + 1
    const bus = c.hex()
    if (!c.byte(58)) return EventStatus.Malformed
    const slot = c.hex()
    if (!c.byte(46)) return EventStatus.Malformed
    const func = c.hex()
    if (!c.byte(32)) return EventStatus.Malformed
    const bar = c.sdec()
    if (!c.byte(44)) return EventStatus.Malformed
    const addr = c.hex0x()
    if (!c.byte(43)) return EventStatus.Malformed
    const size = c.hex0x()
    if (!c.atEnd() || !(bus <= 255 && slot <= 31 && func <= 7 && bar >= 0 && bar <= 6)) return EventStatus.Malformed
    // Unmapped BARs are never traced; a 64-bit address beyond 2^53 cannot be held exactly.
    if (Number.isNaN(addr) || Number.isNaN(size)) return EventStatus.Malformed
    this.record =
      devPtr === undefined
        ? {kind: 'mapping', src, time, op, dev, bus, slot, func, bar, addr, size}
        : {kind: 'mapping', src, time, op, dev, devPtr, bus, slot, func, bar, addr, size}
    return EventStatus.Record
  }

  /** `cpu %d mr %p addr 0x%x value 0x%x size %u name '%s'` */
  private memop(src: SourceRef, time: number | undefined, op: 'read' | 'write'): EventStatus {
    const c = this.cur
    if (!c.lit(CPU_SP)) return EventStatus.Malformed
    const cpu = c.sdec()
    if (Number.isNaN(cpu) || !c.lit(SP_MR_SP)) return EventStatus.Malformed
    const mrStart = c.pos
    const buf = c.buf
    let sp = mrStart
    while (sp < c.end && buf[sp] !== 32) sp++
    if (sp <= mrStart || sp >= c.end) return EventStatus.Malformed
    const mr = this.mrs.get(buf, mrStart, sp)
    c.pos = sp
    if (!c.lit(SP_ADDR_0X)) return EventStatus.Malformed
    const addr = c.hex()
    if (Number.isNaN(addr) || !c.lit(SP_VALUE_0X)) return EventStatus.Malformed
    const value = c.hex()
    const value64 = c.big
    if (Number.isNaN(value) && value64 === undefined) return EventStatus.Malformed
    if (!c.lit(SP_SIZE_SP)) return EventStatus.Malformed
    const size = c.dec()
    if (Number.isNaN(size) || !c.lit(SP_NAME_SP_Q)) return EventStatus.Malformed
    // The name runs to the closing quote that ends the line.
    if (c.end - c.pos < 1 || buf[c.end - 1] !== 39) return EventStatus.Malformed
    const name = this.regionNames.get(buf, c.pos, c.end - 1)
    this.record =
      value64 === undefined
        ? {kind: 'mem', src, time, op, cpu, mr, addr, value, size, name}
        : {kind: 'mem', src, time, op, cpu, mr, addr, value, value64, size, name}
    return EventStatus.Record
  }

  /** `vdev %p val %u` */
  private setStatus(src: SourceRef, time: number | undefined): EventStatus {
    const c = this.cur
    const vdev = this.vdevWord()
    if (vdev === undefined || !c.lit(SP_VAL_SP)) return EventStatus.Malformed
    const val = c.dec()
    if (Number.isNaN(val) || val > 255 || !c.atEnd()) return EventStatus.Malformed
    this.record = {kind: 'status', src, time, vdev, val}
    return EventStatus.Record
  }

  /** `vdev %p` up to the next space (left at the cursor). */
  private vdevWord(): string | undefined {
    const c = this.cur
    if (!c.lit(VDEV_SP)) return undefined
    const start = c.pos
    const sp = c.find(32)
    if (sp <= start) return undefined
    c.pos = sp
    return this.strings.intern(c.buf, start, sp)
  }

  /** `vdev %p n %d vq %p` */
  private queueNotify(src: SourceRef, time: number | undefined): EventStatus {
    const c = this.cur
    const vdev = this.vdevWord()
    if (vdev === undefined || !c.lit(SP_N_SP)) return EventStatus.Malformed
    const queue = c.sdec()
    if (Number.isNaN(queue) || !c.lit(SP_VQ_SP) || c.atEnd()) return EventStatus.Malformed
    const vq = this.strings.intern(c.buf, c.pos, c.end)
    this.record = {kind: 'queue_notify', src, time, vdev, queue, vq}
    return EventStatus.Record
  }

  /** `0x%x = 0x%x (%d)` */
  private notifyWrite(src: SourceRef, time: number | undefined, pio: boolean): EventStatus {
    const c = this.cur
    const addr = c.hex0x()
    if (Number.isNaN(addr) || !c.lit(SP_EQ_SP)) return EventStatus.Malformed
    const value = c.hex0x()
    if (Number.isNaN(value) || !c.lit(SP_LPAREN)) return EventStatus.Malformed
    const size = c.sdec()
    if (Number.isNaN(size) || !c.byte(41) || !c.atEnd()) return EventStatus.Malformed
    this.record = {kind: 'notify_write', src, time, pio, addr, value, size}
    return EventStatus.Record
  }

  /**
   * Anything else that looks like a trace event: a lower-case identifier with an underscore,
   * followed by a space or the end of the line. Other QEMU output does not look like that.
   */
  private otherEvent(buf: Buffer, start: number, end: number): EventStatus {
    let p = start
    let underscore = false
    while (p < end) {
      const ch = buf[p]!
      if (ch === 95) underscore = true
      else if (!((ch >= 97 && ch <= 122) || (ch >= 48 && ch <= 57))) break
      p++
    }
    const len = p - start
    if (!underscore || len < 3 || len > 80 || (p < end && buf[p] !== 32)) return EventStatus.NotEvent
    const ch0 = buf[start]!
    if (ch0 < 97 || ch0 > 122) return EventStatus.NotEvent
    const name = this.strings.intern(buf, start, p)
    if ((KNOWN_EVENT_NAMES as readonly string[]).includes(name)) return EventStatus.Malformed
    this.unknownName = name
    return EventStatus.Unknown
  }
}

/**
 * Looks at the quoted region name that ends a memory_region_ops line without parsing the rest:
 * most of a big trace is VGA, serial and timer traffic that probediff never uses.
 */
function pciRelatedRegion(buf: Buffer, from: number, end: number): boolean {
  const q = regionNameQuote(buf, from, end)
  return q < 0 || isPciRegionName(buf, q + 1)
}

/** Index of the opening quote of a trailing ` name '...'`, or -1. */
export function regionNameQuote(buf: Buffer, from: number, end: number): number {
  if (end - from < 8 || buf[end - 1] !== 39) return -1
  const stop = Math.max(from + 6, end - 130)
  let q = end - 2
  while (q >= stop && buf[q] !== 39) q--
  if (q < stop) return -1
  return isNameField(buf, q) ? q : -1
}

/** ` name ` precedes the quote at `q`. */
export function isNameField(buf: Buffer, q: number): boolean {
  return buf[q - 1] === 32 && buf[q - 2] === 101 && buf[q - 3] === 109 && buf[q - 4] === 97 && buf[q - 5] === 110 && buf[q - 6] === 32
}

/** Region names starting `pci`, `vir(tio)` or `msi(x)`. */
export function isPciRegionName(buf: Buffer, n: number): boolean {
  const n0 = buf[n]
  if (n0 === 112 /* p */) return buf[n + 1] === 99 && buf[n + 2] === 105
  if (n0 === 118 /* v */) return buf[n + 1] === 105 && buf[n + 2] === 114
  if (n0 === 109 /* m */) return buf[n + 1] === 115 && buf[n + 2] === 105
  return false
}
