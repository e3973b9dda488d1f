import {Flags} from '@oclif/core'
import {checkCorpus, type CorpusDeviceCheck} from '../../oracle/corpus-check.js'
import {formatDifferences} from '../../oracle/compare.js'
import {sanitizeForTerminal} from '../../util/terminal.js'
import {corpusPaths} from '../../corpus/corpus.js'
import {rootFlag} from '../../cli/corpus-flags.js'
import {outputFlag} from '../../cli/output-flags.js'
import {InputError, UsageError} from '../../util/errors.js'
import {BaseCommand} from '../base.js'

export default class OracleCorpus extends BaseCommand {
  static override summary = 'Run every corpus device through the kernel code (oracle) and compare with the model'
  static override description = `Each virtio-pci function of the shipped corpus runs on the oracle of the kernel series it was captured
with (auto), or on the given oracle, and is compared with the model at the release that oracle was built
from (rc, transport, messages, mappings); --against runs at that release too. With --against, a second oracle
(for instance a patched tree's) runs too and the devices whose outcome changes are listed: a kernel patch
checked against every captured device without booting anything. Exit 1 on any model disagreement (or, with
--against, on any change), 0 otherwise.`
  static override examples = [
    '<%= config.bin %> oracle corpus',
    '<%= config.bin %> oracle corpus --oracle /tmp/patched-oracle --against auto',
  ]
  static override flags = {
    oracle: Flags.string({description: 'oracle harness or build directory, or auto (the cached build of each series)', default: 'auto', helpValue: 'PATH|auto'}),
    against: Flags.string({description: 'a second oracle to compare outcomes with', helpValue: 'PATH|auto'}),
    root: rootFlag,
    filter: Flags.string({description: 'only cases whose name is this, or matches this glob (k6.1-*)', helpValue: 'NAME|GLOB'}),
    output: outputFlag(['text', 'json'] as const),
  }

  async run(): Promise<{devices: number; agree: number; disagree: number; noOracle: number; changed?: number; results: CorpusDeviceCheck[]}> {
    const {flags} = await this.parse(OracleCorpus)
    let results: CorpusDeviceCheck[]
    try {
      results = await checkCorpus({
        tracesDir: corpusPaths(flags.root).tracesDir,
        oracle: flags.oracle,
        against: flags.against,
        filter: flags.filter,
        onSkip: (name, reason) => this.logToStderr(`probediff: warning: ${name}: skipped: ${reason}`),
      })
    } catch (err) {
      // A broken case.json or input: the base command reports it with its file and line.
      if (err instanceof InputError || err instanceof UsageError) throw err
      return this.fail({code: 'oracle', message: `oracle corpus: ${(err as Error).message}`, exit: 2})
    }
    if (results.length === 0 && flags.filter !== undefined) {
      return this.fail({code: 'usage', message: `oracle corpus: --filter ${flags.filter}: no case of ${corpusPaths(flags.root).tracesDir} matches (a name, or a glob such as k6.1-*)`, exit: 2})
    }
    let agree = 0
    let disagree = 0
    let noOracle = 0
    let changed = 0
    for (const r of results) {
      const release = r.release && r.release !== r.device.series ? `, on ${r.release}` : ''
      const name = `${r.device.caseName} ${r.device.bdf} (${r.device.series}${release})`
      if (!r.kernel) {
        noOracle++
        this.log(`${name}: no oracle for ${r.device.series} (probediff oracle build --debian ${r.device.series})`)
        continue
      }
      if (flags.against && !r.against) this.log(`${name}: no --against oracle for ${r.release}`)
      const verdict = r.model?.verdict ?? 'no model profile'
      if (verdict === 'agree') agree++
      else disagree++
      // Read as "what --against did -> what --oracle does", with the new messages.
      const change = r.against && r.changed ? `  CHANGED: ${r.against.rc} -> ${r.kernel.rc} ${r.kernel.messages.map((m) => m.text).join(' | ')}` : ''
      if (r.changed) changed++
      this.log(sanitizeForTerminal(`${name}: kernel ${r.kernel.rc} ${r.kernel.transport}, model ${verdict}${change}`))
      if (r.model && r.model.verdict !== 'agree') this.log(sanitizeForTerminal('  ' + formatDifferences(r.model.differences).replaceAll('\n', '\n  ')))
    }
    this.log(`${results.length} devices: model = kernel code on ${agree}, differs on ${disagree}${noOracle ? `, no oracle for ${noOracle}` : ''}${flags.against ? `; ${changed} changed against ${flags.against}` : ''}`)
    if (disagree > 0 || (flags.against && changed > 0)) process.exitCode = 1
    return {devices: results.length, agree, disagree, noOracle, ...(flags.against ? {changed} : {}), results}
  }
}
