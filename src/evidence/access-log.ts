/**
 * A device's kept region accesses, column by column in typed arrays rather than one object each: a
 * long trace replaces them boot after boot, and objects that live that long before they go are what
 * makes a garbage-collected heap grow with the input. The objects are made again at the end.
 */
import type {SourceRef} from '../util/source.js'
import type {RegionAccess, VirtioRegion} from './types.js'

const REGIONS: readonly VirtioRegion[] = ['common', 'isr', 'device', 'notify', 'notify-pio', 'legacy', 'msix-table', 'msix-pba']
const REGION_CODE = new Map(REGIONS.map((r, i) => [r, i]))
const WRITE = 0x80
/** How the source names the place: no more than the file, a line, a record. */
const SRC_FILE = 0
const SRC_LINE = 1
const SRC_RECORD = 2

export class AccessLog {
  private count = 0
  private kind = new Uint8Array(0)
  private bar = new Uint8Array(0)
  private srcKind = new Uint8Array(0)
  private file = new Uint16Array(0)
  private numbers = new Float64Array(0)
  private readonly files: string[] = []

  /** Numbers per access in `numbers`: offset, size, value, addr, line or record, seq. */
  private static readonly WIDTH = 6

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.count
  }

  /** Input order of the access at `i`. */
  seqAt(i: number): number {
    return this.numbers[i * AccessLog.WIDTH + 5]!
  }

  /** Appends an access (the caller keeps within the capacity). */
  push(a: RegionAccess, seq: number): void {
    if (this.count === this.kind.length) this.grow()
    const i = this.count++
    this.kind[i] = REGION_CODE.get(a.region)! | (a.op === 'write' ? WRITE : 0)
    this.bar[i] = a.bar
    const src = a.src
    this.srcKind[i] = src.line !== undefined ? SRC_LINE : src.record !== undefined ? SRC_RECORD : SRC_FILE
    let f = this.files.lastIndexOf(src.file)
    if (f < 0) f = this.files.push(src.file) - 1
    this.file[i] = f
    const n = this.numbers
    const at = i * AccessLog.WIDTH
    n[at] = a.offset
    n[at + 1] = a.size
    n[at + 2] = a.value
    n[at + 3] = a.addr
    n[at + 4] = src.line ?? src.record ?? 0
    n[at + 5] = seq
  }

  /** Drops the first `n` accesses. */
  dropFirst(n: number): void {
    const w = AccessLog.WIDTH
    this.kind.copyWithin(0, n, this.count)
    this.bar.copyWithin(0, n, this.count)
    this.srcKind.copyWithin(0, n, this.count)
    this.file.copyWithin(0, n, this.count)
    this.numbers.copyWithin(0, n * w, this.count * w)
    this.count -= n
  }

  toAccesses(): RegionAccess[] {
    const out: RegionAccess[] = []
    const n = this.numbers
    for (let i = 0; i < this.count; i++) {
      const at = i * AccessLog.WIDTH
      const file = this.files[this.file[i]!]!
      const kind = this.srcKind[i]
      const src: SourceRef = kind === SRC_LINE ? {file, line: n[at + 4]!} : kind === SRC_RECORD ? {file, record: n[at + 4]!} : {file}
      out.push({
        region: REGIONS[this.kind[i]! & ~WRITE]!,
        op: (this.kind[i]! & WRITE) !== 0 ? 'write' : 'read',
        offset: n[at]!,
        size: n[at + 1]!,
        value: n[at + 2]!,
        src,
        addr: n[at + 3]!,
        bar: this.bar[i]!,
      })
    }
    return out
  }

  private grow(): void {
    const length = Math.min(this.capacity, Math.max(64, this.kind.length * 2))
    const widen = <T extends Uint8Array | Uint16Array | Float64Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(length * per)
      next.set(old)
      return next
    }
    this.kind = widen(this.kind, (n) => new Uint8Array(n))
    this.bar = widen(this.bar, (n) => new Uint8Array(n))
    this.srcKind = widen(this.srcKind, (n) => new Uint8Array(n))
    this.file = widen(this.file, (n) => new Uint16Array(n))
    this.numbers = widen(this.numbers, (n) => new Float64Array(n), AccessLog.WIDTH)
  }
}
