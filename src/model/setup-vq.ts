/**
 * setup_vq of the modern transport (virtio_pci_modern.c), run for each queue a virtio driver asks for
 * after a successful probe. NOT part of the probe; modelled apart, from the probe's outcome plus the
 * queue registers the driver read. In kernel order:
 *  1. index >= num_queues -> -ENOENT (-EINVAL from 6.2 / 6.1.8), silent;
 *  2. queue_size 0, or queue_enable already set -> -ENOENT, silent;
 *  3. (up to 6.3) queue_size not a power of 2 -> dev_warn "bad queue size %u", -EINVAL;
 *  4. vring allocation and queue activation (assumed to succeed; an MSI-X vector read back as
 *     NO_VECTOR gives -EBUSY, not modelled);
 *  5. the notify address: with the notify structure mapped whole, (u64)off * multiplier + 2 >
 *     notify_len -> dev_warn "bad notification offset %u (x %u) for queue %u > %zd"; per queue
 *     (notify_map_cap), vp_modern_map_capability(notify cap, minlen 2, align 2, start off * multiplier
 *     in u32, size 2) with its checks and messages. Failure: -EINVAL up to 5.12, -ENOMEM from 5.14.
 * The legacy transport's setup_vq is not modelled.
 */
import type {DecisionStep, PredictedMessage} from './types.js'
import type {PredictedOutcome} from './types.js'
import type {ProbeInput} from './input.js'
import {vpModernMapCapability} from './map-capability.js'
import type {KernelProfile} from './profiles.js'
import {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'
import {UnknownEvidence} from './unknown.js'

/** What the driver read from common config for one queue (after selecting it). */
export interface QueueFacts {
  readonly index: number
  /** queue_size as read before the driver wrote it. */
  readonly size: number
  /** queue_enable as read (false if the driver never read it). */
  readonly enabled?: boolean
  /** queue_notify_off; undefined if the trace does not show it. */
  readonly notifyOff?: number
}

export type SetupVqRc = '0' | 'ENOENT' | 'EINVAL' | 'ENOMEM' | 'undetermined'

export interface QueueOutcome {
  readonly index: number
  readonly rc: SetupVqRc
  readonly messages: readonly PredictedMessage[]
  /** Where the queue's notifications go: BAR and offset (hex), when known. */
  readonly notify?: {readonly bar: number; readonly offset: string}
  readonly path: readonly DecisionStep[]
}

const FILE = 'drivers/virtio/virtio_pci_modern.c'

export function setupVqs(input: ProbeInput, profile: KernelProfile, predicted: PredictedOutcome, numQueues: number, queues: readonly QueueFacts[]): QueueOutcome[] {
  if (predicted.rc !== '0' || predicted.transport !== 'modern') return []
  return queues.map((q) => setupVq(input, profile, predicted, numQueues, q))
}

function setupVq(input: ProbeInput, profile: KernelProfile, predicted: PredictedOutcome, numQueues: number, q: QueueFacts): QueueOutcome {
  const rec = new ProbeRecorder(input)
  const rules = profile.rules
  const done = (rc: SetupVqRc, notify?: QueueOutcome['notify']): QueueOutcome => ({
    index: q.index,
    rc,
    messages: rec.messages,
    ...(notify ? {notify} : {}),
    path: rec.path,
  })
  if (q.index >= numQueues) {
    rec.step('setup_vq', 'index >= num_queues', 'fail', `${q.index} >= ${numQueues}: -${rules.setupVqIndexErrno}`, FILE)
    return done(rules.setupVqIndexErrno)
  }
  if (!q.size || q.enabled) {
    rec.step('setup_vq', '!queue_size || queue_enable', 'fail', `size ${q.size}, enable ${q.enabled ? 1 : 0}: -ENOENT`, FILE)
    return done('ENOENT')
  }
  if (rules.setupVqPow2Check && q.size & (q.size - 1)) {
    rec.step('setup_vq', 'queue_size & (queue_size - 1)', 'fail', `size ${q.size}: -EINVAL`, FILE)
    rec.devMessage('warn', `bad queue size ${q.size}`)
    return done('EINVAL')
  }
  rec.step('setup_vq', 'vring_create_virtqueue, queue activation', 'info', 'assumed to succeed (MSI-X vector accepted)', FILE)
  if (q.notifyOff === undefined) {
    rec.step('setup_vq', 'queue_notify_off', 'fail', 'not in the trace: notify address undetermined', FILE)
    return done('undetermined')
  }
  const off = q.notifyOff
  const mult = Number.parseInt(predicted.notify?.multiplier ?? '0', 16)
  const failErrno = rules.setupVqBadNotifyErrno
  const fn = rules.modernProbeFn === 'vp_modern_probe' ? 'vp_modern_map_vq_notify' : 'setup_vq'
  if (predicted.notify?.mode === 'whole') {
    const map = predicted.mappings.find((m) => m.what === 'notify' && m.ok)!
    const notifyLen = Number.parseInt(map.kernelLength ?? '0', 16)
    if (off * mult + 2 > notifyLen) {
      rec.step(fn, '(u64)off * notify_offset_multiplier + 2 > notify_len', 'fail', `-${failErrno}`, FILE)
      rec.devMessage('warn', `bad notification offset ${off} (x ${mult}) for queue ${q.index} > ${notifyLen}`)
      return done(failErrno)
    }
    rec.step(fn, '(u64)off * notify_offset_multiplier + 2 > notify_len', 'pass', `${off} x ${mult} + 2 <= ${notifyLen}`, FILE)
    return done('0', {bar: map.bar, offset: hex(Number.parseInt(map.offset, 16) + off * mult)})
  }
  const cap = predicted.capabilities.find((c) => c.lookup === 'notify' && c.decision === 'chosen')!
  const modernBars = {value: Number.parseInt(predicted.modernBars ?? '0', 16)}
  try {
    const start = Math.imul(off, mult) >>> 0
    const r = vpModernMapCapability({rec, profile, modernBars}, {struct: 'notify', queue: q.index, off: Number.parseInt(cap.offset, 16), minlen: 2, align: 2, start, size: 2})
    if (!r.ok) {
      rec.step(fn, 'per-queue notify map failed', 'fail', `-${failErrno}`, FILE)
      return done(failErrno)
    }
    const m = rec.mappings[rec.mappings.length - 1]!
    return done('0', {bar: m.bar, offset: m.offset})
  } catch (e) {
    if (!(e instanceof UnknownEvidence)) throw e
    rec.step('evidence', `${e.what} is needed and the evidence does not have it`, 'fail', 'undetermined')
    return done('undetermined')
  }
}
