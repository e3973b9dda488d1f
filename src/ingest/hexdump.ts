/**
 * Hex dumps of a config file as people paste them: `xxd`, `xxd -e`, `hexdump -C` / `hd`, `hexdump`
 * (16-bit words), `od -x` / `-tx1` / `-tx2` / `-tx4` with octal, hex or decimal offsets, indented,
 * mail-quoted or CRLF. One ConfigDumpRecord per dump; a dump starts at offset 0 (a new offset-0 row
 * or a shell command line starts the next one). Bytes a dump does not show stay unknown: a dump cut
 * off after `*` ends before the left-out rows.
 * How the bytes come from the rows (radix, byte order, `*`): hexdump-assembly.ts.
 */
import {InputError} from '../util/errors.js'
import {formatBdf, type PciAddress, parseBdf} from '../util/pci-address.js'
import type {SourceRef} from '../util/source.js'
import {assembleDump, type CommandLine, type PendingDump} from './hexdump-assembly.js'
import {classifyHexDumpLine} from './hexdump-lines.js'
import {ListingBound} from './listing-bound.js'
import type {IngestContext} from './ingest-context.js'
import type {LineConsumer} from './line-splitter.js'
import {decodeUtf8} from './text-decode.js'
import {CONFIG_SIZES, MAX_CONFIG} from './sysfs.js'
import {hexPadded} from '../util/hex.js'

/** Lines kept per dump (`xxd -c 1` of 4096 bytes has 4096 rows); more is not one config dump. */
const MAX_DUMP_LINES = 8192

export interface HexDumpAddressOptions {
  /** `--bdf`: the device of every dump, whatever its command line says. */
  readonly bdf?: string
  /** The device the user selected (`--device`): the address of a dump that names none. */
  readonly defaultBdf?: string
}

export class HexDumpParser implements LineConsumer {
  private current: PendingDump | undefined
  private command: CommandLine | undefined
  private readonly seen = new Map<string, SourceRef>()
  private readonly bound: ListingBound

  constructor(
    private readonly ctx: IngestContext,
    private readonly address: HexDumpAddressOptions = {},
  ) {
    this.bound = new ListingBound(ctx.file, 'paste of config dumps', 'a dump starting at offset 0')
  }

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    this.bound.line(lineNo)
    const line = classifyHexDumpLine(decodeUtf8(buf, start, end))
    if (!line) return
    const src = {file: this.ctx.file, line: lineNo}
    if (line.kind === 'command') {
      this.flush()
      this.command = {line, src}
      return
    }
    if (line.kind === 'row') {
      const cur = this.current
      if (cur && (cur.ended || isZero(line.offset))) this.flush()
      if (!this.current) {
        this.bound.startsEntry(lineNo)
        this.current = {...(this.command ? {command: this.command} : {}), lines: [], ended: false, overflow: false}
        this.command = undefined
      }
    }
    const dump = this.current
    if (!dump || dump.ended) return
    if (dump.lines.length >= MAX_DUMP_LINES) {
      if (!dump.overflow) this.ctx.warnings.warn('hexdump-too-long', `more than ${MAX_DUMP_LINES} lines in one dump: the rest is not config space; ignored`, src)
      dump.overflow = true
      return
    }
    dump.lines.push({line, src})
    if (line.kind === 'end') dump.ended = true
  }

  finish(): void {
    this.flush()
  }

  private flush(): void {
    const dump = this.current
    this.current = undefined
    if (!dump || dump.lines.length === 0) return
    const first = dump.lines[0]!.src
    const assembly = assembleDump(dump, this.ctx.warnings)
    if (!assembly) return
    if (assembly.length === 0) {
      this.ctx.warnings.warn('hexdump-not-from-zero', 'a hex dump that does not start at offset 0 (xxd -s, od -j?): skipped, as config bytes are known from offset 0', first)
      return
    }
    if (assembly.contradiction) {
      const {message, src} = assembly.contradiction
      this.ctx.warnings.warn('hexdump-row-gap', `${message}; the rest of this dump is unknown`, src)
    }
    if (assembly.cutAfterStar) {
      this.ctx.warnings.warn('hexdump-cut', `the dump ends with \`*\` and no offset after it: bytes from ${hexPadded(assembly.length, 2)} on are unknown`, assembly.cutAfterStar)
    }
    if (assembly.beyond > 0) {
      this.ctx.warnings.warn('hexdump-size', `dump of ${MAX_CONFIG + assembly.beyond} bytes; only the first ${MAX_CONFIG} are config space`, first)
    } else if (!CONFIG_SIZES.has(assembly.length) && !assembly.cutAfterStar && !assembly.contradiction) {
      this.ctx.warnings.warn('hexdump-size', `dump of ${assembly.length} bytes (64, 256 or 4096 expected): cut-off paste? the rest is unknown`, first)
    }
    const address = this.resolveAddress(dump.command, first)
    const bdf = formatBdf(address)
    this.bound.entryOf(bdf, first.line!)
    const earlier = this.seen.get(bdf)
    if (earlier) this.ctx.warnings.warn('hexdump-same-device', `a second dump of ${bdf} (the first is at line ${earlier.line})`, first)
    else this.seen.set(bdf, first)
    const rowSources: SourceRef[] = []
    for (let off = 0; off < assembly.length; off += 16) rowSources.push({file: this.ctx.file, line: assembly.lineOf[off]!})
    this.ctx.records++
    this.ctx.sink.dump({
      kind: 'dump',
      src: dump.command?.src ?? first,
      ...address,
      title: dump.command ? `${dump.command.line.tool} ${dump.command.line.args}`.trim() : 'hex dump',
      bytes: assembly.bytes.slice(0, assembly.length),
      rowSources,
    })
  }

  /** As for a sysfs config file: --bdf, else the sysfs path on the command line, else --device. */
  private resolveAddress(command: CommandLine | undefined, first: SourceRef): PciAddress {
    const named = command?.line.address
    if (this.address.bdf !== undefined) {
      const given = parseBdf(this.address.bdf)
      if (!given) throw new InputError(`not a PCI address: ${this.address.bdf}`, {file: this.ctx.file})
      if (named && formatBdf(named) !== formatBdf(given)) {
        this.ctx.warnings.warn('hexdump-bdf-differs', `the command line dumps ${formatBdf(named)}; taken as ${formatBdf(given)} (--bdf)`, command!.src)
      }
      return given
    }
    if (named) return named
    const selected = this.address.defaultBdf === undefined ? undefined : parseBdf(this.address.defaultBdf)
    if (selected) return selected
    this.ctx.warnings.warn(
      'hexdump-no-bdf',
      'the dump does not name its device (no `$ xxd /sys/bus/pci/devices/0000:00:03.0/config` line above it); assuming 0000:00:00.0 (use --bdf)',
      command?.src ?? first,
    )
    return {domain: 0, bus: 0, slot: 0, func: 0}
  }
}

function isZero(offset: string): boolean {
  return /^0+$/.test(offset)
}
