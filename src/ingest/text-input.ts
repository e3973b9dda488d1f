/** Runs a line handler over a (possibly gzipped) text input, with the shared line-length cap. */
import type {InputBytes} from './byte-source.js'
import type {IngestContext} from './ingest-context.js'
import {TextGuard} from './text-guard.js'
import {DEFAULT_MAX_LINE, type LineConsumer, LineSplitter} from './line-splitter.js'

export function lineSplitterFor(ctx: IngestContext, consumer: LineConsumer, maxLine = DEFAULT_MAX_LINE): LineSplitter {
  return new LineSplitter(
    consumer,
    (line) =>
      ctx.warnings.warn('line-too-long', `line longer than ${Math.round(maxLine / 1024)} KiB skipped (binary data or a broken capture?)`, {
        file: ctx.file,
        line,
      }),
    maxLine,
  )
}

/** Feeds every line to `consumer`; returns the number of (decompressed) bytes read. */
export async function feedTextFile(input: InputBytes, ctx: IngestContext, consumer: LineConsumer, format: string): Promise<number> {
  const splitter = lineSplitterFor(ctx, consumer)
  const guard = new TextGuard(ctx.file, format)
  const bytes = await feedChunks(input, (chunk) => {
    guard.check(chunk, splitter.lines + 1)
    splitter.push(chunk)
  })
  splitter.end()
  return bytes
}

/** Hands each (decompressed) chunk to `push`; returns the byte count. */
export async function feedChunks(input: InputBytes, push: (chunk: Buffer) => void): Promise<number> {
  let bytes = 0
  for await (const chunk of input.chunks()) {
    bytes += chunk.length
    push(chunk)
  }
  return bytes
}

/** The input's chunks, refused by a TextGuard once they are plainly not text (line numbers counted here). */
export async function* guardedTextChunks(input: InputBytes, file: string, format: string): AsyncGenerator<Buffer> {
  const guard = new TextGuard(file, format)
  let line = 1
  for await (const chunk of input.chunks()) {
    guard.check(chunk, line)
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) line++
    yield chunk
  }
}
