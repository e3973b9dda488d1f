/**
 * Pending golden changes (golden/<case>.json.new): show, accept, reject, and prune obsolete goldens.
 * Accepting renames the pending file over the golden (atomic); nothing is re-run.
 */
import {stat} from 'node:fs/promises'
import {UsageError} from '../util/errors.js'
import {type CorpusPaths, goldenPath, listCases, listGoldenFiles, pendingPath, validateCaseName} from '../corpus/corpus.js'
import {type GoldenChange, describeChange} from './diff.js'
import {claimsAsOf, readGolden} from './golden-file.js'
import {removeGoldenFile, renameGoldenFile} from './golden-write.js'

export async function listPending(paths: CorpusPaths): Promise<string[]> {
  return (await listGoldenFiles(paths)).pending
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** The change a pending golden would make (accepted golden → pending), or undefined if none is pending. */
export async function pendingChange(paths: CorpusPaths, name: string, opts: {verbose?: boolean} = {}): Promise<GoldenChange | undefined> {
  validateCaseName(name)
  const pending = await readGolden(pendingPath(paths, name))
  if (!pending) return undefined
  const current = await readGolden(goldenPath(paths, name))
  if (!current) return describeChange(name, undefined, pending.doc.devices, opts)
  return describeChange(name, current.doc.devices, claimsAsOf(current.schema, pending.doc.devices), opts)
}

export async function acceptPending(paths: CorpusPaths, name: string): Promise<void> {
  const from = pendingPath(paths, name)
  if (!(await exists(from))) throw new UsageError(`no pending golden for ${name} (run \`probediff check\` to produce one)`)
  // Validate before it replaces anything: a malformed pending file must not become the golden.
  await readGolden(from)
  await renameGoldenFile(from, goldenPath(paths, name))
}

export async function rejectPending(paths: CorpusPaths, name: string): Promise<void> {
  const path = pendingPath(paths, name)
  if (!(await exists(path))) throw new UsageError(`no pending golden for ${name}`)
  await removeGoldenFile(path)
}

/** Removes goldens and pending files whose case no longer exists; returns their names. */
export async function pruneObsolete(paths: CorpusPaths): Promise<string[]> {
  const live = new Set(await listCases(paths))
  const {goldens, pending} = await listGoldenFiles(paths)
  const removed: string[] = []
  for (const name of goldens.filter((n) => !live.has(n))) {
    await removeGoldenFile(goldenPath(paths, name))
    removed.push(`golden/${name}.json`)
  }
  for (const name of pending.filter((n) => !live.has(n))) {
    await removeGoldenFile(pendingPath(paths, name))
    removed.push(`golden/${name}.json.new`)
  }
  return removed
}

