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
import {PCI_CAP_ID_MSIX, PCI_CAP_ID_VNDR, PCI_MSIX_PBA, PCI_MSIX_TABLE, VIRTIO_PCI_CAP64_LENGTH_HI, VIRTIO_PCI_CAP64_OFFSET_HI, VIRTIO_PCI_CAP_BAR, VIRTIO_PCI_CAP_CFG_TYPE, VIRTIO_PCI_CAP_ID, VIRTIO_PCI_CAP_LEN, VIRTIO_PCI_CAP_LENGTH, VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_NOTIFY_CAP_MULT} from '../pci/layout.js'

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
  [/^Vendor Specific Information: /, PCI_CAP_ID_VNDR],
  [/^Express \(v\d+\) /, 0x10],
  [/^MSI-X: Enable/, PCI_CAP_ID_MSIX],
]
const VENDOR_LEN_RE = /^Vendor Specific Information: Len=([0-9a-fA-F]{2}) <\?>$/
const VIRTIO_RE = /^Vendor Specific Information: VirtIO: (\S+)$/
/** cfg_type by name (ls-caps-vendor.c); `<unknown>` is any other value. */
const VIRTIO_TYPES: Record<string, number> = {CommonCfg: 1, Notify: 2, ISR: 3, DeviceCfg: 4, SharedMemory: 8}
const VIRTIO_FIELDS_RE = /^\s+BAR=(\d{1,3}) offset=([0-9a-fA-F]{8}) size=([0-9a-fA-F]{8})(?: multiplier=([0-9a-fA-F]{8}))?\s*$/
const VIRTIO_SHM_RE = /^\s+BAR=(\d{1,3}) offset=([0-9a-fA-F]{16}) size=([0-9a-fA-F]{16}) id=(\d{1,3})\s*$/
const MSIX_TABLE_RE = /^\s+(Vector table|PBA): BAR=([0-7]) offset=([0-9a-fA-F]{8})\s*$/


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
    if (len) out.byte(offset + VIRTIO_PCI_CAP_LEN, Number.parseInt(len[1]!, 16), src)
    const virtio = VIRTIO_RE.exec(text)
    if (virtio) {
      const type = VIRTIO_TYPES[virtio[1]!]
      if (type !== undefined) out.byte(offset + VIRTIO_PCI_CAP_CFG_TYPE, type, src)
      this.open = {offset, kind: 'virtio'}
    } else if (id === PCI_CAP_ID_MSIX) {
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
      out.dword(base + (m[1] === 'PBA' ? PCI_MSIX_PBA : PCI_MSIX_TABLE), Number.parseInt(m[3]!, 16) + Number(m[2]), src)
      return true
    }
    let m = VIRTIO_FIELDS_RE.exec(text)
    // BAR= and id= are config bytes (%d of a byte): a larger number is no lspci output.
    if (m && Number(m[1]) <= 0xff) {
      out.byte(base + VIRTIO_PCI_CAP_BAR, Number(m[1]), src)
      out.dword(base + VIRTIO_PCI_CAP_OFFSET, Number.parseInt(m[2]!, 16), src)
      out.dword(base + VIRTIO_PCI_CAP_LENGTH, Number.parseInt(m[3]!, 16), src)
      if (m[4] !== undefined) out.dword(base + VIRTIO_PCI_NOTIFY_CAP_MULT, Number.parseInt(m[4], 16), src)
      this.open = undefined
      return true
    }
    m = VIRTIO_SHM_RE.exec(text)
    if (m && Number(m[1]) <= 0xff && Number(m[4]) <= 0xff) {
      out.byte(base + VIRTIO_PCI_CAP_BAR, Number(m[1]), src)
      out.byte(base + VIRTIO_PCI_CAP_ID, Number(m[4]), src)
      const [offHi, offLo] = [Number.parseInt(m[2]!.slice(0, 8), 16), Number.parseInt(m[2]!.slice(8), 16)]
      const [lenHi, lenLo] = [Number.parseInt(m[3]!.slice(0, 8), 16), Number.parseInt(m[3]!.slice(8), 16)]
      out.dword(base + VIRTIO_PCI_CAP_OFFSET, offLo, src)
      out.dword(base + VIRTIO_PCI_CAP_LENGTH, lenLo, src)
      out.dword(base + VIRTIO_PCI_CAP64_OFFSET_HI, offHi, src)
      out.dword(base + VIRTIO_PCI_CAP64_LENGTH_HI, lenHi, src)
      this.open = undefined
      return true
    }
    return false
  }
}
