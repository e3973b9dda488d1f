/**
 * Config-space probes of absent functions make up most of a QEMU trace with memory events on:
 * the firmware and the kernel scan every slot, each probe being a `pci-conf-idx` write and a
 * `pci-conf-data` read with no pci_cfg_* event between them (QEMU before 8.0 traces nothing for an
 * absent function). Such pairs say nothing about any device, so the QEMU log parser holds config-
 * path memory lines back (as raw bytes, unparsed) until it knows whether a pci_cfg_* event follows:
 *   read:  pci-conf-idx write, pci_cfg_read, pci-conf-data read   (MMCONFIG: pci_cfg_read, mmcfg read)
 *   write: pci-conf-idx write, pci-conf-data write, pci_cfg_write (MMCONFIG: mmcfg write, pci_cfg_write)
 * Held lines are replayed, in order, before the next record of any kind; a held line that is
 * superseded by the next config-path access without any record in between is dropped and counted.
 */
import {ascii, viewFor} from './byte-cursor.js'

export const enum ConfRegion {
  None,
  /** `pci-conf-idx` (0xcf8) */
  Index,
  /** `pci-conf-data` (0xcfc..0xcff) or `pcie-mmcfg*` (MMCONFIG window) */
  Data,
}

export const enum MemOp {
  None,
  Read,
  Write,
}

const CONF_IDX_NAME = 'pci-conf-idx'
const CONF_DATA_NAME = 'pci-conf-data'
const CONF_IDX_Q = ascii(`${CONF_IDX_NAME}'`)
const CONF_DATA_Q = ascii(`${CONF_DATA_NAME}'`)
const PCIE_MMCFG = ascii('pcie-mmcfg')

function bytesAt(buf: Buffer, at: number, end: number, lit: Uint8Array): boolean {
  if (at + lit.length > end) return false
  for (let i = 0; i < lit.length; i++) if (buf[at + i] !== lit[i]) return false
  return true
}

const CONF_IDX_TAIL = ascii(` name '${CONF_IDX_NAME}'`)
const CONF_DATA_TAIL = ascii(` name '${CONF_DATA_NAME}'`)
/** The tails as little-endian 32-bit words from their end backwards (a 20/21-byte tail: 5 words, and 0/1 bytes left at its start). */
const tailWords = (tail: Uint8Array) => Array.from({length: tail.length >> 2}, (_, i) => Buffer.from(tail).readInt32LE(tail.length - 4 * (i + 1)))
const CONF_IDX_WORDS = tailWords(CONF_IDX_TAIL)
const CONF_DATA_WORDS = tailWords(CONF_DATA_TAIL)


/**
 * The two config-mechanism #1 regions straight from the end of the line, without looking for the
 * name's opening quote: they are most lines of a trace. Returns where the name's quote is (or -1).
 */
export function confPortQuote(buf: Buffer, start: number, end: number): number {
  const last = buf[end - 2]
  const tail = last === 120 /* x */ ? CONF_IDX_TAIL : last === 97 /* a */ ? CONF_DATA_TAIL : undefined
  if (tail === undefined) return -1
  const at = end - tail.length
  if (at < start) return -1
  const v = viewFor(buf)
  const words = tail === CONF_IDX_TAIL ? CONF_IDX_WORDS : CONF_DATA_WORDS
  for (let i = 0; i < words.length; i++) if (v.getInt32(end - 4 * (i + 1), true) !== words[i]) return -1
  for (let i = 0; i < (tail.length & 3); i++) if (buf[at + i] !== tail[i]) return -1
  return at + 6
}

/** Which config path a region name (starting at `at`, quote-terminated) is. */
export function confRegionAt(buf: Buffer, at: number, end: number): ConfRegion {
  if (buf[at] !== 112 /* p */) return ConfRegion.None
  if (bytesAt(buf, at, end, CONF_IDX_Q)) return ConfRegion.Index
  if (bytesAt(buf, at, end, CONF_DATA_Q) || bytesAt(buf, at, end, PCIE_MMCFG)) return ConfRegion.Data
  return ConfRegion.None
}

/**
 * memory_region_ops_read / _write starting at `at`. Only a few bytes of the name are compared: a
 * line that is kept is parsed in full later anyway, and this runs for most lines of a big trace.
 */
export function memOpAt(buf: Buffer, at: number, end: number): MemOp {
  if (at + 19 > end || buf[at] !== 109 || buf[at + 6] !== 95 || buf[at + 13] !== 95 || buf[at + 17] !== 95) return MemOp.None
  const c = buf[at + 18]
  return c === 114 /* r */ ? MemOp.Read : c === 119 /* w */ ? MemOp.Write : MemOp.None
}

/**
 * Up to a few raw lines. They are kept as views into the reader's chunk while it is current and
 * copied out only when the chunk ends (`detach`), which happens once per MiB, not per line.
 */
export class HeldLines {
  private readonly bufs: Buffer[] = []
  private readonly starts: number[] = []
  private readonly ends: number[] = []
  private readonly lineNos: number[] = []
  /** The region each line was classified as, and where its name's quote is (from the line start). */
  private readonly regions: ConfRegion[] = []
  private readonly quotes: number[] = []
  private readonly owned: Buffer[] = []
  count = 0
  /** The last held line is a data write waiting for its pci_cfg_write. */
  lastIsData = false

  hold(buf: Buffer, start: number, end: number, lineNo: number, region: ConfRegion, quote: number): void {
    const i = this.count++
    this.bufs[i] = buf
    this.starts[i] = start
    this.ends[i] = end
    this.lineNos[i] = lineNo
    this.regions[i] = region
    this.quotes[i] = quote - start
    this.lastIsData = region === ConfRegion.Data
  }

  /** The reader is about to reuse its chunk: copy the held lines into our own memory. */
  detach(): void {
    for (let i = 0; i < this.count; i++) {
      const len = this.ends[i]! - this.starts[i]!
      let own = this.owned[i]
      if (own === undefined || own.length < len) this.owned[i] = own = Buffer.allocUnsafe(Math.max(256, len))
      if (this.bufs[i] === own) continue
      this.bufs[i]!.copy(own, 0, this.starts[i], this.ends[i])
      this.bufs[i] = own
      this.starts[i] = 0
      this.ends[i] = len
    }
  }

  /** Hands each held line to `replay` in order (with its region and name quote) and empties the store. */
  drain(replay: (buf: Buffer, start: number, end: number, lineNo: number, region: ConfRegion, quote: number) => void): void {
    const n = this.count
    this.count = 0
    this.lastIsData = false
    for (let i = 0; i < n; i++) {
      const start = this.starts[i]!
      replay(this.bufs[i]!, start, this.ends[i]!, this.lineNos[i]!, this.regions[i]!, start + this.quotes[i]!)
    }
  }

  /** Forgets the held lines; returns how many there were. */
  clear(): number {
    const n = this.count
    this.count = 0
    this.lastIsData = false
    return n
  }
}

/**
 * Where the event name starts after a TID@ or ISO prefix, without checking the prefix (the line is
 * fully parsed later if it is kept); -1 if the line cannot start an event.
 */
export function eventStartFast(buf: Buffer, start: number, end: number): number {
  const c0 = buf[start]!
  if (c0 >= 97 && c0 <= 122) return start
  if (c0 < 48 || c0 > 57) return -1
  const stop = buf[start + 4] === 45 ? 32 /* ISO: up to the space */ : 58 /* TID@time: up to the colon */
  // Four bytes at a time: a word holds `stop` when (w ^ stop x4) has a zero byte.
  const v = viewFor(buf)
  const pattern = Math.imul(stop, 0x01010101)
  let p = start + 1
  for (; p + 4 <= end; p += 4) {
    const x = v.getInt32(p, true) ^ pattern
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break
  }
  while (p < end && buf[p] !== stop) p++
  return p < end ? p + 1 : -1
}
