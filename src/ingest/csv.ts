/**
 * Config-space accesses exported as CSV by other tools (PCIe analyzers, scripts): a header row,
 * default columns time, bdf, op, offset, size, value (case-insensitive), other header names mapped
 * with `columns` (e.g. {offset: 'Address'}). Numbers in hex (0x..) or decimal; op read/write/rd/wr/R/W;
 * bdf `0000:00:03.0` or `00:03.0`. Records are read by CsvRecordReader (as csv-parse reads them).
 */
import {InputError} from '../util/errors.js'
import {type PciAddress, parseBdf} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'
import type {InputBytes} from './byte-source.js'
import {CSV_PARSE_OPTIONS, CsvRecordReader, type CsvRecordHandler, CsvSyntaxError} from './csv-records.js'
import {guardedTextChunks} from './text-input.js'
import type {IngestContext} from './ingest-context.js'
import type {CfgAccessRecord} from './records.js'

export const CSV_FIELDS = ['time', 'bdf', 'op', 'offset', 'size', 'value'] as const
export type CsvField = (typeof CSV_FIELDS)[number]
const REQUIRED: readonly CsvField[] = ['bdf', 'op', 'offset', 'value']

// A Map, not an object: an op cell reading `constructor` or `toString` must be a bad op, not a prototype method.
const OPS: ReadonlyMap<string, 'read' | 'write'> = new Map([['read', 'read'], ['rd', 'read'], ['r', 'read'], ['write', 'write'], ['wr', 'write'], ['w', 'write']])

/** Hex with 0x (or a trailing h), else decimal; undefined if neither. */
export function parseCsvNumber(text: string): number | undefined {
  const t = text.trim()
  const plain = plainNumber(t)
  if (plain !== undefined) return plain
  let v: number
  if (/^0x[0-9a-f]+$/i.test(t)) v = Number.parseInt(t.slice(2), 16)
  else if (/^[0-9a-f]+h$/i.test(t)) v = Number.parseInt(t.slice(0, -1), 16)
  else if (/^\d+$/.test(t)) v = Number(t)
  else return undefined
  return Number.isSafeInteger(v) ? v : undefined
}

/**
 * The common forms without a regex: 0x and at most 13 hex digits, or at most 15 decimal digits
 * (both always safe integers); undefined for anything else, which the regexes then judge.
 */
function plainNumber(t: string): number | undefined {
  const n = t.length
  if (n === 0 || n > 15) return undefined
  let v = 0
  if (n > 2 && t.charCodeAt(0) === 48 && (t.charCodeAt(1) | 0x20) === 120) {
    for (let i = 2; i < n; i++) {
      const c = t.charCodeAt(i)
      const lower = c | 0x20
      if (c >= 48 && c <= 57) v = v * 16 + (c - 48)
      else if (lower >= 97 && lower <= 102) v = v * 16 + (lower - 87)
      else return undefined
    }
    return v
  }
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
    v = v * 10 + (c - 48)
  }
  return v
}

/** Resolves which column index holds each field, from the header row. */
export function columnIndexes(header: readonly string[], mapping: Readonly<Record<string, string>> | undefined): Map<CsvField, number> {
  const lower = header.map((h) => h.trim().toLowerCase())
  const result = new Map<CsvField, number>()
  for (const field of CSV_FIELDS) {
    const wanted = (mapping?.[field] ?? field).trim().toLowerCase()
    const i = lower.indexOf(wanted)
    if (i >= 0) result.set(field, i)
  }
  return result
}

/** Parsed BDFs kept for the rows to come (a capture names few functions); cleared when this many. */
const BDF_CACHE_SIZE = 1024

/** Turns data rows into records, the columns found in the header. */
export class CsvRowReader {
  private readonly bdf: number
  private readonly op: number
  private readonly offset: number
  private readonly value: number
  private readonly size: number | undefined
  private readonly time: number | undefined
  private readonly addresses = new Map<string, PciAddress | undefined>()
  private lastBdf: string | undefined
  private lastAddress: PciAddress | undefined

  constructor(cols: ReadonlyMap<CsvField, number>) {
    this.bdf = cols.get('bdf') ?? -1
    this.op = cols.get('op') ?? -1
    this.offset = cols.get('offset') ?? -1
    this.value = cols.get('value') ?? -1
    this.size = cols.get('size')
    this.time = cols.get('time')
  }

  /** One data row to a record, or the reason it is not one. */
  toRecord(row: readonly string[], src: SourceRef): CfgAccessRecord | string {
    const bdfText = row[this.bdf]?.trim() ?? ''
    const address = this.address(bdfText)
    if (!address) return `bad bdf "${bdfText}"`
    const opText = row[this.op]?.trim() ?? ''
    const op = OPS.get(opText.toLowerCase())
    if (!op) return `bad op "${opText}"`
    const offsetText = row[this.offset]?.trim() ?? ''
    const offset = parseCsvNumber(offsetText)
    if (offset === undefined || offset > 0xfff) return `bad offset "${offsetText}"`
    const valueText = row[this.value]?.trim() ?? ''
    const value = parseCsvNumber(valueText)
    if (value === undefined || value > 0xffffffff) return `bad value "${valueText}"`
    let size: 1 | 2 | 4 | undefined
    const sizeText = this.size === undefined ? undefined : row[this.size]?.trim()
    if (sizeText !== undefined && sizeText !== '') {
      const n = parseCsvNumber(sizeText)
      if (n !== 1 && n !== 2 && n !== 4) return `bad size "${sizeText}"`
      size = n
      if (value >= 2 ** (8 * n)) return `value ${valueText} does not fit in ${n} bytes`
    }
    const timeText = this.time === undefined ? undefined : row[this.time]?.trim()
    const time = timeText === undefined || timeText === '' ? undefined : Number(timeText)
    const {bus, slot, func, domain} = address
    // The fields in one order whatever is present (the order the records always had).
    const rec: CfgAccessRecord =
      time === undefined || !Number.isFinite(time)
        ? {kind: 'cfg', src, op, dev: '', bus, slot, func, domain, offset, value}
        : {kind: 'cfg', src, time, op, dev: '', bus, slot, func, domain, offset, value}
    if (size !== undefined) (rec as {size?: 1 | 2 | 4}).size = size
    return rec
  }

  private address(text: string): PciAddress | undefined {
    // Rows of one function come in runs: the last one first, before hashing.
    if (text === this.lastBdf) return this.lastAddress
    const address = this.lookUp(text)
    this.lastBdf = text
    this.lastAddress = address
    return address
  }

  private lookUp(text: string): PciAddress | undefined {
    if (this.addresses.has(text)) return this.addresses.get(text)
    if (this.addresses.size >= BDF_CACHE_SIZE) this.addresses.clear()
    const address = parseBdf(text)
    this.addresses.set(text, address)
    return address
  }
}

export async function ingestCsv(input: InputBytes, ctx: IngestContext, mapping?: Record<string, string>): Promise<number> {
  return ingestCsvChunks(guardedTextChunks(input, ctx.file, 'csv'), ctx, mapping)
}

const CR = 13
const LF = 10

/**
 * The chunks with every run of CRs right before an LF left out (CR LF, and CR CR LF from a CRLF
 * file converted to CRLF again), each yielded as a fresh buffer; CRs elsewhere stay. Left in, the
 * CRs of `\r\r\n` would make a one-field record per line (a CR is a line end to the reader, as it
 * was to csv-parse). Line numbers stay the LF count, as `grep -n` shows them.
 */
export async function* withoutCrBeforeLf(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  /** CRs at the end of the previous chunk: kept or dropped by what follows them. */
  let heldCrs = 0
  for await (const chunk of chunks) {
    const parts: Buffer[] = []
    let from = 0
    let cr = chunk.indexOf(CR)
    if (heldCrs > 0) {
      let end = 0
      while (end < chunk.length && chunk[end] === CR) end++
      if (end === chunk.length) {
        heldCrs += end
        continue
      }
      if (chunk[end] !== LF) parts.push(Buffer.alloc(heldCrs, CR))
      else from = end
      heldCrs = 0
      cr = chunk.indexOf(CR, end)
    }
    while (cr >= 0) {
      let end = cr + 1
      while (end < chunk.length && chunk[end] === CR) end++
      if (end === chunk.length) {
        heldCrs = end - cr
        parts.push(chunk.subarray(from, cr))
        from = end
        break
      }
      if (chunk[end] === LF) {
        parts.push(chunk.subarray(from, cr))
        from = end
      }
      cr = chunk.indexOf(CR, end)
    }
    parts.push(chunk.subarray(from))
    yield Buffer.concat(parts)
  }
  if (heldCrs > 0) yield Buffer.alloc(heldCrs, CR)
}

/** The CSV parser over any chunk source (a chunk may be reused once the next is asked for). */
export async function ingestCsvChunks(chunks: AsyncIterable<Buffer>, ctx: IngestContext, mapping?: Record<string, string>): Promise<number> {
  let bytes = 0
  let rows: CsvRowReader | undefined
  const onRecord = (fields: string[], line: number) => {
    const src = {file: ctx.file, line}
    if (rows === undefined) {
      const cols = columnIndexes(fields, mapping)
      const missing = REQUIRED.filter((f) => !cols.has(f))
      if (missing.length > 0) {
        throw new InputError(`CSV header lacks column(s) ${missing.map((f) => mapping?.[f] ?? f).join(', ')} (header: ${fields.join(',')}; map names with --columns)`, src)
      }
      rows = new CsvRowReader(cols)
      return
    }
    const rec = rows.toRecord(fields, src)
    if (typeof rec === 'string') {
      ctx.warnings.warn('csv-bad-row', `${rec}; row skipped`, src)
      return
    }
    ctx.records++
    ctx.sink.trace(rec)
  }
  await readCsvRecords(counted(chunks, (n) => (bytes += n)), ctx.file, onRecord)
  if (rows === undefined) throw new InputError('empty CSV file (no header row)', {file: ctx.file})
  return bytes
}

/**
 * The records of a CSV byte stream, each with its line, as csv-parse read them from the stream with
 * its CRs before LFs left out: its BOM skipped, a UTF-16LE one handing the whole input to csv-parse.
 * Syntax errors are InputErrors with csv-parse's message and line.
 */
export async function readCsvRecords(chunks: AsyncIterable<Buffer>, file: string, onRecord: CsvRecordHandler): Promise<void> {
  const source = withoutCrBeforeLf(chunks)[Symbol.asyncIterator]()
  // The first three bytes tell the BOM (none looked for in less, as csv-parse does).
  let head: Buffer = Buffer.alloc(0)
  let ended = false
  while (head.length < 3 && !ended) {
    const next = await source.next()
    if (next.done) ended = true
    else head = head.length === 0 ? next.value : Buffer.concat([head, next.value])
  }
  const rest = async function* () {
    if (head.length > 0) yield head
    if (!ended) yield* {[Symbol.asyncIterator]: () => source}
  }
  if (head.length >= 3 && UTF16LE_BOM.equals(head.subarray(0, 2))) return readWithCsvParse(rest(), file, onRecord)
  if (head.length >= 3 && UTF8_BOM.equals(head.subarray(0, 3))) head = head.subarray(3)
  const reader = new CsvRecordReader(onRecord)
  try {
    for await (const chunk of rest()) reader.push(chunk)
    reader.end()
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new InputError(`bad CSV: ${error.message}`, {file, line: error.line})
    throw error
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])
const UTF16LE_BOM = Buffer.from([0xff, 0xfe])

/**
 * A UTF-16LE input (its BOM first), which CsvRecordReader does not read: csv-parse's streaming
 * API, loaded only then.
 */
async function readWithCsvParse(chunks: AsyncIterable<Buffer>, file: string, onRecord: CsvRecordHandler): Promise<void> {
  const {CsvError, parse} = await import('csv-parse')
  const parser = parse(CSV_PARSE_OPTIONS)
  const feed = (async () => {
    try {
      for await (const chunk of chunks) {
        if (parser.destroyed) return
        if (!parser.write(chunk)) await drainedOrClosed(parser)
      }
      if (!parser.destroyed) parser.end()
    } catch (error) {
      parser.destroy(error as Error)
    }
  })()
  try {
    for await (const item of parser as AsyncIterable<{record: string[]; info: {lines: number}}>) onRecord(item.record, item.info.lines)
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as InstanceType<typeof CsvError> & {lines?: number}).lines
      throw new InputError(`bad CSV: ${error.message}`, line === undefined ? {file} : {file, line})
    }
    throw error
  } finally {
    if (!parser.destroyed) parser.destroy()
    await feed
  }
}

/** The chunks as they are, their sizes told to `add` (the input's byte count, CRs included). */
async function* counted(chunks: AsyncIterable<Buffer>, add: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    add(chunk.length)
    yield chunk
  }
}

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}
