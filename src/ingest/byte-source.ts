/**
 * Opens an input once and reads it once, front to back: a regular file, a FIFO, a pipe or process
 * substitution (`<(zcat trace.log.gz)`), a character device, or `-` for stdin. Its first bytes are
 * buffered (`head`) so the format can be sniffed without a positioned read or a size from stat, and
 * then handed out again as the start of `chunks()`. gzip content (told by its magic, not the name)
 * is inflated, and the head is the inflated bytes. I/O and zlib failures become InputError with the
 * file name, never a stack trace.
 */
import {type FileHandle, open} from 'node:fs/promises'
import {Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {InputError} from '../util/errors.js'

const CHUNK_SIZE = 1 << 20
/** The path that means standard input. */
export const STDIN_PATH = '-'

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}

export class InputBytes {
  private taken = false

  private constructor(
    /** The first (inflated) bytes, at most the length asked for. */
    readonly head: Buffer,
    /** The whole input is in `head` (its end was seen). */
    readonly complete: boolean,
    readonly gzip: boolean,
    private readonly rest: AsyncGenerator<Buffer> | undefined,
    private readonly handle: FileHandle | undefined,
  ) {}

  /** Bytes already in memory (inflated by the caller), as an input. */
  static fromBuffer(bytes: Buffer): InputBytes {
    return new InputBytes(bytes, true, false, undefined, undefined)
  }

  /**
   * Reads the first `headBytes` (inflated) bytes and no more from a plain input: a format that needs
   * only so many reads headBytes = what it needs + 1, and knows from `complete` whether there was more.
   */
  static async open(path: string, displayName: string, headBytes: number): Promise<InputBytes> {
    let handle: FileHandle | undefined
    let raw: AsyncGenerator<Buffer>
    try {
      if (path === STDIN_PATH) raw = readableChunks(process.stdin, displayName)
      else {
        handle = await open(path, 'r')
        raw = handleChunks(handle, displayName, headBytes)
      }
    } catch (error) {
      throw ioError(error, displayName)
    }
    try {
      const first = await takeHead(raw, headBytes)
      if (!isGzip(first.head)) return new InputBytes(first.head, first.ended, false, first.ended ? undefined : first.rest, handle)
      const inflated = gunzipChunks(concatSources([first.head], first.ended ? undefined : first.rest), displayName)
      const second = await takeHead(inflated, headBytes)
      return new InputBytes(second.head, second.ended, true, second.ended ? undefined : second.rest, handle)
    } catch (error) {
      await handle?.close()
      throw ioError(error, displayName)
    }
  }

  /**
   * The (inflated) bytes from the start, head first, in chunks of about 1 MiB; callable once. A
   * yielded chunk is only valid until the consumer asks for the next one.
   */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.taken) throw new Error('InputBytes.chunks() called twice')
    this.taken = true
    if (this.head.length > 0) yield this.head
    if (this.rest) yield* this.rest
  }

  async close(): Promise<void> {
    await this.rest?.return(undefined)
    await this.handle?.close()
  }
}

/** Up to `length` bytes from the start of `source` (copied), and the source positioned after them. */
async function takeHead(source: AsyncGenerator<Buffer>, length: number): Promise<{head: Buffer; ended: boolean; rest: AsyncGenerator<Buffer>}> {
  const parts: Buffer[] = []
  let have = 0
  let leftover: Buffer | undefined
  let ended = false
  while (have < length) {
    const next = await source.next()
    if (next.done) {
      ended = true
      break
    }
    const chunk = next.value
    const want = Math.min(chunk.length, length - have)
    parts.push(Buffer.from(chunk.subarray(0, want)))
    have += want
    if (want < chunk.length) leftover = Buffer.from(chunk.subarray(want))
  }
  return {head: Buffer.concat(parts), ended: ended && leftover === undefined, rest: concatSources(leftover ? [leftover] : [], source)}
}

async function* concatSources(first: Buffer[], then: AsyncGenerator<Buffer> | undefined): AsyncGenerator<Buffer> {
  try {
    for (const b of first) yield b
    if (then) yield* then
  } finally {
    await then?.return(undefined)
  }
}

/**
 * Sequential reads from an open file (regular or not); never with a position, so pipes and FIFOs
 * work. The first `headBytes` are read without read-ahead, asking for no more than that (a bounded
 * format reads only what it needs); after that, large reads into two alternating buffers, the next
 * read running while the caller parses the current chunk.
 */
async function* handleChunks(handle: FileHandle, displayName: string, headBytes: number): AsyncGenerator<Buffer> {
  const read = async (buf: Buffer, length: number) => {
    try {
      return (await handle.read(buf, 0, length, null)).bytesRead
    } catch (error) {
      throw ioError(error, displayName)
    }
  }
  for (let got = 0; got < headBytes; ) {
    const buf = Buffer.allocUnsafe(Math.min(headBytes - got, CHUNK_SIZE))
    const n = await read(buf, buf.length)
    if (n === 0) return
    got += n
    yield buf.subarray(0, n)
  }
  const buffers = [readBuffer(), readBuffer()]
  let which = 0
  let pending = read(buffers[0]!, CHUNK_SIZE)
  try {
    for (;;) {
      const bytesRead = await pending
      if (bytesRead === 0) return
      const current = buffers[which]!
      which ^= 1
      pending = read(buffers[which]!, CHUNK_SIZE)
      // The read-ahead may fail after the consumer stopped: that failure is nobody's.
      pending.catch(() => undefined)
      yield current.subarray(0, bytesRead)
    }
  } finally {
    // Reused by the next input once no read fills them any more (many small inputs, as in a corpus
    // check, would otherwise leave 2 MiB each for the garbage collector).
    await pending.catch(() => undefined)
    spareReadBuffers.push(...buffers)
    spareReadBuffers.splice(SPARE_READ_BUFFERS)
  }
}

const SPARE_READ_BUFFERS = 2
const spareReadBuffers: Buffer[] = []
const readBuffer = () => spareReadBuffers.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE)

async function* readableChunks(stream: NodeJS.ReadableStream, displayName: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
  } catch (error) {
    throw ioError(error, displayName)
  }
}

async function* gunzipChunks(source: AsyncGenerator<Buffer>, displayName: string): AsyncGenerator<Buffer> {
  // Readable.from may pull ahead of zlib: hand it copies, as the reader reuses its buffers.
  const input = Readable.from(
    (async function* () {
      for await (const chunk of source) yield Buffer.from(chunk)
    })(),
    {objectMode: false},
  )
  const gunzip = createGunzip({chunkSize: 256 * 1024})
  input.on('error', (error) => gunzip.destroy(error))
  input.pipe(gunzip)
  try {
    for await (const chunk of gunzip) yield chunk as Buffer
  } catch (error) {
    throw isZlibError(error)
      ? new InputError(`corrupt or truncated gzip data (${(error as Error).message})`, {file: displayName})
      : ioError(error, displayName)
  } finally {
    input.destroy()
    gunzip.destroy()
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && code.startsWith('Z_')
}

export function ioError(error: unknown, displayName: string): Error {
  if (error instanceof InputError) return error
  const err = error as NodeJS.ErrnoException
  const why =
    err?.code === 'ENOENT'
      ? 'no such file'
      : err?.code === 'EISDIR'
        ? 'is a directory'
        : err?.code === 'EACCES'
          ? 'permission denied'
          : (err?.message ?? String(error))
  return new InputError(`cannot read: ${why}`, {file: displayName})
}
