/**
 * A golden file: the expected probe outcome of every device of one case, under one kernel profile.
 * Canonical JSON with a small header; nothing volatile (no timestamps, tool version or absolute paths).
 */
import {readFile} from 'node:fs/promises'
import type {DecisionStep, PredictedOutcome} from '../model/types.js'
import {InputError} from '../util/errors.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {canonicalJson} from './canonical-json.js'
import {parseJsonWithLine} from '../corpus/corpus.js'

export const GOLDEN_SCHEMA_VERSION = 1

export interface GoldenHeader {
  readonly schema: number
  readonly case: string
  /** sha256 over the case's inputs (see hashInputs): a different trace makes the golden stale. */
  readonly traceSha256: string
  readonly kernelProfile: string
}

export interface GoldenDocument {
  readonly header: GoldenHeader
  /** One entry per device, in BDF order: the replay result without volatile fields. */
  readonly devices: readonly unknown[]
}

/** What a golden needs of one device's replay result. */
interface ReplayedDevice {
  readonly predicted: PredictedOutcome
  readonly setupVq?: readonly {readonly path: readonly DecisionStep[]}[]
}

/**
 * One device as a golden holds it. The decision path keeps its words and check ids; the typed facts
 * of a failed check (`facts`, `basis`, `message`: the same facts again, as numbers, reads and text)
 * are left out, so goldens keep the shape they had before the checks carried them.
 */
export function goldenDevice<D extends ReplayedDevice>(device: D): D {
  const path = (steps: readonly DecisionStep[]) =>
    steps.map((s) => {
      if (s.check === undefined) return s
      const {facts: _facts, basis: _basis, message: _message, ...words} = s
      return words
    })
  const predicted = {...device.predicted, path: path(device.predicted.path)}
  const setupVq = device.setupVq?.map((q) => ({...q, path: path(q.path)}))
  return {...device, predicted, ...(setupVq ? {setupVq} : {})} as D
}

export function renderGolden(doc: GoldenDocument): string {
  return canonicalJson(doc)
}

export async function writeGolden(path: string, doc: GoldenDocument): Promise<void> {
  await writeFileAtomic(path, renderGolden(doc))
}

/** Reads and validates a golden; a malformed one is an InputError with file:line, never replaced. */
export async function readGolden(path: string): Promise<{doc: GoldenDocument; text: string} | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InputError(`cannot read golden: ${(error as Error).message}`, {file: path})
  }
  const parsed = parseJsonWithLine(text, path)
  const header = (parsed as {header?: Partial<GoldenHeader>})?.header
  const devices = (parsed as {devices?: unknown})?.devices
  if (!header || typeof header !== 'object') throw new InputError('golden has no header object', {file: path, line: 1})
  if (header.schema !== GOLDEN_SCHEMA_VERSION) {
    throw new InputError(`golden schema ${String(header.schema)} is not ${GOLDEN_SCHEMA_VERSION}`, {file: path, line: lineOf(text, '"schema"')})
  }
  for (const key of ['case', 'traceSha256', 'kernelProfile'] as const) {
    if (typeof header[key] !== 'string') throw new InputError(`golden header lacks ${key}`, {file: path, line: lineOf(text, '"header"')})
  }
  if (!Array.isArray(devices)) throw new InputError('golden has no devices array', {file: path, line: 1})
  return {doc: parsed as GoldenDocument, text}
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle)
  return at < 0 ? 1 : text.slice(0, at).split('\n').length
}
