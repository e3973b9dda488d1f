/**
 * Triage of one device: which rule decided its fate, on which bytes, what the kernel printed (or
 * that it said nothing), whether the traced kernel agrees, and what to fix.
 */
import type {DeviceEvidence} from '../evidence/types.js'
import type {CheckId, DecisionStep, ReadFact, SpecLint} from '../model/types.js'
import type {VerdictKind} from '../outcome/types.js'
import {type CapabilityChain, walkCapabilityChain} from '../report/capability-chain.js'
import {renderHexdump} from '../report/hexdump.js'
import type {DeviceReplay, ReplaySession} from '../replay/replay.js'
import {formatSource} from '../util/source.js'
import {adviceFor, type Fix} from './advice.js'

export interface TriageFailure {
  readonly fn: string
  readonly rule: string
  readonly check?: CheckId
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
}

export interface TriageReport {
  readonly device: DeviceReplay
  readonly kernelReason: string
  readonly chain: CapabilityChain
  /** The check that ended the probe (absent when it succeeded). */
  readonly failure?: TriageFailure
  /** Checks that failed earlier and made the driver fall back (modern → legacy, or the reverse). */
  readonly fallbacks: readonly DecisionStep[]
  /** Checks that failed after the decisive one and explain nothing more (the legacy driver declining a
   * modern-only device id once the modern probe has failed). */
  readonly laterFailures: readonly DecisionStep[]
  readonly dmesg: TriageDmesg
  readonly verdict: {readonly kind: VerdictKind; readonly reason?: string}
  readonly lints: readonly SpecLint[]
  readonly fix: Fix
  readonly hexdump: readonly string[]
  readonly evidence: DeviceEvidence
}

export function triageSession(session: ReplaySession): TriageReport[] {
  return session.devices.map((d) => triageDevice(d, session.evidence.devices.find((e) => e.bdf === d.bdf)!, session.profileReason))
}

export function triageDevice(device: DeviceReplay, evidence: DeviceEvidence, kernelReason: string): TriageReport {
  const o = device.predicted
  const checks = o.path.filter((s) => s.result === 'fail' && s.check !== undefined)
  const decisive = o.rc === '0' ? undefined : decisiveCheck(checks)
  const at = decisive ? checks.indexOf(decisive) : checks.length
  const fallbacks = checks.slice(0, at)
  const laterFailures = decisive ? checks.slice(at + 1) : []
  const failure = decisive ? toFailure(decisive, o.messages, o.path) : undefined
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
    fix: disagreementFix(device) ?? adviceFor(decisive, failure?.reads ?? [], o, fallbacks),
    hexdump: renderHexdump(evidence.config, chain.entries),
    evidence,
  }
}

/**
 * The check that explains a failed probe: the last one that failed, unless that is the legacy
 * driver's device-id check run as the automatic fallback of a failed modern probe. A modern-only or
 * out-of-range id can never pass it, so the modern failure before it is what needs fixing.
 */
export function decisiveCheck(checks: readonly DecisionStep[]): DecisionStep | undefined {
  const last = checks[checks.length - 1]
  if (last?.check === 'legacy.device-id' && checks.length > 1) return checks[checks.length - 2]
  return last
}

/**
 * The values a failing check rests on. Map checks and the cycle check carry their own reads; checks
 * that test a value read earlier (ids and revision cached at enumeration, capabilities looked up
 * before the test) get the reads of the steps that produced it.
 */
export function failureReads(step: DecisionStep, path: readonly DecisionStep[]): readonly ReadFact[] {
  const before = path.slice(0, path.indexOf(step))
  if (step.check?.startsWith('map.')) return mapCallReads(step, before)
  if (step.reads.length > 0) return step.reads
  const readsWhere = (keep: (r: ReadFact) => boolean) => before.flatMap((s) => s.reads.filter(keep))
  const lookups = (which: (s: DecisionStep) => boolean) => before.filter((s) => s.fn === 'virtio_pci_find_capability' && which(s)).flatMap((s) => s.reads)
  switch (step.check) {
    case 'match.vendor':
    case 'modern.device-id':
    case 'legacy.device-id':
      return readsWhere((r) => /PCI_(VENDOR|DEVICE)_ID/.test(r.what))
    case 'legacy.revision':
      return readsWhere((r) => r.what === 'PCI_REVISION_ID')
    case 'modern.no-common':
      return lookups((s) => s.rule.startsWith('common:'))
    case 'modern.missing-caps':
      return lookups((s) => /^(isr|notify):/.test(s.rule) && (s.detail ?? '').startsWith('no usable'))
    default:
      return step.reads
  }
}

/** A map check tests bar, offset and length read once at the start of the same map call: the reads
 * of the earlier steps of that call (same function, same structure), then the check's own. */
function mapCallReads(step: DecisionStep, before: readonly DecisionStep[]): readonly ReadFact[] {
  const prefix = step.rule.slice(0, step.rule.indexOf(':') + 1)
  let start = before.length
  while (start > 0 && before[start - 1]!.fn === step.fn && before[start - 1]!.rule.startsWith(prefix) && before[start - 1]!.result === 'pass') start--
  return [...before.slice(start).flatMap((s) => s.reads), ...step.reads]
}

const MESSAGE_OF_CHECK: Partial<Record<CheckId, RegExp>> = {
  'modern.no-common': /virtio_pci: leaving for legacy driver$/,
  'legacy.revision': /^virtio_pci: expected ABI version \d+, got \d+$/,
}

function toFailure(step: DecisionStep, messages: readonly string[], path: readonly DecisionStep[]): TriageFailure {
  // The message a failing check prints is its detail (map checks) or appears in it (missing caps);
  // the two checks whose detail does not carry it are known by their kernel text.
  const known = step.check ? MESSAGE_OF_CHECK[step.check] : undefined
  const message = messages.find((m) =>
    known ? known.test(m) : step.detail !== undefined && (m.endsWith(step.detail) || step.detail.startsWith(m.replace(/^virtio-pci [0-9a-f:.]+: /, ''))),
  )
  return {
    fn: step.fn,
    rule: step.rule,
    ...(step.check ? {check: step.check} : {}),
    ...(step.detail ? {detail: step.detail} : {}),
    ...(step.kernelSource ? {kernelSource: step.kernelSource} : {}),
    reads: failureReads(step, path),
    ...(message ? {message} : {}),
  }
}

function dmesgMatch(device: DeviceReplay, evidence: DeviceEvidence): TriageDmesg {
  const known = device.observed !== undefined && (device.observed as {messagesKnown?: boolean}).messagesKnown !== false
  const matched = evidence.messages
    .filter((m) => device.predicted.messages.some((p) => m.text.endsWith(p) || p.endsWith(m.text)))
    .map((m) => ({text: m.text, source: formatSource(m.src)}))
  const observedProbeMessages = device.observed?.messages ?? []
  return {known, matched, saidNothing: known && device.predicted.messages.length === 0 && observedProbeMessages.length === 0}
}

function disagreementFix(device: DeviceReplay): Fix | undefined {
  if (device.verdict !== 'disagree') return undefined
  return {
    side: 'kernel-or-model',
    sentence: `The traced kernel did not do what the model of ${device.kernel} predicts (${device.verdictReason ?? 'see the verdict'}): either the kernel under test changed the probe, or the model misses a rule; check the kernel's own code with --oracle.`,
  }
}
