import {stat} from 'node:fs/promises'
import {Args, Flags} from '@oclif/core'
import {caseInputs, corpusPaths, readCaseMeta, CASE_NAME_PATTERN} from '../corpus/corpus.js'
import type {InputFormat} from '../ingest/index.js'
import {checkWithOracle, type DeviceOracleCheck} from '../replay/oracle.js'
import {renderTriageMarkdown, renderTriageText, triageToJson} from '../triage/report.js'
import {jsonForTerminal} from '../util/terminal.js'
import {replayInputs, type ReplayInput} from '../replay/replay.js'
import {triageSession} from '../triage/triage.js'
import {inputFlags, inputsFromFlags} from '../cli/input-flags.js'
import {BaseCommand} from './base.js'

const {format: _inputFormat, ...inputFlagsWithoutFormat} = inputFlags

export default class Triage extends BaseCommand {
  static override summary = 'Explain a probe outcome: the rule that decided it, on which bytes, and what to fix'
  static override description = `Takes a trace (with --dmesg), a static dump (lspci -xxx, sysfs config or device directory), or
the name of a corpus case. Formats: text (80 columns, for a mailing-list email), md (issue trackers),
json (tools).`
  static override examples = [
    '<%= config.bin %> triage k6.1-pc-legacy-only --device 00:03.0',
    '<%= config.bin %> triage trace.log --dmesg dmesg.txt --format md',
    '<%= config.bin %> triage /sys/bus/pci/devices/0000:00:03.0 --kernel 6.12',
    '<%= config.bin %> triage k6.1-pc-legacy-only --oracle auto',
  ]
  static override args = {input: Args.string({required: true, description: 'trace, dump, sysfs device directory, or case name'})}
  static override flags = {
    ...inputFlagsWithoutFormat,
    'input-format': inputFlags.format,
    device: Flags.string({description: 'only this function (0000:00:03.0)', helpValue: 'BDF'}),
    kernel: Flags.string({description: 'kernel profile or release (default: from dmesg)', helpValue: 'V'}),
    'force-legacy': Flags.boolean({description: 'set virtio_pci.force_legacy', allowNo: true}),
    format: Flags.option({options: ['text', 'md', 'json'] as const, default: 'text' as const, description: 'output format'})(),
    root: Flags.string({description: 'corpus root, for case names', default: '.'}),
    oracle: Flags.string({description: "also run each device through the kernel's own code (oracle PATH or auto)", helpValue: 'PATH|auto'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Triage)
    const corpusCase = await this.resolveCase(args.input, flags.root)
    // A case brings its own inputs (with their formats and display names); a path takes the input flags.
    const {inputs, options} = inputsFromFlags(corpusCase ? [] : [args.input], {...flags, format: flags['input-format']})
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
        this.logToStderr(`probediff: triage: --oracle ${flags.oracle}: ${(err as Error).message}`)
        return this.exit(2)
      }
      reports = reports.map((r) => ({...r, oracle: checks.find((c) => c.bdf === r.device.bdf)}))
    }
    if (flags.format === 'json') this.log(jsonForTerminal(triageToJson(reports)))
    else if (flags.format === 'md') this.log(renderTriageMarkdown(reports))
    else this.log(reports.length ? renderTriageText(reports) : 'no function in the inputs is one virtio-pci would probe (vendor 1af4)')
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
