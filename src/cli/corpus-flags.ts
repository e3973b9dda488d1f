import {Flags} from '@oclif/core'

/** The --root flag every golden subcommand takes. */
export const rootFlag = Flags.string({description: 'corpus root holding traces/ and golden/', default: '.'})
