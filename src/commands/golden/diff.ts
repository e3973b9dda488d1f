import {Args} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {pendingDiff} from '../../golden/pending.js'
import {sanitizeForTerminal, useColor} from '../../util/terminal.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenDiff extends BaseCommand {
  static override summary = 'Show the diff of a pending golden change'
  static override examples = ['<%= config.bin %> golden diff k6.1-pc-transitional']
  static override args = {case: Args.string({required: true})}
  static override flags = {root: rootFlag}

  async run(): Promise<{case: string; pending: boolean; diff?: string}> {
    const {args, flags} = await this.parse(GoldenDiff)
    const color = useColor(process.stdout) && !this.jsonEnabled()
    const diff = await pendingDiff(corpusPaths(flags.root), args.case, color)
    this.log(diff === undefined ? `no pending change for ${args.case}` : sanitizeForTerminal(diff, {keepSgr: color}))
    return {case: args.case, pending: diff !== undefined, ...(diff === undefined ? {} : {diff})}
  }
}
