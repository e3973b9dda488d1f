import {createWriteStream} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {createGzip} from 'node:zlib'
import {pipeline} from 'node:stream/promises'
import {PassThrough} from 'node:stream'
import {UsageError} from '../util/errors.js'
import {log} from '../util/log.js'
import {forceLegacyFromCmdline} from '../model/kernel-cmdline.js'
import {validateCaseName} from '../corpus/corpus.js'
import {type ArchProfile, type Machine, type QemuSuite} from './arch.js'
import {checkTransportBuiltIn} from './builtin-drivers.js'
import {type CaptureCaseRecord, CASE_FORMAT_VERSION, shellQuote} from './case-record.js'
import {commitCaseDir, discardCaseDir, stageCaseDir} from './case-dir.js'
import {failedInsmods, kernelReleaseFrom} from './console.js'
import {type DeviceArg, driversFor, parseDeviceArgs, TRANSPORT_MODULE} from './devices.js'
import {EVENT_SETS, type EventSetName} from './events.js'
import {decodeLspciOutput, type GuestLspciRun, LSPCI_COMMAND, LSPCI_FILE, lspciGuestFiles, type LspciGuestFiles, type PciutilsTree} from './guest-lspci.js'
import {chooseAccel, loadBusybox, qemuVersion, requireReadable, type ToolVersion} from './host.js'
import {buildInitramfs} from './initramfs.js'
import {type LoadPlan, loadModuleTree, planModuleLoad} from './kernel-modules.js'
import type {KernelChoice} from './kernel-source.js'
import {type Accel, buildQemuArgv, DEFAULT_MEMORY_MIB, fullAppend, PLACEHOLDERS, type QemuInvocation, recordedArgv} from './qemu-argv.js'
import {QemuNotFound, type QemuRun, runQemu} from './qemu-runner.js'
import {guestKernelLog} from './run-verdict.js'
import {decodeSysfsDump, writeSysfsDump} from './sysfs-dump.js'
import {KEPT_REGION_DESCRIPTION} from './trace-filter.js'

/** Everything one capture needs; the command turns flags into this. */
export interface CaptureOptions {
  readonly name: string
  readonly tracesDir: string
  readonly kernel: KernelChoice
  /** A ready-made initramfs instead of the one probediff builds. */
  readonly initrd?: string
  readonly busybox: string
  /** The guest architecture: QEMU's CPU model, the console, the guest's library layout. */
  readonly arch: ArchProfile
  readonly machine: Machine
  readonly accel: 'auto' | Accel
  readonly append?: string
  readonly qemu: string
  /** `qemu` is this Debian suite's QEMU from scripts/setup-qemu.sh's prefix (recorded in the reproduce command). */
  readonly qemuSuite?: QemuSuite
  readonly timeoutSeconds: number
  readonly eventSet: EventSetName
  readonly notes?: string
  readonly extraModules: readonly string[]
  readonly deviceArgs: readonly string[]
  readonly force: boolean
  readonly memoryMiB: number
  /** Also copy every PCI function's sysfs config and resource out of the guest into this directory. */
  readonly sysfsDumpDir?: string
  /** Also run this pciutils' lspci in the guest after the probe and save its output as lspci.txt. */
  readonly lspci?: PciutilsTree
  /** Also keep the trace unfiltered (the memory events of every region) as trace-unfiltered.log.gz. */
  readonly unfilteredTrace?: boolean
}

export interface CaptureResult {
  readonly dir: string
  readonly record: CaptureCaseRecord
  readonly warnings: readonly string[]
  /** With sysfsDumpDir: the functions whose config and resource were written there. */
  readonly sysfsDumped?: readonly string[]
}

export const TRACE_FILE = 'trace.log.gz'
/** With --unfiltered-trace: every line QEMU traced, no memory region left out (not a replay input). */
export const UNFILTERED_TRACE_FILE = 'trace-unfiltered.log.gz'
export const DMESG_FILE = 'dmesg.txt'
export const CASE_FILE = 'case.json'

export async function runCapture(opts: CaptureOptions): Promise<CaptureResult> {
  validateCaseName(opts.name)
  if (opts.sysfsDumpDir !== undefined && opts.initrd !== undefined) {
    throw new UsageError('--sysfs-dump needs the initramfs probediff builds; it excludes --initrd')
  }
  if (opts.lspci !== undefined && opts.initrd !== undefined) throw new UsageError('--lspci needs the initramfs probediff builds; it excludes --initrd')
  if (!Number.isFinite(opts.timeoutSeconds) || opts.timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds')
  if (!opts.arch.machines.includes(opts.machine)) {
    throw new UsageError(`--machine ${opts.machine} is not an ${opts.arch.arch} machine (${opts.arch.arch}: ${opts.arch.machines.join(', ')})`)
  }
  const warnings: string[] = []
  const qemu = await qemuVersion(opts.qemu, opts.arch.qemuPackage)
  const devices = parseDeviceArgs(opts.deviceArgs)
  if (devices.length === 0) warnings.push('no -device after "--": only the machine\'s own devices will be traced')

  const scratch = await mkdtemp(join(tmpdir(), 'probediff-capture-'))
  try {
    const release = opts.kernel.modulesDir ? basename(opts.kernel.modulesDir) : undefined
    const lspciFiles = opts.lspci ? await lspciGuestFiles(opts.lspci, release) : undefined
    const {initrdPath, initramfsRecord} = await prepareInitrd(opts, devices, scratch, warnings, lspciFiles)
    const {accel, reason: accelReason} = await chooseAccel(opts.accel, opts.arch.arch)
    const invocation: QemuInvocation = {
      qemu: opts.qemu,
      machine: opts.machine,
      ...(opts.arch.cpu ? {cpu: opts.arch.cpu} : {}),
      accel,
      memoryMiB: opts.memoryMiB,
      kernel: opts.kernel.vmlinuz,
      initrd: initrdPath,
      append: fullAppend(opts.append, opts.arch),
      events: EVENT_SETS[opts.eventSet],
      deviceArgs: opts.deviceArgs,
    }
    const argv = buildQemuArgv(invocation)
    log().info({argv}, 'starting QEMU')

    const staged = await stageCaseDir(opts.tracesDir, opts.name, opts.force)
    try {
      const run = await bootGuest(argv, opts.timeoutSeconds, join(staged.tmpDir, TRACE_FILE), opts.unfilteredTrace ? join(staged.tmpDir, UNFILTERED_TRACE_FILE) : undefined)
      const dmesg = guestKernelLog(run, opts.timeoutSeconds)
      // Decoded before anything is committed: a damaged dump fails the capture as a whole.
      const sysfs = opts.sysfsDumpDir === undefined ? undefined : decodeSysfsDump(run.console)
      const lspci = lspciFiles && opts.lspci ? {tree: opts.lspci, files: lspciFiles, run: decodeLspciOutput(run.console)} : undefined
      const record = caseRecord({opts, devices, invocation, initrdPath, initramfsRecord, qemu, accel, accelReason, run, dmesg, lspci})
      for (const m of record.run.insmodFailures) warnings.push(`insmod failed in the guest: ${m}`)
      await writeFile(join(staged.tmpDir, DMESG_FILE), dmesg)
      if (lspci) await writeFile(join(staged.tmpDir, LSPCI_FILE), lspci.run.text)
      await writeFile(join(staged.tmpDir, CASE_FILE), `${JSON.stringify(record, null, 2)}\n`)
      await commitCaseDir(staged)
      const sysfsDumped = sysfs && opts.sysfsDumpDir !== undefined ? await writeSysfsDump(opts.sysfsDumpDir, sysfs) : undefined
      return {dir: staged.finalDir, record, warnings, ...(sysfsDumped ? {sysfsDumped} : {})}
    } catch (error) {
      await discardCaseDir(staged)
      throw error
    }
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
}

/** Runs QEMU, streaming the filtered trace (and the unfiltered one) into gzip files that are complete when this resolves. */
async function bootGuest(argv: readonly string[], timeoutSeconds: number, traceFile: string, unfilteredFile?: string): Promise<QemuRun> {
  const [traceOut, writing] = gzipWriter(traceFile, 9)
  // The unfiltered trace is many times larger: a faster level keeps up with QEMU.
  const [unfilteredOut, writingUnfiltered] = unfilteredFile === undefined ? [undefined, undefined] : gzipWriter(unfilteredFile, 6)
  try {
    return await runQemu(argv, timeoutSeconds, traceOut, unfilteredOut)
  } catch (error) {
    throw error instanceof QemuNotFound ? new UsageError(error.message) : error
  } finally {
    traceOut.end()
    unfilteredOut?.end()
    await writing
    await writingUnfiltered
  }
}

function gzipWriter(file: string, level: number): [PassThrough, Promise<void>] {
  const out = new PassThrough()
  const writing = pipeline(out, createGzip({level}), createWriteStream(file))
  writing.catch(() => undefined) // awaited by the caller; this only keeps an early failure from going unhandled
  return [out, writing]
}

interface RecordParts {
  readonly opts: CaptureOptions
  readonly devices: readonly DeviceArg[]
  readonly invocation: QemuInvocation
  readonly initrdPath: string
  readonly initramfsRecord: CaptureCaseRecord['initramfs']
  readonly qemu: ToolVersion
  readonly accel: Accel
  readonly accelReason: string
  readonly run: QemuRun
  readonly dmesg: string
  readonly lspci?: {readonly tree: PciutilsTree; readonly files: LspciGuestFiles; readonly run: GuestLspciRun}
}

function caseRecord(p: RecordParts): CaptureCaseRecord {
  const {opts, invocation, run} = p
  const release = kernelReleaseFrom(p.dmesg)
  const pkg = opts.kernel.package
  return {
    formatVersion: CASE_FORMAT_VERSION,
    name: opts.name,
    kind: 'capture',
    createdAt: new Date().toISOString(),
    ...(opts.notes ? {notes: opts.notes} : {}),
    arch: opts.arch.arch,
    machine: opts.machine,
    devices: p.devices,
    append: invocation.append,
    ...(opts.append?.trim() ? {appendExtra: opts.append.trim()} : {}),
    forceLegacy: forceLegacyFromCmdline(invocation.append),
    kernel: {
      ...(pkg ? {package: pkg} : {}),
      ...(opts.kernel.series ? {series: opts.kernel.series} : {}),
      image: basename(opts.kernel.vmlinuz),
      ...(release ? {release} : {}),
    },
    initramfs: p.initramfsRecord,
    qemu: {
      version: p.qemu.banner,
      ...(p.qemu.debianVersion ? {package: `${opts.arch.qemuPackage} ${p.qemu.debianVersion}`} : {}),
      ...(opts.qemuSuite ? {suite: opts.qemuSuite} : {}),
      accel: p.accel,
      accelReason: p.accelReason,
      argv: recordedArgv(invocation, basename(opts.qemu)),
      placeholders: {
        [PLACEHOLDERS.kernel]: pkg ? `/boot/${basename(opts.kernel.vmlinuz)} of ${pkg.name} ${pkg.version}` : basename(opts.kernel.vmlinuz),
        [PLACEHOLDERS.initrd]: p.initramfsRecord.builtBy === 'probediff' ? 'initramfs built by probediff capture (see initramfs)' : basename(p.initrdPath),
      },
      stderr: run.stderrTail,
    },
    events: {set: opts.eventSet, enabled: EVENT_SETS[opts.eventSet], memoryRegionsKept: KEPT_REGION_DESCRIPTION},
    run: {
      bootSeconds: Math.round(run.seconds * 10) / 10,
      traceLinesKept: run.trace.kept,
      traceLinesDropped: run.trace.dropped,
      insmodFailures: failedInsmods(run.console),
    },
    files: {trace: TRACE_FILE, dmesg: DMESG_FILE, ...(p.lspci ? {lspci: LSPCI_FILE} : {}), ...(opts.unfilteredTrace ? {unfilteredTrace: UNFILTERED_TRACE_FILE} : {})},
    inputs: [TRACE_FILE, DMESG_FILE],
    ...(p.lspci ? {lspci: lspciRecord(p.lspci)} : {}),
    reproduce: reproduceCommand(opts),
  }
}

/** lspci.txt is not a replay input: the corpus keeps trace + dmesg as the inputs of its goldens. */
function lspciRecord(l: NonNullable<RecordParts['lspci']>): NonNullable<CaptureCaseRecord['lspci']> {
  return {
    file: LSPCI_FILE,
    command: LSPCI_COMMAND,
    version: l.run.version,
    packages: l.tree.packages.length > 0 ? l.tree.packages : [`this host's pciutils (${l.tree.root})`],
    libraries: l.files.libraries,
    moduleIndex: l.files.moduleIndex,
    stderr: l.run.stderr,
    configReadsInTrace: true,
  }
}

async function prepareInitrd(
  opts: CaptureOptions,
  devices: readonly DeviceArg[],
  scratch: string,
  warnings: string[],
  lspci: LspciGuestFiles | undefined,
): Promise<{initrdPath: string; initramfsRecord: CaptureCaseRecord['initramfs']}> {
  if (opts.initrd) {
    await requireReadable(opts.initrd, 'initrd')
    return {initrdPath: opts.initrd, initramfsRecord: {builtBy: 'user', file: basename(opts.initrd)}}
  }
  const busybox = await loadBusybox(opts.busybox, opts.arch)
  const wanted = [...driversFor(devices), ...opts.extraModules]
  const plan: LoadPlan = opts.kernel.modulesDir
    ? await planModuleLoad(await loadModuleTree(opts.kernel.modulesDir), wanted)
    : {load: [], builtin: [], missing: []}
  if (!opts.kernel.modulesDir) requireBuiltinTransport(opts.kernel.vmlinuz, warnings)
  if (plan.missing.includes(TRANSPORT_MODULE)) {
    throw new UsageError(`${TRANSPORT_MODULE} is neither a module nor built in under ${opts.kernel.modulesDir}: this kernel cannot drive virtio-pci`)
  }
  for (const m of plan.missing) warnings.push(`driver ${m} not found in ${opts.kernel.modulesDir}: its devices will get no driver`)
  const initrdPath = join(scratch, 'initramfs.cpio.gz')
  await writeFile(initrdPath, buildInitramfs(busybox.image, plan.load, {sysfsDump: opts.sysfsDumpDir !== undefined, ...(lspci ? {lspci} : {})}))
  log().info({modules: plan.load.map((m) => m.name), builtin: plan.builtin}, 'initramfs built')
  return {
    initrdPath,
    initramfsRecord: {
      builtBy: 'probediff',
      busybox: busybox.version.banner,
      modules: plan.load.map((m) => m.name),
      builtinDrivers: plan.builtin,
      missingDrivers: plan.missing,
    },
  }
}

/** Without a module directory, virtio_pci must be built in: a modular one would never load. */
export function requireBuiltinTransport(vmlinuz: string, warnings: string[]): void {
  const check = checkTransportBuiltIn(vmlinuz)
  if (check.verdict === 'modular') {
    const options = check.modular.length ? ` (modules: ${check.modular.join(', ')})` : ''
    throw new UsageError(`${TRANSPORT_MODULE} is a module in this kernel (${check.evidence})${options} and no module directory was found: give --modules DIR (lib/modules/<release> with ${TRANSPORT_MODULE}.ko and its dependencies)`)
  }
  if (check.verdict === 'absent') throw new UsageError(`this kernel has no ${TRANSPORT_MODULE} (${check.evidence}): it cannot drive virtio-pci`)
  if (check.verdict === 'unknown') warnings.push(`no module directory, and could not tell whether ${TRANSPORT_MODULE} is built in (${check.evidence}): assuming it is (use --modules DIR otherwise)`)
}

function reproduceCommand(opts: CaptureOptions): string {
  const words = ['probediff', 'capture', opts.name]
  if (opts.arch.arch !== 'amd64') words.push('--arch', opts.arch.arch)
  if (opts.kernel.series) words.push('--kernel-series', opts.kernel.series)
  else words.push('--vmlinuz', PLACEHOLDERS.kernel)
  if (opts.initrd) words.push('--initrd', PLACEHOLDERS.initrd)
  if (opts.qemuSuite) words.push('--qemu-suite', opts.qemuSuite)
  else if (opts.qemu !== opts.arch.qemu) words.push('--qemu', basename(opts.qemu) === opts.qemu ? opts.qemu : PLACEHOLDERS.qemu)
  words.push('--machine', opts.machine, '--events', opts.eventSet)
  if (opts.memoryMiB !== DEFAULT_MEMORY_MIB) words.push('--memory', String(opts.memoryMiB))
  if (opts.append?.trim()) words.push('--append', opts.append.trim())
  for (const m of opts.extraModules) words.push('--load', m)
  if (opts.sysfsDumpDir !== undefined) words.push('--sysfs-dump', 'DIR')
  if (opts.lspci !== undefined) words.push('--lspci')
  if (opts.unfilteredTrace) words.push('--unfiltered-trace')
  words.push('--', ...opts.deviceArgs)
  return words.map(shellQuote).join(' ')
}
