/**
 * `lspci -x` / `-xxx` / `-xxxx` text (also with -v/-vv decoding mixed in): a header line per
 * device (`00:03.0 Ethernet controller: ...`, or with a domain `0000:00:03.0 ...`) followed by hex
 * rows `00: 86 80 ...` (`100:` past 0xff). One ConfigDumpRecord per device; bytes not dumped are
 * simply absent, so `bytes.length` says how much is known.
 */
import type {SourceRef} from '../util/source.js'
import type {IngestContext} from './ingest-context.js'
import type {LineConsumer} from './line-splitter.js'

const HEADER_RE = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7]) (\S.*)$/
const ROW_RE = /^([0-9a-fA-F]{2,3}): ((?:[0-9a-fA-F]{2} ?){1,16})\s*$/

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
}

export class LspciParser implements LineConsumer {
  private current: OpenDevice | undefined

  constructor(private readonly ctx: IngestContext) {}

  line(buf: Buffer, start: number, end: number, lineNo: number): void {
    const text = buf.toString('latin1', start, end)
    const src = {file: this.ctx.file, line: lineNo}
    const row = ROW_RE.exec(text)
    if (row) return this.row(row, src)
    const header = HEADER_RE.exec(text)
    if (header) {
      this.flush()
      const slot = Number.parseInt(header[3]!, 16)
      if (slot > 31) return this.ctx.warnings.warn('lspci-bad-header', 'device header with a slot above 0x1f; ignored', src)
      this.current = {
        domain: header[1] ? Number.parseInt(header[1], 16) : 0,
        bus: Number.parseInt(header[2]!, 16),
        slot,
        func: Number(header[4]),
        title: header[5]!,
        src,
        bytes: new Uint8Array(4096),
        length: 0,
        rowSources: [],
        stopped: false,
      }
    }
    // Anything else (-v decoding, blank lines, prompts) is not config space.
  }

  finish(): void {
    this.flush()
  }

  private row(m: RegExpExecArray, src: SourceRef): void {
    const dev = this.current
    if (!dev) return this.ctx.warnings.warn('lspci-orphan-row', 'hex row before any device header line; ignored', src)
    if (dev.stopped) return
    const offset = Number.parseInt(m[1]!, 16)
    const values = m[2]!.trim().split(/ +/)
    if (offset !== dev.length || offset % 16 !== 0 || offset + values.length > 4096) {
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
    if (dev.length === 0) {
      this.ctx.warnings.warn('lspci-no-dump', 'device without hex dump (run lspci with -xxx); skipped', dev.src)
      return
    }
    this.ctx.records++
    this.ctx.sink.dump({
      kind: 'dump',
      src: dev.src,
      domain: dev.domain,
      bus: dev.bus,
      slot: dev.slot,
      func: dev.func,
      title: dev.title,
      bytes: dev.bytes.slice(0, dev.length),
      rowSources: dev.rowSources,
    })
  }
}
