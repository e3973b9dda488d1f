import {Args, Flags} from '@oclif/core'
import {runCheck} from '../golden/check.js'
import {corpusPaths} from '../corpus/corpus.js'
import {defaultUpdateMode, isCi, UPDATE_MODES, type UpdateMode} from '../golden/update-mode.js'
import {parseShard} from '../golden/shard.js'
import {renderCheckReport} from '../report/check-report.js'
import {renderJunit} from '../report/junit.js'
import {createProgress} from '../report/progress.js'
import {createCaseReplayer} from '../replay/pool.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {useColor} from '../util/terminal.js'
import {rootFlag} from '../cli/corpus-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {BaseCommand} from './base.js'

export default class Check extends BaseCommand {
  static override summary = 'Replay the corpus and compare every case with its golden and with the traced kernel'
  static override description = `With no CASE, checks every case in traces/. Exit 0 when all pass, 1 on any golden change, stale
or new golden, or model-vs-kernel disagreement, 2 on usage or input errors.
Update modes (insta/vitest semantics): none never writes; new writes pending golden/<case>.json.new
files for review (probediff golden review); all rewrites changed goldens. Default: none when CI is set, new otherwise.`
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check k6.1-pc-transitional --update=all',
    'CI=1 <%= config.bin %> check --junit report.xml --shard 1/2',
  ]
  static override strict = false
  static override args = {case: Args.string({description: 'case names (default: the whole corpus)', required: false})}
  static override flags = {
    update: Flags.option({options: UPDATE_MODES, description: 'when goldens may be written (default: none in CI, new locally)'})(),
    junit: Flags.string({description: 'write a JUnit XML report to FILE', helpValue: 'FILE'}),
    shard: Flags.string({description: 'check only shard i of n (1-based), e.g. 2/4', helpValue: 'i/n'}),
    jobs: Flags.integer({description: 'threads replaying cases (default: 1, plus one per 90 cases, up to one per core)', min: 1}),
    root: rootFlag,
    oracle: Flags.string({description: 'also run every device through the kernel-source oracle (PATH or auto)', helpValue: 'PATH|auto'}),
    verbose: Flags.boolean({description: 'show a new golden whole (not only its devices) and every input warning'}),
    output: outputFlag(['text', 'json', 'junit'] as const),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Check)
    const ci = isCi()
    const update: UpdateMode = flags.update ?? defaultUpdateMode()
    const paths = corpusPaths(flags.root)
    const shard = flags.shard ? parseShard(flags.shard) : undefined
    const progress = this.jsonEnabled() ? undefined : createProgress(process.stderr)
    const result = await runCheck({
      paths,
      cases: argv as string[],
      update,
      ci,
      shard,
      verbose: flags.verbose,
      replay: createCaseReplayer(paths, {jobs: flags.jobs, oracle: flags.oracle}),
      onStart: (n) => progress?.setTotal(n),
      onCaseDone: (name) => progress?.tick(name),
      oracle: flags.oracle !== undefined,
    })
    progress?.done()
    if (flags.junit) await writeFileAtomic(flags.junit, renderJunit(result))
    if (!this.jsonEnabled()) this.log(flags.output === 'junit' ? renderJunit(result) : renderCheckReport(result, {color: useColor(process.stdout), verbose: flags.verbose}))
    process.exitCode = result.exitCode
    return result
  }
}
