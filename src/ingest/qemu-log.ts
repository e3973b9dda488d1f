/**
 * The QEMU log trace backend as it lands in a file: events with no prefix, with the
 * `TID@EPOCH.MICROS:` prefix of `-msg timestamp=on` (6.0-10.0) or the ISO-8601 `...Z ` prefix
 * (10.1+), interleaved with QEMU's other stderr output and often with the guest's serial console.
 * Kernel lines (`[    0.123456] ...`) become kmsg records; events glued to the end of other
 * output (no newline in between) are still found. Hot path: bytes only, no regex, no split.
 */
import type {SourceRef} from '../util/source.js'
import {ByteInterner} from './byte-interner.js'
import {kernelRecord} from './dmesg.js'
import type {IngestContext} from './ingest-context.js'
import {cleanConsoleText, splitKernelPrefix} from './kernel-prefix.js'
import {ConfRegion, HeldLines, MemOp, confPortQuote, confRegionAt, eventStartFast, memOpAt} from './conf-probe-holdback.js'
import {
  EventStatus,
  MEMOP_READ_CPU,
  MEMOP_WRITE_CPU,
  type MemRegionFilter,
  QemuEventParser,
  SP_ADDR_0X,
  SP_MR_SP,
  SP_NAME_SP_Q,
  SP_SIZE_SP,
  SP_VALUE_0X,
  isPciRegionName,
  regionNameQuote,
} from './qemu-log-events.js'

/** InputSummary.unknownEvents key for memory_region_ops lines of regions unrelated to PCI. */
export const SKIPPED_MEMOPS_KEY = 'memory_region_ops_* (non-PCI regions)'
/** InputSummary.unknownEvents key for config-space probes of absent functions (see conf-probe-holdback.ts). */
export const ABSENT_PROBES_KEY = 'memory_region_ops_* (config probes of absent functions)'
import {decodeUtf8} from './text-decode.js'
import type {CfgAccessRecord, TraceRecord} from './records.js'
import {hexDigits} from '../util/hex.js'


/** Seconds back in time that mean "another trace starts here" (threads' clocks jitter by ms). */
const TIME_BACKWARDS_LIMIT = 1
/** Seconds without events after which a new thread id suggests another process. */
const NEW_THREAD_GAP = 10
const MAX_TIDS = 4096

const enum Prefix {
  None,
  Tid,
  Iso,
}

/** Where a glued event may start inside a line of other output. */
const EMBEDDED_NEEDLES = ['pci_cfg_', 'pci_update_mappings_', 'memory_region_ops_', 'virtio_set_status', 'virtio_queue_notify', 'virtio_pci_notify_write'].map(
  (s) => Buffer.from(s, 'latin1'),
)

export class QemuLogParser {
  private readonly events: QemuEventParser
  private time: number | undefined
  private tid = -1
  private prefixStyle: Prefix | undefined
  private lastTime: number | undefined
  private readonly devAt = new Map<number, string>()
  private readonly tids = new Set<number>()
  private minTid = Number.POSITIVE_INFINITY
  private otherLines = 0
  private isoDayKey = -1
  private isoDayEpoch = 0
  private readonly filterMemOps: boolean
  private skippedMemOps = 0
  private readonly held = new HeldLines()
  private replaying = false
  /** The last record emitted was a pci_cfg_read: the next config data read is its data access. */
  private lastWasCfgRead = false
  private droppedProbes = 0
  private readonly replayLine = (buf: Buffer, start: number, end: number, lineNo: number, region: ConfRegion, q: number) =>
    this.heldLine(buf, start, end, lineNo, region, q)

  constructor(
    private readonly ctx: IngestContext,
    memRegions: MemRegionFilter = 'pci',
  ) {
    this.events = new QemuEventParser(new ByteInterner(), memRegions)
    this.filterMemOps = memRegions === 'pci'
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    if (start === end) return
    // Fast path for the bulk of a big trace: memory_region_ops of regions we filter out, decided
    // from the region name at the end of the line before looking at anything else. The region is
    // classified here once; a held line keeps what was found.
    let q = -1
    if (buf[end - 1] === 39) {
      let region = ConfRegion.None
      if (this.filterMemOps && (q = confPortQuote(buf, start, end)) >= 0) region = buf[end - 2] === 120 ? ConfRegion.Index : ConfRegion.Data
      else {
        q = regionNameQuote(buf, start, end)
        if (q >= 0 && this.filterMemOps) {
          if (!isPciRegionName(buf, q + 1)) {
            this.skippedMemOps++
            return
          }
          region = confRegionAt(buf, q + 1, end)
        }
      }
      if (region !== ConfRegion.None && (this.configPathLine(region, buf, start, end, lineNo, q) || this.configPathRecord(region, buf, start, end, lineNo, q))) return
    }
    this.fullLine(buf, start, end, lineNo, q)
  }

  /**
   * A config-path memory line that is kept, handed to the sink as numbers when it takes them (no
   * record, no source object: the width pairer needs only the line number); false if the line needs the full
   * parser (another sink, a malformed line, a value beyond 2^53).
   */
  private configPathRecord(region: ConfRegion, buf: Buffer, start: number, end: number, lineNo: number, q: number): boolean {
    const sink = this.ctx.sink
    if (sink.configPathAccess === undefined) return false
    const p = this.prefix(buf, start, end)
    if (p < 0) return false
    const c = this.events.cur
    c.reset(buf, p, end)
    const op = buf[p + 18] === 114 /* r */ ? (c.lit(MEMOP_READ_CPU) ? 'read' : undefined) : c.lit(MEMOP_WRITE_CPU) ? 'write' : undefined
    if (op === undefined || Number.isNaN(c.sdec()) || !c.lit(SP_MR_SP)) return false
    const mr = c.find(32)
    if (mr <= c.pos) return false
    c.pos = mr
    if (!c.lit(SP_ADDR_0X)) return false
    const addr = c.hex()
    if (Number.isNaN(addr) || !c.lit(SP_VALUE_0X)) return false
    const value = c.hex()
    if (Number.isNaN(value) || !c.lit(SP_SIZE_SP)) return false
    const size = c.dec()
    // The name must start right where the line's last quote is (what the full parser takes as the name).
    if (Number.isNaN(size) || !c.lit(SP_NAME_SP_Q) || c.pos !== q + 1) return false
    this.beforeRecord()
    this.lastWasCfgRead = false
    this.checkContinuity(this.time, p === start ? Prefix.None : this.prefixOf(buf, start), lineNo, this.tid, undefined)
    this.ctx.records++
    sink.configPathAccess(op, region === ConfRegion.Index ? 'index' : buf[q + 4] === 101 /* pcie-mmcfg */ ? 'mmcfg' : 'data', addr, value, size, lineNo)
    return true
  }

  /** Holds, drops or lets through a config-path memory line; false if it is not a memory_region_ops line. */
  private configPathLine(region: ConfRegion, buf: Buffer, start: number, end: number, lineNo: number, q: number): boolean {
    const p = eventStartFast(buf, start, end)
    const op = p < 0 ? MemOp.None : memOpAt(buf, p, end)
    if (op === MemOp.None) return false
    if (region === ConfRegion.Data && op === MemOp.Read) {
      // The data access of the pci_cfg_read just emitted; otherwise the end of an absent-function probe.
      if (this.lastWasCfgRead) return false
      this.droppedProbes += this.held.clear() + 1
      return true
    }
    if (region === ConfRegion.Index || this.held.lastIsData) this.droppedProbes += this.held.clear()
    this.held.hold(buf, start, end, lineNo, region, q)
    return true
  }

  /** A held config-path line whose access turned out to be a device's: parsed now. */
  private heldLine(buf: Buffer, start: number, end: number, lineNo: number, region: ConfRegion, q: number): void {
    if (this.configPathRecord(region, buf, start, end, lineNo, q)) return
    this.fullLine(buf, start, end, lineNo, -1)
  }

  /** The line splitter is done with its current chunk. */
  chunkEnd(): void {
    this.held.detach()
  }

  /** Replays held config-path lines before a record is emitted, keeping input order. */
  private beforeRecord(): void {
    if (this.held.count === 0 || this.replaying) return
    this.replaying = true
    try {
      this.held.drain(this.replayLine)
    } finally {
      this.replaying = false
    }
  }

  private fullLine(buf: Buffer, start: number, end: number, lineNo: number, q: number): void {
    this.events.nameQuote = q
    const p = this.prefix(buf, start, end)
    const src: SourceRef = {file: this.ctx.file, line: lineNo}
    if (p >= 0) {
      const status = this.events.parse(buf, p, end, src, this.time)
      if (status === EventStatus.Record) return this.emit(this.events.record!, p === start ? Prefix.None : this.prefixOf(buf, start), lineNo, this.tid)
      if (status === EventStatus.Unknown) return this.ctx.countUnknown(this.events.unknownName)
      if (status === EventStatus.Malformed) return this.malformed(src)
      if (status === EventStatus.Skipped) return
    }
    this.otherLine(buf, start, end, src)
  }

  finish(): void {
    const skipped = this.skippedMemOps + this.events.skippedMemOps
    if (skipped > 0) this.ctx.unknownEvents.set(SKIPPED_MEMOPS_KEY, skipped)
    this.droppedProbes += this.held.clear()
    if (this.droppedProbes > 0) this.ctx.unknownEvents.set(ABSENT_PROBES_KEY, this.droppedProbes)
    if (this.ctx.records === 0 && this.ctx.unknownEvents.size === 0 && this.otherLines > 0) {
      this.ctx.warnings.warn('no-trace-events', `no QEMU trace events found (${this.otherLines} other lines)`, {file: this.ctx.file})
    }
  }

  /** Reads a TID@ or ISO prefix at `start`; returns where the event name starts, or -1. */
  private prefix(buf: Buffer, start: number, end: number): number {
    this.time = undefined
    this.tid = -1
    const c0 = buf[start]!
    if (c0 < 48 || c0 > 57) return start
    // ISO-8601: 2025-07-21T18:43:28.089797Z<space>
    if (start + 28 <= end && buf[start + 4] === 45 && buf[start + 10] === 84) return this.isoPrefix(buf, start, end)
    // TID@SECONDS.MICROS:
    let p = start
    let tid = 0
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57) tid = tid * 10 + buf[p++]! - 48
    if (p >= end || buf[p] !== 64) return start
    p++
    let sec = 0
    const secStart = p
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57) sec = sec * 10 + buf[p++]! - 48
    if (p === secStart || p >= end || buf[p] !== 46) return start
    p++
    let frac = 0
    let scale = 1
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57 && scale < 1e9) {
      frac = frac * 10 + buf[p++]! - 48
      scale *= 10
    }
    if (p >= end || buf[p] !== 58) return start
    this.tid = tid
    this.time = sec + frac / scale
    return p + 1
  }

  private isoPrefix(buf: Buffer, start: number, end: number): number {
    const d = (i: number, n: number) => {
      let v = 0
      for (let k = 0; k < n; k++) {
        const ch = buf[start + i + k]! - 48
        if (ch < 0 || ch > 9) return Number.NaN
        v = v * 10 + ch
      }
      return v
    }
    const year = d(0, 4)
    const month = d(5, 2)
    const day = d(8, 2)
    const hh = d(11, 2)
    const mm = d(14, 2)
    const ss = d(17, 2)
    if (buf[start + 13] !== 58 || buf[start + 16] !== 58 || buf[start + 19] !== 46) return -1
    let p = start + 20
    let frac = 0
    let scale = 1
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57 && scale < 1e9) {
      frac = frac * 10 + buf[p++]! - 48
      scale *= 10
    }
    if (p + 1 >= end || buf[p] !== 90 || buf[p + 1] !== 32) return -1
    const key = year * 10000 + month * 100 + day
    if (Number.isNaN(key + hh + mm + ss)) return -1
    if (key !== this.isoDayKey) {
      this.isoDayKey = key
      this.isoDayEpoch = Date.UTC(year, month - 1, day) / 1000
    }
    this.time = this.isoDayEpoch + hh * 3600 + mm * 60 + ss + frac / scale
    return p + 2
  }

  private prefixOf(buf: Buffer, start: number): Prefix {
    return buf[start + 4] === 45 && buf[start + 10] === 84 ? Prefix.Iso : Prefix.Tid
  }

  /** `tid`: the thread id of the record's TID@ prefix (-1 without one). */
  private emit(r: TraceRecord, style: Prefix, lineNo: number, tid: number): void {
    this.beforeRecord()
    this.lastWasCfgRead = r.kind === 'cfg' && r.op === 'read'
    this.checkContinuity(r.time, style, lineNo, tid, r.kind === 'cfg' ? r : undefined)
    this.ctx.records++
    this.ctx.sink.trace(r)
  }

  /** Two captures in one file: the clock jumps back, the prefix style changes, or a slot changes device. */
  private checkContinuity(t: number | undefined, style: Prefix, lineNo: number, tid: number, r: CfgAccessRecord | undefined): void {
    if (tid >= 0 && style === Prefix.Tid && !this.tids.has(tid)) this.newThread(tid, t, lineNo)
    if (t !== undefined) {
      if (this.lastTime !== undefined && t < this.lastTime - TIME_BACKWARDS_LIMIT) {
        this.concatenated(lineNo, `time goes back by ${(this.lastTime - t).toFixed(3)} s`)
      }
      this.lastTime = t
    }
    if (this.prefixStyle !== style) {
      if (this.prefixStyle !== undefined) this.concatenated(lineNo, 'the line prefix format changes')
      this.prefixStyle = style
    }
    if (r !== undefined && r.dev !== 'empty') {
      const key = (r.bus << 8) | (r.slot << 3) | r.func
      const before = this.devAt.get(key)
      if (before !== r.dev) {
        if (before !== undefined) this.concatenated(lineNo, `${hexDigits(r.bus, 2)}:${hexDigits(r.slot, 2)}.${r.func} was ${before}, now ${r.dev}`)
        this.devAt.set(key, r.dev)
      }
    }
  }

  /**
   * A thread id not seen before. QEMU's threads are created after its main thread, so their ids
   * are not below the main thread's (barring pid wrap-around); a new id below every id seen, or a
   * new one after a long silence, points to another QEMU process.
   */
  private newThread(tid: number, t: number | undefined, lineNo: number): void {
    if (this.tids.size > 0) {
      if (tid < this.minTid) this.concatenated(lineNo, `thread id ${tid} is below every thread id so far (${this.minTid}): another QEMU process`)
      else if (t !== undefined && this.lastTime !== undefined && t - this.lastTime > NEW_THREAD_GAP) {
        this.concatenated(lineNo, `a new thread id ${tid} appears after ${(t - this.lastTime).toFixed(0)} s without events`)
      }
    }
    if (this.tids.size < MAX_TIDS) this.tids.add(tid)
    this.minTid = Math.min(this.minTid, tid)
  }

  private concatenated(lineNo: number, why: string): void {
    this.ctx.warnings.warn('concatenated-traces', `${why}: two traces (different machines or runs) concatenated?`, {file: this.ctx.file, line: lineNo})
    // Start over: what follows is judged against the new trace only.
    this.devAt.clear()
    this.tids.clear()
    this.minTid = Number.POSITIVE_INFINITY
  }

  private malformed(src: SourceRef): void {
    this.ctx.warnings.warn('malformed-event', 'a trace event line does not parse (truncated, or a QEMU version with another format); skipped', src)
  }

  /** Not an event at its start: a kernel console line, an event glued to other output, or other output. */
  private otherLine(buf: Buffer, start: number, end: number, src: SourceRef): void {
    let textEnd = end
    const glued = this.gluedEvent(buf, start, end, src)
    if (glued >= 0) textEnd = glued
    if (textEnd > start && this.kernelLine(buf, start, textEnd, src)) return
    if (glued < 0) this.otherLines++
  }

  private gluedEvent(buf: Buffer, start: number, end: number, src: SourceRef): number {
    let best = -1
    // Searched inside the line only (Buffer.indexOf has no end: it would scan the rest of the chunk).
    const line = buf.subarray(start + 1, end)
    for (const needle of EMBEDDED_NEEDLES) {
      const at = line.indexOf(needle)
      if (at >= 0 && (best < 0 || at + start + 1 < best)) best = at + start + 1
    }
    if (best < 0) return -1
    // Take the prefix glued in front of the event, when there is one.
    let eventStart = best
    let time: number | undefined
    if (buf[best - 1] === 58) {
      // `...TID@SECONDS.MICROS:event`: walk back over the time, the '@' and the TID digits.
      let q = best - 2
      while (q > start && (isDigit(buf[q]!) || buf[q] === 46)) q--
      if (buf[q] === 64) {
        q--
        while (q >= start && isDigit(buf[q]!)) q--
        q++
        if (this.prefix(buf, q, best) === best) {
          time = this.time
          eventStart = q
        }
      }
    } else if (best - start >= 28 && buf[best - 1] === 32 && buf[best - 2] === 90) {
      if (this.prefix(buf, best - 28, end) === best) {
        time = this.time
        eventStart = best - 28
      }
    }
    const status = this.events.parse(buf, best, end, src, time)
    if (status !== EventStatus.Record) return -1
    this.time = time
    this.emit(this.events.record!, time === undefined ? Prefix.None : this.prefixOf(buf, eventStart), src.line!, this.tid)
    return eventStart
  }

  private kernelLine(buf: Buffer, start: number, end: number, src: SourceRef): boolean {
    // Cheap pre-check: a printk time stamp `[` within the first bytes (after console escapes).
    const bracket = buf.indexOf(91, start)
    if (bracket < 0 || bracket >= end) return false
    const line = splitKernelPrefix(cleanConsoleText(decodeUtf8(buf, start, end)))
    if (line.prefix !== 'printk-time' || line.text.length === 0) return false
    this.beforeRecord()
    this.lastWasCfgRead = false
    this.ctx.records++
    this.ctx.sink.kmsg(kernelRecord(line, src))
    return true
  }
}

function isDigit(b: number): boolean {
  return b >= 48 && b <= 57
}

