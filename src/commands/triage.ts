import {stat} from 'node:fs/promises'
import {Args, Flags} from '@oclif/core'
import {caseInputs, corpusPaths, readCaseMeta, CASE_NAME_PATTERN} from '../corpus/corpus.js'
import type {InputFormat} from '../ingest/index.js'
import {checkWithOracle, type DeviceOracleCheck} from '../replay/oracle.js'
import {renderTriageMarkdown, renderTriageText, triageToJson} from '../triage/report.js'
import {replayInputs, type ReplayInput} from '../replay/replay.js'
import {triageSession} from '../triage/triage.js'
import {inputFlags, inputsFromFlags} from '../cli/input-flags.js'
import {rootFlag} from '../cli/corpus-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {BaseCommand} from './base.js'

/** Before --output, triage's --format was the report format: still understood, with a warning. */
const OLD_OUTPUT_FORMATS = ['text', 'md', 'json']

export default class Triage extends BaseCommand {
  static override summary = 'Explain a probe outcome: the rule that decided it, on which bytes, and what to fix'
  static override description = `Takes a trace (with --dmesg), a static dump (lspci -xxx, sysfs config or device directory), or
the name of a corpus case. Reports (--output): text (80 columns, for a mailing-list email), md (issue
trackers), json (tools; same as --json). --format is the input format, as in ingest and replay.`
  static override examples = [
    '<%= config.bin %> triage k6.1-pc-legacy-only --device 00:03.0',
    '<%= config.bin %> triage trace.log --dmesg dmesg.txt --output md',
    '<%= config.bin %> triage /sys/bus/pci/devices/0000:00:03.0 --kernel 6.12',
    '<%= config.bin %> triage k6.1-pc-legacy-only --oracle auto',
  ]
  static override args = {input: Args.string({required: true, description: 'trace, dump, sysfs device directory, or case name'})}
  static override flags = {
    ...inputFlags,
    device: Flags.string({description: 'only this function (0000:00:03.0)', helpValue: 'BDF'}),
    kernel: Flags.string({description: 'kernel profile or release (default: from dmesg)', helpValue: 'V'}),
    'force-legacy': Flags.boolean({description: 'set virtio_pci.force_legacy', allowNo: true}),
    output: outputFlag(['text', 'md', 'json'] as const),
    root: rootFlag,
    oracle: Flags.string({description: "also run each device through the kernel's own code (oracle PATH or auto)", helpValue: 'PATH|auto'}),
  }

  async run(): Promise<unknown> {
    this.argv = this.oldOutputSpelling()
    const {args, flags} = await this.parse(Triage)
    const corpusCase = await this.resolveCase(args.input, flags.root)
    // A case brings its own inputs (with their formats and display names); a path takes the input flags.
    const {inputs, options} = inputsFromFlags(corpusCase ? [] : [args.input], flags)
    const replay = corpusCase?.replay
    const session = await replayInputs([...(corpusCase?.inputs ?? []), ...inputs], {
      ingest: options,
      kernel: flags.kernel ?? replay?.kernel,
      forceLegacy: flags['force-legacy'] ?? replay?.forceLegacy,
      device: flags.device,
    })
    let reports = triageSession(session)
    if (flags.oracle) {
      let checks: DeviceOracleCheck[]
      try {
        checks = await checkWithOracle(session, flags.oracle)
      } catch (err) {
        return this.fail({code: 'oracle', message: `triage: --oracle ${flags.oracle}: ${(err as Error).message}`, exit: 2})
      }
      reports = reports.map((r) => ({...r, oracle: checks.find((c) => c.bdf === r.device.bdf)}))
    }
    if (this.jsonEnabled()) return triageToJson(reports)
    if (flags.output === 'md') this.log(renderTriageMarkdown(reports))
    else this.log(reports.length ? renderTriageText(reports) : 'no function in the inputs is one virtio-pci would probe (vendor 1af4)')
  }

  /**
   * The old spellings, with a one-line warning: `--format md` (the report format, before --output)
   * → `--output md`, and `--input-format F` → `--format F`.
   */
  private oldOutputSpelling(): string[] {
    const warn = (old: string, now: string) => process.stderr.write(`probediff: warning: triage ${old} is deprecated: use ${now} (--format is the input format)\n`)
    const end = this.argv.includes('--') ? this.argv.indexOf('--') : this.argv.length
    return this.argv.map((arg, i, all) => {
      if (i >= end) return arg
      if (arg === '--input-format' || arg.startsWith('--input-format=')) {
        warn('--input-format', '--format')
        return arg.replace(/^--input-format/, '--format')
      }
      const value = arg.startsWith('--format=') ? arg.slice('--format='.length) : arg === '--format' ? all[i + 1] : undefined
      if (value === undefined || !OLD_OUTPUT_FORMATS.includes(value)) return arg
      warn(`--format ${value}`, `--output ${value}`)
      return arg === '--format' ? '--output' : `--output=${value}`
    })
  }

  /** An argument that is not an existing path but a valid case name is a corpus case. */
  private async resolveCase(input: string, root: string): Promise<{inputs: ReplayInput[]; replay?: {kernel?: string; forceLegacy?: boolean}} | undefined> {
    const exists = await stat(input).then(
      () => true,
      () => false,
    )
    if (exists || !CASE_NAME_PATTERN.test(input)) return undefined
    const paths = corpusPaths(root)
    const meta = await readCaseMeta(paths, input)
    const files = await caseInputs(paths, meta)
    return {inputs: files.map((f) => ({path: f.path, displayName: f.displayName, format: f.format as InputFormat | undefined})), replay: meta.replay}
  }
}
