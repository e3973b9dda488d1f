/**
 * Config bytes that lspci's decoded text states exactly, and only those:
 *  - ids: `[1af4:1041]` (-nn), `1af4:1041` (-n), `Device 1af4:1041` (no name known), in the header
 *    line and the Subsystem line; `(rev 01)`; `(prog-if 80 [...])`;
 *  - capabilities (pciutils ls-caps.c, ls-caps-vendor.c): the id byte at each `Capabilities: [84]`
 *    whose name says it, `Len=%02x` of an undecoded vendor capability, and under
 *    `Vendor Specific Information: VirtIO: Notify` the cfg_type byte from the name and, at -vv,
 *    `BAR=%d offset=%08x size=%08x [multiplier=%08x]` (SharedMemory: 64-bit offset/size and `id=`);
 *    MSI-X's `Vector table:` / `PBA:` dwords (BIR | offset).
 * Not the next pointers: lspci prints the chain with their low two bits masked off, so the bytes
 * themselves are not known.
 */
import type {SourceRef} from '../util/source.js'

const NNN_IDS_RE = /\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$/
const PLAIN_IDS_RE = /(?:^|: |Device )([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/

/** The id pair ending a header or Subsystem text, in any of the forms lspci prints it. */
export function parseIdPair(text: string): {first: number; second: number} | undefined {
  const m = NNN_IDS_RE.exec(text) ?? PLAIN_IDS_RE.exec(text)
  return m ? {first: Number.parseInt(m[1]!, 16), second: Number.parseInt(m[2]!, 16)} : undefined
}

/** Decoded bytes of one block, by offset; a later statement of the same byte replaces the earlier. */
export class DecodedBytes {
  private readonly bytes = new Map<number, {offset: number; value: number; src: SourceRef}>()

  get size(): number {
    return this.bytes.size
  }

  byte(offset: number, value: number, src: SourceRef): void {
    this.bytes.set(offset, {offset, value: value & 0xff, src})
  }

  word(offset: number, value: number, src: SourceRef): void {
    for (let i = 0; i < 2; i++) this.byte(offset + i, Math.floor(value / 256 ** i), src)
  }

  dword(offset: number, value: number, src: SourceRef): void {
    for (let i = 0; i < 4; i++) this.byte(offset + i, Math.floor(value / 256 ** i), src)
  }

  list(): {offset: number; value: number; src: SourceRef}[] {
    return [...this.bytes.values()].sort((a, b) => a.offset - b.offset)
  }
}

/** Capability names as ls-caps.c prints them, and the id each stands for. */
const CAPABILITY_IDS: readonly (readonly [RegExp, number])[] = [
  [/^Null$/, 0x00],
  [/^Power Management version \d+$/, 0x01],
  [/^MSI: Enable/, 0x05],
  [/^Vendor Specific Information: /, 0x09],
  [/^Express \(v\d+\) /, 0x10],
  [/^MSI-X: Enable/, 0x11],
]
const VENDOR_LEN_RE = /^Vendor Specific Information: Len=([0-9a-fA-F]{2}) <\?>$/
const VIRTIO_RE = /^Vendor Specific Information: VirtIO: (\S+)$/
/** cfg_type by name (ls-caps-vendor.c); `<unknown>` is any other value. */
const VIRTIO_TYPES: Record<string, number> = {CommonCfg: 1, Notify: 2, ISR: 3, DeviceCfg: 4, SharedMemory: 8}
const VIRTIO_FIELDS_RE = /^\s+BAR=(\d{1,3}) offset=([0-9a-fA-F]{8}) size=([0-9a-fA-F]{8})(?: multiplier=([0-9a-fA-F]{8}))?\s*$/
const VIRTIO_SHM_RE = /^\s+BAR=(\d{1,3}) offset=([0-9a-fA-F]{16}) size=([0-9a-fA-F]{16}) id=(\d{1,3})\s*$/
const MSIX_TABLE_RE = /^\s+(Vector table|PBA): BAR=([0-7]) offset=([0-9a-fA-F]{8})\s*$/

// virtio_pci_cap (include/uapi/linux/virtio_pci.h) and MSI-X capability field offsets.
const CAP_LEN = 2
const CFG_TYPE = 3
const CAP_BAR = 4
const CAP_ID = 5
const CAP_OFFSET = 8
const CAP_LENGTH = 12
const NOTIFY_MULTIPLIER = 16
const CAP_OFFSET_HI = 16
const CAP_LENGTH_HI = 20
const MSIX_TABLE = 4
const MSIX_PBA = 8

/** Follows `Capabilities: [xx]` lines and the detail lines printed under them. */
export class CapabilityDecoder {
  private open: {offset: number; kind: 'virtio' | 'msix'} | undefined
  /** A `Capabilities:` line was seen in this block (the BAR lines come before them). */
  seen = false

  /** A capability line this decoder does not read (extended, `<access denied>`). */
  other(): void {
    this.seen = true
    this.open = undefined
  }

  capability(offset: number, text: string, src: SourceRef, out: DecodedBytes): void {
    this.seen = true
    this.open = undefined
    const id = CAPABILITY_IDS.find(([re]) => re.test(text))?.[1]
    if (id === undefined) return
    out.byte(offset, id, src)
    const len = VENDOR_LEN_RE.exec(text)
    if (len) out.byte(offset + CAP_LEN, Number.parseInt(len[1]!, 16), src)
    const virtio = VIRTIO_RE.exec(text)
    if (virtio) {
      const type = VIRTIO_TYPES[virtio[1]!]
      if (type !== undefined) out.byte(offset + CFG_TYPE, type, src)
      this.open = {offset, kind: 'virtio'}
    } else if (id === 0x11) {
      this.open = {offset, kind: 'msix'}
    }
  }

  /** True if `text` was a detail line of the open capability. */
  detail(text: string, src: SourceRef, out: DecodedBytes): boolean {
    const open = this.open
    if (!open) return false
    const base = open.offset
    if (open.kind === 'msix') {
      const m = MSIX_TABLE_RE.exec(text)
      if (!m) return false
      out.dword(base + (m[1] === 'PBA' ? MSIX_PBA : MSIX_TABLE), Number.parseInt(m[3]!, 16) + Number(m[2]), src)
      return true
    }
    let m = VIRTIO_FIELDS_RE.exec(text)
    // BAR= and id= are config bytes (%d of a byte): a larger number is no lspci output.
    if (m && Number(m[1]) <= 0xff) {
      out.byte(base + CAP_BAR, Number(m[1]), src)
      out.dword(base + CAP_OFFSET, Number.parseInt(m[2]!, 16), src)
      out.dword(base + CAP_LENGTH, Number.parseInt(m[3]!, 16), src)
      if (m[4] !== undefined) out.dword(base + NOTIFY_MULTIPLIER, Number.parseInt(m[4], 16), src)
      this.open = undefined
      return true
    }
    m = VIRTIO_SHM_RE.exec(text)
    if (m && Number(m[1]) <= 0xff && Number(m[4]) <= 0xff) {
      out.byte(base + CAP_BAR, Number(m[1]), src)
      out.byte(base + CAP_ID, Number(m[4]), src)
      const [offHi, offLo] = [Number.parseInt(m[2]!.slice(0, 8), 16), Number.parseInt(m[2]!.slice(8), 16)]
      const [lenHi, lenLo] = [Number.parseInt(m[3]!.slice(0, 8), 16), Number.parseInt(m[3]!.slice(8), 16)]
      out.dword(base + CAP_OFFSET, offLo, src)
      out.dword(base + CAP_LENGTH, lenLo, src)
      out.dword(base + CAP_OFFSET_HI, offHi, src)
      out.dword(base + CAP_LENGTH_HI, lenHi, src)
      this.open = undefined
      return true
    }
    return false
  }
}
