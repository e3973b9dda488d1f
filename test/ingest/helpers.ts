import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {IngestContext} from '../../src/ingest/ingest-context.js'
import {type LineConsumer, LineSplitter} from '../../src/ingest/line-splitter.js'
import type {ConfigDumpRecord, DeviceFactRecord, KernelMessageRecord, ResourceRecord, TraceRecord} from '../../src/ingest/records.js'
import type {RecordSink} from '../../src/ingest/sink.js'
import {InputError, WarningSink} from '../../src/util/errors.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ingest')
export const fixture = (...parts: string[]) => join(FIXTURES, ...parts)

export type AnyRecord = TraceRecord | KernelMessageRecord | ConfigDumpRecord | ResourceRecord | DeviceFactRecord

export class CollectingSink implements RecordSink {
  readonly all: AnyRecord[] = []
  trace(r: TraceRecord) {
    this.all.push(r)
  }
  kmsg(r: KernelMessageRecord) {
    this.all.push(r)
  }
  dump(r: ConfigDumpRecord) {
    this.all.push(r)
  }
  resource(r: ResourceRecord) {
    this.all.push(r)
  }
  deviceFact(r: DeviceFactRecord) {
    this.all.push(r)
  }
  of<K extends AnyRecord['kind']>(kind: K): Extract<AnyRecord, {kind: K}>[] {
    return this.all.filter((r) => r.kind === kind) as Extract<AnyRecord, {kind: K}>[]
  }
}

export function newContext(file = 'input') {
  const sink = new CollectingSink()
  const warnings = new WarningSink()
  const ctx = new IngestContext(file, sink, warnings)
  return {sink, warnings, ctx}
}

/** Runs a line parser over in-memory bytes, split into chunks at the given sizes (cycled). */
export function feedLines(consumer: LineConsumer & {finish?: () => void}, ctx: IngestContext, data: Buffer | string, chunkSizes: number[] = [1 << 20]) {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data
  const splitter = new LineSplitter(consumer, (line) => ctx.warnings.warn('line-too-long', 'line too long', {file: ctx.file, line}))
  let pos = 0
  let i = 0
  while (pos < buf.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length]!)
    // Copy like a real reader would, so the parser cannot keep views into our buffer.
    splitter.push(Buffer.from(buf.subarray(pos, pos + size)))
    pos += size
  }
  splitter.end()
  consumer.finish?.()
}

/** Only InputError may escape a parser. */
export function onlyInputErrors(fn: () => void): boolean {
  try {
    fn()
    return true
  } catch (error) {
    if (error instanceof InputError) return true
    throw error
  }
}

/** Records without their provenance, for comparing two inputs that differ only in layout. */
export function withoutSource(records: AnyRecord[]): unknown[] {
  return records.map(({src: _src, ...rest}) => rest)
}
