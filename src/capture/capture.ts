import {createWriteStream} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {createGzip} from 'node:zlib'
import {pipeline} from 'node:stream/promises'
import {PassThrough} from 'node:stream'
import {UsageError} from '../util/errors.js'
import {log} from '../util/log.js'
import {type CaptureCaseRecord, CASE_FORMAT_VERSION, forceLegacyIn, shellQuote} from './case-record.js'
import {commitCaseDir, discardCaseDir, stageCaseDir, validateCaseName} from './case-dir.js'
import {consoleTail, extractDmesg, failedInsmods, hasPanic, kernelReleaseFrom, panicExcerpt} from './console.js'
import {driversFor, parseDeviceArgs, TRANSPORT_MODULE} from './devices.js'
import {CaptureFailure} from './errors.js'
import {EVENT_SETS, type EventSetName} from './events.js'
import {chooseAccel, loadBusybox, qemuVersion, requireReadable} from './host.js'
import {buildInitramfs} from './initramfs.js'
import {type LoadPlan, loadModuleTree, planModuleLoad} from './kernel-modules.js'
import type {KernelChoice} from './kernel-source.js'
import {type Accel, buildQemuArgv, fullAppend, type Machine, PLACEHOLDERS, type QemuInvocation, recordedArgv} from './qemu-argv.js'
import {QemuNotFound, runQemu} from './qemu-runner.js'
import {KEPT_REGION_DESCRIPTION} from './trace-filter.js'

/** Everything one capture needs; the command turns flags into this. */
export interface CaptureOptions {
  readonly name: string
  readonly tracesDir: string
  readonly kernel: KernelChoice
  /** A ready-made initramfs instead of the one probediff builds. */
  readonly initrd?: string
  readonly busybox: string
  readonly machine: Machine
  readonly accel: 'auto' | Accel
  readonly append?: string
  readonly qemu: string
  readonly timeoutSeconds: number
  readonly eventSet: EventSetName
  readonly notes?: string
  readonly extraModules: readonly string[]
  readonly deviceArgs: readonly string[]
  readonly force: boolean
  readonly memoryMiB: number
}

export interface CaptureResult {
  readonly dir: string
  readonly record: CaptureCaseRecord
  readonly warnings: readonly string[]
}

export const TRACE_FILE = 'trace.log.gz'
export const DMESG_FILE = 'dmesg.txt'
export const CASE_FILE = 'case.json'

export async function runCapture(opts: CaptureOptions): Promise<CaptureResult> {
  validateCaseName(opts.name)
  if (!Number.isFinite(opts.timeoutSeconds) || opts.timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds')
  const warnings: string[] = []
  const qemu = await qemuVersion(opts.qemu)
  const devices = parseDeviceArgs(opts.deviceArgs)
  if (devices.length === 0) warnings.push('no -device after "--": only the machine\'s own devices will be traced')

  const scratch = await mkdtemp(join(tmpdir(), 'probediff-capture-'))
  try {
    const {initrdPath, initramfsRecord} = await prepareInitrd(opts, devices, scratch, warnings)
    const {accel, reason: accelReason} = await chooseAccel(opts.accel)
    const invocation: QemuInvocation = {
      qemu: opts.qemu,
      machine: opts.machine,
      accel,
      memoryMiB: opts.memoryMiB,
      kernel: opts.kernel.vmlinuz,
      initrd: initrdPath,
      append: fullAppend(opts.append),
      events: EVENT_SETS[opts.eventSet],
      deviceArgs: opts.deviceArgs,
    }
    const argv = buildQemuArgv(invocation)
    log().info({argv}, 'starting QEMU')

    const staged = await stageCaseDir(opts.tracesDir, opts.name, opts.force)
    try {
      const traceOut = new PassThrough()
      const writing = pipeline(traceOut, createGzip({level: 9}), createWriteStream(join(staged.tmpDir, TRACE_FILE)))
      const run = await runQemu(argv, opts.timeoutSeconds, traceOut).catch((error: unknown) => {
        traceOut.destroy()
        if (error instanceof QemuNotFound) throw new UsageError(error.message)
        throw error
      })
      traceOut.end()
      await writing

      const tail = consoleTail(run.console)
      if (hasPanic(run.console)) throw new CaptureFailure('panic', 'the guest kernel panicked', panicExcerpt(run.console))
      if (run.timedOut) {
        const silent = tail.length === 0 ? '; the serial console stayed silent (try a longer --timeout, or --append loglevel=7)' : ''
        throw new CaptureFailure('timeout', `the guest did not power off within ${opts.timeoutSeconds} s (killed)${silent}`, tail)
      }
      const dmesg = extractDmesg(run.console)
      if (dmesg === undefined) {
        const refused = run.console.trim() === '' && run.exitCode !== 0
        if (refused) throw new CaptureFailure('qemu-exit', `QEMU exited with code ${run.exitCode} before the guest started`, run.stderrTail, 2)
        throw new CaptureFailure('no-dmesg', `the guest stopped (QEMU exit ${run.exitCode ?? run.signal}) without printing its kernel log`, tail)
      }
      const insmodFailures = failedInsmods(run.console)
      for (const m of insmodFailures) warnings.push(`insmod failed in the guest: ${m}`)

      const record: CaptureCaseRecord = {
        formatVersion: CASE_FORMAT_VERSION,
        name: opts.name,
        kind: 'capture',
        createdAt: new Date().toISOString(),
        ...(opts.notes ? {notes: opts.notes} : {}),
        machine: opts.machine,
        devices,
        append: invocation.append,
        ...(opts.append?.trim() ? {appendExtra: opts.append.trim()} : {}),
        forceLegacy: forceLegacyIn(invocation.append),
        kernel: {
          ...(opts.kernel.package ? {package: opts.kernel.package} : {}),
          ...(opts.kernel.series ? {series: opts.kernel.series} : {}),
          image: basename(opts.kernel.vmlinuz),
          ...(kernelReleaseFrom(dmesg) ? {release: kernelReleaseFrom(dmesg)} : {}),
        },
        initramfs: initramfsRecord,
        qemu: {
          version: qemu.banner,
          ...(qemu.debianVersion ? {package: `qemu-system-x86 ${qemu.debianVersion}`} : {}),
          accel,
          accelReason,
          argv: recordedArgv(invocation, basename(opts.qemu)),
          placeholders: {
            [PLACEHOLDERS.kernel]: opts.kernel.package ? `/boot/${basename(opts.kernel.vmlinuz)} of ${opts.kernel.package.name} ${opts.kernel.package.version}` : basename(opts.kernel.vmlinuz),
            [PLACEHOLDERS.initrd]: initramfsRecord.builtBy === 'probediff' ? 'initramfs built by probediff capture (see initramfs)' : basename(initrdPath),
          },
          stderr: run.stderrTail,
        },
        events: {set: opts.eventSet, enabled: EVENT_SETS[opts.eventSet], memoryRegionsKept: KEPT_REGION_DESCRIPTION},
        run: {
          bootSeconds: Math.round(run.seconds * 10) / 10,
          traceLinesKept: run.trace.kept,
          traceLinesDropped: run.trace.dropped,
          insmodFailures,
        },
        files: {trace: TRACE_FILE, dmesg: DMESG_FILE},
        inputs: [TRACE_FILE, DMESG_FILE],
        reproduce: reproduceCommand(opts),
      }
      await writeFile(join(staged.tmpDir, DMESG_FILE), dmesg)
      await writeFile(join(staged.tmpDir, CASE_FILE), `${JSON.stringify(record, null, 2)}\n`)
      await commitCaseDir(staged)
      return {dir: staged.finalDir, record, warnings}
    } catch (error) {
      await discardCaseDir(staged)
      throw error
    }
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
}

async function prepareInitrd(
  opts: CaptureOptions,
  devices: ReturnType<typeof parseDeviceArgs>,
  scratch: string,
  warnings: string[],
): Promise<{initrdPath: string; initramfsRecord: CaptureCaseRecord['initramfs']}> {
  if (opts.initrd) {
    await requireReadable(opts.initrd, 'initrd')
    return {initrdPath: opts.initrd, initramfsRecord: {builtBy: 'user', file: basename(opts.initrd)}}
  }
  const busybox = await loadBusybox(opts.busybox)
  const wanted = [...driversFor(devices), ...opts.extraModules]
  const plan: LoadPlan = opts.kernel.modulesDir
    ? await planModuleLoad(await loadModuleTree(opts.kernel.modulesDir), wanted)
    : {load: [], builtin: [], missing: []}
  if (!opts.kernel.modulesDir) {
    warnings.push('no module directory for this kernel: assuming the virtio drivers are built in (use --modules DIR otherwise)')
  }
  if (plan.missing.includes(TRANSPORT_MODULE)) {
    throw new UsageError(`${TRANSPORT_MODULE} is neither a module nor built in under ${opts.kernel.modulesDir}: this kernel cannot drive virtio-pci`)
  }
  for (const m of plan.missing) warnings.push(`driver ${m} not found in ${opts.kernel.modulesDir}: its devices will get no driver`)
  const initrdPath = join(scratch, 'initramfs.cpio.gz')
  await writeFile(initrdPath, buildInitramfs(busybox.image, plan.load))
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

function reproduceCommand(opts: CaptureOptions): string {
  const words = ['probediff', 'capture', opts.name]
  if (opts.kernel.series) words.push('--kernel-series', opts.kernel.series)
  else words.push('--kernel', PLACEHOLDERS.kernel)
  if (opts.initrd) words.push('--initrd', PLACEHOLDERS.initrd)
  words.push('--machine', opts.machine, '--events', opts.eventSet)
  if (opts.append?.trim()) words.push('--append', opts.append.trim())
  for (const m of opts.extraModules) words.push('--load', m)
  words.push('--', ...opts.deviceArgs)
  return words.map(shellQuote).join(' ')
}
