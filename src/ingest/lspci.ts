/**
 * lspci text in the forms pciutils prints (checked against pciutils 3.9 lspci.c, ls-caps.c and
 * ls-caps-vendor.c): a header line per device (`00:03.0 Ethernet controller: ...`, `-D`'s
 * `0000:00:03.0 ...`, `-n`/`-nn` ids), then tab-indented detail lines (`-v`, `-vv`, `-vvv`, `-k`),
 * then hex rows (`-x`, `-xxx`, `-xxxx`: `00: 86 80 ...`, `100:` past 0xff). Shell prompts, stderr
 * lines, terminal escapes and CRLF around or inside the blocks are skipped.
 *
 * Per device block it emits: a ConfigDumpRecord when there is hex (bytes not dumped are absent);
 * an LspciBarRecord per BAR line; the config bytes lspci decoded (ids, revision, subsystem, virtio
 * vendor capabilities) as a DecodedBytesRecord; the bound driver and modules as a KernelDriverRecord.
 * Only what lspci printed becomes a fact: a field it did not print stays unknown.
 */
import type {SourceRef} from '../util/source.js'
import type {IngestContext} from './ingest-context.js'
import {cleanConsoleText} from './kernel-prefix.js'
import type {LineConsumer} from './line-splitter.js'
import type {LspciBar} from './records.js'
import {type BarLine, parseBarDescription, resolveUnnumberedBars, withEmptySlots} from './lspci-bars.js'
import {decodeUtf8} from './text-decode.js'
import {formatBdf, isPciAddress} from '../util/pci-address.js'
import {ListingBound} from './listing-bound.js'
import {DecodedBytes, parseIdPair, CapabilityDecoder} from './lspci-decode.js'
import {PCI_CLASS_PROG, PCI_DEVICE_ID, PCI_REVISION_ID, PCI_SUBSYSTEM_ID, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID} from '../pci/layout.js'

const HEADER_RE = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7]) (\S.*)$/
const ROW_RE = /^([0-9a-fA-F]{2,3}): ((?:[0-9a-fA-F]{2} ?){1,16})\s*$/
/** `Region 4: Memory at ...` (-vv and up). */
const REGION_RE = /^\s+Region ([0-5]): (.*)$/
/** -v prints BAR lines without the Region number. */
const UNNUMBERED_BAR_RE = /^\s+((?:Memory at|I\/O ports at) .*)$/
const ROM_RE = /^\s+Expansion ROM at (.*)$/
const ANY_CAPABILITY_RE = /^\s+Capabilities: /
const CAPABILITY_RE = /^\s+Capabilities: \[([0-9a-fA-F]{2})\] (.*)$/
const SUBSYSTEM_RE = /^\s+Subsystem: (.*)$/
const DRIVER_RE = /^\s+Kernel driver in use: (\S+)\s*$/
const MODULES_RE = /^\s+Kernel modules: (\S.*)$/
/** Printed for every device with a known header type (0, 1, 2): -vv `Control:`, -v `Flags:`. */
const VERBOSE_RE = /^\s+(?:Control|Flags): /
/** Header types 1 and 2 print their bus numbers; type 0 never does. */
const BRIDGE_RE = /^\s+Bus: primary=/
const UNKNOWN_HEADER_RE = /^\s+!!! Unknown header type/
/** -v's `(prog-if 01 [name])`, then `(rev 01)`, at the end of a header line (show_terse). */
const PROG_IF_TAIL_RE = /^ \(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\)$/
const REV_TAIL_RE = /^ \(rev ([0-9a-fA-F]{2})\)$/
const REV_TAIL_LENGTH = ' (rev 01)'.length

const CONFIG_SIZE = 4096

interface OpenDevice {
  domain: number
  bus: number
  slot: number
  func: number
  title: string
  src: SourceRef
  bytes: Uint8Array
  length: number
  rowSources: SourceRef[]
  stopped: boolean
  decoded: DecodedBytes
  caps: CapabilityDecoder
  bars: BarLine[]
  rom?: {bar: LspciBar; src: SourceRef}
  subsystem?: {vendor: number; device: number; src: SourceRef}
  verbose: boolean
  bridge: boolean
  unknownHeader: boolean
  driver?: {name: string; src: SourceRef}
  modules?: {names: string[]; src: SourceRef}
}

/** A header's class and device names, and the revision and prog-if printed after them. */
function splitHeaderTail(title: string): {names: string; rev?: number; progIf?: number} {
  // Cut from the end with anchored matches: a single regex over the whole line backtracks badly.
  let names = title
  let progIf: number | undefined
  const at = names.lastIndexOf(' (prog-if ')
  const prog = at >= 0 ? PROG_IF_TAIL_RE.exec(names.slice(at)) : null
  if (prog) {
    progIf = Number.parseInt(prog[1]!, 16)
    names = names.slice(0, at)
  }
  const rev = REV_TAIL_RE.exec(names.slice(-REV_TAIL_LENGTH))
  if (!rev) return {names, ...(progIf !== undefined ? {progIf} : {})}
  return {names: names.slice(0, -REV_TAIL_LENGTH), rev: Number.parseInt(rev[1]!, 16), ...(progIf !== undefined ? {progIf} : {})}
}

export class LspciParser implements LineConsumer {
  private current: OpenDevice | undefined
  /** Device header lines seen (a file of headers only adds nothing, see index.ts). */
  devices = 0
  private readonly bound: ListingBound

  constructor(private readonly ctx: IngestContext) {
    this.bound = new ListingBound(ctx.file, 'lspci output', 'a device header line')
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.bound.line(lineNo)
    // latin1 is the cheapest decoding and exact for the ASCII of hex rows; a header or detail line
    // with other bytes is decoded again as UTF-8 (names, driver and module names).
    let text = buf.toString('latin1', start, end)
    // A terminal recording (script(1), a serial console) carries escapes and CRs.
    const console = text.includes('\x1b') || text.includes('\r')
    if (console) text = cleanConsoleText(text)
    const src = {file: this.ctx.file, line: lineNo}
    const row = ROW_RE.exec(text)
    if (row) return this.row(row, src)
    const header = HEADER_RE.exec(text)
    if (header) {
      const utf8 = decodeUtf8(buf, start, end)
      // Decoded as UTF-8 the line may hold a line separator (U+2028) that `.` does not match.
      return this.header(HEADER_RE.exec(console ? cleanConsoleText(utf8) : utf8) ?? header, src)
    }
    const dev = this.current
    // Anything else outside a block (prompts, stderr, blank lines) is not about a device.
    if (dev && text.length > 0 && (text[0] === '\t' || text[0] === ' ')) {
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(text)) text = console ? cleanConsoleText(decodeUtf8(buf, start, end)) : decodeUtf8(buf, start, end)
      this.detail(dev, text, src)
    }
  }

  finish(): void {
    this.flush()
  }

  private header(m: RegExpExecArray, src: SourceRef): void {
    this.flush()
    const [bus, slot, func] = [Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16), Number(m[4])]
    // Bus (two hex digits) and function (0-7) always fit: only the slot can be out of range.
    if (!isPciAddress(bus, slot, func)) return this.ctx.warnings.warn('lspci-bad-header', 'device header with a slot above 0x1f; ignored', src)
    const domain = Number.parseInt(m[1] ?? '0', 16)
    const title = m[5]!
    const dev: OpenDevice = {
      domain,
      bus,
      slot,
      func,
      title,
      src,
      bytes: new Uint8Array(CONFIG_SIZE),
      length: 0,
      rowSources: [],
      stopped: false,
      decoded: new DecodedBytes(),
      caps: new CapabilityDecoder(),
      bars: [],
      verbose: false,
      bridge: false,
      unknownHeader: false,
    }
    this.bound.startsEntry(src.line!)
    this.bound.entryOf(formatBdf(dev), src.line!)
    this.current = dev
    this.devices++
    const tail = splitHeaderTail(title)
    const ids = parseIdPair(tail.names)
    if (ids) {
      dev.decoded.word(PCI_VENDOR_ID, ids.first, src)
      dev.decoded.word(PCI_DEVICE_ID, ids.second, src)
    }
    if (tail.rev !== undefined) dev.decoded.byte(PCI_REVISION_ID, tail.rev, src)
    if (tail.progIf !== undefined) dev.decoded.byte(PCI_CLASS_PROG, tail.progIf, src)
  }

  private detail(dev: OpenDevice, text: string, src: SourceRef): void {
    let m: RegExpExecArray | null
    // show_bases and show_rom print before the capabilities; a `Region N: Memory at` further down
    // is a capability's (SR-IOV's VF BARs, ls-ecaps.c), not the device's.
    const inCapabilities = dev.caps.seen
    if (!inCapabilities && (m = REGION_RE.exec(text))) return this.barLine(dev, Number(m[1]), m[2]!, src)
    if (!inCapabilities && (m = UNNUMBERED_BAR_RE.exec(text))) return this.barLine(dev, undefined, m[1]!, src)
    if (!inCapabilities && (m = ROM_RE.exec(text))) {
      const bar = parseBarDescription(`Memory at ${m[1]!}`, true)
      if (bar) dev.rom = {bar, src}
      else this.ctx.warnings.warn('lspci-bad-bar', 'expansion ROM line not in the form pciutils prints; ignored', src)
      return
    }
    if (ANY_CAPABILITY_RE.test(text)) {
      // Extended ones (`[100 v1]`) and `<access denied>` only end the previous capability.
      if ((m = CAPABILITY_RE.exec(text))) dev.caps.capability(Number.parseInt(m[1]!, 16), m[2]!, src, dev.decoded)
      else dev.caps.other()
      return
    }
    if (dev.caps.detail(text, src, dev.decoded)) return
    if ((m = SUBSYSTEM_RE.exec(text))) {
      const ids = parseIdPair(m[1]!)
      if (ids) dev.subsystem = {vendor: ids.first, device: ids.second, src}
      return
    }
    if ((m = DRIVER_RE.exec(text))) {
      dev.driver = {name: m[1]!, src}
      return
    }
    if ((m = MODULES_RE.exec(text))) {
      dev.modules = {names: m[1]!.split(',').map((s) => s.trim()).filter((s) => s !== ''), src}
      return
    }
    if (VERBOSE_RE.test(text)) dev.verbose = true
    else if (BRIDGE_RE.test(text)) dev.bridge = true
    else if (UNKNOWN_HEADER_RE.test(text)) dev.unknownHeader = true
  }

  private barLine(dev: OpenDevice, index: number | undefined, description: string, src: SourceRef): void {
    const bar = parseBarDescription(description, false)
    if (!bar) return this.ctx.warnings.warn('lspci-bad-bar', 'BAR line not in the form pciutils prints; ignored', src)
    dev.bars.push({index, bar, src})
  }

  private row(m: RegExpExecArray, src: SourceRef): void {
    const dev = this.current
    if (!dev) return this.ctx.warnings.warn('lspci-orphan-row', 'hex row before any device header line; ignored', src)
    if (dev.stopped) return
    const offset = Number.parseInt(m[1]!, 16)
    const values = m[2]!.trim().split(/ +/)
    if (offset !== dev.length || offset % 16 !== 0 || offset + values.length > CONFIG_SIZE) {
      // A gap or an out-of-order row: keep the contiguous part only, as bytes start at offset 0.
      dev.stopped = true
      return this.ctx.warnings.warn('lspci-row-gap', `hex row at 0x${m[1]} does not follow the previous one; the rest of this dump is ignored`, src)
    }
    for (let i = 0; i < values.length; i++) dev.bytes[offset + i] = Number.parseInt(values[i]!, 16)
    dev.length = offset + values.length
    dev.rowSources.push(src)
    if (values.length < 16) dev.stopped = true // a short row can only be a cut-off end
  }

  private flush(): void {
    const dev = this.current
    this.current = undefined
    if (!dev) return
    const address = {domain: dev.domain, bus: dev.bus, slot: dev.slot, func: dev.func}
    const sink = this.ctx.sink
    if (dev.length > 0) {
      this.ctx.records++
      sink.dump({kind: 'dump', src: dev.src, ...address, title: dev.title, bytes: dev.bytes.slice(0, dev.length), rowSources: dev.rowSources})
    }
    // The Subsystem line of a bridge comes from a capability, not from 0x2c: only header type 0.
    if (dev.subsystem && dev.verbose && !dev.bridge && !dev.unknownHeader) {
      dev.decoded.word(PCI_SUBSYSTEM_VENDOR_ID, dev.subsystem.vendor, dev.subsystem.src)
      dev.decoded.word(PCI_SUBSYSTEM_ID, dev.subsystem.device, dev.subsystem.src)
    }
    if (dev.decoded.size > 0) {
      this.ctx.records++
      sink.deviceFact({kind: 'decoded', src: dev.src, ...address, bytes: dev.decoded.list()})
    }
    this.emitBars(dev, address)
    if (dev.rom) {
      this.ctx.records++
      sink.deviceFact({kind: 'lspci-bar', src: dev.rom.src, ...address, index: 6, bar: dev.rom.bar})
    }
    if (dev.driver || dev.modules) {
      this.ctx.records++
      sink.deviceFact({
        kind: 'driver',
        src: dev.driver?.src ?? dev.modules!.src,
        ...address,
        ...(dev.driver ? {driver: dev.driver} : {}),
        ...(dev.modules ? {modules: dev.modules} : {}),
      })
    }
  }

  /** The block's BAR lines with their indexes, and the BARs lspci left out as empty resources. */
  private emitBars(dev: OpenDevice, address: {domain: number; bus: number; slot: number; func: number}): void {
    if (dev.bars.length === 0) return
    const slots = dev.bridge ? 2 : 6
    // Only a device of a known header type goes through show_bases, and with sizes known a BAR
    // without a line had no address, no flags and no size: Linux's resource is empty (len 0).
    const sizesKnown = dev.bars.some((b) => b.bar.size !== undefined) || dev.rom?.bar.size !== undefined
    const emptiesKnown = sizesKnown && dev.verbose && !dev.unknownHeader
    const registers = dev.length >= 0x10 + 4 * slots ? dev.bytes.subarray(0x10, 0x10 + 4 * slots) : undefined
    const resolved = resolveUnnumberedBars(dev.bars, slots, registers)
    if (!resolved) {
      // Another input's hex may still tell (see EvidenceBuilder).
      this.ctx.records++
      this.ctx.sink.deviceFact({kind: 'lspci-unplaced-bars', src: dev.bars[0]!.src, ...address, lines: dev.bars.map(({bar, src}) => ({bar, src})), slots, emptiesKnown})
      return
    }
    for (const bar of emptiesKnown ? withEmptySlots(resolved, slots, dev.src) : resolved) {
      this.ctx.records++
      this.ctx.sink.deviceFact({kind: 'lspci-bar', src: bar.src, ...address, index: bar.index, bar: bar.bar})
    }
  }
}
