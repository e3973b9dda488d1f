/**
 * Splits a byte stream into lines without decoding it. Lines are handed out as (buffer, start, end)
 * views, CR before LF removed, 1-based line numbers. A line longer than `maxLine` is dropped (the
 * splitter stops buffering it at once) and reported through `onOverlong`, so memory stays bounded.
 */
export interface LineConsumer {
  /** One line, bytes [start, end) of `buf`; the buffer is only valid during the call. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void
  /** Called when the buffer last passed to line() is about to be reused or dropped. */
  chunkEnd?(): void
}

export const DEFAULT_MAX_LINE = 64 * 1024

export class LineSplitter {
  private carry: Buffer | undefined
  private skipping = false
  private lineNo = 0

  constructor(
    private readonly consumer: LineConsumer,
    private readonly onOverlong: (line: number) => void,
    private readonly maxLine = DEFAULT_MAX_LINE,
  ) {}

  /** Lines seen so far (including skipped overlong ones). */
  get lines(): number {
    return this.lineNo
  }

  push(chunk: Buffer): void {
    let pos = 0
    const len = chunk.length
    if (this.carry !== undefined || this.skipping) {
      const nl = chunk.indexOf(10)
      if (nl < 0) {
        this.extendCarry(chunk)
        return
      }
      this.extendCarry(chunk.subarray(0, nl))
      this.finishCarried()
      pos = nl + 1
    }
    const consumer = this.consumer
    while (pos < len) {
      const nl = chunk.indexOf(10, pos)
      if (nl < 0) break
      const lineNo = ++this.lineNo
      if (nl - pos > this.maxLine) this.onOverlong(lineNo)
      else consumer.line(chunk, pos, nl > pos && chunk[nl - 1] === 13 ? nl - 1 : nl, lineNo)
      pos = nl + 1
    }
    if (pos < len) this.extendCarry(chunk.subarray(pos))
    consumer.chunkEnd?.()
  }

  /** Flushes a last line that has no newline. */
  end(): void {
    if (this.carry !== undefined || this.skipping) this.finishCarried()
  }

  private extendCarry(part: Buffer): void {
    if (this.skipping) return
    const have = this.carry?.length ?? 0
    if (have + part.length > this.maxLine) {
      this.carry = undefined
      this.skipping = true
      return
    }
    // Copy: the chunk's memory may be reused by the stream.
    this.carry = this.carry === undefined ? Buffer.from(part) : Buffer.concat([this.carry, part])
  }

  private finishCarried(): void {
    const lineNo = ++this.lineNo
    if (this.skipping) {
      this.skipping = false
      this.onOverlong(lineNo)
      return
    }
    const buf = this.carry!
    this.carry = undefined
    let end = buf.length
    if (end > 0 && buf[end - 1] === 13) end--
    this.consumer.line(buf, 0, end, lineNo)
    this.consumer.chunkEnd?.()
  }
}
