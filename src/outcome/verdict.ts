/**
 * Model vs kernel: does the traced kernel's behaviour match the predicted outcome?
 *  - disagree, with the FIRST difference among the facts that were observed, checked in this order:
 *      1. transport,
 *      2. ACKNOWLEDGE reached iff rc 0 (the kernel registered the device iff its probe returned 0),
 *      3. messages: the predicted device-named probe messages appear among the observed probe
 *         messages in order, the observed probe messages hold nothing unpredicted, and predicted
 *         unnamed lines (legacy ABI printk) are present in the log;
 *  - agree: every one of those facts was observed and matches;
 *  - undetermined otherwise: the prediction is undetermined, there is no observed side (static dump),
 *    the model predicts a hang and the trace shows no registration either, or a fact was not observed
 *    (the reason and `notCompared` name each one and why).
 * A virtio driver failing after the transport probe succeeded (observed.driverFailure) is not a probe
 * failure: the verdict is about the probe, and the reason says so where it matters.
 * Which log lines count as probe messages: see probe-messages.ts. Lines the setup_vq model predicts
 * (VerdictOptions.setupVqMessages) are set aside first.
 */
import type {PredictedOutcome} from '../model/types.js'
import type {ObservedOutcome, Verdict} from './types.js'
import {isUnattributedProbeMessage} from './probe-messages.js'

export interface VerdictOptions {
  /** Lines the setup_vq model predicts (per-queue notify maps print the same map-check lines as the
   * probe); each such observed line is set aside, once, before the probe messages are compared. */
  readonly setupVqMessages?: readonly string[]
}

export function verdict(predicted: PredictedOutcome, observed: ObservedOutcome | undefined, opts: VerdictOptions = {}): Verdict {
  if (!observed) return {kind: 'undetermined', reason: 'no observed side: a static dump shows no kernel behaviour'}
  if (predicted.rc === 'undetermined') {
    const what = [
      ...(predicted.undeterminedOffsets?.length ? [`config bytes ${predicted.undeterminedOffsets.join(', ')}`] : []),
      ...(predicted.undeterminedBars?.length ? [`BAR ${predicted.undeterminedBars.join(', ')} facts`] : []),
    ]
    return {kind: 'undetermined', reason: `prediction undetermined: the evidence lacks ${what.join(' and ') || 'needed facts'}`}
  }
  if (predicted.rc === 'hang') {
    if (observed.acknowledged) return {kind: 'disagree', reason: 'rc: predicted hang (cyclic capability list), observed the device registered'}
    return {kind: 'undetermined', reason: 'prediction: the kernel hangs walking a cyclic capability list; the trace cannot confirm a hang'}
  }
  const unobserved: Unobserved[] = []
  const done = (v: Omit<Verdict, 'notCompared'>): Verdict => (unobserved.length > 0 ? {...v, notCompared: unobserved.map(({fact, why}) => `${fact} (${why})`)} : v)

  if (observed.transport === 'unknown') unobserved.push({fact: 'transport', why: observed.transportEvidence ?? 'not traced'})
  else if (observed.transport !== predicted.transport) {
    return done({kind: 'disagree', reason: `transport: predicted ${predicted.transport}, observed ${observed.transport} (${observed.transportEvidence ?? 'trace'})`})
  }

  const expectAck = predicted.rc === '0'
  if (observed.acknowledgedKnown === false) {
    unobserved.push({fact: 'whether the probe returned 0', why: observed.acknowledgedEvidence ?? 'no virtio status events traced'})
  } else if (observed.acknowledged !== expectAck) {
    return done({
      kind: 'disagree',
      reason: expectAck
        ? `ACKNOWLEDGE: predicted rc 0 (registered), observed no registration${observed.acknowledgedEvidence ? ` (${observed.acknowledgedEvidence})` : ''}`
        : `ACKNOWLEDGE: predicted rc -${predicted.rc} (not registered), observed the device registered${observed.acknowledgedEvidence ? ` (${observed.acknowledgedEvidence})` : ''}${driverNote(observed)}`,
    })
  }

  if (observed.messagesKnown === false) unobserved.push({fact: 'messages', why: 'no kernel log'})
  else {
    const difference = compareMessages(predicted, withoutSetupVqLines(observed, opts.setupVqMessages ?? []))
    if (difference) return done({kind: 'disagree', reason: difference})
  }
  if (unobserved.length > 0) return done({kind: 'undetermined', reason: `not observed: ${joinByReason(unobserved)}`})
  return {kind: 'agree', ...(observed.driverFailure ? {reason: `the probe succeeded${driverNote(observed)}`} : {})}
}

/** A compared fact the evidence does not show, and why. */
interface Unobserved {
  readonly fact: string
  readonly why: string
}

/** `transport (why); messages (why)`, with facts missing for the same reason named once:
 * `transport and whether the probe returned 0 (why)`. */
function joinByReason(items: readonly Unobserved[]): string {
  const groups = new Map<string, string[]>()
  for (const {fact, why} of items) groups.set(why, [...(groups.get(why) ?? []), fact])
  return [...groups].map(([why, facts]) => `${facts.join(' and ')} (${why})`).join('; ')
}

/** `; then the virtio driver failed: <line>` for a driver failing after the transport probe. */
function driverNote(observed: ObservedOutcome): string {
  const f = observed.driverFailure
  if (!f) return ''
  const io = f.ioUnreachable ? `; the device's I/O BAR ${f.ioUnreachable.bar} (port ${f.ioUnreachable.port}) is not forwarded by the bridge ${f.ioUnreachable.bridge} above it` : ''
  return `; after it the virtio driver ${f.driver} failed its own probe with error ${f.error} (${f.line}, ${f.source}): a driver failure, not a transport one${io}`
}

function withoutSetupVqLines(observed: ObservedOutcome, setupVq: readonly string[]): ObservedOutcome {
  const left = [...setupVq]
  const messages = observed.messages.filter((line) => {
    const at = left.indexOf(line)
    if (at < 0) return true
    left.splice(at, 1)
    return false
  })
  return {...observed, messages}
}

/** The first message difference, or undefined. */
export function compareMessages(predicted: PredictedOutcome, observed: ObservedOutcome): string | undefined {
  const named = predicted.messages.filter((m) => !isUnattributedProbeMessage(m))
  const unnamed = predicted.messages.filter((m) => isUnattributedProbeMessage(m))
  let next = 0
  for (const line of observed.messages) {
    if (line === named[next]) {
      next++
      continue
    }
    if (named.includes(line)) return `messages: "${line}" observed out of the predicted order`
    return `messages: observed "${line}", not predicted`
  }
  if (next < named.length) return `messages: predicted "${named[next]}", not observed`
  const seen = observed.unattributedMessages ?? []
  const missing = unnamed.find((m) => !seen.includes(m))
  if (missing !== undefined) return `messages: predicted "${missing}", not observed`
  return undefined
}
