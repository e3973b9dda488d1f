/**
 * Triage of one device: which rule decided its fate, on which bytes, what the kernel printed (or
 * that it said nothing), whether the traced kernel agrees, and what to fix.
 */
import type {DeviceOracleCheck} from '../replay/oracle.js'
import type {DeviceEvidence} from '../evidence/types.js'
import type {CheckId, CheckStep, ReadFact, SpecLint} from '../model/types.js'
import type {IoUnreachable, VerdictKind} from '../outcome/types.js'
import {type CapabilityChain, walkCapabilityChain} from '../report/capability-chain.js'
import {hexdumpLegend, renderHexdump} from '../report/hexdump.js'
import type {DeviceReplay, ReplaySession} from '../replay/replay.js'
import {formatSource} from '../util/source.js'
import {adviceFor, type Fix} from './advice.js'
import {missingEvidenceFix} from './missing-evidence.js'

export interface TriageFailure {
  readonly fn: string
  readonly rule: string
  readonly check: CheckId
  readonly detail?: string
  readonly kernelSource?: string
  /** Every value the failing check read (with its evidence lines). */
  readonly reads: readonly ReadFact[]
  /** The kernel message the failing check prints, if it prints one. */
  readonly message?: string
}

export interface TriageDmesg {
  /** Whether a kernel log was part of the inputs. */
  readonly known: boolean
  /** Lines of the log matching the predicted messages, with where they are. */
  readonly matched: readonly {readonly text: string; readonly source: string}[]
  /** The model predicts no message and the kernel printed none. */
  readonly saidNothing: boolean
  /** The device's virtio-pci probe lines in the log (predicted or not), with where they are: shown
   * whatever the prediction, undetermined included. */
  readonly printed?: readonly {readonly text: string; readonly source: string}[]
  /** What the log (and lspci -k) says the kernel did, when a trace does not say more. */
  readonly says?: string
}

export interface TriageReport {
  readonly device: DeviceReplay
  readonly kernelReason: string
  readonly chain: CapabilityChain
  /** The check that ended the probe (absent when it succeeded). */
  readonly failure?: TriageFailure
  /** Checks that failed earlier and made the driver fall back (modern → legacy, or the reverse). */
  readonly fallbacks: readonly CheckStep[]
  /** Checks that failed after the decisive one and explain nothing more (the legacy driver declining a
   * modern-only device id once the modern probe has failed). */
  readonly laterFailures: readonly CheckStep[]
  readonly dmesg: TriageDmesg
  readonly verdict: {readonly kind: VerdictKind; readonly reason?: string}
  readonly lints: readonly SpecLint[]
  readonly fix: Fix
  readonly hexdump: readonly string[]
  /** What the hexdump's marks mean (only the marks it uses). */
  readonly hexdumpLegend: string
  readonly evidence: DeviceEvidence
  /** `triage --oracle`: the kernel's own code on the same evidence, compared with the model. */
  readonly oracle?: DeviceOracleCheck
}

export function triageSession(session: ReplaySession): TriageReport[] {
  return session.devices.map((d) => triageDevice(d, session.evidence.devices.find((e) => e.bdf === d.bdf)!, session.profileReason))
}

export function triageDevice(device: DeviceReplay, evidence: DeviceEvidence, kernelReason: string): TriageReport {
  const o = device.predicted
  const checks = o.path.filter((s): s is CheckStep => s.check !== undefined)
  const decisive = o.rc === '0' ? undefined : decisiveCheck(checks)
  const at = decisive ? checks.indexOf(decisive) : checks.length
  const fallbacks = checks.slice(0, at)
  const laterFailures = decisive ? checks.slice(at + 1) : []
  const failure = decisive ? toFailure(decisive) : undefined
  const chain = walkCapabilityChain(evidence.config)
  const verdictKind = o.rc === '0' && device.verdict === 'agree' ? 'agree' : device.verdict
  return {
    device,
    kernelReason,
    chain,
    ...(failure ? {failure} : {}),
    fallbacks,
    laterFailures,
    dmesg: dmesgMatch(device, evidence),
    verdict: {kind: verdictKind, ...(device.verdictReason ? {reason: device.verdictReason} : {})},
    lints: device.lints,
    fix: withDriverFailure(
      disagreementFix(device) ??
        (decisive?.check === 'evidence.unknown'
          ? missingEvidenceFix(o, evidence, device.observed !== undefined && device.observed.messagesKnown !== false)
          : adviceFor(decisive, o, fallbacks)),
      device,
    ),
    hexdump: renderHexdump(evidence.config, chain.entries),
    hexdumpLegend: hexdumpLegend(evidence.config),
    evidence,
  }
}

/**
 * The check that explains a failed probe: the last one that failed, unless that is the legacy
 * driver's device-id check run as the automatic fallback of a failed modern probe. A modern-only or
 * out-of-range id can never pass it, so the modern failure before it is what needs fixing.
 */
export function decisiveCheck(checks: readonly CheckStep[]): CheckStep | undefined {
  const last = checks[checks.length - 1]
  if (last?.check === 'legacy.device-id' && checks.length > 1) return checks[checks.length - 2]
  return last
}

function toFailure(step: CheckStep): TriageFailure {
  return {
    fn: step.fn,
    rule: step.rule,
    check: step.check,
    ...(step.detail ? {detail: step.detail} : {}),
    ...(step.kernelSource ? {kernelSource: step.kernelSource} : {}),
    reads: step.basis,
    ...(step.message ? {message: step.message} : {}),
  }
}

function dmesgMatch(device: DeviceReplay, evidence: DeviceEvidence): TriageDmesg {
  const known = device.observed !== undefined && (device.observed as {messagesKnown?: boolean}).messagesKnown !== false
  const matched = evidence.messages
    .filter((m) => device.predicted.messages.some((p) => m.text.endsWith(p) || p.endsWith(m.text)))
    .map((m) => ({text: m.text, source: formatSource(m.src)}))
  const observedProbeMessages = device.observed?.messages ?? []
  const printed = evidence.messages.filter((m) => observedProbeMessages.includes(m.text)).map((m) => ({text: m.text, source: formatSource(m.src)}))
  const o = device.observed
  const says = o && known && !evidence.traced ? `transport ${o.transport} (${o.transportEvidence ?? '?'}); probe returned 0: ${o.acknowledgedKnown === false ? 'unknown' : o.acknowledged ? 'yes' : 'no'}` : undefined
  return {
    known,
    matched,
    saidNothing: known && device.predicted.messages.length === 0 && observedProbeMessages.length === 0,
    ...(printed.length > 0 ? {printed} : {}),
    ...(says ? {says} : {}),
  }
}

/** A virtio driver that failed after the transport probe succeeded: said as what it is. */
function withDriverFailure(fix: Fix, device: DeviceReplay): Fix {
  const f = device.observed?.driverFailure
  if (!f) return fix
  return {
    ...fix,
    sentence: `${fix.sentence} Then the virtio driver ${f.driver} failed its own probe with error ${f.error} (${f.line}, ${f.source}): the virtio-pci probe had succeeded and registered the device, so look at ${f.driver}'s probe (its feature and queue setup), not at the transport probe.${unreachableNote(f.ioUnreachable)}`,
  }
}

/** Why the driver saw no device: its I/O BAR behind a bridge that does not forward it. */
function unreachableNote(io: IoUnreachable | undefined): string {
  if (!io) return ''
  const reached =
    io.legacyRegistersReached === false
      ? ' No guest access reached its legacy registers (the trace has none), so whatever the driver read there came from no device (the legacy setup_vq returns -ENOENT, error -2, when QUEUE_NUM reads 0 or QUEUE_PFN reads non-zero).'
      : ''
  return ` Its I/O BAR ${io.bar} (port ${io.port}) is not reachable: the bridge ${io.bridge} above it does not forward it: ${io.reasons.join('; ')}.${reached} Fix the bridge's I/O window (for QEMU's pcie-root-port, an io-reserve that is not 0), or give the device a memory BAR (a modern transport).`
}

function disagreementFix(device: DeviceReplay): Fix | undefined {
  if (device.verdict !== 'disagree') return undefined
  return {
    side: 'kernel-or-model',
    sentence: `The traced kernel did not do what the model of ${device.kernel} predicts (${device.verdictReason ?? 'see the verdict'}): either the kernel under test changed the probe, or the model misses a rule; check the kernel's own code with --oracle.`,
  }
}
