/**
 * Model versus kernel code: compares the model's PredictedOutcome with the oracle's result for the
 * same input. Compared: rc, transport, the exact messages (level and text, in order), the mappings
 * that were established (BAR, offset, mapped length, in order) and, when the probe succeeded, the
 * virtio device id and the config ops; and, when the case gave queue_notify_off values, each queue's
 * notify mapping (vp_modern_map_vq_notify: mapped or not, where, its messages).
 */
import type {PredictedOutcome} from '../model/types.js'
import type {OracleResult} from './result.js'
import {hex} from '../util/hex.js'
import type {KernelProfile} from '../model/profiles.js'
import type {ProbeInput} from '../model/input.js'
import {ProbeRecorder} from '../model/recorder.js'
import {mapVqNotify} from '../model/setup-vq.js'

export type DifferenceKind = 'rc' | 'transport' | 'messages' | 'mappings' | 'virtio-id' | 'config-ops' | 'setup-vq' | 'undetermined'

export interface OracleDifference {
  readonly kind: DifferenceKind
  /** What the model says, rendered. */
  readonly model: string
  /** What the kernel code did, rendered. */
  readonly kernel: string
}

/**
 * agree: same outcome. disagree: see differences. oracle-undetermined: the kernel code read a byte or
 * BAR fact the input lacks while the model decided without it (the oracle cannot confirm or refute).
 */
export type ComparisonVerdict = 'agree' | 'disagree' | 'oracle-undetermined'

export interface OracleComparison {
  readonly verdict: ComparisonVerdict
  readonly differences: readonly OracleDifference[]
}

const renderMessages = (msgs: readonly {level: string; text: string}[]): string =>
  msgs.length === 0 ? '(none)' : msgs.map((m) => `<${m.level}> ${m.text}`).join('\n')

const renderMappings = (maps: readonly {bar: number; offset: number; length: number}[]): string =>
  maps.length === 0 ? '(none)' : maps.map((m) => `BAR ${m.bar} +${hex(m.offset)} len ${hex(m.length)}`).join(', ')

const num = (hex: string | undefined): number => (hex === undefined ? NaN : Number.parseInt(hex, 16))

/** The model's notify mapping of one queue, as the oracle reports it (`mapped` false on failure). */
export interface ModelQueue {
  readonly index: number
  readonly notifyOff: number
  readonly mapped: boolean | 'undetermined'
  readonly notify?: {readonly bar: number; readonly offset: string}
  readonly messages: readonly {readonly level: string; readonly text: string}[]
}

/** The model's mapVqNotify for each queue_notify_off, after a successful modern probe. */
export function modelQueues(input: ProbeInput, profile: KernelProfile, model: PredictedOutcome, notifyOffs: readonly number[]): ModelQueue[] {
  if (model.rc !== '0' || model.transport !== 'modern') return []
  return notifyOffs.map((off, index) => {
    const rec = new ProbeRecorder(input)
    const r = mapVqNotify(rec, profile, model, index, off & 0xffff)
    const messages = rec.messages.map((m) => ({level: m.level, text: m.text}))
    if (r === 'undetermined') return {index, notifyOff: off, mapped: 'undetermined', messages}
    return {index, notifyOff: off, mapped: r.ok, ...(r.ok ? {notify: r.notify} : {}), messages}
  })
}

const renderQueues = (qs: readonly {index: number; notifyOff: number; mapped: boolean | string; messages: readonly {level: string; text: string}[]}[]): string =>
  qs.length === 0 ? '(none)' : qs.map((q) => `queue ${q.index} notify_off ${q.notifyOff}: ${q.mapped === true ? 'mapped' : q.mapped === false ? 'not mapped' : q.mapped}${q.messages.length ? `; ${renderMessages(q.messages)}` : ''}`).join('\n')

export function compareWithModel(kernel: OracleResult, model: PredictedOutcome, queues?: readonly ModelQueue[]): OracleComparison {
  const kernelUndetermined = kernel.rc === 'undetermined'
  const modelUndetermined = model.rc === 'undetermined'
  if (kernelUndetermined && modelUndetermined) return {verdict: 'agree', differences: []}
  if (kernelUndetermined) {
    const what = [
      kernel.undeterminedOffsets?.length ? `config bytes ${kernel.undeterminedOffsets.map(hex).join(' ')}` : '',
      kernel.undeterminedBars?.length ? `BAR ${kernel.undeterminedBars.join(', ')} facts` : '',
    ].filter(Boolean)
    return {
      verdict: 'oracle-undetermined',
      differences: [{kind: 'undetermined', model: `rc ${model.rc}`, kernel: `undetermined: needs ${what.join(' and ') || 'unknown evidence'}`}],
    }
  }
  const diffs: OracleDifference[] = []
  if (modelUndetermined) {
    const offs = model.undeterminedOffsets?.join(' ') ?? ''
    const bars = model.undeterminedBars?.join(', ') ?? ''
    diffs.push({kind: 'undetermined', model: `undetermined (offsets ${offs || '-'}; BARs ${bars || '-'})`, kernel: `rc ${kernel.rc} without reading them`})
    return {verdict: 'disagree', differences: diffs}
  }
  if (kernel.rc !== model.rc) diffs.push({kind: 'rc', model: model.rc, kernel: kernel.rc})
  if (kernel.transport !== model.transport) diffs.push({kind: 'transport', model: model.transport, kernel: kernel.transport})

  const modelMsgs = model.messageDetails.map((m) => ({level: m.level, text: m.text}))
  const kernelMsgs = kernel.messages.map((m) => ({level: m.level, text: m.text}))
  if (renderMessages(modelMsgs) !== renderMessages(kernelMsgs)) {
    diffs.push({kind: 'messages', model: renderMessages(modelMsgs), kernel: renderMessages(kernelMsgs)})
  }

  const modelMaps = model.mappings.filter((m) => m.ok).map((m) => ({bar: m.bar, offset: num(m.offset), length: num(m.mappedLength)}))
  const kernelMaps = kernel.mappings.filter((m) => m.ok).map((m) => ({bar: m.bar, offset: m.offset, length: m.length}))
  if (renderMappings(modelMaps) !== renderMappings(kernelMaps)) {
    diffs.push({kind: 'mappings', model: renderMappings(modelMaps), kernel: renderMappings(kernelMaps)})
  }

  // Only where the kernel ran the per-queue mapping (the case gave queues, the tree has the function).
  if (kernel.queues && queues && renderQueues(kernel.queues) !== renderQueues(queues)) {
    diffs.push({kind: 'setup-vq', model: renderQueues(queues), kernel: renderQueues(kernel.queues)})
  }
  if (kernel.rc === '0' && model.rc === '0') {
    if (kernel.virtioDeviceId !== undefined && model.virtioDeviceId !== undefined && kernel.virtioDeviceId !== num(model.virtioDeviceId)) {
      diffs.push({kind: 'virtio-id', model: model.virtioDeviceId, kernel: hex(kernel.virtioDeviceId)})
    }
    if (kernel.configOps && model.configOps && kernel.configOps !== model.configOps) {
      diffs.push({kind: 'config-ops', model: model.configOps, kernel: kernel.configOps})
    }
  }
  return {verdict: diffs.length ? 'disagree' : 'agree', differences: diffs}
}

/** The differences as text, one block per kind (for reports and test failures). */
export function formatDifferences(diffs: readonly OracleDifference[]): string {
  return diffs.map((d) => `${d.kind}:\n  model:  ${d.model.replaceAll('\n', '\n          ')}\n  kernel: ${d.kernel.replaceAll('\n', '\n          ')}`).join('\n')
}
