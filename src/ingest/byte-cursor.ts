/**
 * A cursor over one line of bytes with hand-written number parsers: the QEMU log hot path must not
 * allocate strings or run regexes per line. Every reader returns NaN / false on a mismatch and the
 * caller gives up on the line; nothing here throws.
 */
export class ByteCursor {
  buf: Buffer = Buffer.alloc(0)
  pos = 0
  end = 0
  /** Set by hex() when the value needed more than 53 bits; then hex() returned NaN. */
  big: bigint | undefined

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf
    this.pos = start
    this.end = end
  }

  /** Consumes `lit` if the bytes at the cursor equal it. */
  lit(lit: Uint8Array): boolean {
    const n = lit.length
    const p = this.pos
    if (p + n > this.end) return false
    const buf = this.buf
    for (let i = 0; i < n; i++) if (buf[p + i] !== lit[i]) return false
    this.pos = p + n
    return true
  }

  byte(b: number): boolean {
    if (this.pos < this.end && this.buf[this.pos] === b) {
      this.pos++
      return true
    }
    return false
  }

  /** Unsigned decimal; NaN if no digit. */
  dec(): number {
    const buf = this.buf
    let p = this.pos
    const start = p
    let v = 0
    while (p < this.end) {
      const c = buf[p]! - 48
      if (c < 0 || c > 9) break
      v = v * 10 + c
      p++
    }
    if (p === start || p - start > 15) return Number.NaN
    this.pos = p
    return v
  }

  /** Optionally negative decimal. */
  sdec(): number {
    if (this.byte(45)) {
      const v = this.dec()
      return -v
    }
    return this.dec()
  }

  /** Hex digits (no 0x); NaN if none. Values above 2^53 return NaN and set `big`. */
  hex(): number {
    const buf = this.buf
    let p = this.pos
    const start = p
    let v = 0
    this.big = undefined
    while (p < this.end) {
      const c = buf[p]!
      let d: number
      if (c >= 48 && c <= 57) d = c - 48
      else if (c >= 97 && c <= 102) d = c - 87
      else if (c >= 65 && c <= 70) d = c - 55
      else break
      v = v * 16 + d
      p++
    }
    const digits = p - start
    if (digits === 0 || digits > 16) return Number.NaN
    this.pos = p
    if (v > Number.MAX_SAFE_INTEGER) {
      this.big = BigInt('0x' + buf.toString('latin1', start, p))
      return Number.NaN
    }
    return v
  }

  /** `0x` followed by hex digits. */
  hex0x(): number {
    const p = this.pos
    if (p + 2 < this.end && this.buf[p] === 48 && (this.buf[p + 1] === 120 || this.buf[p + 1] === 88)) {
      this.pos = p + 2
      const v = this.hex()
      if (Number.isNaN(v) && this.big === undefined) this.pos = p
      return v
    }
    return Number.NaN
  }

  /**
   * Position of the next `b` at or after the cursor, before the end, or -1. A loop, not
   * Buffer.indexOf: the fields searched are a few bytes long, shorter than the native call's overhead.
   */
  find(b: number): number {
    const buf = this.buf
    for (let i = this.pos; i < this.end; i++) if (buf[i] === b) return i
    return -1
  }

  atEnd(): boolean {
    return this.pos >= this.end
  }
}

export function ascii(text: string): Uint8Array {
  return Buffer.from(text, 'latin1')
}
