import {corpusPaths} from '../../corpus/corpus.js'
import {pruneObsolete} from '../../golden/pending.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenPrune extends BaseCommand {
  static override summary = 'Remove golden and pending files whose case no longer exists in traces/'
  static override examples = ['<%= config.bin %> golden prune']
  static override flags = {root: rootFlag}

  async run(): Promise<{removed: string[]}> {
    const {flags} = await this.parse(GoldenPrune)
    const removed = await pruneObsolete(corpusPaths(flags.root))
    this.log(removed.length === 0 ? 'no obsolete goldens' : removed.map((f) => `removed ${f}`).join('\n'))
    return {removed}
  }
}
