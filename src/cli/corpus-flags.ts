import {statSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {UsageError} from '../util/errors.js'

/**
 * The corpus location, one flag for every command that reads or writes cases or goldens (triage,
 * check, capture, regress, oracle corpus, golden *): the directory holding traces/ and golden/.
 * It must exist: a mistyped root would otherwise be an empty corpus that passes.
 */
export const rootFlag = Flags.string({
  description: 'corpus root holding traces/ and golden/',
  default: '.',
  helpValue: 'DIR',
  parse: async (dir) => {
    if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) throw new UsageError(`--root ${dir}: no such directory`)
    return dir
  },
})
