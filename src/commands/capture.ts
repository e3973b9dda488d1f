import {existsSync} from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {archProfile, defaultBusybox, GUEST_ARCHES, MACHINES, QEMU_SUITES, suiteQemu} from '../capture/arch.js'
import {runCapture} from '../capture/capture.js'
import {DEFAULT_MEMORY_MIB} from '../capture/qemu-argv.js'
import {CaptureFailure} from '../capture/errors.js'
import {EVENT_SET_NAMES} from '../capture/events.js'
import {LSPCI_COMMAND, LSPCI_FILE, pciutilsFor} from '../capture/guest-lspci.js'
import {KERNEL_SERIES, type KernelChoice, kernelFromFile, kernelFromSeries} from '../capture/kernel-source.js'
import {UsageError} from '../util/errors.js'
import {sanitizeForTerminal} from '../util/terminal.js'
import {corpusPaths} from '../corpus/corpus.js'
import {rootFlag} from '../cli/corpus-flags.js'
import {BaseCommand} from './base.js'

export default class Capture extends BaseCommand {
  static override summary = 'Boot a kernel under QEMU with the given devices and record a case in traces/CASE'
  static override description = [
    "Builds a busybox initramfs that loads the virtio drivers (modules resolved from the kernel's module directory, dependencies included), boots it under qemu-system-x86_64 (or qemu-system-aarch64 with --arch arm64) with the PCI/virtio trace events on, and writes ROOT/traces/CASE/{trace.log.gz,dmesg.txt,case.json} atomically (--root, default: the current directory).",
    'Everything after "--" is passed to QEMU: the devices under test.',
    'Exit 0 on success, 1 when the guest panics, hangs or stops early, 2 on usage errors.',
  ].join('\n\n')
  static override usage = `capture CASE (--vmlinuz IMAGE | --kernel-series ${KERNEL_SERIES.join('|')}) [--arch amd64|arm64] [FLAGS] -- QEMU_DEVICE_ARGS...`
  static override examples = [
    '<%= config.bin %> capture my-net --kernel-series 6.1 -- -device virtio-net-pci',
    '<%= config.bin %> capture legacy-blk --vmlinuz /boot/vmlinuz-6.1.0-50-amd64 --append virtio_pci.force_legacy=1 -- -blockdev driver=null-co,node-name=d0 -device virtio-blk-pci,drive=d0',
    '<%= config.bin %> capture q35-net --kernel-series 6.12 --machine q35 -- -device pcie-root-port,id=rp1,chassis=1 -device virtio-net-pci,bus=rp1',
    '<%= config.bin %> capture virt-net --arch arm64 --kernel-series 6.12 -- -device virtio-net-pci',
  ]
  static override args = {case: Args.string({description: 'case name (a-z 0-9 . _ -), written to traces/CASE', required: true})}
  static override flags = {
    vmlinuz: Flags.string({description: 'kernel image to boot', helpValue: 'IMAGE'}),
    'kernel-series': Flags.option({options: KERNEL_SERIES, description: 'a Debian kernel cached by scripts/setup-qemu.sh'})(),
    modules: Flags.string({description: 'module directory (lib/modules/RELEASE); default: next to the kernel', helpValue: 'DIR'}),
    initrd: Flags.string({description: 'use this initramfs instead of building one', helpValue: 'FILE'}),
    arch: Flags.option({options: GUEST_ARCHES, default: 'amd64' as const, description: 'guest architecture: amd64 (qemu-system-x86_64) or arm64 (qemu-system-aarch64, TCG)'})(),
    machine: Flags.option({options: MACHINES, description: 'QEMU machine type; default: pc (amd64), virt (arm64)'})(),
    append: Flags.string({description: 'extra kernel command-line arguments', helpValue: 'ARGS'}),
    qemu: Flags.string({description: 'QEMU binary; default: qemu-system-x86_64 (amd64), qemu-system-aarch64 (arm64)', helpValue: 'PATH'}),
    'qemu-suite': Flags.option({options: QEMU_SUITES, description: "the QEMU of this Debian suite, unpacked by scripts/setup-qemu.sh (trixie: QEMU 10.0); excludes --qemu"})(),
    timeout: Flags.integer({description: 'seconds before a guest that has not powered off is killed', default: 180, min: 1}),
    events: Flags.option({options: EVENT_SET_NAMES, default: 'full' as const, description: 'trace event set: full (with memory events) or cfg'})(),
    notes: Flags.string({description: 'free text stored in case.json', helpValue: 'TEXT'}),
    accel: Flags.option({options: ['auto', 'tcg', 'kvm'] as const, default: 'auto' as const, description: 'accelerator; auto uses KVM only when it really works'})(),
    busybox: Flags.string({description: "static busybox for the initramfs; default: /bin/busybox (amd64), setup-qemu.sh's arm64 one", helpValue: 'PATH'}),
    load: Flags.string({description: 'extra module to load in the guest (repeatable)', multiple: true, helpValue: 'MODULE'}),
    memory: Flags.integer({description: 'guest memory in MiB', default: DEFAULT_MEMORY_MIB, min: 64}),
    root: rootFlag,
    force: Flags.boolean({description: 'replace an existing case'}),
    'sysfs-dump': Flags.string({description: "also copy each PCI function's sysfs config and resource from the guest to DIR/BDF/", helpValue: 'DIR'}),
    'unfiltered-trace': Flags.boolean({description: "also keep the trace unfiltered, the memory events of every region (serial, timers, VGA...) included, as CASE/trace-unfiltered.log.gz (not a replay input: what a user's own -trace gives, e.g. for benchmarks)"}),
    lspci: Flags.boolean({description: `also run the real \`${LSPCI_COMMAND}\` in the guest after the probe and save it as CASE/${LSPCI_FILE} (pciutils of the kernel's Debian suite with --kernel-series, else this host's)`}),
  }

  async run(): Promise<unknown> {
    // Split at the first "--" ourselves: oclif would reorder repeated QEMU words like "-device".
    const dashdash = this.argv.indexOf('--')
    const ownArgv = dashdash < 0 ? this.argv : this.argv.slice(0, dashdash)
    const deviceArgs = dashdash < 0 ? [] : this.argv.slice(dashdash + 1)
    const {args, flags} = await this.parse(Capture, ownArgv)

    // Checked here rather than with oclif's exactlyOne/exclusive, whose errors span several lines.
    if ((flags.vmlinuz === undefined) === (flags['kernel-series'] === undefined)) {
      throw new UsageError(`give exactly one of --vmlinuz IMAGE or --kernel-series ${KERNEL_SERIES.join('|')}`)
    }
    if (flags.modules !== undefined && flags.initrd !== undefined) throw new UsageError('--modules and --initrd exclude each other')
    const arch = archProfile(flags.arch)
    if (flags.qemu !== undefined && flags['qemu-suite'] !== undefined) throw new UsageError('--qemu and --qemu-suite exclude each other')
    const qemuSuite = flags['qemu-suite']
    const qemu = qemuSuite ? suiteQemu(qemuSuite, flags.arch) : (flags.qemu ?? arch.qemu)
    if (qemuSuite && !existsSync(qemu)) throw new UsageError(`no ${qemuSuite} QEMU in ${qemu} (run scripts/setup-qemu.sh)`)
    const kernel: KernelChoice = flags['kernel-series']
      ? await kernelFromSeries(flags['kernel-series'], flags.arch)
      : await kernelFromFile(requireFlag(flags.vmlinuz, '--vmlinuz'), flags.modules)
    const withModules = flags['kernel-series'] && flags.modules ? {...kernel, modulesDir: flags.modules} : kernel
    const lspci = flags.lspci ? await pciutilsFor(flags['kernel-series'], undefined, flags.arch) : undefined

    try {
      const result = await runCapture({
        name: args.case,
        tracesDir: corpusPaths(flags.root).tracesDir,
        kernel: withModules,
        ...(flags.initrd ? {initrd: flags.initrd} : {}),
        busybox: flags.busybox ?? defaultBusybox(flags.arch),
        arch,
        machine: flags.machine ?? arch.defaultMachine,
        accel: flags.accel,
        ...(flags.append ? {append: flags.append} : {}),
        qemu,
        ...(qemuSuite ? {qemuSuite} : {}),
        timeoutSeconds: flags.timeout,
        eventSet: flags.events,
        ...(flags.notes ? {notes: flags.notes} : {}),
        extraModules: flags.load ?? [],
        deviceArgs,
        force: flags.force,
        memoryMiB: flags.memory,
        ...(flags['sysfs-dump'] ? {sysfsDumpDir: flags['sysfs-dump']} : {}),
        ...(lspci ? {lspci} : {}),
        ...(flags['unfiltered-trace'] ? {unfilteredTrace: true} : {}),
      })
      for (const w of result.warnings) this.warn(sanitizeForTerminal(w))
      const r = result.record
      this.log(`${result.dir}: ${r.kernel.release ?? '?'} on ${r.machine} (${r.qemu.accel}), ${r.devices.length} device(s), ` +
        `${r.run.traceLinesKept} trace lines, booted in ${r.run.bootSeconds} s`)
      if (r.lspci) this.log(`${r.lspci.file}: ${r.lspci.command} (${r.lspci.version}) in the guest`)
      if (result.sysfsDumped) this.log(`sysfs config and resource of ${result.sysfsDumped.length} function(s) in ${flags['sysfs-dump']}`)
      return {dir: result.dir, case: r, warnings: result.warnings, ...(result.sysfsDumped ? {sysfsDumped: result.sysfsDumped} : {})}
    } catch (error) {
      if (!(error instanceof CaptureFailure)) throw error
      const tail = error.tail.map((l) => `  | ${sanitizeForTerminal(l)}`)
      const detail = tail.length ? [`  last lines of ${error.kind === 'qemu-exit' ? "QEMU's stderr" : 'the serial console'}:`, ...tail] : []
      return this.fail({code: `capture-${error.kind}`, message: `capture failed: ${error.message}`, exit: error.exitCode, ...(error.tail.length ? {detail: error.tail} : {})}, detail)
    }
  }
}

function requireFlag(value: string | undefined, name: string): string {
  if (value === undefined) throw new UsageError(`${name} is required`)
  return value
}
