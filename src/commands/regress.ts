import {existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {GUEST_ARCHES} from '../capture/arch.js'
import {kernelFromFile} from '../capture/kernel-source.js'
import {OracleBuildError} from '../oracle/recipe.js'
import {runBootRegress} from '../regress/boot.js'
import {bootToJson, renderBootJunit, renderBootKtap, renderBootMarkdown, renderBootText} from '../regress/boot-report.js'
import {resolveBase} from '../regress/base-source.js'
import {collectConfigSpaces} from '../regress/config-spaces.js'
import {runRegress} from '../regress/regress.js'
import {saveGeneratedCases} from '../regress/save-cases.js'
import type {Budget} from '../regress/generate.js'
import {renderRegressJunit, renderRegressKtap} from '../regress/ktap.js'
import {regressToJson, renderRegressMarkdown, renderRegressText} from '../regress/report.js'
import {writeFileAtomic} from '../util/atomic-write.js'
import {UsageError} from '../util/errors.js'
import {corpusPaths} from '../corpus/corpus.js'
import {rootFlag} from '../cli/corpus-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {BaseCommand} from './base.js'

export default class Regress extends BaseCommand {
  static override summary = 'Test a kernel patch against its base over every config space probediff knows, or boot a candidate kernel under every capture'
  static override description = `Builds the kernel tree (the patched side) and its base as oracles (cached by the hash of their
sources) and runs every config space through both: each corpus case whatever kernel captured it, the
fault cases, and the cases, case directories or inputs (traces, lspci dumps, sysfs directories) given as
arguments. Lists only what differs, and which side probediff's model agrees with.
The base is the same git tree at --base REV, read with git into probediff's cache (the checkout is never
touched; default HEAD when the tree has uncommitted changes, else HEAD~1), or another directory
(--base-source). Exit 0 when nothing changes, 1 when something does (with --expect-changes: the reverse),
2 on bad input (including a tree that does not compile).
With --vmlinuz instead of --kernel-source, a candidate kernel boots for real: every QEMU capture's
recorded command (case.json qemu.argv) runs again with that kernel and an initramfs of its modules
(--modules DIR, or lib/modules/<release> next to ROOT/boot/vmlinuz-<release>; a modular virtio_pci
without them is refused), and what it did with each device is compared with the case's golden.`
  static override examples = [
    '<%= config.bin %> regress --kernel-source ~/linux',
    '<%= config.bin %> regress --kernel-source ~/linux --base v6.1 --output md',
    '<%= config.bin %> regress --kernel-source ~/linux --base-source ~/linux-stock --output ktap traces/my-case',
    '<%= config.bin %> regress --vmlinuz ~/linux/arch/x86/boot/bzImage --modules /tmp/mods/lib/modules/6.1.0',
  ]
  static override strict = false
  static override args = {path: Args.string({description: 'more cases, directories of cases, or inputs to run', required: false})}
  static override flags = {
    'kernel-source': Flags.string({description: 'the patched kernel tree', helpValue: 'TREE'}),
    vmlinuz: Flags.string({description: 'boot this kernel image under every capture\'s recorded QEMU command instead (no oracle builds)', helpValue: 'IMAGE'}),
    modules: Flags.string({description: 'with --vmlinuz: its module directory (lib/modules/RELEASE); default: next to the image', helpValue: 'DIR'}),
    timeout: Flags.integer({description: 'with --vmlinuz: seconds before a guest that has not powered off is killed', default: 180, min: 1}),
    jobs: Flags.integer({description: 'with --vmlinuz: guests booted at a time', default: 1, min: 1}),
    arch: Flags.option({options: GUEST_ARCHES, default: 'amd64' as const, description: 'with --vmlinuz: the kernel\'s architecture; only cases captured on it boot (arm64: qemu-system-aarch64, TCG)'})(),
    base: Flags.string({description: 'the base: this revision of the same git tree (default HEAD if it has uncommitted changes, else HEAD~1)', helpValue: 'REV'}),
    'base-source': Flags.string({description: 'the base: another kernel tree', helpValue: 'DIR'}),
    root: rootFlag,
    corpus: Flags.boolean({description: 'run the corpus (--no-corpus: only the paths given)', default: true, allowNo: true}),
    output: outputFlag(['text', 'md', 'json', 'ktap', 'junit'] as const),
    junit: Flags.string({description: 'also write a JUnit XML report to FILE', helpValue: 'FILE'}),
    coverage: Flags.boolean({description: "build both sides with gcov: line and branch coverage of the kernel's probe code, and the changed lines no config space reaches"}),
    budget: Flags.string({description: 'with --coverage: how much generation may do to reach the changed lines no config space reaches: a count of generated config spaces (500) or a time (30s, 2m)', helpValue: 'N|TIME'}),
    'save-cases': Flags.string({description: 'with --budget: write each minimized generated config space that changes as a fault case in DIR (DIR/generated-HASH/case.json)', helpValue: 'DIR'}),
    'expect-changes': Flags.boolean({description: 'the patch is meant to change behaviour: exit 0 if it does, 1 if nothing changes'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Regress)
    if ((flags['kernel-source'] === undefined) === (flags.vmlinuz === undefined)) throw new UsageError('give exactly one of --kernel-source TREE (a patch against its base) or --vmlinuz IMAGE (a kernel booted)')
    if (flags.vmlinuz !== undefined) return this.boot(argv as string[], flags)
    if (flags.modules !== undefined) throw new UsageError('--modules goes with --vmlinuz')
    const tree = resolve(flags['kernel-source']!)
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
      if (flags['save-cases'] !== undefined && !flags.budget) throw new UsageError('--save-cases needs --coverage --budget: it saves the generated config spaces that change')
      const budget = flags.budget === undefined ? undefined : parseBudget(flags.budget)
      result = await runRegress({patchedTree: tree, base, configSpaces, coverage: flags.coverage, ...(budget ? {budget} : {})})
    } catch (err) {
      if (err instanceof OracleBuildError) throw new UsageError(`regress: ${err.message}`)
      throw err
    }
    let savedCases
    if (flags['save-cases'] !== undefined) {
      savedCases = {dir: flags['save-cases'], ...(await saveGeneratedCases(resolve(flags['save-cases']), result))}
      this.logToStderr(`probediff: ${savedCases.written.length} generated case(s) written to ${savedCases.dir}${savedCases.existing.length ? `, ${savedCases.existing.length} already there` : ''}`)
    }
    if (flags.junit) await writeFileAtomic(flags.junit, renderRegressJunit(result))
    if (!this.jsonEnabled() && flags.output !== 'json') {
      const render = {text: renderRegressText, md: renderRegressMarkdown, ktap: renderRegressKtap, junit: renderRegressJunit}[flags.output]
      this.log(render(result).replace(/\n$/, ''))
    }
    const changed = result.changes.length > 0
    process.exitCode = changed === Boolean(flags['expect-changes']) ? 0 : 1
    return {...(regressToJson(result) as object), ...(savedCases ? {savedCases} : {})}
  }

  private async boot(paths: string[], flags: {vmlinuz?: string; modules?: string; root: string; corpus: boolean; output: 'text' | 'md' | 'json' | 'ktap' | 'junit'; junit?: string; timeout: number; jobs: number; arch: (typeof GUEST_ARCHES)[number]; 'expect-changes'?: boolean; coverage?: boolean; budget?: string; 'save-cases'?: string; base?: string; 'base-source'?: string}): Promise<unknown> {
    for (const f of ['coverage', 'budget', 'base', 'base-source', 'save-cases'] as const) if (flags[f] !== undefined && flags[f] !== false) throw new UsageError(`--${f} goes with --kernel-source, not --vmlinuz`)
    const kernel = await kernelFromFile(flags.vmlinuz!, flags.modules === undefined ? undefined : resolve(flags.modules))
    if (flags.modules !== undefined && !(existsSync(flags.modules) && statSync(flags.modules).isDirectory())) throw new UsageError(`--modules ${flags.modules}: not a directory`)
    const result = await runBootRegress({
      kernel,
      tracesDir: corpusPaths(flags.root).tracesDir,
      includeCorpus: flags.corpus,
      paths,
      timeoutSeconds: flags.timeout,
      jobs: flags.jobs,
      arch: flags.arch,
      onCaseDone: (c) => this.logToStderr(`probediff: ${c.case}: ${c.status}${c.bootSeconds === undefined ? '' : ` (${c.bootSeconds} s)`}`),
    })
    if (flags.junit) await writeFileAtomic(flags.junit, renderBootJunit(result))
    if (!this.jsonEnabled() && flags.output !== 'json') {
      const render = {text: renderBootText, md: renderBootMarkdown, ktap: renderBootKtap, junit: renderBootJunit}[flags.output]
      this.log(render(result).replace(/\n$/, ''))
    }
    const changed = result.summary.changed > 0 || result.summary.failed > 0
    process.exitCode = changed === Boolean(flags['expect-changes']) ? 0 : 1
    return bootToJson(result)
  }
}

/** `--budget`: `500` (generated config spaces) or `30s` / `2m` / `1.5m` (time); 0 turns generation off. */
export function parseBudget(text: string): Budget | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text.trim())
  if (!m || (!m[2] && m[1]!.includes('.'))) throw new UsageError(`--budget ${text}: a count of config spaces (500) or a time (30s, 2m)`)
  const n = Number(m[1])
  if (n === 0) return undefined
  return m[2] ? {seconds: m[2] === 'm' ? n * 60 : n} : {count: n}
}
