import {Flags} from '@oclif/core'
import {corpusPaths} from '../../corpus/corpus.js'
import {renderChange} from '../../golden/diff.js'
import {acceptPending, listPending, pendingChange, rejectPending} from '../../golden/pending.js'
import {UsageError} from '../../util/errors.js'
import {readKey} from '../../util/keypress.js'
import {page} from '../../util/pager.js'
import {sanitizeForTerminal, useColor} from '../../util/terminal.js'
import {BaseCommand} from '../base.js'
import {rootFlag} from '../../cli/corpus-flags.js'

export default class GoldenReview extends BaseCommand {
  static override summary = 'Review pending golden changes one by one: accept, reject or skip with one key'
  static override description = `On a terminal, each pending case shows its summary and diff (through $PAGER, else less -R), then
one key, no Enter: a accept, r reject, s skip, q quit. Without a terminal, use --accept-all or
--reject-all (or golden accept/reject). With --json and neither, lists the pending changes and
decides nothing.`
  static override examples = ['<%= config.bin %> golden review', '<%= config.bin %> golden review --accept-all']
  static override flags = {
    root: rootFlag,
    'accept-all': Flags.boolean({description: 'accept every pending change', exclusive: ['reject-all']}),
    'reject-all': Flags.boolean({description: 'reject every pending change', exclusive: ['accept-all']}),
    verbose: Flags.boolean({description: 'for a new golden, show the whole claim, not only its devices'}),
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
    const tally = {accepted: 0, rejected: 0, skipped: 0}
    let index = 0
    for (const name of pending) {
      index++
      const change = await pendingChange(paths, name, {verbose: flags.verbose})
      if (!change) continue
      await page(sanitizeForTerminal(renderChange(`(${index}/${pending.length}) ${name}: pending golden change`, change, color), {keepSgr: color}))
      process.stdout.write(`${name}: a accept, r reject, s skip, q quit (one key, no Enter) `)
      const key = await readKey(['a', 'r', 's', 'q'])
      process.stdout.write('\n')
      if (key === 'q') break
      if (key === 'a') {
        await acceptPending(paths, name)
        tally.accepted++
        this.log(`accepted ${name}`)
      } else if (key === 'r') {
        await rejectPending(paths, name)
        tally.rejected++
        this.log(`rejected ${name}`)
      } else {
        tally.skipped++
        this.log(`skipped ${name}`)
      }
    }
    this.log(`${tally.accepted} accepted, ${tally.rejected} rejected, ${tally.skipped} skipped, ${pending.length - tally.accepted - tally.rejected - tally.skipped} left`)
  }
}
