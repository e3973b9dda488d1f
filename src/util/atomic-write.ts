import {randomBytes} from 'node:crypto'
import {mkdir, rename, rm, writeFile, open} from 'node:fs/promises'
import {dirname, basename, join} from 'node:path'
import {InputError} from './errors.js'

/** The temp file of a write in progress: `.NAME.PID.HEX8.tmp`, beside the target. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/

/** The pid of the process whose writeFileAtomic made a temp file of this name, if it is one. */
export function tempFileOwner(name: string): number | undefined {
  const pid = TEMP_FILE.exec(name)?.[1]
  return pid === undefined ? undefined : Number(pid)
}

/**
 * Writes a file so that readers see either the old or the new content, never a half-written one:
 * write a temp file in the same directory, fsync it, then rename over the target. A failure (EACCES,
 * ENOSPC, EROFS...) is one InputError naming the file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path)
  try {
    await mkdir(dir, {recursive: true})
  } catch (error) {
    throw writeError(path, error)
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await writeFile(tmp, data)
    const fh = await open(tmp, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (error) {
    await rm(tmp, {force: true}).catch(() => undefined)
    throw writeError(path, error)
  }
}

/** `cannot write NAME: CODE (syscall)`, at the file. */
export function writeError(path: string, error: unknown, verb: 'write' | 'remove' = 'write'): InputError {
  const e = error as NodeJS.ErrnoException
  const why = e.code ? `${e.code}${e.syscall ? ` (${e.syscall})` : ''}` : e.message
  return new InputError(`cannot ${verb} ${basename(path)}: ${why}`, {file: path})
}
