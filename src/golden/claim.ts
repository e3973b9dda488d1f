/**
 * What a golden claims about one device: what the kernel does with it and what the traced kernel
 * did. No decision path, no reads, no evidence lines (triage and `replay --json` carry those), so
 * a re-capture of the same scenario, or a trace with unrelated lines added, makes the same claim.
 */
import type {CheckFacts, CheckId, DecisionStep, MappingResult, PredictedMessage, PredictedOutcome, ProbeAttempt, SpecLint} from '../model/types.js'
import type {QueueOutcome} from '../model/setup-vq.js'
import type {ObservedOutcome, VerdictKind} from '../outcome/types.js'

/** The check that ended a probe attempt (or a queue's setup), as the model typed it. */
export interface ClaimCheck {
  readonly fn: string
  readonly check: CheckId
  /** Absent only in a claim migrated from schema 1, which did not record them. */
  readonly facts?: CheckFacts[CheckId]
}

export interface ClaimMapping {
  readonly what: string
  readonly capOffset?: string
  readonly bar: number
  readonly offset: string
  readonly length: string
  readonly mappedLength?: string
  readonly kernelLength?: string
  readonly ok: boolean
}

export interface DeviceClaim {
  readonly bdf: string
  readonly qemuDevice?: string
  readonly pci: Readonly<Record<string, string>>
  /** `release`: uname -r of the traced kernel (absent for a static dump, and in schema-1 claims). */
  readonly kernel: {readonly release?: string; readonly profile: string; readonly version: string}
  readonly predicted: {
    readonly transport: PredictedOutcome['transport']
    readonly rc: PredictedOutcome['rc']
    readonly virtioDeviceId?: string
    readonly virtioType?: string
    readonly virtioDeviceIdUnknownOffsets?: readonly string[]
    readonly configOps?: string
    readonly modernBars?: string
    readonly driverMatched?: boolean
    readonly notify?: PredictedOutcome['notify']
    readonly mappings: readonly ClaimMapping[]
    /** Absent only in a claim migrated from schema 1. */
    readonly attempts?: readonly ProbeAttempt[]
    readonly checks: readonly ClaimCheck[]
    readonly messages: readonly PredictedMessage[]
    readonly undeterminedOffsets?: readonly string[]
    readonly undeterminedBars?: readonly number[]
    readonly usesInferred?: boolean
  }
  readonly setupVq?: readonly {
    readonly index: number
    readonly rc: string
    readonly notify?: QueueOutcome['notify']
    readonly messages: readonly PredictedMessage[]
    readonly checks: readonly ClaimCheck[]
  }[]
  /** Spec lint codes. */
  readonly lints: readonly string[]
  readonly observed?: {
    readonly transport: ObservedOutcome['transport']
    readonly acknowledged: boolean
    readonly driverOk: boolean
    readonly messages: readonly string[]
    readonly unattributedMessages?: readonly string[]
    readonly messagesKnown?: boolean
    readonly acknowledgedKnown?: boolean
    readonly driverOkKnown?: boolean
    readonly driverFailure?: {readonly driver: string; readonly error: number; readonly line: string}
  }
  readonly verdict: VerdictKind
}

/** What a claim is made from: one device of a replay (DeviceReplay satisfies it). */
export interface ReplayedDevice {
  readonly bdf: string
  readonly qemuDevice?: string
  readonly pci: object
  readonly predicted: PredictedOutcome
  readonly lints: readonly SpecLint[]
  readonly observed?: ObservedOutcome
  readonly setupVq?: readonly QueueOutcome[]
  readonly verdict: VerdictKind
}

export function deviceClaim(device: ReplayedDevice, release: string | undefined): DeviceClaim {
  const p = device.predicted
  return {
    bdf: device.bdf,
    ...(device.qemuDevice === undefined ? {} : {qemuDevice: device.qemuDevice}),
    pci: {...(device.pci as Record<string, string>)},
    kernel: {...(release === undefined ? {} : {release}), profile: p.kernel?.profile ?? '', version: p.kernel?.version ?? ''},
    predicted: {
      transport: p.transport,
      rc: p.rc,
      ...pick(p, ['virtioDeviceId', 'virtioType', 'virtioDeviceIdUnknownOffsets', 'configOps', 'modernBars', 'driverMatched', 'notify']),
      mappings: p.mappings.map(claimMapping),
      attempts: p.attempts,
      checks: checksOf(p.path),
      messages: p.messageDetails,
      ...pick(p, ['undeterminedOffsets', 'undeterminedBars', 'usesInferred']),
    },
    ...(device.setupVq ? {setupVq: device.setupVq.map((q) => ({index: q.index, rc: q.rc, ...pick(q, ['notify']), messages: q.messages, checks: checksOf(q.path)}))} : {}),
    lints: device.lints.map((l) => l.code),
    ...(device.observed ? {observed: observedClaim(device.observed)} : {}),
    verdict: device.verdict,
  }
}

function claimMapping(m: MappingResult): ClaimMapping {
  return {what: m.what, bar: m.bar, offset: m.offset, length: m.length, ok: m.ok, ...pick(m, ['capOffset', 'mappedLength', 'kernelLength'])}
}

/** The steps that ended a probe attempt, with what they tested (a step from schema 1 has no facts). */
export function checksOf(path: readonly DecisionStep[]): ClaimCheck[] {
  const checks: ClaimCheck[] = []
  for (const s of path) {
    if (s.check === undefined) continue
    checks.push({fn: s.fn, check: s.check, ...('facts' in s && s.facts !== undefined ? {facts: s.facts} : {})})
  }
  return checks
}

function observedClaim(o: ObservedOutcome): NonNullable<DeviceClaim['observed']> {
  return {
    transport: o.transport,
    acknowledged: o.acknowledged,
    driverOk: o.driverOk,
    messages: o.messages,
    ...pick(o, ['unattributedMessages', 'messagesKnown', 'acknowledgedKnown', 'driverOkKnown']),
    ...(o.driverFailure ? {driverFailure: {driver: o.driverFailure.driver, error: o.driverFailure.error, line: o.driverFailure.line}} : {}),
  }
}

/**
 * A claim reduced to what schema 1 recorded (no attempts, no check facts, no kernel release), so that
 * a fresh claim compares with a migrated schema-1 golden on exactly the facts that golden holds.
 */
export function asSchema1(claim: DeviceClaim): DeviceClaim {
  const {attempts: _attempts, ...predicted} = claim.predicted
  const {release: _release, ...kernel} = claim.kernel
  const bare = (checks: readonly ClaimCheck[]) => checks.map(({facts: _facts, ...c}) => c)
  return {
    ...claim,
    kernel,
    predicted: {...predicted, checks: bare(predicted.checks)},
    ...(claim.setupVq ? {setupVq: claim.setupVq.map((q) => ({...q, checks: bare(q.checks)}))} : {}),
  }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k]
  return out
}
