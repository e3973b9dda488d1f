/** The hand-made fault cases of the shipped corpus (traces/fault-*, made by scripts/make-fault-cases.mjs). */
import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const TRACES_DIR = fileURLToPath(new URL('../../traces', import.meta.url))

/** Every case directory named fault-*, except the seeds (which have no case.json). */
export const FAULT_CASES: readonly string[] = readdirSync(TRACES_DIR)
  .filter((n) => n.startsWith('fault-') && n !== 'fault-seeds')
  .sort()
