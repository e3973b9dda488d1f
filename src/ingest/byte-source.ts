/**
 * Opens an input file as a stream of large byte chunks, transparently gunzipping `.gz` content
 * (detected by the gzip magic, not the name). I/O and zlib failures become InputError with the file
 * name, never a stack trace.
 */
import {createReadStream} from 'node:fs'
import {open} from 'node:fs/promises'
import {createGunzip} from 'node:zlib'
import {InputError} from '../util/errors.js'

export const CHUNK_SIZE = 1 << 20

export async function readHead(path: string, displayName: string, length: number): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
    const buf = Buffer.alloc(length)
    const {bytesRead} = await handle.read(buf, 0, length, 0)
    return buf.subarray(0, bytesRead)
  } catch (error) {
    throw ioError(error, displayName)
  } finally {
    await handle?.close()
  }
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}

/**
 * Yields the file's (decompressed) bytes in chunks of about 1 MiB. A yielded chunk is only valid
 * until the consumer asks for the next one: plain files are read into two alternating buffers,
 * the next read running while the caller parses the current chunk.
 */
export async function* byteChunks(path: string, displayName: string, gzip: boolean): AsyncGenerator<Buffer> {
  if (!gzip) {
    yield* plainChunks(path, displayName)
    return
  }
  const file = createReadStream(path, {highWaterMark: CHUNK_SIZE})
  const source = gzip ? file.pipe(createGunzip({chunkSize: 256 * 1024})) : file
  if (gzip) file.on('error', (error) => source.destroy(error))
  try {
    for await (const chunk of source) yield chunk as Buffer
  } catch (error) {
    throw gzip && isZlibError(error)
      ? new InputError(`corrupt or truncated gzip data (${(error as Error).message})`, {file: displayName})
      : ioError(error, displayName)
  } finally {
    file.destroy()
    source.destroy()
  }
}

async function* plainChunks(path: string, displayName: string): AsyncGenerator<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw ioError(error, displayName)
  }
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK_SIZE), Buffer.allocUnsafe(CHUNK_SIZE)]
    let which = 0
    let pending = handle.read(buffers[0]!, 0, CHUNK_SIZE, null)
    for (;;) {
      let bytesRead: number
      try {
        ;({bytesRead} = await pending)
      } catch (error) {
        throw ioError(error, displayName)
      }
      if (bytesRead === 0) return
      const current = buffers[which]!
      which ^= 1
      pending = handle.read(buffers[which]!, 0, CHUNK_SIZE, null)
      yield current.subarray(0, bytesRead)
    }
  } finally {
    await handle.close()
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
