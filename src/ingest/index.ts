/**
 * Ingest entry point: sniff (or take) an input's format and stream its records, in input order,
 * into a RecordSink. Unusable input throws InputError with file:line; oddities we can go past are
 * reported once per kind to the WarningSink.
 */
import type {InputSummary} from './records.js'
import {InputError, type WarningSink} from '../util/errors.js'
import {log} from '../util/log.js'
import {SimpletraceParser} from './simpletrace.js'
import {InputBytes, STDIN_PATH} from './byte-source.js'
import {DmesgParser} from './dmesg.js'
import {IngestContext} from './ingest-context.js'
import type {MemRegionFilter} from './qemu-log-events.js'
import {QemuLogParser} from './qemu-log.js'
import {type FileFormat, type InputFormat, SNIFF_BYTES, isDirectory, sniffDirectory, sniffFormat as sniffWithName, sniffHead} from './sniff.js'
import type {RecordSink} from './sink.js'
import {MAX_CONFIG, ingestSysfsConfig, ingestSysfsDir} from './sysfs.js'
import {feedChunks, feedTextFile} from './text-input.js'

export type {FileFormat, InputFormat} from './sniff.js'
export {INPUT_FORMATS} from './sniff.js'
export type {RecordSink} from './sink.js'
export type {MemRegionFilter} from './qemu-log-events.js'

export interface IngestOptions {
  format?: InputFormat
  /** CSV: our field name -> the header name in the file, e.g. {offset: 'Address'}. */
  csvColumns?: Record<string, string>
  warnings: WarningSink
  /** Name used in every SourceRef and message (default: the path). */
  displayName?: string
  /** sysfs config/dir, hex dump: the device's address when the path does not name it. */
  bdf?: string
  /** The function the user selected (--device): the address of a dump or config file that names none. */
  defaultBdf?: string
  /** QEMU log: which memory_region_ops to keep (default `pci`: the PCI/virtio-related regions). */
  memRegions?: MemRegionFilter
}

/** Ingests taking at least this long log their throughput at info level. */
const REPORT_AFTER_SECONDS = 1

export async function sniffFormat(path: string): Promise<InputFormat> {
  return sniffWithName(path, path === STDIN_PATH ? STDIN_NAME : path)
}

/** How `-` (standard input) is named in messages. */
const STDIN_NAME = '<stdin>'

/**
 * Ingests one input: a file, a directory, a pipe or FIFO, or `-` for stdin. It is opened once and
 * read once from the front; the format is sniffed from its buffered head.
 */
export async function ingestFile(path: string, sink: RecordSink, opts: IngestOptions): Promise<InputSummary> {
  const file = opts.displayName ?? (path === STDIN_PATH ? STDIN_NAME : path)
  const ctx = new IngestContext(file, sink, opts.warnings)
  const started = performance.now()
  let format: InputFormat
  let bytes: number
  if (await isDirectory(path, file)) {
    if (opts.format !== undefined && opts.format !== 'sysfs-dir') throw new InputError(`is a directory (a ${opts.format} input is a file)`, {file})
    format = opts.format ?? (await sniffDirectory(path, file))!
    bytes = await ingestSysfsDir(path, ctx, opts.bdf, opts.defaultBdf)
  } else {
    if (opts.format === 'sysfs-dir') throw new InputError('not a directory (a sysfs-dir input is a device directory)', {file})
    // A config file is at most MAX_CONFIG bytes: read one more to know whether there was more.
    const input = await InputBytes.open(path, file, opts.format === 'sysfs-config' ? MAX_CONFIG + 1 : SNIFF_BYTES)
    try {
      const fileFormat = opts.format ?? sniffHead(input, path, file)
      format = fileFormat
      bytes = await ingestAs(fileFormat, input, path, ctx, opts)
    } finally {
      await input.close()
    }
  }
  if (bytes === 0) opts.warnings.warn('empty-input', 'the input is empty', {file})
  const seconds = (performance.now() - started) / 1000
  reportThroughput(file, bytes, seconds)
  return {file, format, bytes, records: ctx.records, unknownEvents: ctx.unknownEventsObject()}
}

/** Ingests bytes in memory as `format` (property tests and the fuzzer: the same parsers as a file). */
export async function ingestBuffer(bytes: Buffer, format: FileFormat, sink: RecordSink, opts: IngestOptions & {displayName: string}): Promise<number> {
  const ctx = new IngestContext(opts.displayName, sink, opts.warnings)
  return ingestAs(format, InputBytes.fromBuffer(bytes), opts.displayName, ctx, opts)
}

/**
 * The parsers of traces and kernel logs are loaded with this module; those of dumps and CSV only
 * when such an input comes (csv-parse only for a UTF-16 CSV), which keeps a trace replay's start-up short.
 */
async function ingestAs(format: FileFormat, input: InputBytes, path: string, ctx: IngestContext, opts: IngestOptions): Promise<number> {
  switch (format) {
    case 'sysfs-config':
      return ingestSysfsConfig(input, path, ctx, opts.bdf, opts.defaultBdf)
    case 'qemu-log': {
      const parser = new QemuLogParser(ctx, opts.memRegions)
      const bytes = await feedTextFile(input, ctx, parser, format)
      parser.finish()
      return bytes
    }
    case 'dmesg': {
      const parser = new DmesgParser(ctx)
      const bytes = await feedTextFile(input, ctx, parser, format)
      parser.finish()
      return bytes
    }
    case 'lspci': {
      const {LspciParser} = await import('./lspci.js')
      const parser = new LspciParser(ctx)
      const bytes = await feedTextFile(input, ctx, parser, format)
      parser.finish()
      if (parser.devices === 0) throw new InputError('no lspci device line found (a line such as `00:03.0 Ethernet controller: ...`)', {file: ctx.file})
      // Names only (plain `lspci`): nothing to use, but other inputs may still say everything.
      if (ctx.records === 0) {
        ctx.warnings.warn('lspci-adds-nothing', 'lspci output with no hex, BARs, ids or driver lines: nothing used (run lspci -vv -xxx -nn -k)', {file: ctx.file})
      }
      return bytes
    }
    case 'hex-dump': {
      const {HexDumpParser} = await import('./hexdump.js')
      const parser = new HexDumpParser(ctx, {...(opts.bdf ? {bdf: opts.bdf} : {}), ...(opts.defaultBdf ? {defaultBdf: opts.defaultBdf} : {})})
      const bytes = await feedTextFile(input, ctx, parser, format)
      parser.finish()
      if (ctx.records === 0) throw new InputError('no hex dump of a config file found (xxd, hexdump or od output from offset 0)', {file: ctx.file})
      return bytes
    }
    case 'csv': {
      const {ingestCsv} = await import('./csv.js')
      return ingestCsv(input, ctx, opts.csvColumns)
    }
    case 'simpletrace': {
      const parser = new SimpletraceParser(ctx)
      const bytes = await feedChunks(input, (chunk) => parser.push(chunk))
      parser.end()
      return bytes
    }
  }
}

function reportThroughput(file: string, bytes: number, seconds: number): void {
  const mb = bytes / 1e6
  const line = `${file}: ${mb.toFixed(1)} MB in ${seconds.toFixed(2)} s (${(mb / Math.max(seconds, 1e-6)).toFixed(1)} MB/s)`
  if (seconds >= REPORT_AFTER_SECONDS) log().info(line)
  else log().debug(line)
}
