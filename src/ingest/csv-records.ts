/**
 * CSV records out of a byte stream, read exactly as csv-parse 7 reads them with the options this
 * project always used (comma, `"` quotes doubled to escape, `#` comments anywhere outside quotes,
 * empty lines skipped, any field count, relaxed quotes, records capped at 64 KiB, the record
 * delimiter the first CR or LF outside quotes), so that the records, their line numbers and the
 * errors are the ones users had; test/ingest/csv-records.test.ts checks it against csv-parse.
 *
 * A line with no quote, no `#` and no other line-end byte (the common case) is decoded and split in
 * one go; anything else goes byte by byte through the state machine. The input has had the CRs
 * before each LF taken out (withoutCrBeforeLf) and its BOM skipped; chunks may be reused by the
 * caller once `push` returns. Memory: the current field and record only (a comment is not kept).
 */

import {isAscii} from 'node:buffer'

const LF = 10
const CR = 13
const QUOTE = 34
const HASH = 35
const COMMA = 44
/** csv-parse's max_record_size as this project set it. */
export const MAX_CSV_RECORD = 64 * 1024

/** The csv-parse options whose reading this reader reproduces (and with which csv-parse reads UTF-16LE). */
export const CSV_PARSE_OPTIONS = {
  bom: true,
  comment: '#',
  relax_column_count: true,
  skip_empty_lines: true,
  relax_quotes: true,
  max_record_size: MAX_CSV_RECORD,
  info: true,
} as const

/** A CSV syntax error, with csv-parse's message and line. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
  }
}

export type CsvRecordHandler = (fields: string[], line: number) => void

export class CsvRecordReader {
  /** The record delimiter: the first CR or LF seen outside quotes (-1 until then). */
  private delimiter = -1
  /** 1 + the CRs and LFs passed so far: csv-parse's `info.lines`, which counts both. */
  private line = 1
  private quoting = false
  /** The current field was quoted (its closing quote seen). */
  private wasQuoting = false
  private commenting = false
  /** The previous byte was the first quote of a doubled quote inside quotes. */
  private escaping = false
  /** A quote inside quotes was the last byte of a chunk: what it means depends on the next byte. */
  private quoteHeld = false
  private record: string[] = []
  /** The length (UTF-16 units) of the record's fields so far, as csv-parse counts toward its cap. */
  private recordLength = 0
  private field: Buffer = Buffer.allocUnsafe(256)
  private fieldLength = 0
  private lastByteEndsLine = false

  constructor(private readonly onRecord: CsvRecordHandler) {}

  push(chunk: Buffer): void {
    const end = chunk.length
    if (end === 0) return
    this.lastByteEndsLine = chunk[end - 1] === LF || chunk[end - 1] === CR
    let pos = 0
    if (this.quoteHeld) {
      this.quoteHeld = false
      if (chunk[0] === QUOTE) this.escaping = true
      else this.quoteInQuotes(chunk[0])
    }
    // Where the next byte of each kind that the fast path cannot take is (-1: none left).
    let nextQuote = -2
    let nextHash = -2
    let nextOther = -2
    while (pos < end) {
      if (!this.neutral() || this.delimiter < 0) {
        pos = this.bytes(chunk, pos, end)
        continue
      }
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = chunk.indexOf(QUOTE, pos)
      if (nextHash !== -1 && nextHash < pos) nextHash = chunk.indexOf(HASH, pos)
      if (nextOther !== -1 && nextOther < pos) nextOther = chunk.indexOf(this.delimiter === LF ? CR : LF, pos)
      let stop = end
      if (nextQuote >= 0 && nextQuote < stop) stop = nextQuote
      if (nextHash >= 0 && nextHash < stop) stop = nextHash
      if (nextOther >= 0 && nextOther < stop) stop = nextOther
      // The whole lines before the first byte the fast path cannot take.
      const last = stop > pos ? chunk.lastIndexOf(this.delimiter, stop - 1) : -1
      if (last >= pos) pos = this.plainLines(chunk, pos, last)
      // Then the line they stopped at, byte by byte.
      pos = this.bytes(chunk, pos, end)
    }
  }

  /**
   * The lines from `pos` to the line end at `last`, none with a quote, `#` or other line-end byte:
   * each decoded and split at commas. Returns where it stopped: after `last`, or at a line longer
   * than the record cap (which the byte steps then take, to fail where csv-parse failed).
   */
  private plainLines(chunk: Buffer, pos: number, last: number): number {
    const delimiter = this.delimiter
    if (!isAscii(chunk.subarray(pos, last))) {
      while (pos <= last) {
        const lineEnd = chunk.indexOf(delimiter, pos)
        if (lineEnd - pos > MAX_CSV_RECORD) return pos
        if (lineEnd > pos) this.onRecord(chunk.toString('utf8', pos, lineEnd).split(','), this.line)
        this.line++
        pos = lineEnd + 1
      }
      return pos
    }
    // ASCII: one string for all the lines, its offsets the bytes'.
    const text = chunk.toString('latin1', pos, last)
    const lineEndChar = String.fromCharCode(delimiter)
    for (let from = 0; ; ) {
      let lineEnd = text.indexOf(lineEndChar, from)
      if (lineEnd < 0) lineEnd = text.length
      if (lineEnd - from > MAX_CSV_RECORD) return pos + from
      if (lineEnd > from) this.onRecord(text.slice(from, lineEnd).split(','), this.line)
      this.line++
      if (lineEnd === text.length) return last + 1
      from = lineEnd + 1
    }
  }

  /** The input ended: the last record, or the error of a quote never closed. */
  end(): void {
    if (this.quoteHeld) {
      this.quoteHeld = false
      this.quoteInQuotes(undefined)
    }
    // csv-parse has not counted the input's last byte as a line end yet.
    const line = this.line - (this.lastByteEndsLine ? 1 : 0)
    if (this.quoting) throw new CsvSyntaxError(`Quote Not Closed: the parsing is finished with an opening quote at line ${line}`, line)
    if (this.wasQuoting || this.record.length > 0 || this.fieldLength > 0) {
      this.endField()
      this.endRecord(line)
    }
  }

  /** At a line start, nothing pending: the fast path may take the line. */
  private neutral(): boolean {
    return !this.quoting && !this.commenting && !this.wasQuoting && !this.escaping && this.record.length === 0 && this.fieldLength === 0
  }

  /**
   * Byte by byte from `pos`, as csv-parse steps; returns after the first line end that leaves the
   * state neutral (so the fast path can go on), or at `end`.
   */
  private bytes(chunk: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = chunk[pos]!
      const at = pos++
      const endsLine = c === LF || c === CR
      if (this.quoting) {
        if (this.escaping) this.escaping = false
        else if (c === QUOTE) {
          if (at + 1 === end) {
            this.quoteHeld = true
            return end
          }
          const next = chunk[at + 1]
          if (next === QUOTE) {
            this.escaping = true
            continue
          }
          if (this.quoteInQuotes(next)) continue
        }
        this.append(c, endsLine)
        continue
      }
      if (this.delimiter < 0 && endsLine) this.delimiter = c
      if (c === QUOTE && !this.commenting) {
        if (this.fieldLength === 0) {
          this.quoting = true
          continue
        }
      } else if (c === this.delimiter) {
        const line = this.line++
        const nothing = !this.wasQuoting && this.record.length === 0 && this.fieldLength === 0
        this.commenting = false
        if (!nothing) {
          this.endField()
          this.endRecord(line)
        }
        if (this.neutral()) return pos
        continue
      }
      if (this.commenting) {
        if (endsLine) this.line++
        continue
      }
      if (c === HASH) {
        this.commenting = true
        continue
      }
      if (c === COMMA) {
        this.endField()
        continue
      }
      this.append(c, endsLine)
    }
    return pos
  }

  /**
   * A quote inside quotes, not doubled, followed by `next` (undefined at the input's end): it closes
   * the field before a comma, a comment, a line end, a NUL or the end; anywhere else (relaxed quotes)
   * it closes it too, and the field keeps both quotes. True when the quote is consumed.
   */
  private quoteInQuotes(next: number | undefined): boolean {
    this.quoting = false
    this.wasQuoting = true
    if (next === undefined || next === 0 || next === COMMA || next === HASH || next === this.delimiter || (this.delimiter < 0 && (next === LF || next === CR))) {
      if (this.delimiter < 0 && (next === LF || next === CR)) this.delimiter = next
      return true
    }
    this.field = reserve(this.field, this.fieldLength + 1)
    this.field.copyWithin(1, 0, this.fieldLength)
    this.field[0] = QUOTE
    this.fieldLength++
    // The quote itself is then an ordinary byte of the field.
    this.append(QUOTE, false)
    return true
  }

  private append(c: number, endsLine: boolean): void {
    if (this.recordLength + this.fieldLength > MAX_CSV_RECORD) {
      throw new CsvSyntaxError(`Max Record Size: record exceed the maximum number of tolerated bytes of ${MAX_CSV_RECORD} at line ${this.line}`, this.line)
    }
    if (this.fieldLength === this.field.length) this.field = reserve(this.field, this.fieldLength + 1)
    this.field[this.fieldLength++] = c
    if (endsLine) this.line++
  }

  private endField(): void {
    const text = this.field.toString('utf8', 0, this.fieldLength)
    this.record.push(text)
    this.recordLength += text.length
    this.fieldLength = 0
    this.wasQuoting = false
  }

  private endRecord(line: number): void {
    const record = this.record
    this.record = []
    this.recordLength = 0
    this.onRecord(record, line)
  }
}

/** `buf`, or a copy twice as large when it holds fewer than `length` bytes. */
function reserve(buf: Buffer, length: number): Buffer {
  if (length <= buf.length) return buf
  const bigger = Buffer.allocUnsafe(Math.max(length, buf.length * 2))
  buf.copy(bigger)
  return bigger
}
