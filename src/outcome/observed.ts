/**
 * What the traced kernel actually did with one PCI function, from its evidence.
 *
 * Firmware runs first and may drive the device itself (SeaBIOS boots from virtio-blk: reset, then
 * ACKNOWLEDGE|DRIVER in one write, ... DRIVER_OK). The kernel's side is told apart by what
 * register_virtio_device does after a successful virtio-pci probe: reset the device (status write 0)
 * and then set ACKNOWLEDGE alone (status write of exactly 1). The last such pair in the trace is
 * taken as the kernel's registration; the transport is the register block the kernel used from that
 * reset on (modern common/isr/device/notify regions vs the legacy `virtio-pci` I/O BAR).
 * Limits: firmware that also writes 0 then exactly 1 (OVMF does) would pass for the kernel when the
 * kernel itself did not register the device; without memory-region events the transport is unknown.
 *
 * Without a trace, the kernel's log and lspci -k decide (log-observed.ts); with one, they fill in what
 * the trace leaves unknown (the transport, whether the kernel registered the device) and say whether
 * a virtio driver failed after the transport probe succeeded.
 */
import type {KernelMessageRecord} from '../ingest/records.js'
import type {DeviceEvidence, EvidenceSet, RegionAccess, VirtioRegion} from '../evidence/types.js'
import {forceLegacyFromCmdline} from '../model/kernel-cmdline.js'
import type {Transport} from '../model/types.js'
import {ABI_VERSION_LINE} from './probe-messages.js'
import {type LogObservation, observeFromLog} from './log-observed.js'
import type {IoUnreachable, ObservedOutcome} from './types.js'
import {isProbeMessage, isUnattributedProbeMessage} from './probe-messages.js'
import {formatSource} from '../util/source.js'
import {hex} from '../util/hex.js'
import {ioBlockOf} from '../evidence/bridge.js'
import {kernelRegistration} from '../evidence/registration.js'
import {VIRTIO_CONFIG_S_DRIVER_OK} from '../pci/layout.js'


const MODERN_REGIONS: ReadonlySet<VirtioRegion> = new Set(['common', 'isr', 'device', 'notify', 'notify-pio'])

export interface ObserveOptions {
  /** Whether a kernel log was given (without one, messages are not known). */
  readonly kernelLog: boolean
  /** Whether the trace has virtio_set_status events at all (for any device). Without this, a device
   * with no status events of its own leaves ACKNOWLEDGE unknown. */
  readonly statusTraced?: boolean
  /** Kernel messages that name no device (EvidenceSet.otherMessages). */
  readonly otherMessages?: readonly KernelMessageRecord[]
  /** The whole evidence, for the log's facts (virtioN lines, the kernel command line); without it
   * a set of this device and otherMessages stands for it. */
  readonly evidence?: EvidenceSet
  /** Whether the kernel prints `expected ABI version` on a legacy revision mismatch (up to 5.15). */
  readonly legacyAbiMessage?: boolean
  /** The logged kernel's errno for a failed legacy BAR 0 map (see LogObserveOptions). */
  readonly legacyIomapErrno?: 'ENOMEM' | 'EIO'
}

/** Position of an evidence line, for ordering accesses against status writes of the same input. */
function at(src: {file: string; line?: number; record?: number}): number {
  return src.line ?? src.record ?? 0
}

function transportOf(accesses: readonly RegionAccess[]): Transport | undefined {
  let modern = false
  let legacy = false
  for (const a of accesses) {
    if (a.region === 'legacy') legacy = true
    else if (MODERN_REGIONS.has(a.region)) modern = true
  }
  if (modern && !legacy) return 'modern'
  if (legacy && !modern) return 'legacy'
  return undefined
}

export function observe(dev: DeviceEvidence, opts: ObserveOptions): ObservedOutcome {
  const messages = opts.kernelLog ? dev.messages.map((m) => m.text).filter((t) => isProbeMessage(t, dev.bdf)) : []
  // Lines that name no device: probe lines naming this function in their text, and the driver core's
  // lines that name no function at all.
  const unnamed = opts.kernelLog ? (opts.otherMessages ?? []).map((m) => m.text) : []
  const byDevice = unnamed.filter((t) => isProbeMessage(t, dev.bdf))
  const base = {
    messages: [...messages, ...byDevice],
    ...(opts.kernelLog ? {unattributedMessages: unnamed.filter(isUnattributedProbeMessage)} : {messagesKnown: false}),
  }
  const set: EvidenceSet = opts.evidence ?? {devices: [dev], otherMessages: opts.otherMessages ?? [], inputs: [], warnings: []}
  const logOptions = {
    kernelLog: opts.kernelLog,
    forceLegacy: forceLegacyFromCmdline(set.cmdline?.text ?? ''),
    legacyAbiMessage: opts.legacyAbiMessage ?? false,
    ...(opts.legacyIomapErrno !== undefined ? {legacyIomapErrno: opts.legacyIomapErrno} : {}),
    abiLinePrinted: opts.kernelLog && set.otherMessages.some((m) => ABI_VERSION_LINE.test(m.text)),
  }
  const fromLog = (registeredElsewhere?: string) =>
    observeFromLog(set, dev, registeredElsewhere !== undefined ? {...logOptions, registeredElsewhere} : logOptions)
  const log = fromLog()
  const driver = driverFacts(log, false, dev, set)
  if (!dev.traced) {
    return {
      transport: log.transport,
      acknowledged: log.registered === true,
      driverOk: log.driverOk === true,
      transportEvidence: log.transportEvidence,
      acknowledgedEvidence: log.registeredEvidence,
      ...driverFacts(log, log.registered !== false, dev, set),
      ...base,
      ...(log.registered === undefined ? {acknowledgedKnown: false} : {}),
    }
  }
  const reg = kernelRegistration(dev.status)
  if (reg < 0) {
    const seen = dev.status.length > 0 || dev.regionAccesses.length > 0 || opts.statusTraced === true
    if (log.registered === true) {
      // The kernel's own word beats the absence of a reset-then-ACKNOWLEDGE pair in the trace.
      return {
        transport: log.transport,
        acknowledged: true,
        driverOk: dev.driverOk || log.driverOk === true,
        transportEvidence: `${log.transportEvidence} (the trace shows no reset-then-ACKNOWLEDGE status writes)`,
        acknowledgedEvidence: log.registeredEvidence,
        ...driverFacts(log, !dev.driverOk, dev, set),
        ...base,
      }
    }
    return {
      transport: seen ? 'none' : 'unknown',
      acknowledged: false,
      driverOk: false,
      transportEvidence: seen ? 'no reset-then-ACKNOWLEDGE status writes: the kernel did not register the device' : 'no virtio status events or region accesses traced',
      ...driver,
      ...base,
      ...(seen ? {} : {acknowledgedKnown: false}),
    }
  }
  const registration = dev.status[reg]!
  const logAfterRegistration = fromLog(`the trace's reset then ACKNOWLEDGE (${formatSource(registration.src)})`)
  const from = at(dev.status[reg]!.src)
  const file = dev.status[reg]!.src.file
  const after = dev.regionAccesses.filter((a) => a.src.file === file && at(a.src) >= from)
  const traced = transportOf(after)
  const regions = [...new Set(after.map((a) => a.region))].join(', ')
  // The log reader names modern or legacy only for a registration; the trace's accesses come first.
  const logTransport = logAfterRegistration.transport
  const logSaysTransport = logTransport === 'modern' || logTransport === 'legacy'
  const transport = traced ?? (logSaysTransport ? logTransport : undefined)
  return {
    transport: transport ?? 'unknown',
    acknowledged: true,
    driverOk: dev.status.slice(reg).some((s) => (s.val & VIRTIO_CONFIG_S_DRIVER_OK) !== 0),
    transportEvidence:
      traced !== undefined
        ? `regions touched from the kernel's reset on: ${regions}`
        : logSaysTransport
          ? `${logAfterRegistration.transportEvidence} (the trace shows ${after.length === 0 ? 'no region accesses after the reset' : `both modern and legacy regions: ${regions}`})`
          : after.length === 0
            ? 'no region accesses traced after the kernel reset the device'
            : `both modern and legacy regions touched: ${regions}`,
    ...driver,
    ...base,
  }
}

/** The virtio driver's failure from the log and, when `fromLog`, whether DRIVER_OK is known. */
function driverFacts(log: LogObservation, fromLog: boolean, dev: DeviceEvidence, set: EvidenceSet): Pick<ObservedOutcome, 'driverFailure' | 'driverOkKnown'> {
  const failure = log.virtioDevice?.failure
  const unreachable = failure ? unreachableIo(dev, set) : undefined
  return {
    ...(failure ? {driverFailure: {driver: failure.driver, error: failure.error, line: failure.text, source: failure.src, ...(unreachable ? {ioUnreachable: unreachable} : {})}} : {}),
    ...(fromLog && log.driverOk === undefined ? {driverOkKnown: false} : {}),
  }
}

/**
 * An I/O BAR of the device that a bridge above it does not forward (ioBlockOf), and whether the trace
 * shows any guest access reaching the device's legacy registers: the reason a virtio driver on the
 * legacy transport reads nothing but what no device answers.
 */
function unreachableIo(dev: DeviceEvidence, set: EvidenceSet): IoUnreachable | undefined {
  for (const bar of dev.bars) {
    if (bar.kind !== 'io' || bar.addr === undefined || !bar.size) continue
    const block = ioBlockOf(set, dev, bar.addr)
    if (!block) continue
    const memoryEventsTraced = dev.traced && set.devices.some((d) => d.regionSummary.length > 0)
    const reached = dev.regionSummary.some((r) => r.region === 'legacy')
    return {
      bar: bar.index,
      port: hex(bar.addr),
      bridge: block.bridge,
      reasons: block.reasons.map((r) => `${r.text} (${formatSource(r.src)})`),
      ...(memoryEventsTraced ? {legacyRegistersReached: reached} : {}),
    }
  }
  return undefined
}
