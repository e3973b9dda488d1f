/**
 * QEMU's simpletrace binary format, version 4 (trace/simple.c, scripts/simpletrace.py): a 24-byte
 * header, then records each starting with a u64 type: 0 = mapping (u64 id, u32 len, name),
 * 1 = event (u64 id, u64 timestamp_ns, u32 length of this header plus args, u32 pid, args).
 * Non-string args are u64 (pointers and signed ints too), strings are u32 length + bytes.
 * Event ids are assigned at run time, so names come from the mapping records; the argument lists
 * of the events probediff uses are known here, so no trace-events file is needed.
 */
import {InputError} from '../util/errors.js'
import {isPciAddress} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'
import type {IngestContext} from './ingest-context.js'
import {decodeUtf8} from './text-decode.js'
import {ByteInterner, RecentStrings} from './byte-interner.js'
import type {TraceRecord} from './records.js'
import type {KnownEventName} from './qemu-log-events.js'

export const SIMPLETRACE_MAGIC = 0xf2b177cb0aa429b4n
const HEADER_EVENT_ID = 0xffffffffffffffffn
const DROPPED_EVENT_ID = 0xfffffffffffffffen
export const SIMPLETRACE_HEADER_BYTES = 24
const TYPE_MAPPING = 0
const TYPE_EVENT = 1
/** Distinct names remembered (later ones are decoded each time). */
const STRING_CACHE_SIZE = 4096
/** Pointer texts kept for the records to come; cleared when this many. */
const POINTER_CACHE_SIZE = 1024
/** The high 32 bits of the largest safe integer (2^53 - 1). */
const MAX_SAFE_HI = 0x1f_ffff
/** Sanity limit: QEMU cuts strings at 512 bytes, so no real record comes close. */
const MAX_RECORD = 64 * 1024

export function isSimpletraceHeader(head: Buffer): boolean {
  return head.length >= 16 && head.readBigUInt64LE(0) === HEADER_EVENT_ID && head.readBigUInt64LE(8) === SIMPLETRACE_MAGIC
}

/** Reads the args of one event record at a time; every getter returns undefined past the end. */
class ArgReader {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private end = 0
  /** The text of recent pointers (a trace names the same few devices and regions again and again). */
  private readonly pointers = new Map<number, string>()

  /** Strings (device and region names) decoded once per distinct value. */
  constructor(private readonly strings: RecentStrings) {}

  /** Reads the args in `buf` from `pos` to `end` next. */
  at(buf: Buffer, pos: number, end: number): this {
    this.buf = buf
    this.pos = pos
    this.end = end
    return this
  }

  get remaining(): number {
    return this.end - this.pos
  }

  u64(): number | undefined {
    if (this.pos + 8 > this.end) return undefined
    const lo = this.buf.readUInt32LE(this.pos)
    const hi = this.buf.readUInt32LE(this.pos + 4)
    this.pos += 8
    return hi * 0x1_0000_0000 + lo
  }

  big(): bigint | undefined {
    if (this.pos + 8 > this.end) return undefined
    const v = this.buf.readBigUInt64LE(this.pos)
    this.pos += 8
    return v
  }

  /** An `int` stored as u64: its low 32 bits, signed. */
  int(): number | undefined {
    if (this.pos + 8 > this.end) return undefined
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 8
    return v
  }

  /** A pointer printed the way `%p` prints it (glibc: `(nil)` for NULL). */
  ptr(): string | undefined {
    if (this.pos + 8 > this.end) return undefined
    const lo = this.buf.readUInt32LE(this.pos)
    const hi = this.buf.readUInt32LE(this.pos + 4)
    this.pos += 8
    if (hi > MAX_SAFE_HI) return `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`
    const key = hi * 0x1_0000_0000 + lo
    let text = this.pointers.get(key)
    if (text === undefined) {
      text = key === 0 ? '(nil)' : `0x${key.toString(16)}`
      if (this.pointers.size >= POINTER_CACHE_SIZE) this.pointers.clear()
      this.pointers.set(key, text)
    }
    return text
  }

  /** The next u64 as a number when it is a safe integer, else as a bigint. */
  safeOrBig(): number | bigint | undefined {
    if (this.pos + 8 > this.end) return undefined
    const hi = this.buf.readUInt32LE(this.pos + 4)
    if (hi > MAX_SAFE_HI) return this.big()
    return this.u64()
  }

  str(): string | undefined {
    if (this.pos + 4 > this.end) return undefined
    const len = this.buf.readUInt32LE(this.pos)
    if (this.pos + 4 + len > this.end) return undefined
    const s = this.strings.get(this.buf, this.pos + 4, this.pos + 4 + len)
    this.pos += 4 + len
    return s
  }

  peekU32(): number | undefined {
    return this.pos + 4 <= this.end ? this.buf.readUInt32LE(this.pos) : undefined
  }
}

/** The record, or why the arguments are not this event's: undefined (not its layout) or a reason. */
type Decoder = (a: ArgReader, src: SourceRef, time: number) => TraceRecord | string | undefined

const NOT_AN_ADDRESS = 'names no PCI function (bus, device or function out of range)'

const cfgDecoder =
  (op: 'read' | 'write'): Decoder =>
  (a, src, time) => {
    const dev = a.str()
    if (dev === undefined) return undefined
    if (a.remaining === 40) {
      const [bus, slot, func, offset, value] = [a.u64(), a.u64(), a.u64(), a.u64(), a.u64()]
      if (!allNumbers(bus, slot, func, offset, value)) return undefined
      if (!isPciAddress(bus!, slot!, func!)) return NOT_AN_ADDRESS
      return {kind: 'cfg', src, time, op, dev, bus: bus!, slot: slot!, func: func!, offset: offset!, value: value!}
    }
    if (a.remaining === 32) {
      // Before 7.0: (dev, devid = slot, fnid, offs, val); no bus.
      const [slot, func, offset, value] = [a.u64(), a.u64(), a.u64(), a.u64()]
      if (!allNumbers(slot, func, offset, value)) return undefined
      if (!isPciAddress(0, slot!, func!)) return NOT_AN_ADDRESS
      return {kind: 'cfg', src, time, op, dev, bus: 0, slot: slot!, func: func!, offset: offset!, value: value!, busUnknown: true}
    }
    return undefined
  }

const mappingDecoder =
  (op: 'add' | 'del'): Decoder =>
  (a, src, time) => {
    // 7.0+: (const char *dev, bus, slot, func, int bar, addr, size); before: (void *d, bus, slot, func, ...)
    const len = a.peekU32()
    let dev = ''
    let devPtr: string | undefined
    if (len !== undefined && a.remaining === 4 + len + 48) dev = a.str()!
    else if (a.remaining === 56) devPtr = a.ptr()
    else return undefined
    const [bus, slot, func, bar, addr, size] = [a.u64(), a.u64(), a.u64(), a.int(), a.u64(), a.u64()]
    if (!allNumbers(bus, slot, func, bar, addr, size)) return undefined
    if (!isPciAddress(bus!, slot!, func!)) return NOT_AN_ADDRESS
    const base = {kind: 'mapping' as const, src, time, op, dev, bus: bus!, slot: slot!, func: func!, bar: bar!, addr: addr!, size: size!}
    return devPtr === undefined ? base : {...base, devPtr}
  }

const memDecoder =
  (op: 'read' | 'write'): Decoder =>
  (a, src, time) => {
    const cpu = a.int()
    const mr = a.ptr()
    const addr = a.u64()
    const value = a.safeOrBig()
    const size = a.u64()
    const name = a.str()
    if (cpu === undefined || mr === undefined || addr === undefined || value === undefined || size === undefined || name === undefined) return undefined
    if (typeof value === 'number') return {kind: 'mem', src, time, op, cpu, mr, addr, value, size, name}
    return {kind: 'mem', src, time, op, cpu, mr, addr, value: Number.NaN, size, name, value64: value}
  }

/** A decoder for each event of the one list (KNOWN_EVENT_NAMES), no more, no fewer. */
const DECODERS: Readonly<Record<string, Decoder>> = {
  pci_cfg_read: cfgDecoder('read'),
  pci_cfg_write: cfgDecoder('write'),
  pci_update_mappings_add: mappingDecoder('add'),
  pci_update_mappings_del: mappingDecoder('del'),
  memory_region_ops_read: memDecoder('read'),
  memory_region_ops_write: memDecoder('write'),
  virtio_set_status: (a, src, time) => {
    const vdev = a.ptr()
    const val = a.u64()
    return vdev === undefined || val === undefined ? undefined : {kind: 'status', src, time, vdev, val: val & 0xff}
  },
  virtio_queue_notify: (a, src, time) => {
    const vdev = a.ptr()
    const queue = a.int()
    const vq = a.ptr()
    return vdev === undefined || queue === undefined || vq === undefined ? undefined : {kind: 'queue_notify', src, time, vdev, queue, vq}
  },
  virtio_pci_notify_write: notifyDecoder(false),
  virtio_pci_notify_write_pio: notifyDecoder(true),
} satisfies Record<KnownEventName, Decoder>

function notifyDecoder(pio: boolean): Decoder {
  return (a, src, time) => {
    const addr = a.u64()
    const value = a.u64()
    const size = a.u64()
    return addr === undefined || value === undefined || size === undefined ? undefined : {kind: 'notify_write', src, time, pio, addr, value, size}
  }
}

/** A u64 as a map key: a number when it is a safe integer, else a bigint (so one value, one key). */
function u64Key(buf: Buffer, pos: number): number | bigint {
  const hi = buf.readUInt32LE(pos + 4)
  return hi > MAX_SAFE_HI ? buf.readBigUInt64LE(pos) : hi * 0x1_0000_0000 + buf.readUInt32LE(pos)
}

function allNumbers(...values: (number | undefined)[]): boolean {
  return values.every((v) => v !== undefined)
}

export class SimpletraceParser {
  private carry: Buffer | undefined
  private headerDone = false
  /** 0-based index of the next record (mapping or event), for SourceRef.record. */
  private index = 0
  /** Event names by id (a number when the id is a safe integer, else a bigint). */
  private readonly names = new Map<number | bigint, string>()
  droppedEvents = 0
  // A real trace names a few devices and regions; garbage could name endless ones.
  private readonly args = new ArgReader(new RecentStrings(new ByteInterner(STRING_CACHE_SIZE)))

  constructor(private readonly ctx: IngestContext) {}

  push(chunk: Buffer): void {
    const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk])
    this.carry = undefined
    let pos = 0
    if (!this.headerDone) {
      if (buf.length < SIMPLETRACE_HEADER_BYTES) {
        this.carry = Buffer.from(buf)
        return
      }
      this.header(buf)
      pos = SIMPLETRACE_HEADER_BYTES
    }
    for (;;) {
      const used = this.record(buf, pos)
      if (used === 0) break
      pos += used
    }
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos))
  }

  end(): void {
    if (!this.headerDone) {
      throw new InputError('not a simpletrace file: shorter than its 24-byte header', {file: this.ctx.file})
    }
    if (this.carry !== undefined && this.carry.length > 0) {
      this.ctx.warnings.warn('truncated-trace', `the file ends inside a record (${this.carry.length} bytes left): truncated trace`, {
        file: this.ctx.file,
        record: this.index,
      })
    }
    if (this.droppedEvents > 0) {
      this.ctx.warnings.warn('dropped-events-total', `QEMU dropped ${this.droppedEvents} events in all: the trace is incomplete`, {file: this.ctx.file})
    }
  }

  private header(buf: Buffer): void {
    const file = this.ctx.file
    if (buf.readBigUInt64LE(0) !== HEADER_EVENT_ID || buf.readBigUInt64LE(8) !== SIMPLETRACE_MAGIC) {
      throw new InputError('not a simpletrace file (bad header magic)', {file})
    }
    const version = buf.readBigUInt64LE(16)
    if (version !== 4n) {
      throw new InputError(`simpletrace format version ${version} is not supported (version 4, QEMU 2.11 and later, has event names)`, {file})
    }
    this.headerDone = true
  }

  /** Consumes one record at `pos`; returns its size, or 0 if it is not complete in `buf`. */
  private record(buf: Buffer, pos: number): number {
    const avail = buf.length - pos
    if (avail < 8) return 0
    const src = {file: this.ctx.file, record: this.index}
    const typeHi = buf.readUInt32LE(pos + 4)
    const type = typeHi === 0 ? buf.readUInt32LE(pos) : -1
    if (type === TYPE_MAPPING) {
      if (avail < 20) return 0
      const id = u64Key(buf, pos + 8)
      const len = buf.readUInt32LE(pos + 16)
      if (len > 4096) throw new InputError(`corrupt simpletrace: mapping name of ${len} bytes`, src)
      if (avail < 20 + len) return 0
      this.names.set(id, decodeUtf8(buf, pos + 20, pos + 20 + len))
      this.index++
      return 20 + len
    }
    if (type !== TYPE_EVENT) throw new InputError(`corrupt simpletrace: record type ${buf.readBigUInt64LE(pos)} (0 or 1 expected)`, src)
    if (avail < 32) return 0
    const id = u64Key(buf, pos + 8)
    const length = buf.readUInt32LE(pos + 24)
    if (length < 24 || length > MAX_RECORD) throw new InputError(`corrupt simpletrace: event record length ${length}`, src)
    if (avail < 8 + length) return 0
    this.index++
    const argsStart = pos + 32
    const argsEnd = pos + 8 + length
    if (id === DROPPED_EVENT_ID) {
      const count = this.args.at(buf, argsStart, argsEnd).u64() ?? 0
      this.droppedEvents += count
      this.ctx.warnings.warn('dropped-events', `QEMU dropped ${count} events here (trace buffer full): the trace has a gap`, src)
      return 8 + length
    }
    const name = this.names.get(id)
    if (name === undefined) {
      this.ctx.warnings.warn('unmapped-event', `event id ${id} has no mapping record: skipped`, src)
      this.ctx.countUnknown(`#${id}`)
      return 8 + length
    }
    const decode = DECODERS[name]
    if (decode === undefined) {
      this.ctx.countUnknown(name)
      return 8 + length
    }
    const lo = buf.readUInt32LE(pos + 16)
    const hi = buf.readUInt32LE(pos + 20)
    const time = (hi * 0x1_0000_0000 + lo) / 1e9
    const rec = decode(this.args.at(buf, argsStart, argsEnd), src, time)
    if (rec === undefined || typeof rec === 'string') {
      this.ctx.warnings.warn('malformed-event', `${name} record ${rec ?? 'does not have the arguments this QEMU event has'}; skipped`, src)
      return 8 + length
    }
    this.ctx.records++
    this.ctx.sink.trace(rec)
    return 8 + length
  }
}
