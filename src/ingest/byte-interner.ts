/**
 * Turns byte ranges into strings, decoding each distinct value only once: dev names, region names
 * and pointers repeat millions of times in a big trace, so the hot path hashes bytes instead of
 * allocating a new string per line.
 */
import {decodeUtf8} from './text-decode.js'

interface Entry {
  readonly bytes: Buffer
  readonly text: string
  next: Entry | undefined
}

export class ByteInterner {
  private readonly table = new Map<number, Entry>()
  private count = 0

  constructor(private readonly limit = 100_000) {}

  intern(buf: Buffer, start: number, end: number): string {
    let h = 0x811c9dc5
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193)
    const len = end - start
    let e = this.table.get(h)
    const first = e
    for (; e !== undefined; e = e.next) if (sameBytes(e.bytes, buf, start, len)) return e.text
    return this.add(buf, start, end, h, first)
  }

  private add(buf: Buffer, start: number, end: number, hash: number, chain: Entry | undefined): string {
    const text = decodeUtf8(buf, start, end)
    // Garbage input could hold endless distinct values: stop remembering past the limit.
    if (this.count >= this.limit) return text
    this.count++
    this.table.set(hash, {bytes: Buffer.from(buf.subarray(start, end)), text, next: chain})
    return text
  }
}

function sameBytes(a: Buffer, buf: Buffer, start: number, len: number): boolean {
  if (a.length !== len) return false
  for (let i = 0; i < len; i++) if (a[i] !== buf[start + i]) return false
  return true
}

/**
 * A few most recent values of one field in front of a ByteInterner: a trace repeats the same
 * pointer or region name line after line, and comparing against those is cheaper than hashing.
 * The bytes are kept in buffers of its own, reused: a miss allocates nothing (a trace that cycles
 * through more values than the slots misses on every line).
 */
export class RecentStrings {
  private readonly bytes: Buffer[] = [Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64)]
  private readonly lengths = [-1, -1, -1, -1]
  private readonly texts: string[] = ['', '', '', '']
  private next = 0

  constructor(private readonly backing: ByteInterner) {}

  get(buf: Buffer, start: number, end: number): string {
    const len = end - start
    for (let k = 0; k < 4; k++) if (this.lengths[k] === len && sameBytesFromEnd(this.bytes[k]!, buf, start, len)) return this.texts[k]!
    const text = this.backing.intern(buf, start, end)
    const slot = this.next
    this.next = (slot + 1) & 3
    if (this.bytes[slot]!.length < len) this.bytes[slot] = Buffer.alloc(Math.max(len, 2 * this.bytes[slot]!.length))
    buf.copy(this.bytes[slot]!, 0, start, end)
    this.lengths[slot] = len
    this.texts[slot] = text
    return text
  }
}

/** `a` starts with the `len` bytes at `buf[start]`; compared from the end, where pointers and names differ. */
function sameBytesFromEnd(a: Buffer, buf: Buffer, start: number, len: number): boolean {
  for (let i = len - 1; i >= 0; i--) if (a[i] !== buf[start + i]) return false
  return true
}
