import {Args, Flags} from '@oclif/core'
import {compareProfiles, renderComparison, renderOracleChecks, renderReplay} from '../replay/report.js'
import {replayEvidence} from '../replay/replay.js'
import {buildEvidence} from '../evidence/build.js'
import {inputFlags, inputsFromFlags} from '../cli/input-flags.js'
import {outputFlag} from '../cli/output-flags.js'
import {formatWarning} from '../util/errors.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {KERNEL_SERIES} from '../model/series.js'
import {BaseCommand} from './base.js'

export default class Replay extends BaseCommand {
  static override summary = 'Replay a trace (or a config-space dump) through the model of the Linux virtio-pci probe'
  static override description = `Predicts, for every function virtio-pci would probe (vendor 1af4), what the kernel does:
transport, errno, capabilities, mappings and the exact kernel messages; and compares it with what the
traced kernel did (verdict agree / disagree / undetermined). Static dumps (lspci -xxx, sysfs config or a
sysfs device directory) have no observed side.`
  static override examples = [
    '<%= config.bin %> replay traces/k6.1-pc-transitional/trace.log.gz --dmesg traces/k6.1-pc-transitional/dmesg.txt',
    '<%= config.bin %> replay lspci.txt --kernel 6.12',
    '<%= config.bin %> replay trace.log --dmesg dmesg.txt --kernel 5.10 --vs 6.12',
    '<%= config.bin %> replay /sys/bus/pci/devices/0000:00:03.0 --json',
  ]
  static override strict = false
  static override args = {input: Args.string({required: true, description: 'trace, dump or sysfs device directory (more may follow)'})}
  static override flags = {
    ...inputFlags,
    kernel: Flags.string({description: `kernel profile (${KERNEL_SERIES.join(', ')}) or release; default: from dmesg`, helpValue: 'V'}),
    vs: Flags.string({description: 'compare with a second kernel profile, side by side', helpValue: 'V'}),
    'force-legacy': Flags.boolean({description: 'set virtio_pci.force_legacy (default: from the kernel command line in dmesg)', allowNo: true}),
    device: Flags.string({description: 'only this function (0000:00:03.0)', helpValue: 'BDF'}),
    verbose: Flags.boolean({char: 'v', description: 'show the decision path'}),
    oracle: Flags.string({description: "also run every device through the kernel's own probe code (harness PATH or auto)", helpValue: 'PATH|auto'}),
    output: outputFlag(['text', 'json'] as const),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Replay)
    const {inputs, options} = inputsFromFlags(argv as string[], flags)
    const evidence = await buildEvidence(inputs, options)
    const opts = {forceLegacy: flags['force-legacy'], device: flags.device}
    const session = replayEvidence(evidence, {...opts, kernel: flags.kernel})
    if (flags.vs !== undefined) {
      const other = replayEvidence(evidence, {...opts, kernel: flags.vs})
      const comparisons = compareProfiles(session, other)
      if (!this.jsonEnabled()) this.log(renderComparison(comparisons))
      return {kernels: [session.profile.name, other.profile.name], devices: comparisons}
    }
    // The oracle's modules are loaded only when it is asked for (start-up of every other replay).
    const oracle = flags.oracle ? await (await import('../replay/oracle.js')).checkWithOracle(session, flags.oracle) : undefined
    if (!this.jsonEnabled()) {
      this.log(renderReplay(session, {verbose: flags.verbose}))
      if (oracle) this.log(renderOracleChecks(oracle))
    }
    if (oracle?.some((o) => !o.agree)) process.exitCode = 1
    for (const w of evidence.warnings) this.logToStderr(sanitizeForTerminal(`probediff: warning: ${formatWarning(w)}`))
    return {
      kernel: {profile: session.profile.name, reason: session.profileReason},
      forceLegacy: session.forceLegacy,
      devices: oracle ? session.devices.map((d, i) => ({...d, oracle: oracle[i]})) : session.devices,
      skipped: session.skipped,
      warnings: evidence.warnings,
    }
  }
}
