/**
 * Config-space accesses exported as CSV by other tools (PCIe analyzers, scripts): a header row,
 * default columns time, bdf, op, offset, size, value (case-insensitive), other header names mapped
 * with `columns` (e.g. {offset: 'Address'}). Numbers in hex (0x..) or decimal; op read/write/rd/wr/R/W;
 * bdf `0000:00:03.0` or `00:03.0`. Parsed with csv-parse's streaming API.
 */
import {CsvError, parse} from 'csv-parse'
import {InputError} from '../util/errors.js'
import {parseBdf} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'
import type {InputBytes} from './byte-source.js'
import {guardedTextChunks} from './text-input.js'
import type {IngestContext} from './ingest-context.js'
import type {CfgAccessRecord} from './records.js'

export const CSV_FIELDS = ['time', 'bdf', 'op', 'offset', 'size', 'value'] as const
export type CsvField = (typeof CSV_FIELDS)[number]
const REQUIRED: readonly CsvField[] = ['bdf', 'op', 'offset', 'value']
const MAX_RECORD = 64 * 1024

const OPS: Readonly<Record<string, 'read' | 'write'>> = {read: 'read', rd: 'read', r: 'read', write: 'write', wr: 'write', w: 'write'}

/** Hex with 0x (or a trailing h), else decimal; undefined if neither. */
export function parseCsvNumber(text: string): number | undefined {
  const t = text.trim()
  let v: number
  if (/^0x[0-9a-f]+$/i.test(t)) v = Number.parseInt(t.slice(2), 16)
  else if (/^[0-9a-f]+h$/i.test(t)) v = Number.parseInt(t.slice(0, -1), 16)
  else if (/^\d+$/.test(t)) v = Number(t)
  else return undefined
  return Number.isSafeInteger(v) ? v : undefined
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

/** One data row to a record, or the reason it is not one. */
export function csvRowToRecord(row: readonly string[], cols: Map<CsvField, number>, src: SourceRef): CfgAccessRecord | string {
  const get = (f: CsvField) => {
    const i = cols.get(f)
    return i === undefined ? undefined : row[i]?.trim()
  }
  const address = parseBdf(get('bdf') ?? '')
  if (!address) return `bad bdf "${get('bdf') ?? ''}"`
  const op = OPS[(get('op') ?? '').toLowerCase()]
  if (!op) return `bad op "${get('op') ?? ''}"`
  const offset = parseCsvNumber(get('offset') ?? '')
  if (offset === undefined || offset > 0xfff) return `bad offset "${get('offset') ?? ''}"`
  const value = parseCsvNumber(get('value') ?? '')
  if (value === undefined || value > 0xffffffff) return `bad value "${get('value') ?? ''}"`
  let size: 1 | 2 | 4 | undefined
  const sizeText = get('size')
  if (sizeText !== undefined && sizeText !== '') {
    const n = parseCsvNumber(sizeText)
    if (n !== 1 && n !== 2 && n !== 4) return `bad size "${sizeText}"`
    size = n
    if (value >= 2 ** (8 * n)) return `value ${get('value')} does not fit in ${n} bytes`
  }
  const timeText = get('time')
  const time = timeText === undefined || timeText === '' ? undefined : Number(timeText)
  return {
    kind: 'cfg',
    src,
    ...(time === undefined || !Number.isFinite(time) ? {} : {time}),
    op,
    dev: '',
    bus: address.bus,
    slot: address.slot,
    func: address.func,
    domain: address.domain,
    offset,
    value,
    ...(size === undefined ? {} : {size}),
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
 * CRs of `\r\r\n` make a one-field record per line, and csv-parse builds an error object (context
 * deep-copied) for every record whose field count differs from the header's: ten times the cost of
 * a row. Line numbers stay the LF count, as `grep -n` shows them.
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
  const parser = parse({
    bom: true,
    comment: '#',
    relax_column_count: true,
    skip_empty_lines: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD,
    info: true,
  })
  let bytes = 0
  const feed = (async () => {
    try {
      for await (const chunk of withoutCrBeforeLf(counted(chunks, (n) => (bytes += n)))) {
        if (parser.destroyed) return
        // A fresh buffer (the reader reuses its own): csv-parse may keep it.
        if (!parser.write(chunk)) await drainedOrClosed(parser)
      }
      if (!parser.destroyed) parser.end()
    } catch (error) {
      parser.destroy(error as Error)
    }
  })()
  let cols: Map<CsvField, number> | undefined
  try {
    for await (const item of parser as AsyncIterable<{record: string[]; info: {lines: number}}>) {
      const src = {file: ctx.file, line: item.info.lines}
      if (cols === undefined) {
        cols = columnIndexes(item.record, mapping)
        const missing = REQUIRED.filter((f) => !cols!.has(f))
        if (missing.length > 0) {
          throw new InputError(
            `CSV header lacks column(s) ${missing.map((f) => mapping?.[f] ?? f).join(', ')} (header: ${item.record.join(',')}; map names with --columns)`,
            src,
          )
        }
        continue
      }
      const rec = csvRowToRecord(item.record, cols, src)
      if (typeof rec === 'string') {
        ctx.warnings.warn('csv-bad-row', `${rec}; row skipped`, src)
        continue
      }
      ctx.records++
      ctx.sink.trace(rec)
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & {lines?: number}).lines
      throw new InputError(`bad CSV: ${error.message}`, line === undefined ? {file: ctx.file} : {file: ctx.file, line})
    }
    throw error
  } finally {
    await feed
  }
  if (cols === undefined) throw new InputError('empty CSV file (no header row)', {file: ctx.file})
  return bytes
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
