/**
 * setup_vq of the modern transport (virtio_pci_modern.c), run for each queue a virtio driver asks for
 * after a successful probe. NOT part of the probe; modelled apart, from the probe's outcome plus the
 * queue registers the driver read. In kernel order:
 *  1. index >= num_queues -> -ENOENT (-EINVAL from 6.2 / 6.1.8), silent;
 *  2. queue_size 0, or queue_enable already set -> -ENOENT, silent;
 *  3. (up to 6.3) queue_size not a power of 2 -> dev_warn "bad queue size %u", -EINVAL;
 *  4. vring allocation and queue activation (assumed to succeed);
 *  5. the notify address: with the notify structure mapped whole, (u64)off * multiplier + 2 >
 *     notify_len -> dev_warn "bad notification offset %u (x %u) for queue %u > %zd"; per queue
 *     (notify_map_cap), vp_modern_map_capability(notify cap, minlen 2, align 2, start off * multiplier
 *     in u32, size 2) with its checks and messages. Failure: -EINVAL up to 5.12, -ENOMEM from 5.14;
 *  6. the queue's MSI-X vector, only when MSI-X is enabled (vp_modern_queue_vector: write it to
 *     queue_msix_vector, read it back; VIRTIO_MSI_NO_VECTOR back -> -EBUSY, silent; in setup_vq up to
 *     6.0, in vp_active_vq from 6.1). With INTx (MSI-X never enabled, or no MSI-X capability) no
 *     vector is written. What the interrupt setup was is taken from the trace, never assumed.
 * The legacy transport's setup_vq is not modelled.
 */
import type {DecisionStep, PredictedMessage} from './types.js'
import type {PredictedOutcome} from './types.js'
import type {ProbeInput} from './input.js'
import {vpModernMapCapability} from './map-capability.js'
import type {KernelProfile} from './profiles.js'
import {ProbeRecorder} from './recorder.js'
import {hex} from '../util/hex.js'
import {VIRTIO_MSI_NO_VECTOR} from '../pci/layout.js'
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
  /** The MSI-X vector the driver wrote to queue_msix_vector and what it read back, if it did. */
  readonly vector?: {readonly written: number; readonly readBack?: number; readonly source: string}
}

/** The device's interrupt setup as the trace shows it (outcome/queue-facts.ts). */
export interface InterruptFacts {
  /** 'enabled': a Message Control write set the MSI-X enable bit; 'never-enabled': no write did;
   * 'no-capability': the capability list has no MSI-X; 'unknown': the list is not known. */
  readonly msix: 'enabled' | 'never-enabled' | 'no-capability' | 'unknown'
  readonly msixSource?: string
  /** MSI-X table size (Message Control bits 10..0, plus one). */
  readonly tableSize?: number
  /** PCI_INTERRUPT_PIN (1..4 = INTA..INTD, 0 none) and PCI_INTERRUPT_LINE as read. */
  readonly pin?: number
  readonly pinSource?: string
  readonly line?: number
  readonly lineSource?: string
}

export type SetupVqRc = '0' | 'ENOENT' | 'EINVAL' | 'ENOMEM' | 'EBUSY' | 'undetermined'

export interface QueueOutcome {
  readonly index: number
  readonly rc: SetupVqRc
  readonly messages: readonly PredictedMessage[]
  /** Where the queue's notifications go: BAR and offset (hex), when known. */
  readonly notify?: {readonly bar: number; readonly offset: string}
  readonly path: readonly DecisionStep[]
}

const FILE = 'drivers/virtio/virtio_pci_modern.c'

export function setupVqs(
  input: ProbeInput,
  profile: KernelProfile,
  predicted: PredictedOutcome,
  numQueues: number,
  queues: readonly QueueFacts[],
  irq?: InterruptFacts,
): QueueOutcome[] {
  if (predicted.rc !== '0' || predicted.transport !== 'modern') return []
  return queues.map((q) => setupVq(input, profile, predicted, numQueues, q, irq))
}

const PINS = ['none', 'INTA', 'INTB', 'INTC', 'INTD']

/** What the trace says about the interrupt the queue will use, for the vring step. */
function interruptNote(irq: InterruptFacts | undefined): string {
  if (!irq || irq.msix === 'unknown') return 'the interrupt setup is not in the evidence'
  const intx = `INTx${irq.pin !== undefined ? ` (pin ${PINS[irq.pin] ?? irq.pin}${irq.line !== undefined ? `, line ${irq.line}` : ''})` : ''}`
  if (irq.msix === 'no-capability') return `no MSI-X capability: ${intx}, no queue vector`
  if (irq.msix === 'never-enabled') return `MSI-X never enabled${irq.tableSize !== undefined ? ` (table of ${irq.tableSize})` : ''}: ${intx}, no queue vector`
  return `MSI-X enabled (${irq.msixSource})`
}

/** vp_modern_queue_vector, when MSI-X is enabled and the trace shows the vector written. */
function queueVector(rec: ProbeRecorder, q: QueueFacts, irq: InterruptFacts | undefined, fn: string): 'EBUSY' | undefined {
  const v = q.vector
  if (irq?.msix !== 'enabled') return undefined
  if (!v) {
    // vp_find_one_vq_msix gives a queue without a callback VIRTIO_MSI_NO_VECTOR, which is never written.
    rec.step(fn, 'msix_vec != VIRTIO_MSI_NO_VECTOR', 'info', 'no vector written for this queue (a queue without a callback gets none)', FILE)
    return undefined
  }
  if (v.readBack === undefined) {
    rec.step(fn, 'vp_modern_queue_vector: read back queue_msix_vector', 'info', `vector ${v.written} written (${v.source}), its read-back not in the trace`, FILE)
    return undefined
  }
  if (v.readBack === VIRTIO_MSI_NO_VECTOR) {
    rec.step(fn, 'vp_modern_queue_vector(...) == VIRTIO_MSI_NO_VECTOR', 'fail', `vector ${v.written} written (${v.source}), read back ${hex(v.readBack)}: -EBUSY`, FILE)
    return 'EBUSY'
  }
  rec.step(fn, 'vp_modern_queue_vector(...) == VIRTIO_MSI_NO_VECTOR', 'pass', `vector ${v.written} written (${v.source}), read back ${v.readBack}`, FILE)
  return undefined
}

function setupVq(input: ProbeInput, profile: KernelProfile, predicted: PredictedOutcome, numQueues: number, q: QueueFacts, irq: InterruptFacts | undefined): QueueOutcome {
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
  rec.step('setup_vq', 'vring_create_virtqueue, queue activation', 'info', `assumed to succeed; ${interruptNote(irq)}`, FILE)
  const vectorFn = rules.queueVectorFn
  if (q.notifyOff === undefined) {
    rec.step('setup_vq', 'queue_notify_off', 'fail', 'not in the trace: notify address undetermined', FILE)
    return done('undetermined')
  }
  const r = mapVqNotify(rec, profile, predicted, q.index, q.notifyOff)
  if (r === 'undetermined') return done('undetermined')
  if (!r.ok) return done(rules.setupVqBadNotifyErrno)
  return done(queueVector(rec, q, irq, vectorFn) ?? '0', r.notify)
}

/** A queue's notification is a 16-bit write: vp_modern_map_vq_notify maps it per queue with minlen 2,
 * align 2, size 2, and checks (u64)off * multiplier + 2 against notify_len in the whole mapping. */
export const QUEUE_NOTIFY_MAP = {minlen: 2, align: 2, size: 2} as const

/** What vp_modern_map_vq_notify (5.14+; inline in setup_vq before) gives queue `index`: its notify
 * address, or a failure with its message. The oracle runs the kernel's own for the same queue. */
export function mapVqNotify(
  rec: ProbeRecorder,
  profile: KernelProfile,
  predicted: PredictedOutcome,
  index: number,
  off: number,
): {readonly ok: true; readonly notify: NonNullable<QueueOutcome['notify']>} | {readonly ok: false} | 'undetermined' {
  const rules = profile.rules
  const mult = Number.parseInt(predicted.notify?.multiplier ?? '0', 16)
  const failErrno = rules.setupVqBadNotifyErrno
  const fn = rules.modernProbeFn === 'vp_modern_probe' ? 'vp_modern_map_vq_notify' : 'setup_vq'
  if (predicted.notify?.mode === 'whole') {
    const map = predicted.mappings.find((m) => m.what === 'notify' && m.ok)!
    const notifyLen = Number.parseInt(map.kernelLength ?? '0', 16)
    if (off * mult + QUEUE_NOTIFY_MAP.size > notifyLen) {
      rec.step(fn, '(u64)off * notify_offset_multiplier + 2 > notify_len', 'fail', `-${failErrno}`, FILE)
      rec.devMessage('warn', `bad notification offset ${off} (x ${mult}) for queue ${index} > ${notifyLen}`)
      return {ok: false}
    }
    rec.step(fn, '(u64)off * notify_offset_multiplier + 2 > notify_len', 'pass', `${off} x ${mult} + 2 <= ${notifyLen}`, FILE)
    return {ok: true, notify: {bar: map.bar, offset: hex(Number.parseInt(map.offset, 16) + off * mult)}}
  }
  const cap = predicted.capabilities.find((c) => c.lookup === 'notify' && c.decision === 'chosen')!
  const modernBars = {value: Number.parseInt(predicted.modernBars ?? '0', 16)}
  try {
    const start = Math.imul(off, mult) >>> 0
    const r = vpModernMapCapability({rec, profile, modernBars}, {struct: 'notify', queue: index, off: Number.parseInt(cap.offset, 16), ...QUEUE_NOTIFY_MAP, start})
    if (!r.ok) {
      rec.step(fn, 'per-queue notify map failed', 'fail', `-${failErrno}`, FILE)
      return {ok: false}
    }
    const m = rec.mappings[rec.mappings.length - 1]!
    return {ok: true, notify: {bar: m.bar, offset: m.offset}}
  } catch (e) {
    if (!(e instanceof UnknownEvidence)) throw e
    rec.step('evidence', `${e.what} is needed and the evidence does not have it`, 'fail', 'undetermined')
    return 'undetermined'
  }
}
