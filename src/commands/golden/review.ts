import {createInterface} from 'node:readline/promises'
import {Flags} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {acceptPending, listPending, pendingDiff, rejectPending} from '../../golden/pending.js'
import {UsageError} from '../../util/errors.js'
import {sanitizeForTerminal, useColor} from '../../util/terminal.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenReview extends BaseCommand {
  static override summary = 'Review pending golden changes one by one: accept, reject or skip'
  static override description = 'Interactive on a terminal. Without a terminal, use --accept-all or --reject-all (or golden accept/reject). With --json and neither, lists the pending changes and decides nothing.'
  static override examples = ['<%= config.bin %> golden review', '<%= config.bin %> golden review --accept-all']
  static override flags = {
    root: rootFlag,
    'accept-all': Flags.boolean({description: 'accept every pending change', exclusive: ['reject-all']}),
    'reject-all': Flags.boolean({description: 'reject every pending change', exclusive: ['accept-all']}),
  }

  async run(): Promise<{pending: string[]; accepted?: string[]; rejected?: string[]} | undefined> {
    const {flags} = await this.parse(GoldenReview)
    const paths = corpusPaths(flags.root)
    const pending = await listPending(paths)
    if (pending.length === 0) {
      this.log('no pending golden changes')
      return {pending}
    }
    if (flags['accept-all'] || flags['reject-all']) {
      for (const name of pending) {
        await (flags['accept-all'] ? acceptPending(paths, name) : rejectPending(paths, name))
        this.log(`${flags['accept-all'] ? 'accepted' : 'rejected'} ${name}`)
      }
      return {pending: [], [flags['accept-all'] ? 'accepted' : 'rejected']: pending}
    }
    if (this.jsonEnabled()) return {pending}
    if (!process.stdin.isTTY) throw new UsageError('golden review is interactive: run it on a terminal, or pass --accept-all / --reject-all')
    const color = useColor(process.stdout)
    const rl = createInterface({input: process.stdin, output: process.stdout})
    try {
      let index = 0
      for (const name of pending) {
        index++
        this.log(`\n(${index}/${pending.length}) ${name}`)
        this.log(sanitizeForTerminal((await pendingDiff(paths, name, color)) ?? '', {keepSgr: color}))
        const answer = (await rl.question('accept (a), reject (r), skip (s), quit (q)? ')).trim().toLowerCase()
        if (answer === 'a') {
          await acceptPending(paths, name)
          this.log(`accepted ${name}`)
        } else if (answer === 'r') {
          await rejectPending(paths, name)
          this.log(`rejected ${name}`)
        } else if (answer === 'q') break
        else this.log(`skipped ${name}`)
      }
    } finally {
      rl.close()
    }
  }
}
