import {existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {OracleBuildError} from '../oracle/recipe.js'
import {resolveBase} from '../regress/base-source.js'
import {collectConfigSpaces} from '../regress/config-spaces.js'
import {runRegress} from '../regress/regress.js'
import {renderRegressJunit, renderRegressKtap} from '../regress/ktap.js'
import {regressToJson, renderRegressMarkdown, renderRegressText} from '../regress/report.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {UsageError} from '../util/errors.js'
import {corpusPaths} from '../corpus/corpus.js'
import {rootFlag} from '../cli/corpus-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {BaseCommand} from './base.js'

export default class Regress extends BaseCommand {
  static override summary = 'Test a kernel patch against its base over every config space probediff knows'
  static override description = `Builds the kernel tree (the patched side) and its base as oracles (cached by the hash of their
sources) and runs every config space through both: each corpus case whatever kernel captured it, the
fault cases, and the cases, case directories or inputs (traces, lspci dumps, sysfs directories) given as
arguments. Lists only what differs, and which side probediff's model agrees with.
The base is the same git tree at --base REV, read with git into probediff's cache (the checkout is never
touched; default HEAD when the tree has uncommitted changes, else HEAD~1), or another directory
(--base-source). Exit 0 when nothing changes, 1 when something does (with --expect-changes: the reverse),
2 on bad input (including a tree that does not compile).`
  static override examples = [
    '<%= config.bin %> regress --kernel-source ~/linux',
    '<%= config.bin %> regress --kernel-source ~/linux --base v6.1 --output md',
    '<%= config.bin %> regress --kernel-source ~/linux --base-source ~/linux-stock --output ktap traces/my-case',
  ]
  static override strict = false
  static override args = {path: Args.string({description: 'more cases, directories of cases, or inputs to run', required: false})}
  static override flags = {
    'kernel-source': Flags.string({description: 'the patched kernel tree', helpValue: 'TREE', required: true}),
    base: Flags.string({description: 'the base: this revision of the same git tree (default HEAD if it has uncommitted changes, else HEAD~1)', helpValue: 'REV'}),
    'base-source': Flags.string({description: 'the base: another kernel tree', helpValue: 'DIR'}),
    root: rootFlag,
    corpus: Flags.boolean({description: 'run the corpus (--no-corpus: only the paths given)', default: true, allowNo: true}),
    output: outputFlag(['text', 'md', 'json', 'ktap', 'junit'] as const),
    junit: Flags.string({description: 'also write a JUnit XML report to FILE', helpValue: 'FILE'}),
    coverage: Flags.boolean({description: "build both sides with gcov: line and branch coverage of the kernel's probe code, and the changed lines no config space reaches"}),
    budget: Flags.integer({description: 'with --coverage: generate up to N config spaces (mutations of the known ones) to reach the changed lines none reaches', min: 0, helpValue: 'N'}),
    'expect-changes': Flags.boolean({description: 'the patch is meant to change behaviour: exit 0 if it does, 1 if nothing changes'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Regress)
    const tree = resolve(flags['kernel-source'])
    if (!existsSync(tree) || !statSync(tree).isDirectory()) throw new UsageError(`--kernel-source ${flags['kernel-source']}: not a directory`)
    const base = resolveBase({tree, rev: flags.base, baseSource: flags['base-source']})
    const {tracesDir} = corpusPaths(flags.root)
    const configSpaces = await collectConfigSpaces({
      tracesDir,
      includeCorpus: flags.corpus,
      paths: argv as string[],
      onSkip: (name, reason) => this.logToStderr(`probediff: warning: ${name}: skipped: ${reason}`),
    })
    if (configSpaces.length === 0) throw new UsageError(`no config space to run (corpus ${tracesDir}${flags.corpus ? '' : ' not used'}, ${argv.length} paths given)`)
    let result
    try {
      if (flags.budget && !flags.coverage) throw new UsageError('--budget needs --coverage: generation is guided by the coverage of the changed lines')
      result = await runRegress({patchedTree: tree, base, configSpaces, coverage: flags.coverage, budget: flags.budget})
    } catch (err) {
      if (err instanceof OracleBuildError) throw new UsageError(`regress: ${err.message}`)
      throw err
    }
    if (flags.junit) await writeFileAtomic(flags.junit, renderRegressJunit(result))
    if (!this.jsonEnabled() && flags.output !== 'json') {
      const render = {text: renderRegressText, md: renderRegressMarkdown, ktap: renderRegressKtap, junit: renderRegressJunit}[flags.output]
      this.log(render(result).replace(/\n$/, ''))
    }
    const changed = result.changes.length > 0
    process.exitCode = changed === Boolean(flags['expect-changes']) ? 0 : 1
    return regressToJson(result)
  }
}
