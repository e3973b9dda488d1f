import {chmod, mkdir, mkdtemp, rename, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {validateCaseName} from '../corpus/corpus.js'
import {UsageError} from '../util/errors.js'

/**
 * traces/CASE/ is written as a whole or not at all: files go into a hidden temp directory next to it,
 * which is renamed into place at the end (an existing case is only replaced with --force).
 */
export interface StagedCase {
  readonly tmpDir: string
  readonly finalDir: string
}

export async function stageCaseDir(tracesDir: string, name: string, force: boolean): Promise<StagedCase> {
  validateCaseName(name)
  const finalDir = join(tracesDir, name)
  if (!force && (await stat(finalDir).catch(() => undefined))) {
    throw new UsageError(`case ${finalDir} already exists (use --force to replace it)`)
  }
  await mkdir(tracesDir, {recursive: true})
  const tmpDir = await mkdtemp(join(tracesDir, `.${name}.tmp-`))
  await chmod(tmpDir, 0o755) // mkdtemp makes it 0700; a case is an ordinary shared directory
  return {tmpDir, finalDir}
}

export async function commitCaseDir(staged: StagedCase): Promise<void> {
  const old = `${staged.tmpDir}.old`
  const hadOld = await rename(staged.finalDir, old).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false
      throw error
    },
  )
  await rename(staged.tmpDir, staged.finalDir)
  if (hadOld) await rm(old, {recursive: true, force: true})
}

export async function discardCaseDir(staged: StagedCase): Promise<void> {
  await rm(staged.tmpDir, {recursive: true, force: true})
}
