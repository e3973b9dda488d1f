import {Args} from '@oclif/core'
import {buildEvidence} from '../evidence/build.js'
import {evidenceToJson, renderIngest} from '../report/ingest-report.js'
import {inputFlags, inputsFromFlags} from '../cli/input-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {formatWarning} from '../util/errors.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {BaseCommand} from './base.js'

export default class Ingest extends BaseCommand {
  static override summary = 'Read traces, dmesg and config-space dumps, and show the evidence per PCI function'
  static override description = `Formats are sniffed: QEMU log backend output (any timestamp style, .gz too), simpletrace v4
binary, CSV exports, dmesg / journalctl -k / serial console captures, lspci -x/-xxx/-xxxx text, a sysfs
config file or a sysfs PCI device directory. Unknown bytes are shown as ??, inferred ones with ~.`
  static override examples = [
    '<%= config.bin %> ingest traces/k6.1-pc-transitional/trace.log.gz --dmesg traces/k6.1-pc-transitional/dmesg.txt',
    '<%= config.bin %> ingest lspci-xxx.txt',
    '<%= config.bin %> ingest analyzer.csv --columns offset=Address,value=Data --json',
  ]
  static override strict = false
  static override args = {input: Args.string({required: true, description: 'input files (more may follow)'})}
  static override flags = {
    ...inputFlags,
    output: outputFlag(['text', 'json'] as const),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Ingest)
    const {inputs, options} = inputsFromFlags(argv as string[], flags)
    const evidence = await buildEvidence(inputs, options)
    if (!this.jsonEnabled()) {
      this.log(renderIngest(evidence))
      for (const w of evidence.warnings) {
        this.logToStderr(sanitizeForTerminal(`probediff: warning: ${formatWarning(w)}`))
      }
    }
    return evidenceToJson(evidence)
  }
}
