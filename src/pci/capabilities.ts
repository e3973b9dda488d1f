/**
 * The capability list walked the plain PCI way (PCI_CAPABILITY_LIST, then each next pointer), over
 * whatever bytes a caller has: the one walk for evidence, reports, spec lints and fuzzing. It stops at
 * the first unknown byte, at a pointer below the standard header, and at the first position reached
 * twice (so it always ends: at most 48 entries fit in 0x40..0xfc). The kernel-faithful walk, with the
 * kernel's reads and widths, stays in src/model/pci-core.ts.
 */
import {hex} from '../util/hex.js'
import {PCI_CAP_LIST_ID, PCI_CAP_LIST_NEXT, PCI_CAPABILITY_LIST, PCI_STATUS, PCI_STATUS_CAP_LIST, PCI_STD_HEADER_SIZEOF} from './layout.js'

/** A config byte, or undefined when it is not known. A reader may also throw, to stop the walk. */
export type ByteReader = (offset: number) => number | undefined

export interface CapabilityEntry {
  readonly offset: number
  /** Undefined when the header byte is unknown (the walk ends there). */
  readonly id?: number
}

/** Why the walk ended: 'end' (next 0), 'unknown' (a byte not known), 'cycle', 'no-list' (status bit
 * clear), 'bad-pointer' (below the standard header), 'invalid-id' (0xff, with stopAtInvalidId). */
export type WalkEnd = 'end' | 'unknown' | 'cycle' | 'no-list' | 'bad-pointer' | 'invalid-id'

export interface WalkOptions {
  /** Walk only if PCI_STATUS has PCI_STATUS_CAP_LIST, as the PCI core does. */
  readonly requireCapList?: boolean
  /** Stop at capability id 0xff (what an absent function reads as), as the PCI core does. */
  readonly stopAtInvalidId?: boolean
}

/** Iterate it once; `end` and `endDetail` say why it stopped. */
export class CapabilityWalk implements Iterable<CapabilityEntry> {
  end: WalkEnd = 'end'
  endDetail?: string

  constructor(
    private readonly byte: ByteReader,
    private readonly opts: WalkOptions = {},
  ) {}

  *[Symbol.iterator](): Iterator<CapabilityEntry> {
    if (this.opts.requireCapList) {
      const status = this.byte(PCI_STATUS)
      if (status === undefined) return this.stop('unknown', `status register (${hex(PCI_STATUS)}) unknown`)
      if ((status & PCI_STATUS_CAP_LIST) === 0) return this.stop('no-list', 'PCI_STATUS_CAP_LIST (status bit 4) is clear')
    }
    const first = this.byte(PCI_CAPABILITY_LIST)
    if (first === undefined) return this.stop('unknown', `capability pointer (${hex(PCI_CAPABILITY_LIST)}) unknown`)
    const seen = new Set<number>()
    for (let pos = first & ~3; pos !== 0; ) {
      if (pos < PCI_STD_HEADER_SIZEOF) return this.stop('bad-pointer', `pointer ${hex(pos)} outside 0x40..0xfc`)
      if (seen.has(pos)) return this.stop('cycle', `${hex(pos)} is reached twice`)
      seen.add(pos)
      const id = this.byte(pos + PCI_CAP_LIST_ID)
      if (id === undefined) {
        yield {offset: pos}
        return this.stop('unknown', `capability header at ${hex(pos)} unknown`)
      }
      if (this.opts.stopAtInvalidId && id === 0xff) return this.stop('invalid-id', `capability id 0xff at ${hex(pos)}`)
      yield {offset: pos, id}
      const next = this.byte(pos + PCI_CAP_LIST_NEXT)
      if (next === undefined) return this.stop('unknown', `capability header at ${hex(pos)} unknown`)
      pos = next & ~3
    }
    this.end = 'end'
  }

  private stop(end: WalkEnd, detail: string): undefined {
    this.end = end
    this.endDetail = detail
    return undefined
  }
}
