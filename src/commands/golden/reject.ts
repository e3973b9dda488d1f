import {Args} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {rejectPending} from '../../golden/pending.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenReject extends BaseCommand {
  static override summary = 'Reject pending golden changes (deletes golden/<case>.json.new)'
  static override examples = ['<%= config.bin %> golden reject k6.1-pc-transitional']
  static override strict = false
  static override args = {case: Args.string({required: true, description: 'case names'})}
  static override flags = {root: rootFlag}

  async run(): Promise<{rejected: string[]}> {
    const {argv, flags} = await this.parse(GoldenReject)
    const paths = corpusPaths(flags.root)
    const rejected: string[] = []
    for (const name of argv as string[]) {
      await rejectPending(paths, name)
      rejected.push(name)
      this.log(`rejected golden/${name}.json.new`)
    }
    return {rejected}
  }
}
