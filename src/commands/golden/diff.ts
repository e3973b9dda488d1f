import {Args, Flags} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {renderChange} from '../../golden/diff.js'
import {pendingChange} from '../../golden/pending.js'
import {page} from '../../util/pager.js'
import {sanitizeForTerminal, useColor} from '../../util/terminal.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenDiff extends BaseCommand {
  static override summary = 'Show a pending golden change: one line per changed device, then the diff (paged on a terminal)'
  static override examples = ['<%= config.bin %> golden diff k6.1-pc-transitional']
  static override args = {case: Args.string({required: true})}
  static override flags = {
    root: rootFlag,
    verbose: Flags.boolean({description: 'for a new golden, show the whole claim, not only its devices'}),
  }

  async run(): Promise<{case: string; pending: boolean; diff?: string}> {
    const {args, flags} = await this.parse(GoldenDiff)
    const json = this.jsonEnabled()
    const color = useColor(process.stdout) && !json
    const change = await pendingChange(corpusPaths(flags.root), args.case, {verbose: flags.verbose})
    if (change === undefined) {
      this.log(`no pending change for ${args.case}`)
      return {case: args.case, pending: false}
    }
    const rendered = renderChange(`${args.case}: pending golden change`, change, color)
    if (json) return {case: args.case, pending: true, diff: rendered}
    await page(sanitizeForTerminal(rendered, {keepSgr: color}))
    return {case: args.case, pending: true}
  }
}
