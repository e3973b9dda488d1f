/**
 * Every change probediff makes in golden/: atomic writes, renames and removals whose failure
 * (EACCES, ENOSPC, EROFS...) is one line naming the file (exit 2), and, before each write, the removal
 * of temp files a killed probediff left behind.
 */
import {readdir, rename, rm} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {tempFileOwner, writeError, writeFileAtomic} from '../util/atomic-write.js'
import {InputError} from '../util/errors.js'

export async function writeGoldenFile(path: string, text: string): Promise<void> {
  await removeLeftoverTemps(dirname(path))
  await guarded(path, 'write', () => writeFileAtomic(path, text))
}

export async function renameGoldenFile(from: string, to: string): Promise<void> {
  await removeLeftoverTemps(dirname(to))
  await guarded(to, 'write', () => rename(from, to))
}

export async function removeGoldenFile(path: string): Promise<void> {
  await guarded(path, 'remove', () => rm(path, {force: true}))
}

/**
 * Temp files of processes that are gone (a SIGKILL between write and rename). Those of a live process,
 * this one included (worker threads share its pid), may still be renamed into place, so they stay.
 */
export async function removeLeftoverTemps(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    const pid = tempFileOwner(name)
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue
    await guarded(join(dir, name), 'remove', () => rm(join(dir, name), {force: true}))
    removed.push(name)
  }
  return removed
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function guarded(path: string, what: 'write' | 'remove', act: () => Promise<unknown>): Promise<void> {
  try {
    await act()
  } catch (error) {
    if (error instanceof InputError) throw error
    throw writeError(path, error, what)
  }
}
