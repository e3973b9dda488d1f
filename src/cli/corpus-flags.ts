import {Flags} from '@oclif/core'

/**
 * The corpus location, one flag for every command that reads or writes cases or goldens (triage,
 * check, capture, regress, oracle corpus, golden *): the directory holding traces/ and golden/.
 */
export const rootFlag = Flags.string({description: 'corpus root holding traces/ and golden/', default: '.', helpValue: 'DIR'})
