/**
 * A cursor over one line of bytes with hand-written number parsers: the QEMU log hot path must not
 * allocate strings or run regexes per line. Every reader returns NaN / false on a mismatch and the
 * caller gives up on the line; nothing here throws.
 */
/** The value of each byte as a hex digit, -1 if it is none. */
const HEX_DIGIT = new Int8Array(256).fill(-1)
for (let i = 0; i < 10; i++) HEX_DIGIT[48 + i] = i
for (let i = 0; i < 6; i++) HEX_DIGIT[97 + i] = HEX_DIGIT[65 + i] = 10 + i

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

  /** Consumes `lit` if the bytes at the cursor equal it (four at a time: this runs several times per line). */
  lit(lit: Literal): boolean {
    const n = lit.length
    const p = this.pos
    if (p + n > this.end) return false
    const words = lit.words
    const v = viewFor(this.buf)
    for (let i = 0; i < words.length; i++) if (v.getInt32(p + 4 * i, true) !== words[i]) return false
    const bytes = lit.bytes
    const buf = this.buf
    for (let i = words.length * 4; i < n; i++) if (buf[p + i] !== bytes[i]) return false
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
    const end = this.end
    let v = 0
    this.big = undefined
    while (p < end) {
      const d = HEX_DIGIT[buf[p]!]!
      if (d < 0) break
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

/** A literal to match with ByteCursor.lit: its bytes, and its whole 32-bit words (little-endian). */
export interface Literal {
  readonly bytes: Uint8Array
  readonly words: Int32Array
  readonly length: number
}

export function literal(text: string): Literal {
  const bytes = Buffer.from(text, 'latin1')
  const words = new Int32Array(bytes.length >> 2)
  for (let i = 0; i < words.length; i++) words[i] = bytes.readInt32LE(4 * i)
  return {bytes, words, length: bytes.length}
}

/** A DataView of the buffer the lines come from (one per chunk): four bytes compared at a time. */
let viewOf: Buffer | undefined
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0))

export function viewFor(buf: Buffer): DataView<ArrayBufferLike> {
  if (buf !== viewOf) {
    viewOf = buf
    view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  }
  return view
}
