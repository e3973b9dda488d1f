import {Args} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {acceptPending} from '../../golden/pending.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenAccept extends BaseCommand {
  static override summary = 'Accept pending golden changes (golden/<case>.json.new replaces golden/<case>.json)'
  static override examples = ['<%= config.bin %> golden accept k6.1-pc-transitional']
  static override strict = false
  static override args = {case: Args.string({required: true, description: 'case names'})}
  static override flags = {root: rootFlag}

  async run(): Promise<{accepted: string[]}> {
    const {argv, flags} = await this.parse(GoldenAccept)
    const paths = corpusPaths(flags.root)
    const accepted: string[] = []
    for (const name of argv as string[]) {
      await acceptPending(paths, name)
      accepted.push(name)
      this.log(`accepted golden/${name}.json`)
    }
    return {accepted}
  }
}
