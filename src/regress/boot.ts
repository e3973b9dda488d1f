/**
 * `probediff regress --vmlinuz IMAGE [--modules DIR]`: a candidate kernel booted for real. Every real
 * capture's recorded QEMU command (case.json `qemu.argv`, with `$KERNEL` and `$INITRD`) runs again
 * with that kernel and an initramfs of its own modules, through capture's runner; the new trace and
 * dmesg are replayed, and what the candidate did with each device is compared with what the
 * baseline kernel did as the case's golden records it.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'
import {archProfile, type ArchProfile, defaultBusybox, GUEST_ARCHES, type GuestArch, MACHINES, type Machine, QEMU_SUITES, type QemuSuite, suiteQemu} from '../capture/arch.js'
import {requireBuiltinTransport, runCapture} from '../capture/capture.js'
import {CaptureFailure} from '../capture/errors.js'
import {EVENT_SET_NAMES, EVENT_SETS, type EventSetName} from '../capture/events.js'
import type {KernelChoice} from '../capture/kernel-source.js'
import {type Accel, fullAppend, PLACEHOLDERS, type QemuInvocation, recordedArgv} from '../capture/qemu-argv.js'
import {type CaseMeta, corpusPathsOfTracesDir, goldenPath, listCases, readCaseMeta} from '../corpus/corpus.js'
import {replayCase} from '../replay/case.js'
import {UsageError} from '../util/errors.js'
import {claimOf, goldenClaims, type KernelClaim} from './kernel-claims.js'

export type BootDeviceStatus = 'same' | 'changed' | 'undetermined' | 'gone' | 'new'

export interface BootDevice {
  readonly bdf: string
  readonly qemuDevice: string | null
  readonly status: BootDeviceStatus
  /** `transport: modern -> legacy`, one per fact that differs. */
  readonly differences: readonly string[]
  /** Facts one side does not give (so not compared). */
  readonly notCompared: readonly string[]
  readonly baseline: KernelClaim | null
  readonly candidate: KernelClaim | null
}

export interface BootCase {
  readonly case: string
  /** ran: booted and compared; no-golden: booted, nothing to compare with; failed: the candidate did
   * not boot to a kernel log (panic, hang); skipped: the case cannot be re-run (reason says why). */
  readonly status: 'ran' | 'no-golden' | 'failed' | 'skipped'
  readonly reason?: string
  readonly bootSeconds?: number
  readonly release?: string
  readonly devices: readonly BootDevice[]
  readonly warnings: readonly string[]
}

export interface BootRegressResult {
  readonly kernel: {readonly image: string; readonly modules: string | null; readonly release: string | null}
  readonly cases: readonly BootCase[]
  readonly summary: {
    readonly cases: number
    readonly booted: number
    readonly failed: number
    readonly skipped: number
    readonly devices: number
    readonly changed: number
    readonly undetermined: number
  }
  /** About the kernel as a whole (e.g. whether virtio_pci is built in could not be told). */
  readonly warnings: readonly string[]
  readonly seconds: number
}

export interface BootRegressOptions {
  readonly kernel: KernelChoice
  /** The corpus's traces/ directory; its goldens are in the golden/ directory beside it. */
  readonly tracesDir: string
  readonly includeCorpus: boolean
  /** Case directories given on the command line (their golden: golden/ beside their traces/). */
  readonly paths: readonly string[]
  readonly qemu?: string
  readonly busybox?: string
  /** The candidate kernel's architecture: only cases captured on it boot (default amd64). */
  readonly arch?: GuestArch
  readonly timeoutSeconds?: number
  /** Boots at a time (default 1). */
  readonly jobs?: number
  readonly onCaseDone?: (c: BootCase) => void
}

interface CaseRef {
  readonly name: string
  readonly tracesDir: string
  /** Named on the command line (a corpus case that is no capture is left out silently). */
  readonly given: boolean
}

/** The capture options that rebuild exactly the recorded argv, or why the case cannot be re-run. */
export function replayableInvocation(meta: CaseMeta): {invocation: Omit<QemuInvocation, 'kernel' | 'initrd'>; arch: ArchProfile; qemuSuite?: QemuSuite; eventSet: EventSetName; extraAppend?: string} | {reason: string} {
  const qemu = meta.qemu as {argv?: unknown; accel?: unknown; suite?: unknown} | undefined
  const argv = qemu?.argv
  const archName = (meta.arch ?? 'amd64') as GuestArch
  if (!GUEST_ARCHES.includes(archName)) return {reason: `architecture ${String(meta.arch)} is not one capture boots`}
  const arch = archProfile(archName)
  // The QEMU of a Debian suite's private prefix, as capture recorded it (case.json qemu.suite).
  const suite = qemu?.suite
  if (suite !== undefined && !QEMU_SUITES.includes(suite as QemuSuite)) return {reason: `QEMU suite ${String(suite)} is not one scripts/setup-qemu.sh unpacks`}
  if (meta.kind !== 'capture') return {reason: `not a QEMU capture (kind ${String(meta.kind)})`}
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return {reason: 'case.json records no QEMU argv'}
  if (!argv.includes(PLACEHOLDERS.kernel) || !argv.includes(PLACEHOLDERS.initrd)) return {reason: `its QEMU argv has no ${PLACEHOLDERS.kernel} and ${PLACEHOLDERS.initrd}`}
  const after = (flag: string) => {
    const i = argv.indexOf(flag)
    return i < 0 ? undefined : (argv[i + 1] as string | undefined)
  }
  const machine = after('-machine') as Machine | undefined
  const accel = after('-accel') as Accel | undefined
  const append = after('-append')
  const eventSet = (meta.events as {set?: string} | undefined)?.set as EventSetName | undefined
  if (!machine || !MACHINES.includes(machine)) return {reason: `machine ${String(machine)} is not one capture runs`}
  if (accel !== 'tcg' && accel !== 'kvm') return {reason: `accelerator ${String(accel)} is not one capture runs`}
  if (!eventSet || !EVENT_SET_NAMES.includes(eventSet)) return {reason: `event set ${String(eventSet)} is not one capture knows`}
  const baseAppend = fullAppend(undefined, arch)
  if (append === undefined || !(append === baseAppend || append.startsWith(`${baseAppend} `))) return {reason: 'its kernel command line does not start with the one capture gives'}
  const extraAppend = append.slice(baseAppend.length).trim() || undefined
  const invocation = {
    qemu: argv[0] as string,
    machine,
    ...(arch.cpu ? {cpu: arch.cpu} : {}),
    accel,
    memoryMiB: Number(after('-m')),
    append: fullAppend(extraAppend, arch),
    events: EVENT_SETS[eventSet],
    deviceArgs: (argv as string[]).slice(argv.indexOf('-append') + 2),
  }
  // Capture rebuilds the command from these; it must be the recorded one, word for word.
  const rebuilt = recordedArgv({...invocation, kernel: PLACEHOLDERS.kernel, initrd: PLACEHOLDERS.initrd}, invocation.qemu)
  const at = rebuilt.findIndex((w, i) => w !== argv[i])
  if (at >= 0 || rebuilt.length !== argv.length) {
    const i = at >= 0 ? at : Math.min(rebuilt.length, argv.length)
    return {reason: `capture cannot rebuild its recorded QEMU argv (word ${i}: recorded ${JSON.stringify(argv[i] ?? null)}, rebuilt ${JSON.stringify(rebuilt[i] ?? null)})`}
  }
  return {invocation, arch, ...(suite !== undefined ? {qemuSuite: suite as QemuSuite} : {}), eventSet, ...(extraAppend ? {extraAppend} : {})}
}

const show = (v: unknown) => (v === null ? 'unknown' : Array.isArray(v) ? (v.length ? v.join('; ') : 'none') : String(v))

/** Compares one device's claims, fact by fact; a fact one side lacks is named, never guessed. */
export function compareClaims(baseline: KernelClaim | undefined, candidate: KernelClaim | undefined): BootDevice {
  const id = (baseline ?? candidate)!
  const common = {bdf: id.bdf, qemuDevice: baseline?.qemuDevice ?? candidate?.qemuDevice ?? null, baseline: baseline ?? null, candidate: candidate ?? null}
  if (!candidate) return {...common, status: 'gone', differences: ['the device was not probed'], notCompared: []}
  if (!baseline) return {...common, status: 'new', differences: ['a device the baseline did not probe'], notCompared: []}
  const differences: string[] = []
  const notCompared: string[] = []
  const facts = ['transport', 'acknowledged', 'driverOk', 'messages'] as const
  for (const f of facts) {
    const a = baseline[f]
    const b = candidate[f]
    if (a === null || b === null) {
      notCompared.push(`${f} (${a === null && b === null ? 'neither side says' : a === null ? 'the baseline does not say' : 'the candidate does not say'})`)
      continue
    }
    if (show(a) !== show(b)) differences.push(`${f}: ${show(a)} -> ${show(b)}`)
  }
  const status: BootDeviceStatus = differences.length ? 'changed' : notCompared.length ? 'undetermined' : 'same'
  return {...common, status, differences, notCompared}
}

function caseRefs(opts: BootRegressOptions): Promise<CaseRef[]> {
  return (async () => {
    const refs: CaseRef[] = []
    if (opts.includeCorpus) for (const name of await listCases(corpusPathsOfTracesDir(resolve(opts.tracesDir)))) refs.push({name, tracesDir: resolve(opts.tracesDir), given: false})
    for (const p of opts.paths) {
      const abs = resolve(p)
      if (existsSync(join(abs, 'case.json'))) refs.push({name: basename(abs), tracesDir: dirname(abs), given: true})
      else if (existsSync(abs) && statSync(abs).isDirectory() && readdirSync(abs).some((e) => existsSync(join(abs, e, 'case.json')))) {
        for (const name of await listCases(corpusPathsOfTracesDir(abs))) refs.push({name, tracesDir: abs, given: true})
      } else throw new UsageError(`${p}: not a case directory (a directory with case.json) or a directory of cases`)
    }
    const seen = new Set<string>()
    return refs.filter((r) => !seen.has(`${r.tracesDir}\0${r.name}`) && seen.add(`${r.tracesDir}\0${r.name}`))
  })()
}

async function bootCase(ref: CaseRef, opts: BootRegressOptions, scratch: string): Promise<BootCase | undefined> {
  const paths = corpusPathsOfTracesDir(ref.tracesDir)
  const meta = await readCaseMeta(paths, ref.name)
  if (meta.kind !== 'capture' && !ref.given) return undefined
  const plan = replayableInvocation(meta)
  if ('reason' in plan) return {case: ref.name, status: 'skipped', reason: plan.reason, devices: [], warnings: []}
  const arch = opts.arch ?? 'amd64'
  if (plan.arch.arch !== arch) return {case: ref.name, status: 'skipped', reason: `an ${plan.arch.arch} guest (the candidate is an ${arch} kernel; --arch ${plan.arch.arch} boots these)`, devices: [], warnings: []}
  const baseline = await goldenClaims(goldenPath(paths, ref.name))
  const options = {
    name: ref.name,
    tracesDir: scratch,
    kernel: opts.kernel,
    busybox: opts.busybox ?? defaultBusybox(arch),
    arch: plan.arch,
    machine: plan.invocation.machine,
    accel: plan.invocation.accel,
    ...(plan.extraAppend ? {append: plan.extraAppend} : {}),
    qemu: opts.qemu ?? (plan.qemuSuite ? suiteQemu(plan.qemuSuite, arch) : plan.invocation.qemu),
    ...(plan.qemuSuite && !opts.qemu ? {qemuSuite: plan.qemuSuite} : {}),
    timeoutSeconds: opts.timeoutSeconds ?? 180,
    eventSet: plan.eventSet,
    extraModules: [],
    deviceArgs: plan.invocation.deviceArgs,
    force: true,
    memoryMiB: plan.invocation.memoryMiB,
  }
  // One retry: under TCG on a loaded host a guest can panic early ("IO-APIC + timer doesn't work")
  // or miss its timeout; a kernel that fails twice is reported as failed, with both reasons.
  const failures: string[] = []
  let captured
  while (!captured) {
    try {
      captured = await runCapture(options)
    } catch (error) {
      if (error instanceof CaptureFailure && error.exitCode === 2) throw new UsageError(`${ref.name}: ${error.message}${error.tail.length ? `: ${error.tail.at(-1)}` : ''}`)
      if (!(error instanceof CaptureFailure) || error.exitCode !== 1) throw error
      failures.push(`${error.message}${error.tail.length ? ` (last lines: ${error.tail.slice(-3).join(' | ')})` : ''}`)
      if (failures.length === 2) return {case: ref.name, status: 'failed', reason: `twice: ${failures.join('; then ')}`, devices: [], warnings: []}
    }
  }
  if (failures.length) captured = {...captured, warnings: [`the first boot failed (${failures[0]}); the second booted`, ...captured.warnings]}
  const replayed = await replayCase(corpusPathsOfTracesDir(scratch), ref.name)
  const candidate = replayed.doc.devices.map((d) => claimOf(d.bdf, d.qemuDevice, d.observed))
  const common = {case: ref.name, bootSeconds: captured.record.run.bootSeconds, ...(captured.record.kernel.release ? {release: captured.record.kernel.release} : {}), warnings: captured.warnings}
  if (!baseline) return {...common, status: 'no-golden', reason: `no golden ${goldenPath(paths, ref.name)}: nothing to compare with`, devices: []}
  const bdfs = [...new Set([...baseline.map((c) => c.bdf), ...candidate.map((c) => c.bdf)])].sort()
  const devices = bdfs.map((bdf) => compareClaims(baseline.find((c) => c.bdf === bdf), candidate.find((c) => c.bdf === bdf)))
  return {...common, status: 'ran', devices}
}

export async function runBootRegress(opts: BootRegressOptions): Promise<BootRegressResult> {
  const t0 = process.hrtime.bigint()
  // A modular kernel without its modules is refused before anything boots.
  const warnings: string[] = []
  if (!opts.kernel.modulesDir) requireBuiltinTransport(opts.kernel.vmlinuz, warnings)
  const refs = await caseRefs(opts)
  if (refs.length === 0) throw new UsageError('no case to boot (no corpus case, no case directory given)')
  const scratch = await mkdtemp(join(tmpdir(), 'probediff-regress-boot-'))
  const slots: (BootCase | undefined)[] = new Array(refs.length)
  try {
    let next = 0
    const worker = async () => {
      while (next < refs.length) {
        const i = next++
        const ref = refs[i]!
        // Each boot in its own directory: two cases of the same name from different corpora never meet.
        const dir = join(scratch, String(i))
        const done = await bootCase(ref, opts, dir)
        slots[i] = done
        await rm(dir, {recursive: true, force: true})
        if (done) opts.onCaseDone?.(done)
      }
    }
    await Promise.all(Array.from({length: Math.max(1, Math.min(opts.jobs ?? 1, refs.length))}, worker))
  } finally {
    await rm(scratch, {recursive: true, force: true})
  }
  const results = slots.filter((c): c is BootCase => c !== undefined)
  if (results.length === 0) throw new UsageError('no QEMU capture among the cases (fault cases have no QEMU command to re-run)')
  const devices = results.flatMap((c) => c.devices)
  const release = results.find((c) => c.release)?.release ?? null
  return {
    kernel: {image: opts.kernel.vmlinuz, modules: opts.kernel.modulesDir ?? null, release},
    cases: results,
    summary: {
      cases: results.length,
      booted: results.filter((c) => c.status === 'ran' || c.status === 'no-golden').length,
      failed: results.filter((c) => c.status === 'failed').length,
      skipped: results.filter((c) => c.status === 'skipped').length,
      devices: devices.length,
      changed: devices.filter((d) => d.status === 'changed' || d.status === 'gone' || d.status === 'new').length,
      undetermined: devices.filter((d) => d.status === 'undetermined').length,
    },
    warnings,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  }
}
